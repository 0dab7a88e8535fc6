//! Django's verdict as users see it, for every face (the CLI's formats and
//! the browser playground) alike: the findings as the shared report's
//! [`Diagnostic`]s with files and spans, and the graph as nodes and edges
//! grouped per app ([`Drawing`]).
//!
//! A check that means the same for both tools keeps its name and code
//! (`missing-parent` RG103, `cycle` RG105, `dynamic-value` RG111,
//! `database-state` RG308); Django's "more than one leaf per app" is
//! `multiple-leaves`, the Django form of `multiple-heads` (RG102).

use std::collections::BTreeSet;

use serde::Serialize;

use super::{DjangoError, HistoryFinding, Key, Loaded, MigrationFacts, Reference};
use crate::Severity;
use crate::report::{Diagnostic, Label};
use crate::text::Span;

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

const HELP_MERGE: &str =
    "run `python manage.py makemigrations --merge`, or make one of them depend on the other";

/// A checked project: the verdict with the files it was made from.
#[derive(Debug, Clone, Copy)]
pub struct View<'a> {
    /// Django's verdict.
    pub loaded: &'a Loaded,
    /// Every migration read: key, display path, bytes. Label `file`
    /// indices are positions here.
    pub sources: &'a [(Key, String, Vec<u8>)],
    /// The reader's facts of each migration, by key.
    pub facts: &'a [(Key, MigrationFacts)],
    /// The labels of the apps in the repository (a node of another app is
    /// an installed package's).
    pub apps: &'a [String],
}

impl View<'_> {
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

    /// The reader's facts of a migration.
    pub fn facts_of(&self, key: &Key) -> Option<&MigrationFacts> {
        self.facts.iter().find(|(k, _)| k == key).map(|(_, f)| f)
    }

    /// The span of a migration's `class Migration` name.
    pub fn class_span(&self, key: &Key) -> Option<Span> {
        self.facts_of(key).and_then(|f| f.class)
    }

    /// The span of the reference in `origin` that names `target`.
    pub fn reference_span(&self, origin: &Key, target: &Key) -> Option<Span> {
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
        let span = span.unwrap_or(Span::new(0, 0));
        Some(Label::in_file(file, path, bytes, span, message, primary))
    }
}

/// What a node of the drawing is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "DjangoNodeKind"))]
#[serde(rename_all = "kebab-case")]
pub enum NodeKind {
    /// A migration in the repository.
    Migration,
    /// A missing migration of an app in the repository (a dummy node).
    Missing,
    /// A migration of an app outside the repository (an installed package).
    Installed,
}

/// One node of the drawing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    /// The graph key.
    pub key: Key,
    /// What it is.
    pub kind: NodeKind,
    /// `missing`, `installed`, `leaf`, `conflicting leaf`, `cycle`,
    /// `unreadable`, `squash`.
    pub marks: Vec<&'static str>,
    /// Its file (a position in [`View::sources`]).
    pub source: Option<usize>,
}

/// The graph Django builds, to be drawn one cluster per app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Drawing {
    /// The nodes, in key order.
    pub nodes: Vec<Node>,
    /// `(parent, child, on a cycle)` as node positions.
    pub edges: Vec<(usize, usize, bool)>,
    /// Apps in label order, with their nodes' positions (installed
    /// packages' nodes belong to none).
    pub apps: Vec<(String, Vec<usize>)>,
}

impl View<'_> {
    /// The graph as built (after the squash step, dummy nodes for missing
    /// migrations included); when a module cannot be read the graph is
    /// unknown and every migration is drawn without edges.
    pub fn drawing(&self) -> Drawing {
        let loaded = self.loaded;
        let shape = &loaded.graph;
        let cyclic: BTreeSet<&Key> = loaded
            .errors
            .iter()
            .flat_map(|e| match e {
                DjangoError::CircularDependency { component, .. } => {
                    component.iter().collect::<Vec<&Key>>()
                }
                _ => Vec::new(),
            })
            .collect();
        let keys: BTreeSet<Key> = if shape.nodes.is_empty() {
            self.sources.iter().map(|(k, _, _)| k.clone()).collect()
        } else {
            let ends = shape.edges.iter().flat_map(|(p, c)| [p.clone(), c.clone()]);
            shape.nodes.iter().cloned().chain(ends).collect()
        };
        let nodes: Vec<Node> = keys
            .into_iter()
            .map(|key| {
                let source = self.sources.iter().position(|(k, _, _)| *k == key);
                let kind = if source.is_some() {
                    NodeKind::Migration
                } else if self.apps.contains(&key.app) {
                    NodeKind::Missing
                } else {
                    NodeKind::Installed
                };
                let marks = self.node_marks(&key, kind, &cyclic);
                Node {
                    key,
                    kind,
                    marks,
                    source,
                }
            })
            .collect();
        let position = |key: &Key| nodes.iter().position(|n| n.key == *key);
        let edges = shape
            .edges
            .iter()
            .filter_map(|(parent, child)| {
                let cycle = cyclic.contains(parent) && cyclic.contains(child);
                Some((position(parent)?, position(child)?, cycle))
            })
            .collect();
        let mut apps: Vec<(String, Vec<usize>)> = Vec::new();
        for (i, node) in nodes.iter().enumerate() {
            if node.kind == NodeKind::Installed {
                continue;
            }
            match apps.iter_mut().find(|(label, _)| *label == node.key.app) {
                Some((_, members)) => members.push(i),
                None => apps.push((node.key.app.clone(), vec![i])),
            }
        }
        Drawing { nodes, edges, apps }
    }

    fn node_marks(&self, key: &Key, kind: NodeKind, cyclic: &BTreeSet<&Key>) -> Vec<&'static str> {
        let loaded = self.loaded;
        let mut marks = Vec::new();
        match kind {
            NodeKind::Missing => marks.push("missing"),
            NodeKind::Installed => marks.push("installed"),
            NodeKind::Migration => {}
        }
        let is_leaf = loaded
            .leaves
            .get(&key.app)
            .is_some_and(|names| names.contains(&key.name));
        if is_leaf {
            marks.push(if loaded.conflicts.contains_key(&key.app) {
                "conflicting leaf"
            } else {
                "leaf"
            });
        }
        if cyclic.contains(key) {
            marks.push("cycle");
        }
        let unreadable = loaded
            .errors
            .iter()
            .any(|e| matches!(e, DjangoError::Unreadable { migration, .. } if migration == key));
        if unreadable {
            marks.push("unreadable");
        }
        if self.facts_of(key).is_some_and(|f| !f.replaces.is_empty()) {
            marks.push("squash");
        }
        marks
    }
}
