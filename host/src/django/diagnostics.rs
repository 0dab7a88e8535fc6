//! Django's verdict as the shared report's findings ([`Diagnostic`]s with
//! files and spans), so every machine format (SARIF, GitHub, GitLab, JUnit)
//! renders a Django project with the same renderers as an Alembic one.
//!
//! A check that means the same for both tools keeps its name and code
//! (`missing-parent` RG103, `cycle` RG105, `dynamic-value` RG111,
//! `database-state` RG308); Django's "more than one leaf per app" is
//! `multiple-leaves`, the Django form of `multiple-heads` (RG102).

use revguard_core::Severity;
use revguard_core::dialect::django::{DjangoError, HistoryFinding, Key, Reference};
use revguard_core::report::{Diagnostic, Label, Summary};
use revguard_core::text::{LineIndex, Span};
use serde_json::{Value, json};

use super::Checked;

/// Django's checks: name, code, one-line description.
pub const CHECKS: [(&str, &str, &str); 11] = [
    (
        "multiple-leaves",
        "RG102",
        "An app has more than one leaf migration: `manage.py migrate` stops with \"Conflicting migrations detected\".",
    ),
    (
        "missing-parent",
        "RG103",
        "A migration depends on a migration that does not exist: loading the graph raises NodeNotFoundError.",
    ),
    (
        "cycle",
        "RG105",
        "Migrations depend on each other in a circle: loading the graph raises CircularDependencyError.",
    ),
    (
        "dynamic-value",
        "RG111",
        "A migration module cannot be read statically (or does not import), so its place in the graph is unknown.",
    ),
    (
        "database-state",
        "RG308",
        "The database's applied migrations contradict the graph: InconsistentMigrationHistory.",
    ),
    (
        "inserted-below-deployed",
        "RG301",
        "A new migration is a dependency of applied ones (by `run_before` or rewritten `dependencies`): `manage.py migrate` raises InconsistentMigrationHistory on databases that applied them.",
    ),
    (
        "deployed-revision-missing",
        "RG302",
        "`--deployed` names a migration that is not in the repository.",
    ),
    (
        "applied-migration-edited",
        "RG303",
        "A migration recorded in the lock (or at `--base`) was edited: databases that applied it never run the edit.",
    ),
    (
        "history-rewritten",
        "RG304",
        "A migration recorded in the lock (or at `--base`) is gone from the repository.",
    ),
    (
        "forks-locked-history",
        "RG305",
        "A new migration does not start from its app's recorded leaf: merged, the app has two leaf nodes.",
    ),
    (
        "invalid-lock-file",
        "RG306",
        "The lock file cannot be read (git conflict markers, a hand edit, another format).",
    ),
];

/// The SARIF tag of a check's group, as for Alembic's: RG3 is history.
fn group(code: &str) -> &'static str {
    if code.starts_with("RG3") {
        "history"
    } else {
        "graph"
    }
}

/// Where Django's semantics are documented.
pub const DOC_URI: &str = "https://github.com/revguard/revguard/blob/main/docs/django-semantics.md";

const HELP_MERGE: &str =
    "run `python manage.py makemigrations --merge`, or make one of them depend on the other";

impl Checked {
    /// Django's verdict as findings, in the order the human output gives
    /// them: loading errors, leaf conflicts, then the history.
    pub fn diagnostics(&self) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        for error in &self.loaded.errors {
            out.push(self.error_diagnostic(error));
        }
        for (app, names) in &self.loaded.conflicts {
            out.push(self.conflict_diagnostic(app, names));
        }
        if let Some(first) = self.loaded.inconsistent.first() {
            out.push(self.error_diagnostic(first));
        }
        for finding in &self.loaded.history {
            out.push(self.history_diagnostic(finding));
        }
        out
    }

    fn history_diagnostic(&self, finding: &HistoryFinding) -> Diagnostic {
        let check = finding.check();
        let mut labels = Vec::new();
        match finding {
            HistoryFinding::InsertedBelowDeployed {
                migration, applied, ..
            } => {
                let span = applied
                    .iter()
                    .find_map(|a| self.reference_span(migration, a))
                    .or(self.class_span(migration));
                labels.extend(self.label(
                    migration,
                    span,
                    "new, but below applied migrations".into(),
                    true,
                ));
                for above in applied {
                    let span = self
                        .reference_span(above, migration)
                        .or(self.class_span(above));
                    let message = format!("applied, and depends on `{}`", migration.dotted());
                    labels.extend(self.label(above, span, message, false));
                }
            }
            HistoryFinding::ForksLockedHistory {
                migration,
                parents,
                leaves,
                ..
            } => {
                let span = parents
                    .first()
                    .and_then(|p| self.reference_span(migration, p))
                    .or(self.class_span(migration));
                let leaf = leaves.first().map_or_else(String::new, Key::dotted);
                labels.extend(self.label(
                    migration,
                    span,
                    format!("should depend on `{leaf}`"),
                    true,
                ));
            }
            HistoryFinding::AppliedMigrationEdited { migration, .. } => {
                let span = self.class_span(migration);
                labels.extend(self.label(
                    migration,
                    span,
                    "differs from the recorded file".into(),
                    true,
                ));
            }
            _ => {}
        }
        let code = CHECKS
            .iter()
            .find(|(name, _, _)| *name == check)
            .map_or("RG306", |(_, code, _)| code);
        Diagnostic {
            check: check.to_owned(),
            code: code.to_owned(),
            severity: Severity::Error,
            message: finding.message(),
            labels,
            help: finding.help(),
            notes: finding.notes(),
        }
    }

    /// Counts per severity of [`Checked::diagnostics`].
    pub fn summary(diagnostics: &[Diagnostic]) -> Summary {
        Summary {
            errors: diagnostics
                .iter()
                .filter(|d| d.severity == Severity::Error)
                .count(),
            warnings: diagnostics
                .iter()
                .filter(|d| d.severity == Severity::Warning)
                .count(),
            infos: diagnostics
                .iter()
                .filter(|d| d.severity == Severity::Info)
                .count(),
        }
    }

    /// SARIF rules for Django's checks: (name, code, rule object).
    pub fn sarif_rules() -> Vec<(String, String, Value)> {
        CHECKS
            .iter()
            .map(|(name, code, text)| {
                let docs = super::docs::docs(name).unwrap_or(*text).trim();
                let full = crate::render::sarif::section(docs, "What it does");
                let rule = json!({
                    "id": code,
                    "name": name,
                    "shortDescription": { "text": text },
                    "fullDescription": { "text": full.as_deref().unwrap_or(*text) },
                    "help": { "text": docs, "markdown": docs },
                    "helpUri": DOC_URI,
                    "defaultConfiguration": { "level": "error" },
                    "properties": { "tags": ["django", group(code)] },
                });
                ((*name).to_owned(), (*code).to_owned(), rule)
            })
            .collect()
    }

    /// The SARIF run's property bag.
    pub fn sarif_properties(&self) -> Value {
        json!({
            "dialect": "django",
            "leaves": self.loaded.leaves,
            "complete": !self
                .loaded
                .errors
                .iter()
                .any(|e| matches!(e, DjangoError::Unreadable { .. })),
        })
    }

    fn conflict_diagnostic(&self, app: &str, names: &[String]) -> Diagnostic {
        let labels = names
            .iter()
            .filter_map(|name| {
                let key = Key::new(app, name);
                let span = self.class_span(&key);
                self.label(
                    &key,
                    span,
                    format!("leaf migration `{}`", key.dotted()),
                    true,
                )
            })
            .collect();
        Diagnostic {
            check: "multiple-leaves".to_owned(),
            code: "RG102".to_owned(),
            severity: Severity::Error,
            message: format!(
                "Django app `{app}` has {} leaf migrations: {}",
                names.len(),
                names.join(", ")
            ),
            labels,
            help: Some(HELP_MERGE.to_owned()),
            notes: vec![format!(
                "`manage.py migrate` fails: CommandError: Conflicting migrations detected; multiple leaf nodes in the migration graph: ({} in {app}).",
                names.join(", ")
            )],
        }
    }

    fn error_diagnostic(&self, error: &DjangoError) -> Diagnostic {
        let (check, labels) = match error {
            DjangoError::NodeNotFound { node, origin, .. } => {
                let span = self
                    .reference_span(origin, node)
                    .or(self.class_span(origin));
                let label = self.label(
                    origin,
                    span,
                    format!("depends on `{}`", node.dotted()),
                    true,
                );
                ("missing-parent", label.into_iter().collect())
            }
            DjangoError::CircularDependency { cycle, .. } => {
                let labels = cycle
                    .iter()
                    .enumerate()
                    .filter_map(|(i, key)| {
                        let next = &cycle[(i + 1) % cycle.len()];
                        let message =
                            format!("`{}` is a parent of `{}`", key.dotted(), next.dotted());
                        self.label(key, self.class_span(key), message, i == 0)
                    })
                    .collect();
                ("cycle", labels)
            }
            DjangoError::Unreadable { migration, reason } => {
                let span = self.unreadable_span(migration);
                let label = self.label(migration, span, reason.clone(), true);
                ("dynamic-value", label.into_iter().collect())
            }
            DjangoError::InconsistentHistory {
                migration,
                dependency,
            } => {
                let message = format!("applied before `{}`", dependency.dotted());
                let label = self.label(migration, self.class_span(migration), message, true);
                ("database-state", label.into_iter().collect())
            }
            DjangoError::ValueError { .. } => ("missing-parent", Vec::new()),
        };
        let code = CHECKS
            .iter()
            .find(|(name, _, _)| *name == check)
            .map_or("RG103", |(_, code, _)| code);
        let mut notes = Vec::new();
        if self.loaded.errors.len() > 1 && !matches!(error, DjangoError::Unreadable { .. }) {
            notes.push(
                "Django raises the first of these it meets; which one depends on Python's hash order"
                    .to_owned(),
            );
        }
        Diagnostic {
            check: check.to_owned(),
            code: code.to_owned(),
            severity: Severity::Error,
            message: format!("{}: {}", error.exception(), error.message()),
            labels,
            help: None,
            notes,
        }
    }

    fn facts_of(&self, key: &Key) -> Option<&revguard_core::dialect::django::MigrationFacts> {
        self.facts.iter().find(|(k, _)| k == key).map(|(_, f)| f)
    }

    fn class_span(&self, key: &Key) -> Option<Span> {
        self.facts_of(key).and_then(|f| f.class)
    }

    fn reference_span(&self, origin: &Key, target: &Key) -> Option<Span> {
        let facts = self.facts_of(origin)?;
        facts
            .dependencies
            .iter()
            .chain(&facts.run_before)
            .find(|r| matches!(r, Reference::Key { app, name, .. } if *app == target.app && *name == target.name))
            .map(Reference::span)
    }

    fn unreadable_span(&self, key: &Key) -> Option<Span> {
        let facts = self.facts_of(key)?;
        facts
            .syntax_error
            .as_ref()
            .map(|e| e.span)
            .or_else(|| facts.problems.first().map(|p| p.span))
            .or(facts.class)
    }

    /// A label on `key`'s file (at `span`, else its first line).
    fn label(
        &self,
        key: &Key,
        span: Option<Span>,
        message: String,
        primary: bool,
    ) -> Option<Label> {
        let file = self.sources.iter().position(|(k, _, _)| k == key)?;
        let (_, path, bytes) = &self.sources[file];
        let text = String::from_utf8_lossy(bytes);
        let span = span.unwrap_or(Span::new(0, 0));
        let (start, end) = LineIndex::new(&text).span(span);
        Some(Label {
            file,
            path: path.clone(),
            span,
            start,
            end,
            message,
            primary,
        })
    }
}
