//! Django in the browser: a project's files in, Django's verdict out.
//!
//! The same steps as `revguard check --dialect django`, minus the file
//! system: the apps, their labels and their migration modules are located
//! in the list of paths ([`revguard_core::dialect::django::locate`], the
//! CLI's discovery rules), each module is read by the core's Django reader,
//! and the core builds the graph as Django's `MigrationLoader` does. The
//! findings and the graph come from the core's
//! [`View`], which the CLI renders
//! too. [`DjangoReportDto`] holds the CLI's JSON fields (`dialect`,
//! `user_model`, `apps`, `loaded`) plus what a page needs: the findings as
//! editor diagnostics on the input files, the exit verdict, and the graph
//! grouped per app.
//!
//! Whole-file validation (Ruff's parser) is not in this module: the page
//! passes the validator module's verdicts as `verdicts`, as it does for
//! Alembic; without them only the binding reader's syntax errors are seen.
//! `[tool.revguard.django]` (label and `MIGRATION_MODULES` mappings) is not
//! read here; the user model is an input.

use std::collections::BTreeMap;

use revguard_core as core;
use revguard_core::dialect::django::{self, Key, Loaded, NodeKind, Project, View, locate};
use serde::{Deserialize, Serialize};

use crate::dto::{DiagnosticDto, InputError, LabelDto};
use crate::position::EditorIndex;
use crate::sql::ProjectFile;

/// What to check: a Django project's files.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[cfg_attr(feature = "typescript", ts(optional_fields = nullable))]
#[serde(deny_unknown_fields)]
pub struct DjangoInput {
    /// Every file, its path relative to the project directory
    /// (`/`-separated), e.g. `billing/migrations/0001_initial.py`.
    pub files: Vec<ProjectFile>,
    /// The model `swappable_dependency(settings.AUTH_USER_MODEL)` resolves
    /// to; absent or `null`: `auth.User`, as for the CLI.
    pub user_model: Option<String>,
    /// The name of the project directory, the label of an app whose
    /// `migrations` directory is at the top; absent or `null`: empty.
    pub root: Option<String>,
    /// Whole-file verdicts by input index (`null`: CPython compiles the
    /// file), from the validator module; absent: not validated.
    #[cfg_attr(
        feature = "typescript",
        ts(as = "Option<BTreeMap<usize, Option<core::GivenSyntaxError>>>")
    )]
    pub verdicts: Option<BTreeMap<usize, Option<core::GivenSyntaxError>>>,
}

/// One app, as the CLI's JSON lists it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[cfg_attr(feature = "typescript", ts(rename = "DjangoApp"))]
pub struct AppDto {
    /// The app label.
    pub label: String,
    /// Its `migrations` directory.
    pub path: String,
    /// Whether the package has `__init__.py`.
    pub migrated: bool,
    /// Its migration modules: name and path.
    pub migrations: Vec<(String, String)>,
}

/// Django's verdict: the CLI's JSON for the project, with editor
/// diagnostics and the graph.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[cfg_attr(feature = "typescript", ts(rename = "DjangoReport"))]
pub struct DjangoReportDto {
    /// Always `django`.
    pub dialect: String,
    /// The user model `swappable_dependency` resolves through.
    pub user_model: String,
    /// The apps found.
    pub apps: Vec<AppDto>,
    /// Django's verdict, as the CLI's JSON has it.
    pub loaded: Loaded,
    /// Whether `manage.py migrate` fails.
    pub migrate_fails: bool,
    /// Whether any check failed (the CLI exits with 1).
    pub failed: bool,
    /// The input index of every migration read, in the apps' order.
    pub inputs: Vec<usize>,
    /// The findings; label `file` indices are input indices.
    pub diagnostics: Vec<DiagnosticDto>,
    /// Counts per severity.
    pub summary: core::report::Summary,
    /// The graph Django builds, one group per app.
    pub graph: GraphDto,
}

/// The graph: nodes, edges from parent to child, and the apps' groups.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[cfg_attr(feature = "typescript", ts(rename = "DjangoGraph"))]
pub struct GraphDto {
    /// The nodes, in key order.
    pub nodes: Vec<NodeDto>,
    /// The edges.
    pub edges: Vec<EdgeDto>,
    /// Apps in label order, with their nodes (positions in `nodes`);
    /// installed packages' nodes are in none.
    pub apps: Vec<(String, Vec<usize>)>,
}

/// One node of the graph.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[cfg_attr(feature = "typescript", ts(rename = "DjangoNode"))]
pub struct NodeDto {
    /// The app label.
    pub app: String,
    /// The migration name.
    pub name: String,
    /// A migration of the project, a missing one, or an installed
    /// package's.
    pub kind: NodeKind,
    /// `missing`, `installed`, `leaf`, `conflicting leaf`, `cycle`,
    /// `unreadable`, `squash`.
    pub marks: Vec<String>,
    /// Its input index (`null`: no file).
    pub file: Option<usize>,
}

/// An edge from a parent to its child.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[cfg_attr(feature = "typescript", ts(rename = "DjangoEdge"))]
pub struct EdgeDto {
    /// The parent (a position in `nodes`).
    pub from: usize,
    /// The child.
    pub to: usize,
    /// On a cycle.
    pub cycle: bool,
}

/// Check a Django project's files as the CLI does (see the module docs).
pub fn check_django(input: &DjangoInput) -> Result<DjangoReportDto, InputError> {
    let paths: Vec<&str> = input.files.iter().map(|f| f.path.as_str()).collect();
    let by_path: BTreeMap<&str, &str> = input
        .files
        .iter()
        .map(|f| (f.path.trim_start_matches("./"), f.text.as_str()))
        .collect();
    let root = input.root.as_deref().unwrap_or_default();
    let found = locate::locate(&paths, root, |p| by_path.get(p).copied()).map_err(InputError)?;
    if !found.iter().any(|app| app.migrated) {
        return Err(InputError(
            "no Django migrations in these files (looked for app directories holding a `migrations` package with `__init__.py`)".to_owned(),
        ));
    }
    let mut sources: Vec<(Key, String, Vec<u8>)> = Vec::new();
    let mut inputs = Vec::new();
    let mut facts = Vec::new();
    for app in &found {
        for (name, index) in &app.migrations {
            let file = &input.files[*index];
            let key = Key::new(&app.label, name);
            let bytes = file.text.as_bytes();
            let read = match input.verdicts.as_ref().and_then(|v| v.get(index)) {
                Some(given) => django::read_given(bytes, given.as_ref()),
                None => django::read(bytes, None),
            };
            facts.push((key.clone(), read));
            sources.push((key, file.path.clone(), bytes.to_vec()));
            inputs.push(*index);
        }
    }
    let user_model = input
        .user_model
        .as_deref()
        .unwrap_or("auth.User")
        .to_owned();
    let project = Project {
        apps: locate::project_apps(found.iter().map(|a| (a.label.as_str(), a.migrated)), &facts),
        user_model: user_model.clone(),
        applied: None,
        history: None,
        safety: None,
    };
    let loaded = django::load(&project);
    let labels: Vec<String> = found.iter().map(|a| a.label.clone()).collect();
    let view = View {
        loaded: &loaded,
        sources: &sources,
        facts: &facts,
        apps: &labels,
    };
    let diagnostics = diagnostics(&view, &inputs);
    let graph = graph(&view, &inputs);
    let count = |s| diagnostics.iter().filter(|d| d.severity == s).count();
    let summary = core::report::Summary {
        errors: count(core::Severity::Error),
        warnings: count(core::Severity::Warning),
        infos: count(core::Severity::Info),
    };
    let apps = found
        .iter()
        .map(|app| AppDto {
            label: app.label.clone(),
            path: app.path.clone(),
            migrated: app.migrated,
            migrations: app
                .migrations
                .iter()
                .map(|(name, i)| (name.clone(), input.files[*i].path.clone()))
                .collect(),
        })
        .collect();
    Ok(DjangoReportDto {
        dialect: "django".to_owned(),
        user_model,
        apps,
        migrate_fails: loaded.migrate_fails(),
        failed: loaded.has_errors(),
        loaded,
        inputs,
        diagnostics,
        summary,
        graph,
    })
}

/// The core's diagnostics with editor positions, on input indices.
fn diagnostics(view: &View<'_>, inputs: &[usize]) -> Vec<DiagnosticDto> {
    let texts: Vec<String> = view
        .sources
        .iter()
        .map(|(_, _, bytes)| String::from_utf8_lossy(bytes).into_owned())
        .collect();
    let indexes: Vec<EditorIndex<'_>> = texts.iter().map(|t| EditorIndex::new(t)).collect();
    view.diagnostics()
        .into_iter()
        .map(|d| DiagnosticDto {
            check: d.check,
            code: d.code,
            severity: d.severity,
            message: d.message,
            labels: d
                .labels
                .into_iter()
                .map(|l| LabelDto {
                    file: inputs[l.file],
                    start: indexes[l.file].position(l.span.start),
                    end: indexes[l.file].position(l.span.end),
                    path: l.path,
                    span: l.span,
                    message: l.message,
                    primary: l.primary,
                })
                .collect(),
            help: d.help,
            notes: d.notes,
        })
        .collect()
}

fn graph(view: &View<'_>, inputs: &[usize]) -> GraphDto {
    let drawing = view.drawing();
    GraphDto {
        nodes: drawing
            .nodes
            .into_iter()
            .map(|n| NodeDto {
                app: n.key.app,
                name: n.key.name,
                kind: n.kind,
                marks: n.marks.iter().map(|m| (*m).to_owned()).collect(),
                file: n.source.map(|i| inputs[i]),
            })
            .collect(),
        edges: drawing
            .edges
            .into_iter()
            .map(|(from, to, cycle)| EdgeDto { from, to, cycle })
            .collect(),
        apps: drawing.apps,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, text: &str) -> ProjectFile {
        ProjectFile {
            path: path.into(),
            text: text.into(),
        }
    }

    fn migration(deps: &str) -> String {
        format!(
            "from django.db import migrations\n\n\nclass Migration(migrations.Migration):\n    dependencies = [{deps}]\n    operations = []\n"
        )
    }

    fn conflict() -> Vec<ProjectFile> {
        vec![
            file("manage.py", "import django\n"),
            file("billing/__init__.py", ""),
            file("billing/migrations/__init__.py", ""),
            file("billing/migrations/0001_initial.py", &migration("")),
            file(
                "billing/migrations/0002_a.py",
                &migration("('billing', '0001_initial')"),
            ),
            file(
                "billing/migrations/0002_b.py",
                &migration("('billing', '0001_initial')"),
            ),
            file(
                "shop/apps.py",
                "class ShopConfig(AppConfig):\n    label = 'store'\n",
            ),
            file("shop/migrations/__init__.py", ""),
            file(
                "shop/migrations/0001_initial.py",
                &migration("('billing', '0002_a'), ('auth', '0012_x')"),
            ),
        ]
    }

    #[test]
    fn a_leaf_conflict_is_reported_on_both_files_with_the_graph_per_app() {
        let files = conflict();
        let paths: Vec<String> = files.iter().map(|f| f.path.clone()).collect();
        let paths: Vec<&str> = paths.iter().map(String::as_str).collect();
        assert!(locate::looks_like_django(&paths));
        let report = check_django(&DjangoInput {
            files,
            ..DjangoInput::default()
        })
        .expect("a project");
        assert_eq!(report.user_model, "auth.User");
        let labels: Vec<&str> = report.apps.iter().map(|a| a.label.as_str()).collect();
        assert_eq!(labels, ["billing", "store"]);
        assert_eq!(report.inputs, [3, 4, 5, 8]);
        assert!(report.failed && report.migrate_fails);
        assert_eq!(report.loaded.conflicts["billing"], ["0002_a", "0002_b"]);
        let leaves = &report.diagnostics[0];
        assert_eq!(leaves.check, "multiple-leaves");
        let on: Vec<(usize, usize)> = leaves
            .labels
            .iter()
            .map(|l| (l.file, l.start.line))
            .collect();
        assert_eq!(on, [(4, 4), (5, 4)], "the `class Migration` lines");
        let node = |name: &str| {
            report
                .graph
                .nodes
                .iter()
                .position(|n| n.name == name)
                .expect("node")
        };
        let a = &report.graph.nodes[node("0002_a")];
        assert_eq!((a.app.as_str(), a.file), ("billing", Some(4)));
        assert_eq!(a.marks, ["conflicting leaf"]);
        assert_eq!(report.graph.nodes[node("0012_x")].kind, NodeKind::Installed);
        let groups: Vec<&str> = report.graph.apps.iter().map(|(l, _)| l.as_str()).collect();
        assert_eq!(groups, ["billing", "store"]);
        let first = node("0001_initial");
        assert_eq!(report.graph.nodes[first].app, "billing");
        assert!(
            report
                .graph
                .edges
                .iter()
                .any(|e| e.from == first && e.to == node("0002_a"))
        );
    }

    #[test]
    fn verdicts_make_a_syntax_error_unreadable() {
        let mut files = conflict();
        files[5].text.push_str("def broken(:\n");
        let given = core::GivenSyntaxError {
            message: "invalid syntax".into(),
            start: files[5].text.len() - 3,
            end: files[5].text.len() - 2,
            unsupported: false,
        };
        let report = check_django(&DjangoInput {
            verdicts: Some(BTreeMap::from([(5, Some(given))])),
            files,
            ..DjangoInput::default()
        })
        .expect("a project");
        let unreadable = report
            .diagnostics
            .iter()
            .find(|d| d.check == "dynamic-value")
            .expect("the file does not import");
        assert_eq!(unreadable.labels[0].file, 5);
        assert_eq!(unreadable.labels[0].start.line, 7);
    }

    #[test]
    fn no_migrations_and_duplicate_labels_are_errors() {
        let err = check_django(&DjangoInput {
            files: vec![file("manage.py", "")],
            ..DjangoInput::default()
        })
        .unwrap_err();
        assert!(err.0.starts_with("no Django migrations"), "{err}");
        let err = check_django(&DjangoInput {
            files: vec![
                file("a/x/migrations/__init__.py", ""),
                file("b/x/migrations/__init__.py", ""),
            ],
            ..DjangoInput::default()
        })
        .unwrap_err();
        assert!(
            err.0.starts_with("Application labels aren't unique"),
            "{err}"
        );
    }
}
