//! History inputs: the lock file, the deployed revision and a base snapshot.
//!
//! The graph checks judge the files as they are; the history checks judge
//! them against what is already applied or already merged. Three inputs, all
//! optional, all plain data passed in by the host (or the browser) in
//! [`Options::history`](crate::Options):
//!
//! - **lock** ([`LockInput`]): the text of `revguard.lock`, written by
//!   `revguard lock` next to the Alembic script location;
//! - **deployed** (`--deployed REV`): the revision the target database is at;
//! - **base** ([`BaseSnapshot`]): the version locations' files at a git ref
//!   (`--base origin/main`), read by the host with `git`.
//!
//! # The lock file (`revguard.lock`, format v1)
//!
//! ```text
//! # revguard-lock v1
//! # Written by `revguard lock`; verified by `revguard check`. Do not edit by hand.
//! # <revision> <down_revision: comma-separated, or -> sha256:<CRLF-normalised content hash> <file>
//! 038 - sha256:5b0c…e1 038_baseline.py
//! 039 038 sha256:0f7a…9c 039_add_customer_email_index.py
//! 040 039 sha256:a1d2…40 040_create_contracts_table.py
//! head 040
//! ```
//!
//! - Line 1 is the format marker; other `#` lines and blank lines are
//!   comments.
//! - One line per revision Alembic keeps (shadowed duplicates never), in
//!   topological order (every parent before its children; ties in Alembic's
//!   load order), so a linear history reads top to bottom and a new migration
//!   is always a new line at the end.
//! - `down_revision` as written (a merge lists several ids, comma-separated;
//!   `-` for a base). Alembic forbids `-` in ids, so `-` cannot be an id.
//! - The hash is SHA-256 of the file's bytes with every CRLF turned into LF,
//!   so a Windows checkout (`core.autocrlf`) and a Linux one agree. Any other
//!   byte change, comments and whitespace included, is an edit.
//! - The file is the path relative to its version location, for people and
//!   for `revguard fix` (which copy of a duplicated id was applied); the
//!   revision is identified by its id and hash, never by its path, so a
//!   rename alone is not a finding.
//! - The last line names the head(s), space-separated (`head -` when empty).
//!
//! **Why two branches conflict.** A branch that adds a migration appends its
//! line after the current last revision line and rewrites the `head` line.
//! Two branches that each add one change the same two lines differently, so
//! git's three-way merge stops with a conflict on `revguard.lock` instead of
//! merging two heads into production (the idea of django-linear-migrations'
//! `max_migration.txt` and Atlas's `atlas.sum`). Resolve it by re-pointing one
//! migration onto the other and running `revguard lock` again; a lock that
//! still carries conflict markers is reported by `invalid-lock-file`.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap, HashSet};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::graph::{Known, RevIx, RevisionGraph};
use crate::load::Loaded;
use crate::request::{InputFile, Request};

/// The file name of the lock, in the Alembic script directory.
pub const LOCK_FILE_NAME: &str = "revguard.lock";

/// The first line of every lock file.
pub const LOCK_HEADER: &str = "# revguard-lock v1";

/// History inputs of a request. All optional; an empty value (the default)
/// runs no history check.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct History {
    /// The lock file, when the project has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lock: Option<LockInput>,
    /// The revision the target database is at (`--deployed`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deployed: Option<String>,
    /// The version locations at a git ref (`--base`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base: Option<BaseSnapshot>,
    /// The rows of the live database's version table (`--database-url`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database: Option<DatabaseState>,
}

impl History {
    /// True when no history input is given.
    pub fn is_empty(&self) -> bool {
        self.lock.is_none()
            && self.deployed.is_none()
            && self.base.is_none()
            && self.database.is_none()
    }

    /// The revisions the target database is at: every row of the version
    /// table when the host read it, else `--deployed`; `None` when unknown.
    /// An empty list is a fresh database (empty version table).
    pub fn deployed_revisions(&self) -> Option<Vec<&str>> {
        match (&self.database, &self.deployed) {
            (Some(db), _) => Some(db.rows.iter().map(String::as_str).collect()),
            (None, Some(d)) => Some(vec![d.as_str()]),
            (None, None) => None,
        }
    }

    /// The one revision the database is at, when there is exactly one.
    pub fn single_deployed(&self) -> Option<&str> {
        match self.deployed_revisions()?.as_slice() {
            [one] => Some(one),
            _ => None,
        }
    }
}

/// What the host read from the live database's version table. The core
/// never connects: the host runs one read-only `SELECT` and passes the rows
/// here as plain data, so the wasm guest needs no import.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseState {
    /// The database URL with its password masked (`postgresql://app:***@db/app`).
    pub url: String,
    /// The version table, schema-qualified when a schema was given.
    pub table: String,
    /// Every row's `version_num`, in the order the database returned them.
    pub rows: Vec<String>,
}

/// The lock file's content.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LockInput {
    /// How to show the lock file to a user, e.g. `migrations/revguard.lock`.
    pub path: String,
    /// Its text.
    pub text: String,
}

/// The files of the version locations at a git ref.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BaseSnapshot {
    /// The ref, as the user wrote it (`origin/main`).
    pub git_ref: String,
    /// Files, with the same location indices as [`Request::files`].
    pub files: Vec<InputFile>,
}

/// The CRLF-normalised SHA-256 of a file's bytes, as `sha256:<hex>`.
///
/// Pure and deterministic (no platform, locale or time input), so the wasm
/// guest, the browser and the native host all agree.
pub fn content_hash(bytes: &[u8]) -> String {
    let mut hasher = Sha256::new();
    let mut rest = bytes;
    while let Some(at) = rest.windows(2).position(|w| w == b"\r\n") {
        hasher.update(&rest[..at]);
        hasher.update(b"\n");
        rest = &rest[at + 2..];
    }
    hasher.update(rest);
    let digest = hasher.finalize();
    let mut out = String::with_capacity(7 + 64);
    out.push_str("sha256:");
    for byte in digest {
        out.push(char::from(HEX[usize::from(byte >> 4)]));
        out.push(char::from(HEX[usize::from(byte & 15)]));
    }
    out
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// One revision line of a lock file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockEntry {
    /// The revision id.
    pub id: String,
    /// `down_revision`, as written.
    pub down: Vec<String>,
    /// `sha256:<hex>`.
    pub hash: String,
    /// Path relative to the version location.
    pub file: String,
    /// 1-based line in the lock file.
    pub line: usize,
}

/// A parsed lock file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Lock {
    /// Revision lines in file order.
    pub entries: Vec<LockEntry>,
    /// The `head` line's ids.
    pub heads: Vec<String>,
}

impl Lock {
    /// The entry for an id.
    pub fn get(&self, id: &str) -> Option<&LockEntry> {
        self.entries.iter().find(|e| e.id == id)
    }
}

/// Why a lock file could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockError {
    /// 1-based line (0: the file as a whole).
    pub line: usize,
    /// What is wrong.
    pub message: String,
    /// The file still has git conflict markers.
    pub conflict: bool,
}

/// Parse a lock file.
pub fn parse_lock(text: &str) -> Result<Lock, LockError> {
    let err = |line: usize, message: String| LockError {
        line,
        message,
        conflict: false,
    };
    for (i, line) in text.lines().enumerate() {
        if ["<<<<<<<", "=======", ">>>>>>>", "|||||||"]
            .iter()
            .any(|m| line.starts_with(m))
        {
            return Err(LockError {
                line: i + 1,
                message: "the lock file has git conflict markers: two branches each added a migration on top of the same head".into(),
                conflict: true,
            });
        }
    }
    let mut lines = text.lines().enumerate();
    match lines.next() {
        Some((_, first)) if first.trim_end() == LOCK_HEADER => {}
        Some((_, first)) if first.starts_with("# revguard-lock ") => {
            return Err(err(
                1,
                format!(
                    "unsupported lock format `{}`; this revguard reads `{LOCK_HEADER}`",
                    first.trim()
                ),
            ));
        }
        _ => {
            return Err(err(
                1,
                format!("not a revguard lock file (the first line must be `{LOCK_HEADER}`)"),
            ));
        }
    }
    let mut lock = Lock::default();
    let mut head_line = None;
    let mut seen = HashSet::new();
    for (i, raw) in lines {
        let line = raw.trim_end_matches('\r');
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(at) = head_line {
            return Err(err(
                i + 1,
                format!("the `head` line (line {at}) must be the last line"),
            ));
        }
        let mut fields = line.splitn(4, ' ');
        let first = fields.next().unwrap_or("");
        if first == "head" {
            let rest: Vec<&str> = line[4..].split_whitespace().collect();
            lock.heads = match rest.as_slice() {
                [] => return Err(err(i + 1, "the `head` line names no revision".into())),
                ["-"] => Vec::new(),
                ids => ids.iter().map(|s| (*s).to_owned()).collect(),
            };
            head_line = Some(i + 1);
            continue;
        }
        let (Some(down), Some(hash), Some(file)) = (fields.next(), fields.next(), fields.next())
        else {
            return Err(err(
                i + 1,
                format!(
                    "expected `<revision> <down_revision> sha256:<hash> <file>`, found `{line}`"
                ),
            ));
        };
        if !hash.starts_with("sha256:")
            || hash.len() != 7 + 64
            || !hash[7..].bytes().all(|b| HEX.contains(&b))
        {
            return Err(err(
                i + 1,
                format!("`{hash}` is not a `sha256:<64 hex digits>` hash"),
            ));
        }
        if !seen.insert(first.to_owned()) {
            return Err(err(i + 1, format!("revision `{first}` is listed twice")));
        }
        let down = if down == "-" {
            Vec::new()
        } else {
            down.split(',').map(str::to_owned).collect()
        };
        lock.entries.push(LockEntry {
            id: first.to_owned(),
            down,
            hash: hash.to_owned(),
            file: file.to_owned(),
            line: i + 1,
        });
    }
    let Some(at) = head_line else {
        return Err(err(
            0,
            "the lock file has no `head` line (truncated?)".into(),
        ));
    };
    // The head line must agree with the entries: a hand-merged lock that
    // kept both sides of a conflict fails here.
    let named: HashSet<&str> = lock
        .entries
        .iter()
        .flat_map(|e| e.down.iter().map(String::as_str))
        .collect();
    let computed: Vec<&str> = lock
        .entries
        .iter()
        .map(|e| e.id.as_str())
        .filter(|id| !named.contains(id))
        .collect();
    let mut written: Vec<&str> = lock.heads.iter().map(String::as_str).collect();
    let mut sorted = computed.clone();
    sorted.sort_unstable();
    written.sort_unstable();
    if sorted != written {
        return Err(err(
            at,
            format!(
                "the `head` line says {} but the revision lines end at {} (edited or merged by hand?)",
                show(&lock.heads),
                show(&computed.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>())
            ),
        ));
    }
    Ok(lock)
}

fn show(ids: &[String]) -> String {
    if ids.is_empty() {
        "nothing".into()
    } else {
        crate::checks::list(ids)
    }
}

/// Why the files cannot be locked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockRefusal(pub String);

/// Render the lock file for a request's files (the graph as Alembic loads it).
pub fn render_lock(request: &Request) -> Result<String, LockRefusal> {
    let loaded = crate::load::load(request);
    let graph = RevisionGraph::build(&loaded);
    render_lock_for(request, &loaded, &graph)
}

fn render_lock_for(
    request: &Request,
    loaded: &Loaded,
    graph: &RevisionGraph,
) -> Result<String, LockRefusal> {
    if let Some((file, _)) = graph.unknown_ids.first() {
        return Err(LockRefusal(format!(
            "{}: the revision id is not statically known; fix it before locking",
            loaded.files[*file].display
        )));
    }
    let mut dups: Vec<&str> = graph
        .revisions
        .iter()
        .filter(|r| r.shadowed)
        .map(|r| r.id.as_str())
        .collect();
    dups.dedup();
    if let Some(id) = dups.first() {
        return Err(LockRefusal(format!(
            "revision `{id}` is declared by several files; run `revguard fix` (or fix it by hand) before locking"
        )));
    }
    for &ix in &graph.map {
        let rev = graph.rev(ix);
        let display = &loaded.files[rev.file].display;
        if matches!(rev.down, Known::Unknown) {
            return Err(LockRefusal(format!(
                "{display}: `down_revision` is not statically known; fix it before locking"
            )));
        }
        let bad = |s: &str| {
            s.is_empty() || s == "-" || s == "head" || s.contains([',', ' ', '\t', '\n', '\r'])
        };
        if bad(&rev.id) || rev.down().iter().any(|d| bad(d)) {
            return Err(LockRefusal(format!(
                "{display}: revision `{}` (or its down_revision) cannot be written to a lock file",
                rev.id
            )));
        }
        if let Some(missing) = rev.down().iter().find(|d| graph.get(d).is_none()) {
            return Err(LockRefusal(format!(
                "{display}: `down_revision` names `{missing}`, which no file declares; fix the graph before locking"
            )));
        }
    }
    let order = topological(graph).ok_or_else(|| {
        LockRefusal("the revision graph has a cycle; fix it before locking".into())
    })?;
    let mut out = String::new();
    out.push_str(LOCK_HEADER);
    out.push('\n');
    out.push_str(
        "# Written by `revguard lock`; verified by `revguard check`. Do not edit by hand.\n",
    );
    out.push_str("# <revision> <down_revision: comma-separated, or -> sha256:<CRLF-normalised content hash> <file>\n");
    for ix in &order {
        let rev = graph.rev(*ix);
        let down = if rev.down().is_empty() {
            "-".to_owned()
        } else {
            rev.down().join(",")
        };
        let input = &request.files[rev.file];
        let hash = content_hash(input.content.bytes().unwrap_or_default());
        out.push_str(&format!("{} {down} {hash} {}\n", rev.id, input.path));
    }
    let mut heads: Vec<&str> = graph
        .heads
        .iter()
        .filter(|h| !graph.rev(**h).shadowed)
        .map(|h| graph.rev(*h).id.as_str())
        .collect();
    if heads.is_empty() {
        heads.push("-");
    }
    out.push_str(&format!("head {}\n", heads.join(" ")));
    Ok(out)
}

/// The winning revisions in topological order (parents first, ties in map
/// order), along `down_revision` edges. `None` on a cycle.
pub(crate) fn topological(graph: &RevisionGraph) -> Option<Vec<RevIx>> {
    let position: HashMap<RevIx, usize> = graph
        .map
        .iter()
        .enumerate()
        .map(|(i, ix)| (*ix, i))
        .collect();
    let mut pending: HashMap<RevIx, usize> = HashMap::new();
    let mut children: HashMap<RevIx, Vec<RevIx>> = HashMap::new();
    for &ix in &graph.map {
        let mut parents: Vec<RevIx> = graph
            .rev(ix)
            .down()
            .iter()
            .filter_map(|d| graph.get(d))
            .collect();
        parents.sort();
        parents.dedup();
        pending.insert(ix, parents.len());
        for p in parents {
            children.entry(p).or_default().push(ix);
        }
    }
    let mut ready: BinaryHeap<Reverse<(usize, RevIx)>> = graph
        .map
        .iter()
        .filter(|ix| pending[ix] == 0)
        .map(|ix| Reverse((position[ix], *ix)))
        .collect();
    let mut out = Vec::with_capacity(graph.map.len());
    while let Some(Reverse((_, ix))) = ready.pop() {
        out.push(ix);
        for child in children.get(&ix).into_iter().flatten() {
            let n = pending.get_mut(child)?;
            *n -= 1;
            if *n == 0 {
                ready.push(Reverse((position[child], *child)));
            }
        }
    }
    (out.len() == graph.map.len()).then_some(out)
}

/// The base snapshot, loaded.
pub(crate) struct Base {
    pub git_ref: String,
    /// Owns its texts: it cannot borrow from `request` in the same struct.
    pub loaded: Loaded<'static>,
    pub graph: RevisionGraph,
    pub request: Request,
}

/// History inputs, parsed once per check run and shared by the checks.
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

/// Ancestors of several revisions (inclusive), by `down_revision`, through
/// the winning objects.
pub(crate) fn ancestors_of(graph: &RevisionGraph, from: &[RevIx]) -> HashSet<RevIx> {
    let mut seen: HashSet<RevIx> = HashSet::new();
    let mut stack: Vec<RevIx> = from.to_vec();
    while let Some(ix) = stack.pop() {
        if !seen.insert(ix) {
            continue;
        }
        for d in graph.rev(ix).down() {
            if let Some(p) = graph.get(d)
                && !seen.contains(&p)
            {
                stack.push(p);
            }
        }
    }
    seen
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crlf_hash_matches_lf() {
        assert_eq!(content_hash(b"a\r\nb\r\n"), content_hash(b"a\nb\n"));
        assert_ne!(content_hash(b"a\rb"), content_hash(b"a\nb"));
        assert_eq!(
            content_hash(b""),
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn parse_round_trip_and_errors() {
        let h = format!("sha256:{}", "0".repeat(64));
        let text = format!("{LOCK_HEADER}\n# c\na - {h} a.py\nb a {h} b x.py\nhead b\n");
        let lock = parse_lock(&text).unwrap();
        assert_eq!(lock.entries.len(), 2);
        assert_eq!(lock.entries[1].file, "b x.py");
        assert_eq!(lock.heads, ["b"]);
        let bad = format!("{LOCK_HEADER}\na - {h} a.py\nhead a\nb a {h} b.py\n");
        assert!(parse_lock(&bad).is_err());
        let wrong_head = format!("{LOCK_HEADER}\na - {h} a.py\nb a {h} b.py\nhead a\n");
        assert!(parse_lock(&wrong_head).is_err());
        let conflict = format!("{LOCK_HEADER}\na - {h} a.py\n<<<<<<< HEAD\nhead a\n");
        assert!(parse_lock(&conflict).unwrap_err().conflict);
    }
}
