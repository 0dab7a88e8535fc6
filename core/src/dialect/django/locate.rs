//! Where a Django project's migrations are, from a list of relative paths:
//! the rules of `MigrationLoader.load_disk` that the CLI's discovery
//! applies to a directory tree, for callers that only have the files (the
//! browser playground), and the pieces of them the CLI's walk shares.
//!
//! - An app is a directory holding a `migrations` directory; the search
//!   does not enter [`skipped`] directories nor a `migrations` directory.
//! - With `migrations/__init__.py` the app is migrated; without it (a
//!   namespace package) it is unmigrated and has no migrations.
//! - A migration is a `.py` file directly in `migrations/` whose module
//!   name does not start with `_` or `~` ([`module_name`]).
//! - The app's label is the literal `label = "..."` of the `AppConfig` in
//!   its `apps.py` ([`label_in`]), else the directory's name.
//! - The project's `[django]` settings ([`Layout`]: `labels` and
//!   `migration-modules`, docs/django.md) override both: a configured label
//!   wins over `apps.py`, and `MIGRATION_MODULES` replaces an app's
//!   `migrations` package by another module, or by none.

use std::collections::BTreeMap;

use super::{App, Key, Migration, MigrationFacts};

/// Where a Django project's apps and migrations are when the defaults do
/// not say: `[django] labels` and `migration-modules` (docs/django.md),
/// which `revguard_core::config` reads from the project's configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Layout {
    /// App directory (relative to the project, `/`-separated) → app label,
    /// for an `AppConfig` whose `label` is not a literal.
    pub labels: BTreeMap<String, String>,
    /// App label → its migrations module (dotted, relative to the project),
    /// or `None` when `MIGRATION_MODULES` maps it to `None` (unmigrated).
    pub migration_modules: BTreeMap<String, Option<String>>,
}

/// What a path of the project is, for [`Layout`]'s checks: the CLI asks
/// the file system, the browser its list of paths ([`entry`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry {
    /// A directory.
    Dir,
    /// A file.
    File,
    /// Nothing.
    Missing,
}

/// An app's migrations package: its label and its directory (relative,
/// `/`-separated; `None`: the app is unmigrated).
pub type Package = (String, Option<String>);

impl Layout {
    /// The label of the app in `app_dir` (relative, `/`-separated): the
    /// configured one, else `found()` (its `apps.py`'s, or its name).
    pub fn label(&self, app_dir: &str, found: impl FnOnce() -> String) -> String {
        self.labels.get(app_dir).cloned().unwrap_or_else(found)
    }

    /// Refuse a `labels` entry whose app directory is not in the project.
    pub fn check_labels(&self, entry: impl Fn(&str) -> Entry) -> Result<(), String> {
        match self.labels.keys().find(|dir| entry(dir) != Entry::Dir) {
            Some(dir) => Err(format!(
                "`[django] labels` names the app directory `{dir}`, which does not exist"
            )),
            None => Ok(()),
        }
    }

    /// The `MIGRATION_MODULES` entries' packages, in label order: a module
    /// mapped to `None`, or that is a file (no package: Django treats the
    /// app as unmigrated), has none; one that does not exist is an error,
    /// as it is for Django's `migrate` (`ModuleNotFoundError`).
    pub fn modules(&self, entry: impl Fn(&str) -> Entry) -> Result<Vec<Package>, String> {
        let mut out = Vec::new();
        for (label, module) in &self.migration_modules {
            let Some(module) = module else {
                out.push((label.clone(), None));
                continue;
            };
            let dir = module.replace('.', "/");
            if entry(&dir) == Entry::Dir {
                out.push((label.clone(), Some(dir)));
            } else if entry(&format!("{dir}.py")) == Entry::File {
                out.push((label.clone(), None));
            } else {
                return Err(format!(
                    "`[django] migration-modules` maps {label} to {module}, but {dir} is not a directory: Django's migrate fails with \"ModuleNotFoundError: No module named '{module}'\""
                ));
            }
        }
        Ok(out)
    }
}

/// Every app's migrations package: the `migrations` directories found
/// (label, directory), except those of apps `MIGRATION_MODULES` maps
/// elsewhere (Django never imports them), then the mapped ones
/// ([`Layout::modules`]). Two apps with one label are an error in Django's
/// words.
pub fn packages(
    found: Vec<(String, String)>,
    modules: Vec<Package>,
) -> Result<Vec<Package>, String> {
    let mut apps: Vec<Package> = found
        .into_iter()
        .filter(|(label, _)| !modules.iter().any(|(mapped, _)| mapped == label))
        .map(|(label, dir)| (label, Some(dir)))
        .collect();
    apps.extend(modules);
    for (i, (label, dir)) in apps.iter().enumerate() {
        if let Some((_, other)) = apps[..i].iter().find(|(l, _)| l == label) {
            return Err(format!(
                "Application labels aren't unique, duplicates: {label} (`{}` and `{}`)",
                other.as_deref().unwrap_or_default(),
                dir.as_deref().unwrap_or_default(),
            ));
        }
    }
    Ok(apps)
}

/// What `path` is among `paths` (relative, `/`-separated): a directory
/// when a path is under it, a file when it is one, else missing.
pub fn entry(paths: &[&str], path: &str) -> Entry {
    let path = path.trim_start_matches("./");
    let mut found = Entry::Missing;
    for p in paths.iter().map(|p| p.trim_start_matches("./")) {
        if p.strip_prefix(path)
            .is_some_and(|rest| rest.starts_with('/'))
        {
            return Entry::Dir;
        }
        if p == path {
            found = Entry::File;
        }
    }
    found
}

/// Directories never searched for apps (besides hidden ones).
pub const SKIPPED: [&str; 8] = [
    ".git",
    "node_modules",
    ".venv",
    "venv",
    "site-packages",
    "__pycache__",
    ".tox",
    "target",
];

/// A directory never searched for apps.
pub fn skipped(name: &str) -> bool {
    SKIPPED.contains(&name) || name.starts_with('.')
}

/// The module name of a file in a `migrations` package when Django loads
/// it as a migration: `0001_initial.py` is `0001_initial`; `__init__.py`,
/// `_private.py`, `~backup.py` and non-Python files are not migrations.
pub fn module_name(file_name: &str) -> Option<&str> {
    let stem = file_name.strip_suffix(".py")?;
    (!stem.is_empty() && !stem.starts_with(['_', '~'])).then_some(stem)
}

/// The literal `label = "..."` of an `AppConfig` in `apps.py`'s text, else
/// `name`.
pub fn label_in(text: &str, name: &str) -> String {
    for line in text.lines() {
        let trimmed = line.trim_start();
        if trimmed.len() == line.len() {
            continue; // module level, not a class attribute
        }
        let Some(rest) = trimmed.strip_prefix("label") else {
            continue;
        };
        let Some(value) = rest.trim_start().strip_prefix('=') else {
            continue;
        };
        let value = value.trim();
        for quote in ['"', '\''] {
            if let Some(inner) = value
                .strip_prefix(quote)
                .and_then(|v| v.strip_suffix(quote))
                .filter(|v| !v.contains(quote) && !v.contains('\\'))
            {
                return inner.to_string();
            }
        }
    }
    name.to_owned()
}

/// One app found in the paths.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocatedApp {
    /// The app label.
    pub label: String,
    /// Its `migrations` directory (`/`-separated, relative).
    pub path: String,
    /// Whether the package has `__init__.py`.
    pub migrated: bool,
    /// Its migrations in name order: module name and index into the paths.
    pub migrations: Vec<(String, usize)>,
}

/// Every app in `paths` (relative, `/`-separated; `./` prefixes ignored),
/// in the order of their directories' path components. `apps_py` gives the
/// text of an `apps.py` by its path; `root` is the name of the project
/// directory (the app's name when `migrations` is at the top). Two apps
/// with one label are an error in Django's words. [`locate_with`] with no
/// `[django]` settings.
pub fn locate<'a>(
    paths: &[&str],
    root: &str,
    apps_py: impl Fn(&str) -> Option<&'a str>,
) -> Result<Vec<LocatedApp>, String> {
    locate_with(paths, root, apps_py, &Layout::default())
}

/// [`locate`] with the project's `[django]` settings: configured labels
/// win over `apps.py`, and `MIGRATION_MODULES` moves or removes an app's
/// package. A mapped module that does not exist is an error
/// ([`Layout::modules`]); configured app directories are not checked here
/// ([`Layout::check_labels`]).
pub fn locate_with<'a>(
    paths: &[&str],
    root: &str,
    apps_py: impl Fn(&str) -> Option<&'a str>,
    layout: &Layout,
) -> Result<Vec<LocatedApp>, String> {
    let paths: Vec<&str> = paths.iter().map(|p| p.trim_start_matches("./")).collect();
    let found = migration_dirs(&paths)
        .into_iter()
        .map(|dir| {
            let app_dir = dir.rsplit_once('/').map_or("", |(parent, _)| parent);
            let name = match app_dir {
                "" => root,
                dir => dir.rsplit('/').next().unwrap_or_default(),
            };
            let apps_path = if app_dir.is_empty() {
                "apps.py".to_owned()
            } else {
                format!("{app_dir}/apps.py")
            };
            let label = layout.label(app_dir, || {
                apps_py(&apps_path).map_or_else(|| name.to_owned(), |t| label_in(t, name))
            });
            (label, dir.to_owned())
        })
        .collect();
    let modules = layout.modules(|p| entry(&paths, p))?;
    let apps = packages(found, modules)?;
    Ok(apps
        .into_iter()
        .map(|(label, dir)| located(&paths, label, dir))
        .collect())
}

/// The first `migrations` directory on each path, if nothing above it is
/// skipped, each once, in the order of their path components.
fn migration_dirs<'p>(paths: &[&'p str]) -> Vec<&'p str> {
    let mut dirs: Vec<&str> = Vec::new();
    for path in paths {
        let parts: Vec<&str> = path.split('/').collect();
        let Some(at) = parts[..parts.len().saturating_sub(1)]
            .iter()
            .position(|p| *p == "migrations" || skipped(p))
        else {
            continue;
        };
        if parts[at] != "migrations" {
            continue;
        }
        let dir = &path[..parts[..=at].iter().map(|p| p.len() + 1).sum::<usize>() - 1];
        if !dirs.contains(&dir) {
            dirs.push(dir);
        }
    }
    dirs.sort_by(|a, b| a.split('/').cmp(b.split('/')));
    dirs
}

/// One app's package read from the paths: migrated when it has
/// `__init__.py`, its migrations in path order.
fn located(paths: &[&str], label: String, dir: Option<String>) -> LocatedApp {
    let Some(dir) = dir else {
        return LocatedApp {
            label,
            path: String::new(),
            migrated: false,
            migrations: Vec::new(),
        };
    };
    let migrated = paths
        .iter()
        .filter_map(|p| in_dir(p, &dir))
        .any(|f| f == "__init__.py");
    let mut migrations: Vec<(String, usize)> = Vec::new();
    if migrated {
        for (index, path) in paths.iter().enumerate() {
            if let Some(name) = in_dir(path, &dir).and_then(module_name) {
                migrations.push((name.to_owned(), index));
            }
        }
        migrations.sort_by(|a, b| paths[a.1].cmp(paths[b.1]));
    }
    LocatedApp {
        label,
        path: dir,
        migrated,
        migrations,
    }
}

/// The name of a file directly in `dir`.
fn in_dir<'p>(path: &'p str, dir: &str) -> Option<&'p str> {
    path.strip_prefix(dir)
        .and_then(|rest| rest.strip_prefix('/'))
        .filter(|rest| !rest.contains('/'))
}

/// Whether the paths look like a Django project: `manage.py` at the top,
/// or a migrations package (`migrations/__init__.py`) beside a numbered
/// migration (`0001_initial.py`).
pub fn looks_like_django(paths: &[&str]) -> bool {
    let paths: Vec<&str> = paths.iter().map(|p| p.trim_start_matches("./")).collect();
    if paths.contains(&"manage.py") {
        return true;
    }
    paths.iter().any(|path| {
        let Some(dir) = path.strip_suffix("/__init__.py") else {
            return false;
        };
        (dir == "migrations" || dir.ends_with("/migrations"))
            && paths.iter().any(|other| {
                other
                    .strip_prefix(dir)
                    .and_then(|rest| rest.strip_prefix('/'))
                    .and_then(module_name)
                    .is_some_and(|name| name.starts_with(|c: char| c.is_ascii_digit()))
            })
    })
}

/// The apps as the semantics take them: each with its migrations' facts
/// (`facts` holds every migration's, by key).
pub fn project_apps<'a>(
    apps: impl IntoIterator<Item = (&'a str, bool)>,
    facts: &[(Key, MigrationFacts)],
) -> Vec<App> {
    apps.into_iter()
        .map(|(label, migrated)| App {
            label: label.to_owned(),
            migrated,
            migrations: facts
                .iter()
                .filter(|(k, _)| k.app == label)
                .map(|(k, f)| Migration {
                    name: k.name.clone(),
                    facts: f.clone(),
                })
                .collect(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apps_modules_and_labels_as_django_finds_them() {
        let paths = [
            "manage.py",
            "shop/apps.py",
            "shop/migrations/__init__.py",
            "shop/migrations/0002_b.py",
            "shop/migrations/0001_a.py",
            "shop/migrations/_private.py",
            "shop/migrations/~backup.py",
            "shop/migrations/notes.txt",
            "shop/migrations/sub/0003_c.py",
            "billing/migrations/0001_a.py",
            "node_modules/x/migrations/__init__.py",
            ".hidden/migrations/__init__.py",
            "a-b/migrations/__init__.py",
            "a/migrations/__init__.py",
        ];
        let apps = locate(&paths, "", |p| {
            (p == "shop/apps.py").then_some("class C(AppConfig):\n    label = 'store'\n")
        })
        .expect("unique labels");
        let summary: Vec<(&str, &str, bool, Vec<&str>)> = apps
            .iter()
            .map(|a| {
                let names = a.migrations.iter().map(|(n, _)| n.as_str()).collect();
                (a.label.as_str(), a.path.as_str(), a.migrated, names)
            })
            .collect();
        assert_eq!(
            summary,
            [
                ("a", "a/migrations", true, vec![]),
                ("a-b", "a-b/migrations", true, vec![]),
                ("billing", "billing/migrations", false, vec![]),
                ("store", "shop/migrations", true, vec!["0001_a", "0002_b"]),
            ]
        );
        assert_eq!(apps[3].migrations[0].1, 4, "indices into the paths");
        assert!(looks_like_django(&paths));
        assert!(looks_like_django(&[
            "x/migrations/__init__.py",
            "x/migrations/0001_initial.py"
        ]));
        assert!(!looks_like_django(&["versions/0001_a.py", "env.py"]));
    }

    #[test]
    fn duplicate_labels_are_djangos_error() {
        let err = locate(
            &["a/x/migrations/__init__.py", "b/x/migrations/__init__.py"],
            "",
            |_| None,
        )
        .unwrap_err();
        assert_eq!(
            err,
            "Application labels aren't unique, duplicates: x (`a/x/migrations` and `b/x/migrations`)"
        );
    }

    #[test]
    fn the_django_settings_relabel_move_and_remove_packages() {
        let paths = [
            "src/shop/apps.py",
            "src/shop/migrations/__init__.py",
            "src/shop/migrations/0001_a.py",
            "blog/migrations/__init__.py",
            "blog/migrations/0001_old.py",
            "blog/db_migrations/__init__.py",
            "blog/db_migrations/0001_new.py",
            "legacy/migrations/__init__.py",
            "legacy/migrations/0001_a.py",
            "flat/migrations.py",
        ];
        let layout = Layout {
            labels: BTreeMap::from([("src/shop".into(), "store".into())]),
            migration_modules: BTreeMap::from([
                ("blog".into(), Some("blog.db_migrations".into())),
                ("flat".into(), Some("flat.migrations".into())),
                ("legacy".into(), None),
            ]),
        };
        let apps_py = |p: &str| (p == "src/shop/apps.py").then_some("class C:\n    label = 'x'\n");
        let apps = locate_with(&paths, "", apps_py, &layout).expect("a layout that resolves");
        let summary: Vec<(&str, &str, bool, usize)> = apps
            .iter()
            .map(|a| {
                (
                    a.label.as_str(),
                    a.path.as_str(),
                    a.migrated,
                    a.migrations.len(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                ("store", "src/shop/migrations", true, 1),
                ("blog", "blog/db_migrations", true, 1),
                ("flat", "", false, 0),
                ("legacy", "", false, 0),
            ]
        );
        assert_eq!(apps[1].migrations[0], ("0001_new".to_owned(), 6));
        let at = |p: &str| entry(&paths, p);
        assert_eq!(
            (at("src/shop"), at("flat/migrations.py"), at("nope")),
            (Entry::Dir, Entry::File, Entry::Missing)
        );
        assert_eq!(layout.check_labels(at), Ok(()));
        let missing = Layout {
            labels: BTreeMap::from([("src/gone".into(), "gone".into())]),
            migration_modules: BTreeMap::from([("blog".into(), Some("blog.nowhere".into()))]),
        };
        assert_eq!(
            missing.check_labels(at).unwrap_err(),
            "`[django] labels` names the app directory `src/gone`, which does not exist"
        );
        assert_eq!(
            locate_with(&paths, "", |_| None, &missing).unwrap_err(),
            "`[django] migration-modules` maps blog to blog.nowhere, but blog/nowhere is not a directory: Django's migrate fails with \"ModuleNotFoundError: No module named 'blog.nowhere'\""
        );
    }

    #[test]
    fn labels_are_literal_class_attributes() {
        assert_eq!(label_in("label = 'top'\n", "d"), "d");
        assert_eq!(label_in("class A:\n    label = \"x\"\n", "d"), "x");
        assert_eq!(label_in("class A:\n    label = get()\n", "d"), "d");
        assert_eq!(module_name("0001_a.py"), Some("0001_a"));
        assert_eq!(module_name(".py"), None);
    }
}
