//! Phase 5: checks. One check per file; each check's doc comment is its
//! documentation (`revguard explain <check>` prints it).
//!
//! A check reads the [`Context`] (request, loaded files, graph) and emits
//! diagnostics through a [`Sink`], which applies the configured severity.
//! [`run`] returns the findings; [`crate::report::build`] puts them into the
//! report with everything else.

mod applied_migration_edited;
mod branch_label_conflict;
mod cycle;
mod database_state;
mod deploy_safety;
mod deployed_revision_missing;
mod docstring_mismatch;
mod duplicate_revision;
mod dynamic_value;
mod filename_mismatch;
mod forks_locked_history;
mod history_rewritten;
mod inserted_below_deployed;
mod invalid_lock_file;
mod invalid_revision_id;
mod missing_dependency;
mod missing_down_revision;
mod missing_parent;
mod missing_revision;
mod multiple_bases;
mod multiple_heads;
mod never_runs;
mod nonlinear_history;
mod placeholder_revision_id;
mod self_reference;
mod stray_migration;
pub(crate) mod suggest;
mod syntax_error;
mod unreadable_revision;
mod upgrade_plan;

use std::cmp::Reverse;

use crate::graph::{RevIx, RevisionGraph};
use crate::load::Loaded;
use crate::parse::Attr;
use crate::report::{Diagnostic, Label, Span};
use crate::request::{Request, SeverityOverride};
use crate::severity::Severity;
use crate::text::LineIndex;
pub(crate) use crate::text::list;

/// Which family a check belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    /// The revision graph as Alembic builds it.
    Graph,
    /// Consistency and tidiness; warnings.
    Hygiene,
    /// Needs a lock file, a deployed revision or a base snapshot.
    History,
    /// What a migration does to a live database (squawk's rules).
    Safety,
}

/// Static facts about a check.
#[derive(Debug, Clone, Copy)]
pub struct CheckInfo {
    /// Stable kebab-case name.
    pub name: &'static str,
    /// Stable short code.
    pub code: &'static str,
    /// Severity unless configured otherwise.
    pub severity: Severity,
    /// Family.
    pub group: Group,
    /// The doc comment (Markdown).
    pub docs: &'static str,
}

/// Declares a check: its doc comment becomes both rustdoc and runtime docs.
macro_rules! declare_check {
    (
        $(#[doc = $doc:literal])*
        pub struct $ty:ident {
            name: $name:literal,
            code: $code:literal,
            severity: $severity:ident,
            group: $group:ident $(,)?
        }
    ) => {
        $(#[doc = $doc])*
        pub struct $ty;

        impl $ty {
            /// Static facts and documentation.
            pub const INFO: $crate::checks::CheckInfo = $crate::checks::CheckInfo {
                name: $name,
                code: $code,
                severity: $crate::severity::Severity::$severity,
                group: $crate::checks::Group::$group,
                docs: concat!($($doc, "\n"),*),
            };
        }
    };
}
pub(crate) use declare_check;

type RunFn = fn(&Context<'_>, &mut Sink<'_>);

/// Every check, in report order.
const CHECKS: &[(CheckInfo, RunFn)] = &[
    (syntax_error::SyntaxErrorCheck::INFO, syntax_error::run),
    (
        duplicate_revision::DuplicateRevision::INFO,
        duplicate_revision::run,
    ),
    (
        missing_revision::MissingRevision::INFO,
        missing_revision::run,
    ),
    (
        missing_down_revision::MissingDownRevision::INFO,
        missing_down_revision::run,
    ),
    (
        invalid_revision_id::InvalidRevisionId::INFO,
        invalid_revision_id::run,
    ),
    (dynamic_value::DynamicValue::INFO, dynamic_value::run),
    (self_reference::SelfReference::INFO, self_reference::run),
    (missing_parent::MissingParent::INFO, missing_parent::run),
    (
        missing_dependency::MissingDependency::INFO,
        missing_dependency::run,
    ),
    (
        branch_label_conflict::BranchLabelConflict::INFO,
        branch_label_conflict::run,
    ),
    (cycle::Cycle::INFO, cycle::run),
    (multiple_heads::MultipleHeads::INFO, multiple_heads::run),
    (
        nonlinear_history::NonlinearHistory::INFO,
        nonlinear_history::run,
    ),
    (
        unreadable_revision::UnreadableRevision::INFO,
        unreadable_revision::run,
    ),
    (
        docstring_mismatch::DocstringMismatch::INFO,
        docstring_mismatch::run,
    ),
    (
        filename_mismatch::FilenameMismatch::INFO,
        filename_mismatch::run,
    ),
    (
        placeholder_revision_id::PlaceholderRevisionId::INFO,
        placeholder_revision_id::run,
    ),
    (stray_migration::StrayMigration::INFO, stray_migration::run),
    (multiple_bases::MultipleBases::INFO, multiple_bases::run),
    (
        invalid_lock_file::InvalidLockFile::INFO,
        invalid_lock_file::run,
    ),
    (
        deployed_revision_missing::DeployedRevisionMissing::INFO,
        deployed_revision_missing::run,
    ),
    (
        history_rewritten::HistoryRewritten::INFO,
        history_rewritten::run,
    ),
    (
        applied_migration_edited::AppliedMigrationEdited::INFO,
        applied_migration_edited::run,
    ),
    (
        inserted_below_deployed::InsertedBelowDeployed::INFO,
        inserted_below_deployed::run,
    ),
    (
        forks_locked_history::ForksLockedHistory::INFO,
        forks_locked_history::run,
    ),
    (upgrade_plan::UpgradePlan::INFO, upgrade_plan::run),
    (database_state::DatabaseState::INFO, database_state::run),
    (never_runs::NeverRuns::INFO, never_runs::run),
    (deploy_safety::DeploySafety::INFO, deploy_safety::run),
];

/// Every check's static facts, in report order.
pub fn registry() -> impl Iterator<Item = &'static CheckInfo> {
    CHECKS.iter().map(|(info, _)| info)
}

/// Find a check by name or code (case-insensitive).
pub fn find(name_or_code: &str) -> Option<&'static CheckInfo> {
    registry().find(|c| {
        c.name.eq_ignore_ascii_case(name_or_code) || c.code.eq_ignore_ascii_case(name_or_code)
    })
}

/// What every check can look at.
pub struct Context<'a> {
    /// The request.
    pub request: &'a Request,
    /// Loaded files.
    pub loaded: &'a Loaded<'a>,
    /// The graph.
    pub graph: &'a RevisionGraph,
    /// Line indexes, built on first use (most files never get a label).
    lines: Vec<std::cell::OnceCell<Option<LineIndex<'a>>>>,
}

impl<'a> Context<'a> {
    pub(crate) fn new(request: &'a Request, loaded: &'a Loaded, graph: &'a RevisionGraph) -> Self {
        let lines = loaded
            .files
            .iter()
            .map(|_| std::cell::OnceCell::new())
            .collect();
        Context {
            request,
            loaded,
            graph,
            lines,
        }
    }

    /// A file's display path.
    pub fn path(&self, file: usize) -> &str {
        &self.loaded.files[file].display
    }

    /// A label on a byte span of a file.
    pub fn label(
        &self,
        file: usize,
        span: Span,
        message: impl Into<String>,
        primary: bool,
    ) -> Label {
        let offset = self.loaded.files[file]
            .module
            .as_ref()
            .map_or(0, |m| m.offset);
        let index = self.lines[file].get_or_init(|| {
            self.loaded.files[file]
                .module
                .as_ref()
                .map(|m| LineIndex::new(&m.text))
        });
        let (start, end) = match index {
            Some(index) => {
                let local = Span::new(
                    span.start.saturating_sub(offset),
                    span.end.saturating_sub(offset),
                );
                index.span(local)
            }
            None => Default::default(),
        };
        let one = |p: crate::report::Position| {
            if p.line == 0 {
                crate::report::Position { line: 1, column: 1 }
            } else {
                p
            }
        };
        Label {
            file,
            path: self.path(file).to_owned(),
            span,
            start: one(start),
            end: one(end),
            message: message.into(),
            primary,
        }
    }

    /// A label on the statement binding `attr` in a revision's file (or the
    /// file's start when unbound).
    pub fn attr_label(
        &self,
        rev: RevIx,
        attr: Attr,
        message: impl Into<String>,
        primary: bool,
    ) -> Label {
        let revision = self.graph.rev(rev);
        let span = revision.span(attr).unwrap_or_default();
        self.label(revision.file, span, message, primary)
    }

    /// The id of a revision.
    pub fn id(&self, rev: RevIx) -> &str {
        &self.graph.rev(rev).id
    }

    /// The display path of a revision's file.
    pub fn rev_path(&self, rev: RevIx) -> &str {
        self.path(self.graph.rev(rev).file)
    }

    /// True when some binding could not be read, so shape checks would guess.
    pub fn incomplete(&self) -> bool {
        !self.graph.is_complete()
    }
}

/// Collects diagnostics, applying configured severities.
pub struct Sink<'a> {
    request: &'a Request,
    out: Vec<Diagnostic>,
}

/// A diagnostic before severity is applied.
pub struct Finding {
    /// Terse message.
    pub message: String,
    /// Labels.
    pub labels: Vec<Label>,
    /// How to fix.
    pub help: Option<String>,
    /// Context.
    pub notes: Vec<String>,
    /// Overrides the check's default severity (before configuration).
    pub severity: Option<Severity>,
}

impl Finding {
    /// A finding with a message and labels.
    pub fn new(message: impl Into<String>, labels: Vec<Label>) -> Self {
        Finding {
            message: message.into(),
            labels,
            help: None,
            notes: Vec::new(),
            severity: None,
        }
    }

    /// Add help.
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Add a note.
    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    /// Use a severity other than the check's default.
    pub fn severity(mut self, severity: Severity) -> Self {
        self.severity = Some(severity);
        self
    }
}

impl Sink<'_> {
    /// Emit a finding of a check.
    pub fn emit(&mut self, info: &CheckInfo, finding: Finding) {
        self.emit_as(info, info.name, finding);
    }

    /// Emit a finding of a check under one of its rules' names (squawk's
    /// rules under `deploy-safety`): the rule's configured severity wins,
    /// then the check's.
    pub fn emit_as(&mut self, info: &CheckInfo, name: &str, finding: Finding) {
        let severity = &self.request.options.severity;
        let configured = severity
            .get(name)
            .or_else(|| severity.get(info.name))
            .or_else(|| severity.get(info.code));
        let severity = match configured {
            Some(SeverityOverride::Off) => return,
            Some(SeverityOverride::Level(level)) => *level,
            None => finding.severity.unwrap_or(info.severity),
        };
        self.out.push(Diagnostic {
            check: name.to_owned(),
            code: info.code.to_owned(),
            severity,
            message: finding.message,
            labels: finding.labels,
            help: finding.help,
            notes: finding.notes,
        });
    }
}

/// Run every enabled check. The findings come ordered by severity (errors
/// first), then by check (registry order), file, position and message.
pub fn run(request: &Request, loaded: &Loaded, graph: &RevisionGraph) -> Vec<Diagnostic> {
    let cx = Context::new(request, loaded, graph);
    let mut sink = Sink {
        request,
        out: Vec::new(),
    };
    for (info, run) in CHECKS {
        if matches!(
            request.options.severity.get(info.name),
            Some(SeverityOverride::Off)
        ) {
            continue;
        }
        run(&cx, &mut sink);
    }
    let mut diagnostics = sink.out;
    let order = |d: &Diagnostic| {
        CHECKS
            .iter()
            .position(|(i, _)| i.name == d.check)
            .unwrap_or(usize::MAX)
    };
    diagnostics.sort_by_cached_key(|d| {
        let first = d.labels.iter().find(|l| l.primary).or(d.labels.first());
        (
            Reverse(d.severity),
            order(d),
            first.map(|l| l.path.clone()),
            first.map(|l| l.span.start),
            d.message.clone(),
        )
    });
    diagnostics
}
