//! `revguard check --dialect django`: find a Django project's migration
//! packages, read them with the core's Django reader and judge the graph
//! with the core's Django semantics (`docs/django-semantics.md`).
//!
//! Discovery follows `MigrationLoader.load_disk`: an app is a directory
//! with a `migrations` subdirectory; with `migrations/__init__.py` it is
//! migrated, without it (a namespace package) unmigrated; modules whose
//! names start with `_` or `~` are skipped. The app label is the literal
//! `label = "..."` of the `AppConfig` in the app's `apps.py`, else the
//! directory name. The reader and the semantics run in the chosen engine
//! (the wasm sandbox by default), and each module's facts are cached by
//! content like Alembic's.

pub mod diagnostics;
pub mod docs;
pub mod fix;
pub mod graph;
pub mod history;
pub mod safety;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use revguard_core::dialect::django::locate::{self, Entry, Layout};
pub(crate) use revguard_core::dialect::django::locate::{label_in, module_name, skipped};
use revguard_core::dialect::django::{self, DjangoError, Key, Loaded, Project, View};
use revguard_core::python::PythonVersion;
use serde::Serialize;

/// Most directories visited, and largest migration file read.
const MAX_DIRS: usize = 100_000;
const MAX_FILE_BYTES: u64 = 16 << 20;

/// One app found on disk.
#[derive(Debug, Serialize)]
pub struct FoundApp {
    /// The app label.
    pub label: String,
    /// The `migrations` directory, relative to the project.
    pub path: String,
    /// Whether it has `__init__.py`.
    pub migrated: bool,
    /// Migration modules: name and path relative to the project.
    pub migrations: Vec<(String, String)>,
}

/// A Django project: its apps and what the core made of them.
#[derive(Debug, Serialize)]
pub struct Checked {
    /// Always `django`.
    pub dialect: &'static str,
    /// The user model `swappable_dependency` resolves through.
    pub user_model: String,
    /// Apps found.
    pub apps: Vec<FoundApp>,
    /// Django's verdict.
    pub loaded: Loaded,
    #[serde(skip)]
    sources: Vec<Source>,
    #[serde(skip)]
    facts: Vec<(Key, django::MigrationFacts)>,
    #[serde(skip)]
    labels: Vec<String>,
    /// The deploy-safety lint of each migration that has findings (taken
    /// out of Django's verdict, which the playground shares).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub safety: Vec<django::graph::MigrationSafety>,
    /// How safety findings count; `None`: no lint.
    #[serde(skip)]
    policy: Option<crate::sql_tools::safety::Policy>,
    /// The database's applied rows: a migration there cannot stop the
    /// deploy any more.
    #[serde(skip)]
    applied: std::collections::BTreeSet<Key>,
    /// The lint's findings as diagnostics, made once.
    #[serde(skip)]
    lint: Vec<revguard_core::report::Diagnostic>,
}

impl Checked {
    /// Whether any check failed (the exit status): Django's verdict, or a
    /// deploy-safety finding that is an error (the `block` policy, a
    /// statement the deploy stops at).
    pub fn has_errors(&self) -> bool {
        self.loaded.has_errors()
            || self
                .safety_diagnostics()
                .iter()
                .any(|d| d.severity == revguard_core::Severity::Error)
    }

    /// Whether `migrate` would fail ([`Loaded::migrate_fails`], or an
    /// operation still to run that Django or PostgreSQL refuses inside the
    /// migration's transaction).
    pub fn migrate_fails(&self) -> bool {
        self.loaded.migrate_fails()
            || self.safety_diagnostics().iter().any(|d| {
                d.code == revguard_core::dialect::sql::Check::FailsInTransaction.code()
                    && d.severity == revguard_core::Severity::Error
            })
    }
}

/// Find and check the Django project at `root`: the per-file reader and
/// the semantics run in `engine` (the sandboxed guest by default).
pub fn check(
    root: &Path,
    user_model: &str,
    python: PythonVersion,
    engine: &crate::engine::Engine,
    applied: Option<Vec<Key>>,
    history: Option<django::HistoryInput>,
    policy: Option<crate::sql_tools::safety::Policy>,
) -> Result<Checked> {
    if !root.is_dir() {
        bail!("{}: not a directory", root.display());
    }
    let started = std::time::Instant::now();
    let since = |what: &str| {
        format!(
            "django: {what} after {:.1} ms",
            started.elapsed().as_secs_f64() * 1e3
        )
    };
    let (found, sources) = read_apps(root, app_dirs(root)?)?;
    crate::engine::trace(|| since("modules read"));
    if !found.iter().any(|app| app.migrated) {
        bail!(
            "{}: no Django migrations found (looked for app directories holding a `migrations` package with `__init__.py`)",
            root.display()
        );
    }
    let bytes: Vec<&[u8]> = sources.iter().map(|(_, _, b)| b.as_slice()).collect();
    let lint = policy.as_ref().map(|p| &p.settings);
    let read =
        engine
            .django_facts(&bytes, python, lint)
            .map_err(
                |err| match err.downcast_ref::<crate::sandbox::SandboxError>() {
                    Some(crate::sandbox::SandboxError::InFile { index, error }) => {
                        let path = sources.get(*index).map_or("", |(_, p, _)| p.as_str());
                        anyhow::anyhow!("{path}: {error}")
                    }
                    _ => err,
                },
            )?;
    crate::engine::trace(|| since("facts"));
    let facts: Vec<(Key, django::MigrationFacts)> = sources
        .iter()
        .map(|(k, _, _)| k.clone())
        .zip(read)
        .collect();
    // Without the lint the facts carry no operations, so the semantics
    // step is not sent them.
    let apps = project_apps(&found, &facts);
    let history = history.map(|history| history.with_hashes(&sources));
    let applied_keys = applied.iter().flatten().cloned().collect();
    let project = Project {
        apps,
        user_model: user_model.to_string(),
        applied,
        history,
        safety: policy.as_ref().map(|p| p.settings.clone()),
    };
    let mut loaded = engine.django_load(&project)?;
    crate::engine::trace(|| since("verdict"));
    let mut checked = Checked {
        dialect: "django",
        user_model: user_model.to_string(),
        labels: found.iter().map(|a| a.label.clone()).collect(),
        apps: found,
        safety: std::mem::take(&mut loaded.safety),
        loaded,
        sources,
        facts,
        policy,
        applied: applied_keys,
        lint: Vec::new(),
    };
    checked.lint = checked.lint_diagnostics();
    Ok(checked)
}

/// The project's `[django]` layout (labels, `MIGRATION_MODULES`); every
/// configured app directory must exist.
fn layout(root: &Path) -> Result<Layout> {
    let real = root
        .canonicalize()
        .with_context(|| format!("{}: cannot open", root.display()))?;
    let layout = crate::config::load(&real, &real)?
        .map(|c| c.django)
        .unwrap_or_default();
    layout
        .check_labels(|dir| entry(&real, dir))
        .map_err(|message| anyhow::anyhow!("{}: {message}", root.display()))?;
    Ok(layout)
}

/// What the relative path `rel` is under `root` (symlinks followed, as
/// Python's import system follows them).
fn entry(root: &Path, rel: &str) -> Entry {
    let path = root.join(rel);
    if path.is_dir() {
        Entry::Dir
    } else if path.is_file() {
        Entry::File
    } else {
        Entry::Missing
    }
}

/// An app's package directory `rel`; one that resolves out of the project
/// (a `MIGRATION_MODULES` module through a symlink) is refused.
fn confined_dir(root: &Path, rel: &str) -> Result<PathBuf> {
    let dir = root.join(rel);
    let real = dir
        .canonicalize()
        .with_context(|| format!("{}: cannot open", dir.display()))?;
    let real_root = root
        .canonicalize()
        .with_context(|| format!("{}: cannot open", root.display()))?;
    if !real.starts_with(&real_root) {
        bail!("{rel}: resolves (through a symlink) outside the project; not read");
    }
    Ok(dir)
}

fn find_migration_dirs(dir: &Path, out: &mut Vec<PathBuf>, visited: &mut usize) -> Result<()> {
    *visited += 1;
    if *visited > MAX_DIRS {
        bail!("more than {MAX_DIRS} directories under the project; give a narrower path");
    }
    let entries = std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))?;
    let mut subdirs = Vec::new();
    for entry in entries.flatten() {
        // Symlinks are not followed: a read never leaves the project.
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if !kind.is_dir() || skipped(&name) {
            continue;
        }
        if name == "migrations" {
            out.push(entry.path());
        } else {
            subdirs.push(entry.path());
        }
    }
    for sub in subdirs {
        find_migration_dirs(&sub, out, visited)?;
    }
    Ok(())
}

/// The literal `label = "..."` in `apps.py`, else the directory's name.
fn app_label(app_dir: &Path) -> String {
    let name = app_dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let path = app_dir.join("apps.py");
    // Never through a symlink: nothing outside the project is read.
    let regular = std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_file());
    match regular
        .then(|| std::fs::read_to_string(&path).ok())
        .flatten()
    {
        Some(text) => label_in(&text, &name),
        None => name,
    }
}

/// A migration module: its key, its path relative to the project, its bytes.
type Source = (Key, String, Vec<u8>);

/// Each app as found on disk, and every migration module's key, path
/// (relative to the project) and bytes, apps in order and each app's
/// modules in name order. The modules of all apps are read together, on a
/// few threads.
fn read_apps(
    root: &Path,
    apps: Vec<(String, Option<PathBuf>)>,
) -> Result<(Vec<FoundApp>, Vec<Source>)> {
    let mut found = Vec::with_capacity(apps.len());
    let mut listed: Vec<(Key, String, PathBuf)> = Vec::new();
    for (label, dir) in apps {
        let path = dir
            .as_deref()
            .map_or_else(String::new, |d| relative(root, d));
        let (migrated, modules) = match &dir {
            Some(dir) => list_app(dir)?,
            None => (false, Vec::new()),
        };
        let mut migrations = Vec::with_capacity(modules.len());
        for (name, full) in modules {
            let rel = relative(root, &full);
            migrations.push((name.clone(), rel.clone()));
            listed.push((Key::new(&label, &name), rel, full));
        }
        found.push(FoundApp {
            label,
            path,
            migrated,
            migrations,
        });
    }
    let paths: Vec<&Path> = listed.iter().map(|(_, _, full)| full.as_path()).collect();
    let bytes = read_modules(&paths)?;
    let sources = listed
        .into_iter()
        .zip(bytes)
        .map(|((key, rel, _), bytes)| (key, rel, bytes))
        .collect();
    Ok((found, sources))
}

/// Whether the package is migrated (it has `__init__.py`), and its
/// migration modules (name, full path) in name order: regular files only,
/// as the directory lists them (a link is not a module revguard reads).
fn list_app(dir: &Path) -> Result<(bool, Vec<(String, PathBuf)>)> {
    if !dir.join("__init__.py").is_file() {
        return Ok((false, Vec::new()));
    }
    let mut modules: Vec<(std::ffi::OsString, String)> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|e| {
            let file_name = e.file_name();
            let stem = module_name(file_name.to_str()?)?.to_owned();
            Some((file_name, stem))
        })
        .collect();
    modules.sort_unstable();
    let modules = modules
        .into_iter()
        .map(|(file_name, stem)| (stem, dir.join(file_name)))
        .collect();
    Ok((true, modules))
}

/// The bytes of every module in `paths`, in order, each capped at
/// [`MAX_FILE_BYTES`], read on a few threads (the reads are system calls,
/// and a warm check is mostly them).
fn read_modules(paths: &[&Path]) -> Result<Vec<Vec<u8>>> {
    crate::parallel::map_files(paths, |path| {
        crate::project::read_listed(path, MAX_FILE_BYTES)
    })
    .map_err(anyhow::Error::msg)?
    .into_iter()
    .collect()
}

/// The apps found, each with its migrations' facts, as the core reads them.
fn project_apps(found: &[FoundApp], facts: &[(Key, django::MigrationFacts)]) -> Vec<django::App> {
    django::locate::project_apps(found.iter().map(|a| (a.label.as_str(), a.migrated)), facts)
}

/// Each app's label and migrations directory (`None`: an app whose
/// `MIGRATION_MODULES` entry is `None`, so it has no migrations), as
/// Django finds them: the `migrations` packages under `root`, then the
/// project's `MIGRATION_MODULES` mapping (the core's rules,
/// [`locate::packages`], which the browser applies to its files too); app
/// labels are unique.
fn app_dirs(root: &Path) -> Result<Vec<(String, Option<PathBuf>)>> {
    let layout = layout(root)?;
    let mut dirs = Vec::new();
    find_migration_dirs(root, &mut dirs, &mut 0)?;
    dirs.sort();
    let found: Vec<(String, String)> = dirs
        .iter()
        .map(|dir| {
            let app_dir = dir.parent().unwrap_or(root);
            let label = layout.label(&relative(root, app_dir), || app_label(app_dir));
            (label, relative(root, dir))
        })
        .collect();
    let modules = layout
        .modules(|p| entry(root, p))
        .map_err(anyhow::Error::msg)?;
    locate::packages(found, modules)
        .map_err(anyhow::Error::msg)?
        .into_iter()
        .map(|(label, dir)| Ok((label, dir.map(|d| confined_dir(root, &d)).transpose()?)))
        .collect()
}

fn relative(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

impl Checked {
    /// The verdict with its files, for the diagnostics and the graph.
    pub fn view(&self) -> View<'_> {
        View {
            loaded: &self.loaded,
            sources: &self.sources,
            facts: &self.facts,
            apps: &self.labels,
        }
    }

    /// The project as the core's semantics read it (no applied set).
    pub fn project(&self) -> Project {
        let apps = project_apps(&self.apps, &self.facts);
        Project {
            apps,
            user_model: self.user_model.clone(),
            applied: None,
            history: None,
            safety: None,
        }
    }

    /// The lock file's text for this project.
    pub fn render_lock(&self) -> Result<String, revguard_core::history::LockRefusal> {
        let paths = self
            .sources
            .iter()
            .map(|(k, p, _)| (k.dotted(), p.clone()))
            .collect();
        django::lock::render_lock(
            &self.project(),
            &django::history::hashes(&self.sources),
            &paths,
        )
    }

    fn file(&self, key: &Key) -> Option<&(Key, String, Vec<u8>)> {
        self.sources.iter().find(|(k, _, _)| k == key)
    }

    /// `path:line` of the reference in `origin` that names `target`.
    fn reference_line(&self, origin: &Key, target: &Key) -> String {
        let Some((_, path, bytes)) = self.file(origin) else {
            return origin.dotted();
        };
        let span = self.view().reference_span(origin, target);
        match span {
            Some(span) => format!("{path}:{}", line_of(bytes, span.start)),
            None => path.clone(),
        }
    }

    fn path_of(&self, key: &Key) -> String {
        self.file(key)
            .map_or_else(|| key.dotted(), |(_, p, _)| p.clone())
    }

    /// The human report.
    pub fn render_human(&self) -> String {
        let mut out = String::new();
        for error in &self.loaded.errors {
            self.render_error(&mut out, error);
        }
        for (app, names) in &self.loaded.conflicts {
            let files: Vec<String> = names
                .iter()
                .map(|n| format!("`{}`", self.path_of(&Key::new(app, n))))
                .collect();
            let _ = writeln!(
                out,
                "error[multiple-leaves]: Django app `{app}` has {} leaf migrations: {}",
                names.len(),
                files.join(" and ")
            );
            let _ = writeln!(
                out,
                "  = note: `manage.py migrate` fails: CommandError: Conflicting migrations detected; multiple leaf nodes in the migration graph: ({} in {app}).",
                names.join(", ")
            );
            let _ = writeln!(
                out,
                "  = help: run `python manage.py makemigrations --merge`, or make one of them depend on the other\n"
            );
        }
        if let Some(first) = self.loaded.inconsistent.first() {
            self.render_error(&mut out, first);
        }
        self.render_history(&mut out);
        for d in self.safety_diagnostics() {
            render_diagnostic(&mut out, d);
        }
        self.render_summary(&mut out);
        out
    }

    fn render_error(&self, out: &mut String, error: &DjangoError) {
        let (check, at) = match error {
            DjangoError::NodeNotFound { node, origin, .. } => {
                ("missing-parent", self.reference_line(origin, node))
            }
            DjangoError::CircularDependency { cycle, .. } => ("cycle", self.path_of(&cycle[0])),
            DjangoError::Unreadable { migration, .. } => ("dynamic-value", self.path_of(migration)),
            DjangoError::InconsistentHistory { migration, .. } => {
                ("database-state", self.path_of(migration))
            }
            DjangoError::ValueError { .. } => ("missing-parent", String::new()),
        };
        let _ = writeln!(
            out,
            "error[{check}]: {}: {}",
            error.exception(),
            error.message()
        );
        if !at.is_empty() {
            let _ = writeln!(out, "  --> {at}");
        }
        if self.loaded.errors.len() > 1 && !matches!(error, DjangoError::Unreadable { .. }) {
            let _ = writeln!(
                out,
                "  = note: Django raises the first of these it meets; which one depends on Python's hash order"
            );
        }
        out.push('\n');
    }

    /// The history checks' findings, as the human output shows findings.
    fn render_history(&self, out: &mut String) {
        let diagnostics = self.diagnostics();
        for d in diagnostics
            .iter()
            .filter(|d| self.loaded.history.iter().any(|h| h.check() == d.check))
        {
            render_diagnostic(out, d);
        }
    }

    /// The deploy-safety lint's findings as diagnostics (none when the
    /// lint did not run).
    pub fn safety_diagnostics(&self) -> &[revguard_core::report::Diagnostic] {
        &self.lint
    }

    /// [`Checked::safety_diagnostics`], made from the lint's findings.
    fn lint_diagnostics(&self) -> Vec<revguard_core::report::Diagnostic> {
        let mut out = Vec::new();
        let Some(policy) = &self.policy else {
            return out;
        };
        for found in &self.safety {
            let Some(file) = self
                .sources
                .iter()
                .position(|(k, _, _)| *k == found.migration)
            else {
                continue;
            };
            let (_, path, bytes) = &self.sources[file];
            let text = String::from_utf8_lossy(bytes);
            let linted = revguard_core::dialect::sql::safety::LintedFile {
                file,
                path,
                text: &text,
                facts: &found.facts,
                pending: !self.applied.contains(&found.migration),
            };
            policy.file_diagnostics(&linted, &mut out);
        }
        out
    }

    fn render_summary(&self, out: &mut String) {
        let migrations: usize = self.apps.iter().map(|a| a.migrations.len()).sum();
        if !self.loaded.external.is_empty() {
            let external: Vec<String> = self.loaded.external.iter().map(Key::dotted).collect();
            let _ = writeln!(
                out,
                "note: assumed installed (outside the repository): {}",
                external.join(", ")
            );
        }
        let verdict = if self.has_errors() { "failed" } else { "ok" };
        let _ = writeln!(
            out,
            "{verdict}: {} apps, {migrations} migrations; manage.py migrate: {}",
            self.apps.len(),
            if self.migrate_fails() {
                "fails"
            } else {
                "runs"
            }
        );
    }
}

/// One finding as the human output shows it.
fn render_diagnostic(out: &mut String, d: &revguard_core::report::Diagnostic) {
    let _ = writeln!(out, "{}[{}]: {}", d.severity.as_str(), d.check, d.message);
    for label in &d.labels {
        let _ = writeln!(
            out,
            "  --> {}:{} ({})",
            label.path, label.start.line, label.message
        );
    }
    for note in &d.notes {
        let _ = writeln!(out, "  = note: {note}");
    }
    if let Some(help) = &d.help {
        let _ = writeln!(out, "  = help: {help}");
    }
    out.push('\n');
}

fn line_of(bytes: &[u8], offset: usize) -> usize {
    1 + bytes[..offset.min(bytes.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
}
