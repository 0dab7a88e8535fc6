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

use super::{App, Key, Migration, MigrationFacts};

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
/// with one label are an error in Django's words.
pub fn locate<'a>(
    paths: &[&str],
    root: &str,
    apps_py: impl Fn(&str) -> Option<&'a str>,
) -> Result<Vec<LocatedApp>, String> {
    let paths: Vec<&str> = paths.iter().map(|p| p.trim_start_matches("./")).collect();
    let mut dirs: Vec<&str> = Vec::new();
    for path in &paths {
        let parts: Vec<&str> = path.split('/').collect();
        // The first `migrations` directory on the path, if nothing above it
        // is skipped.
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
    let mut apps: Vec<LocatedApp> = Vec::new();
    for dir in dirs {
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
        let label = apps_py(&apps_path).map_or_else(|| name.to_owned(), |t| label_in(t, name));
        if let Some(other) = apps.iter().find(|a| a.label == label) {
            return Err(format!(
                "Application labels aren't unique, duplicates: {label} (`{}` and `{dir}`)",
                other.path
            ));
        }
        let migrated = paths
            .iter()
            .filter_map(|p| in_dir(p, dir))
            .any(|f| f == "__init__.py");
        let mut migrations: Vec<(String, usize)> = Vec::new();
        if migrated {
            for (index, path) in paths.iter().enumerate() {
                if let Some(name) = in_dir(path, dir).and_then(module_name) {
                    migrations.push((name.to_owned(), index));
                }
            }
            migrations.sort_by(|a, b| paths[a.1].cmp(paths[b.1]));
        }
        apps.push(LocatedApp {
            label,
            path: dir.to_owned(),
            migrated,
            migrations,
        });
    }
    Ok(apps)
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
    fn labels_are_literal_class_attributes() {
        assert_eq!(label_in("label = 'top'\n", "d"), "d");
        assert_eq!(label_in("class A:\n    label = \"x\"\n", "d"), "x");
        assert_eq!(label_in("class A:\n    label = get()\n", "d"), "d");
        assert_eq!(module_name("0001_a.py"), Some("0001_a"));
        assert_eq!(module_name(".py"), None);
    }
}
