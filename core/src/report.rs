//! The report: everything the core found, as plain serialisable data.
//!
//! The report is the one contract between the core and every face (CLI
//! renderers, the wasm guest ABI, the browser playground). It is versioned by
//! [`SCHEMA_VERSION`] and deterministic: the same request gives a
//! byte-identical serialisation. [`build`] assembles it from the phases
//! before it (load, graph, checks).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::policy::Policy;
use crate::python::PythonTarget;
use crate::severity::Severity;
pub use crate::text::{Position, Span};

mod build;

pub use build::build;
// Alembic's predicted outcome is the graph phase's (graph::outcome); the
// report carries it as is.
pub use crate::graph::outcome::{
    AlembicError, AlembicErrorKind, AlembicOutcome, UpgradeHead, UpgradeVerdict,
};

/// Bumped on any incompatible change to the report's shape.
pub const SCHEMA_VERSION: u32 = 1;

/// The result of checking one request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Report {
    /// Always [`SCHEMA_VERSION`] for reports made by this build.
    pub schema_version: u32,
    /// The core's version (`CARGO_PKG_VERSION`).
    pub revguard_version: String,
    /// The policy the graph was judged by.
    pub policy: Policy,
    /// The Python version every file was compiled for, and where it came from.
    pub python: PythonTarget,
    /// Every input file and what Alembic would make of it, in input order.
    pub files: Vec<FileEntry>,
    /// Every revision object Alembic would load, in load order; shadowed
    /// duplicates included (marked).
    pub revisions: Vec<RevisionEntry>,
    /// Versioned heads (`alembic heads`), in load order; a duplicated id can
    /// appear more than once (phantom heads).
    pub heads: Vec<String>,
    /// Heads counting `depends_on` (`alembic heads --resolve-dependencies`).
    pub real_heads: Vec<String>,
    /// Revisions whose `down_revision` is empty.
    pub bases: Vec<String>,
    /// Bases that also have no `depends_on`.
    pub real_bases: Vec<String>,
    /// Every branch label and the index into [`Report::revisions`] of the
    /// revision carrying it (the first in load order when several clash; a
    /// label equal to a revision id is left out: the id wins).
    #[serde(default)]
    pub label_owners: BTreeMap<String, usize>,
    /// False when some binding could not be read statically, so the graph
    /// above may be missing revisions or edges.
    pub complete: bool,
    /// What Alembic itself would do with these files.
    pub alembic: AlembicOutcome,
    /// Findings, ordered by severity (errors first), then file and position.
    pub diagnostics: Vec<Diagnostic>,
    /// Counts per severity.
    pub summary: Summary,
}

/// One input file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FileEntry {
    /// Display path: the location's path joined with the file's path.
    pub path: String,
    /// What Alembic does with the file.
    pub role: FileRole,
    /// Position in Alembic's load order, for loaded files.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub load_index: Option<usize>,
    /// The revision id the file declares, when statically known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revision: Option<String>,
}

/// What Alembic does with a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "kebab-case")]
pub enum FileRole {
    /// Imported as a revision and kept in the map.
    Loaded,
    /// Imported, but a later file with the same id replaced it.
    Shadowed,
    /// Imported, but its revision could not be read statically.
    Unknown,
    /// Not a revision file by Alembic's rules and not migration-looking.
    Ignored,
    /// Looks like a migration, but Alembic will never load it.
    Stray,
    /// Skipped because the same resolved file was already loaded.
    LoadedTwice,
}

/// One revision object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RevisionEntry {
    /// The revision id.
    pub id: String,
    /// Index into [`Report::files`].
    pub file: usize,
    /// Parents named by `down_revision`, as written (a merge has several).
    pub down_revisions: Vec<String>,
    /// `branch_labels`, as written.
    pub branch_labels: Vec<String>,
    /// `depends_on`, as written.
    pub depends_on: Vec<String>,
    /// The message: the docstring's first paragraph.
    pub doc: String,
    /// An earlier copy of a duplicated id: Alembic keeps it only as a phantom head.
    pub shadowed: bool,
    /// Marks (head, effective-head, phantom-head, base, mergepoint, branchpoint).
    pub marks: Vec<Mark>,
    /// `down_revisions` resolved entry by entry, as Alembic's map links
    /// them: the index into [`Report::revisions`] of the kept revision with
    /// that id, or null when there is none (a branch label counts as none:
    /// Alembic fails on it).
    #[serde(default)]
    pub parents: Vec<Option<usize>>,
    /// `depends_on` resolved entry by entry: the kept revision with that id,
    /// else the one a branch label names (for a label on a shadowed
    /// duplicate, the kept copy, as in Alembic), or null.
    #[serde(default)]
    pub dependencies: Vec<Option<usize>>,
}

/// A property of a revision in the graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "kebab-case")]
pub enum Mark {
    /// A versioned head (nothing names it in `down_revision`).
    Head,
    /// A versioned head that something depends on: `(effective head)`.
    EffectiveHead,
    /// A shadowed duplicate left in Alembic's head list.
    PhantomHead,
    /// `down_revision` is empty.
    Base,
    /// Two or more `down_revision` entries.
    Mergepoint,
    /// Two or more versioned children.
    Branchpoint,
    /// Part of a cycle.
    Cycle,
    /// Its `down_revision` names something that is not there.
    MissingParent,
}

/// A finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Diagnostic {
    /// Stable kebab-case check name, e.g. `duplicate-revision`.
    pub check: String,
    /// Stable short code, e.g. `RG101`.
    pub code: String,
    /// Severity after policy and configuration.
    pub severity: Severity,
    /// One terse sentence.
    pub message: String,
    /// Source locations; the first primary label is the main location.
    pub labels: Vec<Label>,
    /// How to fix it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    /// Extra context (what Alembic will do, related revisions).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl Diagnostic {
    /// The check that emitted it, read from its wire name (`None` for a name
    /// this build does not know, as in a report of another version).
    pub fn check_id(&self) -> Option<crate::checks::CheckId> {
        // A rule reported under its check (squawk's rules under
        // `deploy-safety`) carries its own name and the check's code.
        crate::checks::CheckId::find(&self.check)
            .or_else(|| crate::checks::CheckId::find(&self.code))
    }
}

/// A labelled span in one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Label {
    /// Index into [`Report::files`].
    pub file: usize,
    /// The file's display path (repeated for convenience).
    pub path: String,
    /// Byte range.
    pub span: Span,
    /// Start, 1-based.
    pub start: Position,
    /// End (exclusive), 1-based.
    pub end: Position,
    /// What this location shows.
    pub message: String,
    /// The main location (vs. related context).
    pub primary: bool,
}

impl Label {
    /// A label at `span` in a file of `bytes` (read as UTF-8, lossily),
    /// with its 1-based start and end positions.
    pub fn in_file(
        file: usize,
        path: &str,
        bytes: &[u8],
        span: Span,
        message: String,
        primary: bool,
    ) -> Label {
        let text = String::from_utf8_lossy(bytes);
        let (start, end) = crate::text::LineIndex::new(&text).span(span);
        Label {
            file,
            path: path.to_owned(),
            span,
            start,
            end,
            message,
            primary,
        }
    }
}

/// Counts per severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Summary {
    /// Error-level findings.
    pub errors: usize,
    /// Warnings.
    pub warnings: usize,
    /// Informational findings.
    pub infos: usize,
}

impl Report {
    /// True when some finding is an error (exit code 1).
    pub fn has_errors(&self) -> bool {
        self.summary.errors > 0
    }
}
