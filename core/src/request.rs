//! What the core is asked to check: files as data, plus options.
//!
//! The host (or the browser) lists every file it found under each configured
//! version location and passes its bytes; the core applies Alembic's name filter
//! and load order itself (`docs/alembic-semantics.md`, sections 2 and 3) so
//! that every face agrees.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use crate::policy::Policy;
use crate::python::PythonTarget;
use crate::safety::{Linted, SafetySettings};
use crate::severity::Severity;

/// A check request: the files of every version location plus options.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// Version locations in configured order. An empty list means one
    /// unnamed location (index 0).
    #[serde(default)]
    pub locations: Vec<Location>,
    /// Every file found under the locations (any name; the core filters).
    #[serde(default)]
    pub files: Vec<InputFile>,
    /// Policy, configuration and history inputs.
    #[serde(default)]
    pub options: Options,
}

/// One entry of `version_locations`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Location {
    /// How to show the location to a user, e.g. `migrations/versions`.
    pub path: String,
}

/// One file under a location.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputFile {
    /// Index into [`Request::locations`].
    #[serde(default)]
    pub location: usize,
    /// Path relative to the location, `/`-separated.
    pub path: String,
    /// The real path when the file is reached through a symlink or another
    /// location (Alembic filters on, and de-duplicates by, the resolved path).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub real_path: Option<String>,
    /// The file's bytes, or why the host did not read them.
    pub content: Content,
}

/// A file's content as the host read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Content {
    /// Valid UTF-8 text.
    Text(String),
    /// Raw bytes: not valid UTF-8 (the parser reports where), or not
    /// validated yet (the guest ABI passes every file this way).
    Bytes(Vec<u8>),
    /// Not read: too large, unreadable, or compiled bytecode.
    Unread(String),
}

impl Content {
    /// Content from raw bytes, choosing the compact text form when possible.
    pub fn from_bytes(bytes: Vec<u8>) -> Content {
        match String::from_utf8(bytes) {
            Ok(text) => Content::Text(text),
            Err(err) => Content::Bytes(err.into_bytes()),
        }
    }

    /// The raw bytes, when they were read.
    pub fn bytes(&self) -> Option<&[u8]> {
        match self {
            Content::Text(text) => Some(text.as_bytes()),
            Content::Bytes(bytes) => Some(bytes),
            Content::Unread(_) => None,
        }
    }
}

/// Options that change how the graph is read and judged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Options {
    /// Which graph shapes are acceptable.
    pub policy: Policy,
    /// `recursive_version_locations = true`.
    pub recursive: bool,
    /// `sourceless = true`: `.pyc`/`.pyo` files are revision files too.
    pub sourceless: bool,
    /// Alembic's `file_template`; `None` means the default `%%(rev)s_%%(slug)s`.
    pub file_template: Option<String>,
    /// Per-check severity overrides, keyed by check name or code.
    pub severity: BTreeMap<String, SeverityOverride>,
    /// History inputs: lock file, deployed revision, base snapshot.
    #[serde(skip_serializing_if = "History::is_empty")]
    pub history: History,
    /// The Python version files must compile under, and where it came from.
    pub python: PythonTarget,
    /// Whole-file verdicts computed elsewhere, by input file index (`null`:
    /// the file compiles). The browser's first module is built without the
    /// Python parser and gets them from its lazily loaded validator; a file
    /// listed here is not validated again.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub verdicts: BTreeMap<usize, Option<GivenSyntaxError>>,
    /// Deploy-safety lints computed elsewhere, by input file index. The
    /// browser's first module has neither Ruff's parser nor squawk and gets
    /// them from its lazily loaded modules; a file's lint given here is
    /// used when it ran under this request's [`Options::safety`] (its
    /// fingerprint), like the per-file phase's. Not part of the JSON
    /// request: a binding sets it (deserializing it would cost the
    /// browser's first module, which never takes it, about 7 KB).
    #[serde(skip)]
    pub lints: BTreeMap<usize, Linted>,
    /// The deploy-safety lint's settings (`docs/safety.md`).
    #[serde(skip_serializing_if = "SafetySettings::is_default")]
    pub safety: SafetySettings,
}

/// A syntax error found by another build of the same core
/// (`revguard_core::parse::compile_module`), in file offsets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct GivenSyntaxError {
    /// The message.
    pub message: String,
    /// Start offset in the file's bytes.
    pub start: usize,
    /// End offset (exclusive).
    pub end: usize,
    /// The verdict is unknown (an encoding or a nesting depth revguard
    /// does not validate).
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(as = "Option<_>", optional))]
    pub unsupported: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            policy: Policy::SingleHead,
            recursive: false,
            sourceless: false,
            file_template: None,
            severity: BTreeMap::new(),
            history: History::default(),
            python: PythonTarget::default(),
            verdicts: BTreeMap::new(),
            lints: BTreeMap::new(),
            safety: SafetySettings::default(),
        }
    }
}

/// A configured severity for one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SeverityOverride {
    /// Do not run the check.
    Off,
    /// Report at this severity.
    #[serde(untagged)]
    Level(Severity),
}

// ------------------------------------------------------------ history inputs
// Plain data the host (or the browser) reads; the `history` module and the
// history checks judge the files against it.

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
    /// The database URL, masked from the scheme to the host (`postgresql://***@db/app`).
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
