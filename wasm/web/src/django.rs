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
//! What the CLI reads besides the migrations:
//!
//! - the configuration's `[django]` `user-model`, `labels` and
//!   `migration-modules`, as `settings` (read by the CLI's parser in the
//!   settings module, see [`crate::settings`]; an explicit `user_model`
//!   input still wins); a setting that names nothing in the files is an
//!   error naming the configuration file, in the CLI's words;
//! - `revguard.lock` at the root ([`django::lock`]): the deployed state of the history
//!   checks (`applied-migration-edited`, `history-rewritten`,
//!   `inserted-below-deployed`, `forks-locked-history`; a lock that does not
//!   parse is `invalid-lock-file`, `revguard.lock:LINE: message`), judged
//!   with the files' content hashes as the CLI judges them.
//!
//! Whole-file validation (Ruff's parser) is not in this module: the page
//! passes the validator module's verdicts as `verdicts`, as it does for
//! Alembic; without them only the binding reader's syntax errors are seen.

use std::collections::BTreeMap;

use revguard_core as core;
use revguard_core::dialect::django::{
    self, HistoryInput, Key, Loaded, MigrationFacts, NodeKind, Project, View, locate,
};
use revguard_core::history::{LOCK_FILE_NAME, LockInput};
use serde::{Deserialize, Serialize};

use crate::dto::{DiagnosticDto, InputError};
use crate::position::EditorIndex;
use crate::settings::DjangoSettings;
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
    /// to; absent or `null`: the settings' `user-model`, else `auth.User`,
    /// as for the CLI.
    pub user_model: Option<String>,
    /// The `[django]` settings of the project's configuration, from the
    /// settings module's `djangoSettings`; absent or `null`: none.
    pub settings: Option<DjangoSettings>,
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
    /// Where the deployed state of the history checks came from: `lock`
    /// when the files hold a `revguard.lock` at the root, else `null`.
    pub applied_from: Option<String>,
    /// The configuration file whose `[django]` settings applied
    /// (`revguard.toml` or `pyproject.toml`), else `null`.
    pub config_from: Option<String>,
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
    let settings = input.settings.as_ref();
    let found = apps(input, settings)?;
    let read = read_migrations(input, &found);
    let user_model = input
        .user_model
        .clone()
        .or_else(|| settings.and_then(|s| s.user_model.clone()))
        .unwrap_or_else(|| "auth.User".to_owned());
    let history = lock(&input.files).map(|lock| {
        HistoryInput {
            lock: Some(lock),
            ..HistoryInput::default()
        }
        .with_hashes(&read.sources)
    });
    let applied_from = history.as_ref().map(|_| "lock".to_owned());
    let project = Project {
        apps: locate::project_apps(
            found.iter().map(|a| (a.label.as_str(), a.migrated)),
            &read.facts,
        ),
        user_model: user_model.clone(),
        applied: None,
        history,
        safety: None,
    };
    let loaded = django::load(&project);
    let labels: Vec<String> = found.iter().map(|a| a.label.clone()).collect();
    let view = View {
        loaded: &loaded,
        sources: &read.sources,
        facts: &read.facts,
        apps: &labels,
    };
    let diagnostics = diagnostics(&view, &read.inputs);
    let graph = graph(&view, &read.inputs);
    let count = |s| diagnostics.iter().filter(|d| d.severity == s).count();
    let summary = core::report::Summary {
        errors: count(core::Severity::Error),
        warnings: count(core::Severity::Warning),
        infos: count(core::Severity::Info),
    };
    Ok(DjangoReportDto {
        dialect: "django".to_owned(),
        user_model,
        apps: app_dtos(input, &found),
        migrate_fails: loaded.migrate_fails(),
        failed: loaded.has_errors(),
        loaded,
        inputs: read.inputs,
        diagnostics,
        summary,
        graph,
        applied_from,
        config_from: settings.map(|s| s.source.clone()),
    })
}

/// The apps in the files, with the settings' `[django]` layout. A setting
/// that names nothing in the files is an error naming the configuration
/// file; duplicate labels and files without migrations are errors in the
/// CLI's words.
fn apps(
    input: &DjangoInput,
    settings: Option<&DjangoSettings>,
) -> Result<Vec<locate::LocatedApp>, InputError> {
    let paths: Vec<&str> = input.files.iter().map(|f| f.path.as_str()).collect();
    let layout = settings.map(DjangoSettings::layout).unwrap_or_default();
    if let Some(settings) = settings {
        let entry = |p: &str| locate::entry(&paths, p);
        layout
            .check_labels(entry)
            .and_then(|()| layout.modules(entry))
            .map_err(|message| InputError(format!("{}: {message}", settings.source)))?;
    }
    let by_path: BTreeMap<&str, &str> = input
        .files
        .iter()
        .map(|f| (f.path.trim_start_matches("./"), f.text.as_str()))
        .collect();
    let root = input.root.as_deref().unwrap_or_default();
    let found = locate::locate_with(&paths, root, |p| by_path.get(p).copied(), &layout)
        .map_err(InputError)?;
    if !found.iter().any(|app| app.migrated) {
        return Err(InputError(
            "no Django migrations in these files (looked for app directories holding a `migrations` package with `__init__.py`)".to_owned(),
        ));
    }
    Ok(found)
}

/// The migrations read: each file's key, path and bytes (`sources`), what
/// the reader made of it (`facts`), and its input index (`inputs`), in the
/// apps' order.
struct Read {
    /// Key, path and bytes of each migration.
    sources: Vec<(Key, String, Vec<u8>)>,
    /// The reader's facts of each migration.
    facts: Vec<(Key, MigrationFacts)>,
    /// The input index of each migration.
    inputs: Vec<usize>,
}

/// Read every app's migrations, with the validator's verdicts when given.
fn read_migrations(input: &DjangoInput, found: &[locate::LocatedApp]) -> Read {
    let mut read = Read {
        sources: Vec::new(),
        facts: Vec::new(),
        inputs: Vec::new(),
    };
    for app in found {
        for (name, index) in &app.migrations {
            let file = &input.files[*index];
            let key = Key::new(&app.label, name);
            let bytes = file.text.as_bytes();
            let facts = match input.verdicts.as_ref().and_then(|v| v.get(index)) {
                Some(given) => django::read_given(bytes, given.as_ref()),
                None => django::read(bytes, None),
            };
            read.facts.push((key.clone(), facts));
            read.sources.push((key, file.path.clone(), bytes.to_vec()));
            read.inputs.push(*index);
        }
    }
    read
}

/// `revguard.lock` at the project's root, as the CLI passes it to the
/// history checks (its display path is `revguard.lock`).
fn lock(files: &[ProjectFile]) -> Option<LockInput> {
    files
        .iter()
        .find(|f| f.path.trim_start_matches("./") == LOCK_FILE_NAME)
        .map(|f| LockInput {
            path: LOCK_FILE_NAME.to_owned(),
            text: f.text.clone(),
        })
}

/// The apps as the CLI's JSON lists them.
fn app_dtos(input: &DjangoInput, found: &[locate::LocatedApp]) -> Vec<AppDto> {
    found
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
        .collect()
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
        .map(|d| DiagnosticDto::placed(d, inputs, &indexes))
        .collect()
}

/// The graph as the page draws it, nodes' files on input indices.
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

    /// The page's two steps: the settings module reads the configuration,
    /// then Django's module checks the files with it.
    #[cfg(feature = "config")]
    fn with_settings(
        files: Vec<ProjectFile>,
        user_model: Option<&str>,
    ) -> Result<DjangoReportDto, InputError> {
        let settings = crate::settings::django_settings(&files)?;
        check_django(&DjangoInput {
            files,
            settings,
            user_model: user_model.map(str::to_owned),
            ..DjangoInput::default()
        })
    }

    /// A project whose labels and packages only its `[django]` settings
    /// explain: `src/shop`'s label is not a literal, `blog`'s migrations
    /// are in `blog.db_migrations` (its `migrations` package is stale), and
    /// the user model is `accounts.User`.
    #[cfg(feature = "config")]
    fn configured() -> Vec<ProjectFile> {
        vec![
            file("manage.py", "import django\n"),
            file(
                "pyproject.toml",
                "[project]\nname = \"shop\"\n\n[tool.revguard.django]\nuser-model = \"accounts.User\"\nlabels = { \"src/shop\" = \"store\" }\nmigration-modules = { blog = \"blog.db_migrations\" }\n",
            ),
            file("accounts/migrations/__init__.py", ""),
            file("accounts/migrations/0001_initial.py", &migration("")),
            file(
                "src/shop/apps.py",
                "class ShopConfig(AppConfig):\n    label = LABEL\n",
            ),
            file("src/shop/migrations/__init__.py", ""),
            file(
                "src/shop/migrations/0001_initial.py",
                &migration("migrations.swappable_dependency(settings.AUTH_USER_MODEL)"),
            ),
            file(
                "src/shop/migrations/0002_next.py",
                &migration("('store', '0001_initial')"),
            ),
            file("blog/migrations/__init__.py", ""),
            file(
                "blog/migrations/0001_old.py",
                &migration("('blog', '0000_gone')"),
            ),
            file("blog/db_migrations/__init__.py", ""),
            file(
                "blog/db_migrations/0001_initial.py",
                &migration("('store', '0002_next')"),
            ),
        ]
    }

    #[cfg(feature = "config")]
    #[test]
    fn the_configured_labels_modules_and_user_model_apply() {
        let report = with_settings(configured(), None).expect("a project");
        assert_eq!(report.config_from.as_deref(), Some("pyproject.toml"));
        assert_eq!(report.user_model, "accounts.User");
        let apps: Vec<(&str, &str)> = report
            .apps
            .iter()
            .map(|a| (a.label.as_str(), a.path.as_str()))
            .collect();
        assert_eq!(
            apps,
            [
                ("accounts", "accounts/migrations"),
                ("store", "src/shop/migrations"),
                ("blog", "blog/db_migrations"),
            ]
        );
        assert!(report.diagnostics.is_empty(), "{:?}", report.diagnostics);
        assert!(!report.failed);
        assert!(
            report.loaded.external.is_empty(),
            "the user model is the project's"
        );
        assert_eq!(report.applied_from, None);

        // An explicit user model wins over the configured one.
        let report = with_settings(configured(), Some("auth.User")).expect("a project");
        assert_eq!(report.user_model, "auth.User");
        assert_eq!(report.loaded.external, [Key::new("auth", "__first__")]);

        // Without the settings, Django's defaults: `shop`, the stale package.
        let mut files = configured();
        files.remove(1);
        let report = with_settings(files, None).expect("a project");
        assert_eq!(report.config_from, None);
        assert!(report.failed);
        assert!(
            report
                .diagnostics
                .iter()
                .any(|d| d.check == "missing-parent"),
            "{:?}",
            report.diagnostics
        );
    }

    #[cfg(feature = "config")]
    #[test]
    fn revguard_toml_wins_and_a_pyproject_without_the_table_is_none() {
        let mut files = configured();
        files.push(file(
            "revguard.toml",
            "[django]\nuser-model = \"people.Person\"\n",
        ));
        let report = with_settings(files, None).expect("a project");
        assert_eq!(report.config_from.as_deref(), Some("revguard.toml"));
        assert_eq!(report.user_model, "people.Person");
        let mut files = configured();
        files[1].text = "[project]\nname = \"shop\"\n".into();
        let report = with_settings(files, None).expect("a project");
        assert_eq!(
            (report.config_from, report.user_model.as_str()),
            (None, "auth.User")
        );
    }

    #[cfg(feature = "config")]
    #[test]
    fn a_bad_configuration_is_an_error_naming_the_file() {
        let with = |text: &str| {
            let mut files = configured();
            files[1].text = text.into();
            with_settings(files, None)
        };
        let err = with("[tool.revguard.django]\nuser-modle = \"a.B\"\n").unwrap_err();
        assert!(
            err.0
                .starts_with("pyproject.toml:2:1: unknown field `user-modle`"),
            "{err}"
        );
        assert!(
            err.0.contains("2 | user-modle = \"a.B\""),
            "the line quoted: {err}"
        );
        let err =
            with("[tool.revguard.django]\nlabels = { \"src/gone\" = \"gone\" }\n").unwrap_err();
        assert_eq!(
            err.0,
            "pyproject.toml: `[django] labels` names the app directory `src/gone`, which does not exist"
        );
        let err = with("[tool.revguard.django]\nmigration-modules = { blog = \"blog.nowhere\" }\n")
            .unwrap_err();
        assert!(
            err.0.starts_with(
                "pyproject.toml: `[django] migration-modules` maps blog to blog.nowhere, but blog/nowhere is not a directory"
            ),
            "{err}"
        );
        // squawk's rule names are known, though this module does not lint.
        let safety = "[tool.revguard.safety]\nenable = [\"ban-drop-index\"]\n[tool.revguard.severity]\nprefer-timestamptz = \"off\"\n";
        assert!(with(safety).is_ok());
    }

    /// A locked app: two migrations and the lock `revguard lock` writes for
    /// them.
    fn locked() -> Vec<ProjectFile> {
        let first = migration("");
        let second = migration("('billing', '0001_initial')");
        let hash = |text: &str| core::history::content_hash(text.as_bytes());
        let lock = format!(
            "{}\n# Written by `revguard lock`; verified by `revguard check`. Do not edit by hand.\n\
             billing.0001_initial - {} billing/migrations/0001_initial.py\n\
             billing.0002_total billing.0001_initial {} billing/migrations/0002_total.py\n\
             leaf billing.0002_total\n",
            django::lock::DJANGO_LOCK_HEADER,
            hash(&first),
            hash(&second),
        );
        vec![
            file("manage.py", ""),
            file("billing/migrations/__init__.py", ""),
            file("billing/migrations/0001_initial.py", &first),
            file("billing/migrations/0002_total.py", &second),
            file("revguard.lock", &lock),
        ]
    }

    #[test]
    fn the_lock_is_the_deployed_state_and_an_edit_is_found() {
        let report = check_django(&DjangoInput {
            files: locked(),
            ..DjangoInput::default()
        })
        .expect("a project");
        assert_eq!(report.applied_from.as_deref(), Some("lock"));
        assert!(report.diagnostics.is_empty(), "{:?}", report.diagnostics);

        let mut files = locked();
        files[2].text = files[2].text.replace(
            "operations = []",
            "operations = [migrations.RunSQL('SELECT 1')]",
        );
        let report = check_django(&DjangoInput {
            files,
            ..DjangoInput::default()
        })
        .expect("a project");
        assert!(report.failed);
        let edited = &report.diagnostics[0];
        assert_eq!(edited.check, "applied-migration-edited");
        assert_eq!(edited.severity, core::Severity::Error);
        assert_eq!(
            edited.message,
            "migration `billing.0001_initial` was edited after it was recorded in revguard.lock"
        );
        assert_eq!((edited.labels[0].file, edited.labels[0].start.line), (2, 4));
        assert_eq!(report.loaded.history.len(), 1);
    }

    #[test]
    fn a_bad_lock_is_an_error_naming_revguard_lock_and_its_line() {
        let mut files = locked();
        files[4].text = format!("{}\nbroken\n", django::lock::DJANGO_LOCK_HEADER);
        let report = check_django(&DjangoInput {
            files,
            ..DjangoInput::default()
        })
        .expect("a project");
        assert!(report.failed);
        let invalid = &report.diagnostics[0];
        assert_eq!(invalid.check, "invalid-lock-file");
        assert_eq!(invalid.severity, core::Severity::Error);
        assert_eq!(
            invalid.message,
            "revguard.lock:2: expected `<app.migration> <dependencies> sha256:<hash> <file>`, found `broken`"
        );
    }
}
