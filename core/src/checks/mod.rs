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
use std::collections::BTreeMap;

use crate::graph::{RevIx, RevisionGraph};
use crate::load::Loaded;
use crate::parse::Attr;
use crate::report::{Diagnostic, Label, Span};
use crate::request::{Request, SeverityOverride};
use crate::severity::Severity;
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

impl Group {
    /// The group's lower-case name, as every face shows it (`graph`,
    /// `hygiene`, `history`, `safety`).
    pub fn name(self) -> &'static str {
        match self {
            Group::Graph => "graph",
            Group::Hygiene => "hygiene",
            Group::History => "history",
            Group::Safety => "safety",
        }
    }
}

/// Static facts about a check.
#[derive(Debug, Clone, Copy)]
pub struct CheckInfo {
    /// The check's identity in this build.
    pub id: CheckId,
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
                id: $crate::checks::CheckId::$ty,
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

/// The registry: every check, in report order. It generates [`CheckId`],
/// one variant per check named after its struct, and the table of each
/// check's facts and run function, in the same order.
macro_rules! registry {
    ($($module:ident::$ty:ident),* $(,)?) => {
        /// A check's identity: one variant per registered check, in report
        /// order. Its name and code ([`CheckId::info`]) are its wire form in
        /// JSON, SARIF and configuration; inside the program checks are told
        /// apart by this type, never by comparing strings.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum CheckId {
            $(
                #[doc = concat!("The check declared in `checks/", stringify!($module), ".rs`.")]
                $ty,
            )*
        }

        /// Every check, in report order.
        const CHECKS: &[(CheckInfo, RunFn)] = &[$(($module::$ty::INFO, $module::run)),*];

        /// Every check's name and code, in report order, apart from
        /// [`CHECKS`]: a caller that only recognises checks (the
        /// configuration parser, in the browser's Django module) then links
        /// neither the run functions nor the docs.
        const NAMES: &[(&str, &str)] = &[$(($module::$ty::INFO.name, $module::$ty::INFO.code)),*];
    };
}

registry![
    syntax_error::SyntaxErrorCheck,
    duplicate_revision::DuplicateRevision,
    missing_revision::MissingRevision,
    missing_down_revision::MissingDownRevision,
    invalid_revision_id::InvalidRevisionId,
    dynamic_value::DynamicValue,
    self_reference::SelfReference,
    missing_parent::MissingParent,
    missing_dependency::MissingDependency,
    branch_label_conflict::BranchLabelConflict,
    cycle::Cycle,
    multiple_heads::MultipleHeads,
    nonlinear_history::NonlinearHistory,
    unreadable_revision::UnreadableRevision,
    docstring_mismatch::DocstringMismatch,
    filename_mismatch::FilenameMismatch,
    placeholder_revision_id::PlaceholderRevisionId,
    stray_migration::StrayMigration,
    multiple_bases::MultipleBases,
    invalid_lock_file::InvalidLockFile,
    deployed_revision_missing::DeployedRevisionMissing,
    history_rewritten::HistoryRewritten,
    applied_migration_edited::AppliedMigrationEdited,
    inserted_below_deployed::InsertedBelowDeployed,
    forks_locked_history::ForksLockedHistory,
    upgrade_plan::UpgradePlan,
    database_state::DatabaseState,
    never_runs::NeverRuns,
    deploy_safety::DeploySafety,
];

impl CheckId {
    /// Every check, in report order.
    pub fn all() -> impl Iterator<Item = CheckId> {
        CHECKS.iter().map(|(info, _)| info.id)
    }

    /// The check's static facts and documentation.
    pub fn info(self) -> &'static CheckInfo {
        // The registry lists the variants and the table in one order.
        &CHECKS[self as usize].0
    }

    /// The check a name or code (case-insensitive) names.
    pub fn find(name_or_code: &str) -> Option<CheckId> {
        find(name_or_code).map(|info| info.id)
    }
}

/// Every check's static facts, in report order.
pub fn registry() -> impl Iterator<Item = &'static CheckInfo> {
    CHECKS.iter().map(|(info, _)| info)
}

/// Find a check by name or code (case-insensitive).
pub fn find(name_or_code: &str) -> Option<&'static CheckInfo> {
    registry().find(|c| names_it(c.name, c.code, name_or_code))
}

/// Every check's name and code, in report order: [`registry`] for a caller
/// that needs no more (it does not link the checks themselves).
pub fn names() -> impl Iterator<Item = (&'static str, &'static str)> {
    NAMES.iter().copied()
}

/// A check's name and code, by name or code (case-insensitive): [`find`]
/// for a caller that needs no more.
pub fn find_name(name_or_code: &str) -> Option<(&'static str, &'static str)> {
    names().find(|(name, code)| names_it(name, code, name_or_code))
}

/// Whether `name_or_code` is the check's name or its code, in any case.
fn names_it(name: &str, code: &str, name_or_code: &str) -> bool {
    name.eq_ignore_ascii_case(name_or_code) || code.eq_ignore_ascii_case(name_or_code)
}

/// What every check can look at.
pub struct Context<'a> {
    /// The request.
    pub request: &'a Request,
    /// Loaded files.
    pub loaded: &'a Loaded<'a>,
    /// The graph.
    pub graph: &'a RevisionGraph,
    /// The history inputs, parsed on first use and shared by the history
    /// checks (the lock is parsed and the base's graph built once per run).
    history: std::cell::OnceCell<crate::history::State>,
}

impl<'a> Context<'a> {
    pub(crate) fn new(request: &'a Request, loaded: &'a Loaded, graph: &'a RevisionGraph) -> Self {
        Context {
            request,
            loaded,
            graph,
            history: std::cell::OnceCell::new(),
        }
    }

    /// The history inputs of this run, derived on first use.
    pub(crate) fn history(&self) -> &crate::history::State {
        self.history
            .get_or_init(|| crate::history::State::new(self.request))
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
        let module = self.loaded.files[file].module.as_ref();
        let (start, end) = match module {
            // The facts' line table: the same positions as a line index of
            // the text, without decoding it (or having it at all).
            Some(m) => m.facts.lines.span(Span::new(
                span.start.saturating_sub(m.facts.offset),
                span.end.saturating_sub(m.facts.offset),
            )),
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
    /// The configured severity of each check, by [`CheckId`].
    overrides: Vec<Option<SeverityOverride>>,
    /// The whole configured table, for rules reported under a check
    /// (`deploy-safety`'s squawk rules).
    rules: &'a BTreeMap<String, SeverityOverride>,
    out: Vec<(CheckId, Diagnostic)>,
}

impl<'a> Sink<'a> {
    fn new(request: &'a Request) -> Self {
        let configured = &request.options.severity;
        let overrides = CHECKS
            .iter()
            .map(|(info, _)| {
                configured
                    .get(info.name)
                    .or_else(|| configured.get(info.code))
                    .copied()
            })
            .collect();
        Sink {
            overrides,
            rules: configured,
            out: Vec::new(),
        }
    }

    fn configured(&self, id: CheckId) -> Option<SeverityOverride> {
        self.overrides.get(id as usize).copied().flatten()
    }
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
        self.emit_promoted(info, name, finding, false);
    }

    /// [`Sink::emit_as`], and with `block` a finding whose severity resolves
    /// to a warning is an error (the deploy-safety `block` policy).
    pub fn emit_promoted(&mut self, info: &CheckInfo, name: &str, finding: Finding, block: bool) {
        let rule = (name != info.name)
            .then(|| self.rules.get(name).copied())
            .flatten();
        let mut severity = match rule.or_else(|| self.configured(info.id)) {
            Some(SeverityOverride::Off) => return,
            Some(SeverityOverride::Level(level)) => level,
            None => finding.severity.unwrap_or(info.severity),
        };
        if block && severity == Severity::Warning {
            severity = Severity::Error;
        }
        let diagnostic = Diagnostic {
            check: name.to_owned(),
            code: info.code.to_owned(),
            severity,
            message: finding.message,
            labels: finding.labels,
            help: finding.help,
            notes: finding.notes,
        };
        self.out.push((info.id, diagnostic));
    }
}

/// Run every enabled check. The findings come ordered by severity (errors
/// first), then by check (registry order), file, position and message.
pub fn run(request: &Request, loaded: &Loaded, graph: &RevisionGraph) -> Vec<Diagnostic> {
    let cx = Context::new(request, loaded, graph);
    let mut sink = Sink::new(request);
    for (info, run) in CHECKS {
        if sink.configured(info.id) == Some(SeverityOverride::Off) {
            continue;
        }
        run(&cx, &mut sink);
    }
    let mut diagnostics = sink.out;
    diagnostics.sort_by_cached_key(|(id, d)| {
        let first = d.labels.iter().find(|l| l.primary).or(d.labels.first());
        (
            Reverse(d.severity),
            *id,
            first.map(|l| l.path.clone()),
            first.map(|l| l.span.start),
            d.message.clone(),
        )
    });
    diagnostics.into_iter().map(|(_, d)| d).collect()
}

#[cfg(test)]
mod tests {
    use super::{CHECKS, CheckId};

    #[test]
    fn each_id_indexes_its_own_entry_of_the_table() {
        assert_eq!(CheckId::all().count(), CHECKS.len());
        for (index, id) in CheckId::all().enumerate() {
            assert_eq!(id as usize, index);
            assert_eq!(id.info().id, id);
            assert_eq!(CheckId::find(id.info().name), Some(id));
            assert_eq!(CheckId::find(&id.info().code.to_lowercase()), Some(id));
        }
        assert_eq!(CheckId::find("no-such-check"), None);
    }
}
