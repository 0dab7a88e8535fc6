//! History inputs: the lock file, the deployed revision and a base snapshot.
//!
//! The graph checks judge the files as they are; the history checks judge
//! them against what is already applied or already merged. Four inputs, all
//! optional, all plain data passed in by the host (or the browser) in
//! [`Options::history`](crate::Options):
//!
//! - **lock** ([`LockInput`]): the text of `revguard.lock`, written by
//!   `revguard lock` next to the Alembic script location;
//! - **deployed** (`--deployed REV`): the revision the target database is at;
//! - **base** ([`BaseSnapshot`]): the version locations' files at a git ref
//!   (`--base origin/main`), read by the host with `git`;
//! - **database** ([`DatabaseState`]): the rows of the live database's
//!   version table (`--database-url`), read by the host.
//!
//! The inputs themselves are request data (defined with the [`Request`]);
//! the lock file's format, and how it is parsed and rendered, is in the
//! `lock` submodule ([`parse_lock`], [`render_lock`]). This module holds
//! what one check run derives from the inputs for the history checks.

mod lock;

use std::collections::{BTreeMap, HashSet};

use crate::graph::{RevIx, RevisionGraph};
use crate::load::Loaded;
use crate::request::Request;

pub use crate::request::{BaseSnapshot, DatabaseState, History, LockInput};
pub(crate) use lock::conflict_markers;
pub use lock::{
    LOCK_FILE_NAME, LOCK_HEADER, Lock, LockEntry, LockError, LockRefusal, content_hash, parse_lock,
    render_lock,
};

/// The base snapshot, loaded.
pub(crate) struct Base {
    pub git_ref: String,
    /// Owns its texts: it cannot borrow from `request` in the same struct.
    pub loaded: Loaded<'static>,
    pub graph: RevisionGraph,
    pub request: Request,
}

/// History inputs, parsed once per check run (on first use, by
/// [`Context::history`](crate::checks::Context)) and shared by the checks.
pub(crate) struct State {
    /// The lock's display path and its parse result.
    pub lock: Option<(String, Result<Lock, LockError>)>,
    /// The deployed revision.
    pub deployed: Option<String>,
    /// The base snapshot.
    pub base: Option<Base>,
}

impl State {
    pub(crate) fn new(request: &Request) -> State {
        let history = &request.options.history;
        let lock = history
            .lock
            .as_ref()
            .map(|l| (l.path.clone(), parse_lock(&l.text)));
        let base = history.base.as_ref().map(|b| {
            let mut options = request.options.clone();
            options.history = History::default();
            let base_request = Request {
                locations: request.locations.clone(),
                files: b.files.clone(),
                options,
            };
            let loaded = crate::load::load(&base_request).into_owned();
            let graph = RevisionGraph::build(&loaded);
            Base {
                git_ref: b.git_ref.clone(),
                loaded,
                graph,
                request: base_request,
            }
        });
        State {
            lock,
            deployed: history.single_deployed().map(str::to_owned),
            base,
        }
    }

    /// The parsed lock, when there is a readable one.
    pub(crate) fn lock(&self) -> Option<(&str, &Lock)> {
        match &self.lock {
            Some((path, Ok(lock))) => Some((path.as_str(), lock)),
            _ => None,
        }
    }

    /// Ids recorded as history: the lock's entries, then the base's winners.
    pub(crate) fn recorded(&self) -> HashSet<String> {
        let mut out: HashSet<String> = HashSet::new();
        if let Some((_, lock)) = self.lock() {
            out.extend(lock.entries.iter().map(|e| e.id.clone()));
        }
        if let Some(base) = &self.base {
            out.extend(
                base.graph
                    .map
                    .iter()
                    .map(|ix| base.graph.rev(*ix).id.clone()),
            );
        }
        out
    }

    /// The recorded heads (lock first, else base).
    pub(crate) fn recorded_heads(&self) -> Vec<String> {
        if let Some((_, lock)) = self.lock() {
            return lock.heads.clone();
        }
        if let Some(base) = &self.base {
            let mut heads: Vec<String> = base
                .graph
                .heads
                .iter()
                .filter(|h| !base.graph.rev(**h).shadowed)
                .map(|h| base.graph.rev(*h).id.clone())
                .collect();
            heads.dedup();
            return heads;
        }
        Vec::new()
    }

    /// Where the recorded history comes from, for messages.
    pub(crate) fn source(&self) -> String {
        match (&self.lock(), &self.base) {
            (Some((path, _)), Some(base)) => format!("{path} and `{}`", base.git_ref),
            (Some((path, _)), None) => (*path).to_owned(),
            (None, Some(base)) => format!("`{}`", base.git_ref),
            (None, None) => "the recorded history".into(),
        }
    }
}

/// The content hash of a revision's file in a request.
pub(crate) fn hash_of(request: &Request, graph: &RevisionGraph, ix: RevIx) -> Option<String> {
    request.files[graph.rev(ix).file]
        .content
        .bytes()
        .map(content_hash)
}

/// Hashes of the base's winning revisions by id.
pub(crate) fn base_hashes(base: &Base) -> BTreeMap<String, String> {
    base.graph
        .map
        .iter()
        .filter_map(|ix| {
            hash_of(&base.request, &base.graph, *ix).map(|h| (base.graph.rev(*ix).id.clone(), h))
        })
        .collect()
}
