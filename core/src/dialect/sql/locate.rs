//! Where a SQL-file tool's history is in a *list* of files (paths relative
//! to a project directory, with their bytes): the rules of the CLI's
//! discovery (`host/src/sql_tools/discover.rs`, which walks a real
//! directory) applied to paths, for faces that have no file system: the
//! browser playground, given a dropped folder.
//!
//! The same rules, in the same order: Flyway's `flyway.conf` (or
//! `flyway.toml`'s `[flyway]` table, read by a small subset reader: one-line
//! strings, booleans and arrays) locations, else `db/migration` on the
//! classpath; Prisma's `prisma/migrations` or `migrations/`; sqlx's
//! `migrations/` beside a `Cargo.toml` naming sqlx; dbmate's
//! `DBMATE_MIGRATIONS_DIR` (from `.env`) or `db/migrations`; golang-migrate
//! and goose by the shape of a directory's files, a few levels down.
//!
//! One addition, for a dropped migration directory on its own (no project
//! around it): when none of those rules finds anything, the top directory
//! itself is the history of the first tool whose file shape its files have
//! (Flyway's `V<version>__<description>.sql`, Prisma's
//! `<name>/migration.sql`, sqlx's `<version>_<description>.sql`), or of the
//! tool chosen by name. The CLI, given such a directory, asks for the
//! project instead.

use std::collections::BTreeSet;

use super::{AppliedRow, FlywayConfig, Tool, golang_migrate};

/// A history found in a list of files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    /// The tool.
    pub tool: Tool,
    /// Its migration directories (`.` for the top one).
    pub dirs: Vec<String>,
    /// Its files in the tool's order: the index into the given list and
    /// the name the tool parses (the file name; Prisma's directory name).
    pub files: Vec<(usize, String)>,
    /// Flyway's naming configuration.
    pub flyway: FlywayConfig,
    /// Found by the top directory's file shape only (see the module docs).
    pub loose: bool,
}

/// The files as a directory tree, read-only.
struct Tree<'a> {
    /// (directory, file name, index, bytes), directory `""` for the top.
    files: Vec<(String, &'a str, usize, &'a [u8])>,
    dirs: BTreeSet<String>,
}

impl<'a> Tree<'a> {
    fn new(files: &[(&'a str, &'a [u8])]) -> Tree<'a> {
        let mut tree = Tree {
            files: Vec::new(),
            dirs: BTreeSet::new(),
        };
        tree.dirs.insert(String::new());
        for (index, (path, bytes)) in files.iter().enumerate() {
            let parts: Vec<&str> = path
                .split(['/', '\\'])
                .filter(|p| !p.is_empty() && *p != ".")
                .collect();
            let Some((name, dir)) = parts.split_last() else {
                continue;
            };
            for depth in 1..=dir.len() {
                tree.dirs.insert(dir[..depth].join("/"));
            }
            tree.files.push((dir.join("/"), name, index, bytes));
        }
        tree
    }

    fn is_dir(&self, dir: &str) -> bool {
        self.dirs.contains(dir)
    }

    /// The files directly in `dir`, by name.
    fn files_in(&self, dir: &str) -> Vec<(&'a str, usize, &'a [u8])> {
        let mut out: Vec<_> = self
            .files
            .iter()
            .filter(|(d, ..)| d == dir)
            .map(|(_, name, index, bytes)| (*name, *index, *bytes))
            .collect();
        out.sort_by(|a, b| a.0.cmp(b.0).then(a.1.cmp(&b.1)));
        out
    }

    /// The names of the directories directly in `dir`, sorted.
    fn subdirs(&self, dir: &str) -> Vec<&str> {
        self.dirs
            .iter()
            .filter_map(|d| {
                let rest = if dir.is_empty() {
                    d.as_str()
                } else {
                    d.strip_prefix(dir)?.strip_prefix('/')?
                };
                (!rest.is_empty() && !rest.contains('/')).then_some(rest)
            })
            .collect()
    }

    /// The text of a file directly in `dir`.
    fn text(&self, dir: &str, name: &str) -> Option<String> {
        self.files_in(dir)
            .into_iter()
            .find(|(n, ..)| *n == name)
            .map(|(_, _, bytes)| String::from_utf8_lossy(bytes).into_owned())
    }

    /// Whether a `.sql` file directly in `dir` (the first 200) has a line
    /// starting with one of `needles`.
    fn sql_files_contain(&self, dir: &str, needles: &[&str]) -> bool {
        self.files_in(dir)
            .into_iter()
            .filter(|(n, ..)| n.ends_with(".sql"))
            .take(200)
            .any(|(_, _, bytes)| {
                String::from_utf8_lossy(bytes)
                    .lines()
                    .any(|l| needles.iter().any(|needle| l.starts_with(needle)))
            })
    }

    /// Every file name under `dir`, recursively.
    fn names_under<'b>(&'b self, dir: &'b str) -> impl Iterator<Item = &'a str> + 'b {
        let prefix = format!("{dir}/");
        self.files
            .iter()
            .filter(move |(d, ..)| dir.is_empty() || d == dir || d.starts_with(&prefix))
            .map(|(_, name, ..)| *name)
    }
}

fn join(dir: &str, name: &str) -> String {
    match (dir.is_empty(), name) {
        (_, "" | ".") => dir.to_owned(),
        (true, _) => name.trim_matches('/').to_owned(),
        (false, _) => format!("{dir}/{}", name.trim_matches('/')),
    }
}

/// Whether the top directory is (or may be) an Alembic project, as the
/// CLI decides before it looks for a SQL tool: Alembic's or revguard's
/// configuration, `env.py`, or Python files at the top.
pub fn looks_like_alembic(files: &[(&str, &[u8])]) -> bool {
    let tree = Tree::new(files);
    tree.files_in("").iter().any(|(name, _, bytes)| {
        matches!(*name, "alembic.ini" | "env.py" | "revguard.toml")
            || name.ends_with(".py")
            || *name == "pyproject.toml" && {
                let text = String::from_utf8_lossy(bytes);
                text.contains("[tool.alembic") || text.contains("[tool.revguard")
            }
    })
}

/// Find the history of `tool` (or of the first tool that matches) in
/// `files`: each a path relative to the project directory and its bytes.
pub fn locate(files: &[(&str, &[u8])], tool: Option<Tool>) -> Option<Located> {
    let tree = Tree::new(files);
    let tools: Vec<Tool> = tool.map_or_else(|| Tool::ALL.to_vec(), |t| vec![t]);
    let chosen = tool.is_some();
    tools
        .iter()
        .find_map(|t| locate_tool(&tree, *t, chosen))
        .or_else(|| {
            let loose = match tool {
                Some(tool) => Some(tool),
                None => loose_tool(&tree),
            }?;
            let flyway = flyway_config(&tree).0;
            Some(collect(&tree, loose, vec![String::new()], flyway, true))
                .filter(|found| !found.files.is_empty())
        })
}

fn locate_tool(tree: &Tree, tool: Tool, chosen: bool) -> Option<Located> {
    let (flyway, locations) = flyway_config(tree);
    let dirs: Vec<String> = match tool {
        Tool::Flyway => flyway_dirs(tree, locations, chosen),
        Tool::Prisma => first_dir(tree, &["prisma/migrations", "migrations"], |d| {
            tree.files_in(d)
                .iter()
                .any(|f| f.0 == "migration_lock.toml")
                || has_migration_dirs(tree, d)
                || chosen && d.ends_with("prisma/migrations")
        }),
        Tool::Sqlx => first_dir(tree, &["migrations", "."], |d| {
            if chosen && !d.is_empty() {
                return true;
            }
            (chosen || uses_sqlx(tree)) && tree.files_in(d).iter().any(|f| f.0.ends_with(".sql"))
        }),
        Tool::Dbmate => dbmate_dirs(tree, chosen),
        Tool::GolangMigrate => shaped_dir(tree, |d| {
            tree.files_in(d)
                .iter()
                .any(|f| golang_migrate::parse_name(f.0).is_some())
                && !tree.sql_files_contain(d, &["-- +goose", "-- migrate:up", "--migrate:up"])
        }),
        Tool::Goose => shaped_dir(tree, |d| tree.sql_files_contain(d, &["-- +goose Up"])),
    };
    let dirs: Vec<String> = dirs.into_iter().filter(|d| tree.is_dir(d)).collect();
    if dirs.is_empty() {
        return None;
    }
    Some(collect(tree, tool, dirs, flyway, false))
}

/// The tool whose file shape the top directory's files have.
fn loose_tool(tree: &Tree) -> Option<Tool> {
    let config = flyway_config(tree).0;
    let top = tree.files_in("");
    if tree.names_under("").any(|n| {
        matches!(
            super::flyway::parse_name(n, &config),
            super::flyway::Name::Versioned { .. }
        )
    }) {
        return Some(Tool::Flyway);
    }
    if has_migration_dirs(tree, "") {
        return Some(Tool::Prisma);
    }
    top.iter()
        .any(|f| matches!(super::sqlx::parse_name(f.0), Ok(Some(_))))
        .then_some(Tool::Sqlx)
}

fn collect(
    tree: &Tree,
    tool: Tool,
    dirs: Vec<String>,
    flyway: FlywayConfig,
    loose: bool,
) -> Located {
    let mut files = Vec::new();
    for dir in &dirs {
        if tool == Tool::Prisma {
            for sub in tree.subdirs(dir) {
                let path = join(dir, sub);
                if let Some((_, index, _)) = tree
                    .files_in(&path)
                    .into_iter()
                    .find(|f| f.0 == "migration.sql")
                {
                    files.push((index, sub.to_owned()));
                }
            }
        } else {
            dir_files(tree, dir, tool == Tool::Flyway, &mut files);
        }
    }
    Located {
        tool,
        dirs: dirs
            .into_iter()
            .map(|d| if d.is_empty() { ".".to_owned() } else { d })
            .collect(),
        files,
        flyway,
        loose,
    }
}

/// The files of `dir` by name, then (for Flyway) its subdirectories', in
/// the order the CLI reads them: one sorted listing of files and
/// directories together.
fn dir_files(tree: &Tree, dir: &str, recursive: bool, out: &mut Vec<(usize, String)>) {
    let mut entries: Vec<(&str, Option<usize>)> = tree
        .files_in(dir)
        .into_iter()
        .map(|(name, index, _)| (name, Some(index)))
        .collect();
    entries.extend(tree.subdirs(dir).into_iter().map(|d| (d, None)));
    entries.sort();
    for (name, index) in entries {
        if name.starts_with('.') {
            continue;
        }
        match index {
            Some(index) => out.push((index, name.to_owned())),
            None if recursive => dir_files(tree, &join(dir, name), recursive, out),
            None => {}
        }
    }
}

/// The first candidate directory (relative to the top) that passes `accept`.
fn first_dir(tree: &Tree, candidates: &[&str], accept: impl Fn(&str) -> bool) -> Vec<String> {
    candidates
        .iter()
        .map(|c| join("", c))
        .find(|d| tree.is_dir(d) && accept(d))
        .into_iter()
        .collect()
}

fn has_migration_dirs(tree: &Tree, dir: &str) -> bool {
    tree.subdirs(dir).iter().any(|sub| {
        tree.files_in(&join(dir, sub))
            .iter()
            .any(|f| f.0 == "migration.sql")
    })
}

fn uses_sqlx(tree: &Tree) -> bool {
    tree.text("", "Cargo.toml")
        .is_some_and(|text| text.lines().any(|l| l.trim_start().starts_with("sqlx")))
}

/// Directories never searched for a SQL tool's migrations, here and in the
/// CLI's discovery (hidden ones are skipped too).
pub const SKIPPED_DIRS: [&str; 8] = [
    ".git",
    "node_modules",
    ".venv",
    "venv",
    "site-packages",
    "__pycache__",
    "target",
    "build",
];

/// The top directory or the first directory below it (breadth first, four
/// levels deep, hidden and build directories skipped) that passes `accept`.
fn shaped_dir(tree: &Tree, accept: impl Fn(&str) -> bool) -> Vec<String> {
    let mut queue = std::collections::VecDeque::from([(String::new(), 0)]);
    while let Some((dir, depth)) = queue.pop_front() {
        if accept(&dir) {
            return vec![dir];
        }
        if depth >= 4 {
            continue;
        }
        for sub in tree.subdirs(&dir) {
            if !sub.starts_with('.') && !SKIPPED_DIRS.contains(&sub) {
                queue.push_back((join(&dir, sub), depth + 1));
            }
        }
    }
    Vec::new()
}

/// dbmate: `DBMATE_MIGRATIONS_DIR` from the project's `.env`, else the top
/// directory or `db/migrations` when it holds a `-- migrate:up` file (or
/// `db/migrations` as it is when dbmate was chosen).
fn dbmate_dirs(tree: &Tree, chosen: bool) -> Vec<String> {
    let configured = tree.text("", ".env").and_then(|text| {
        text.lines().find_map(|l| {
            let value = l.trim().strip_prefix("DBMATE_MIGRATIONS_DIR=")?;
            Some(value.trim_matches(['"', '\'']).to_owned())
        })
    });
    if let Some(dirs) = configured {
        let dirs: Vec<String> = dirs.split(',').map(|d| join("", d.trim())).collect();
        if dirs.iter().any(|d| tree.is_dir(d)) {
            return dirs;
        }
    }
    first_dir(tree, &[".", "db/migrations"], |d| {
        tree.sql_files_contain(d, &["-- migrate:up", "--migrate:up"]) || chosen && !d.is_empty()
    })
}

/// Flyway's configuration and its locations (`None`: not configured).
fn flyway_config(tree: &Tree) -> (FlywayConfig, Option<Vec<String>>) {
    let mut config = FlywayConfig::default();
    for name in ["flyway.conf", "conf/flyway.conf"] {
        let (dir, file) = name.rsplit_once('/').unwrap_or(("", name));
        if let Some(text) = tree.text(dir, file) {
            let locations = config
                .apply_conf(&text)
                .unwrap_or_else(|| vec!["filesystem:sql".to_owned(), "db/migration".to_owned()]);
            return (config, Some(locations));
        }
    }
    let locations = tree
        .text("", "flyway.toml")
        .map(|text| config.apply_toml_subset(&text));
    (config, locations)
}

/// Flyway's locations as directories: `filesystem:` from the top,
/// `classpath:` (the default) under `src/main/resources`,
/// `src/test/resources` or the top.
fn flyway_dirs(tree: &Tree, locations: Option<Vec<String>>, chosen: bool) -> Vec<String> {
    let configured = locations.is_some();
    let locations = locations.unwrap_or_else(|| vec!["db/migration".to_owned()]);
    let mut dirs = Vec::new();
    for location in locations {
        let (scheme, path) = match location.split_once(':') {
            Some((scheme, path)) if scheme == "filesystem" || scheme == "classpath" => {
                (scheme, path)
            }
            _ => ("classpath", location.as_str()),
        };
        let path = path.trim_start_matches('/');
        let candidates = if scheme == "filesystem" {
            vec![join("", path)]
        } else {
            vec![
                join("src/main/resources", path),
                join("src/test/resources", path),
                join("", path),
            ]
        };
        dirs.extend(candidates.into_iter().filter(|d| tree.is_dir(d)));
    }
    if !configured && !chosen {
        dirs.retain(|d| {
            tree.names_under(d)
                .any(|n| n.starts_with('V') && n.ends_with(".sql"))
        });
    }
    dirs.dedup();
    dirs
}

impl FlywayConfig {
    /// Apply the `flyway.*` keys of a `flyway.conf` (Java properties);
    /// returns the locations, when set.
    pub fn apply_conf(&mut self, text: &str) -> Option<Vec<String>> {
        let mut locations = None;
        for line in text.lines() {
            let line = line.trim();
            if line.starts_with('#') || line.starts_with('!') {
                continue;
            }
            let Some((key, value)) = line.split_once(['=', ':']) else {
                continue;
            };
            let (key, value) = (key.trim(), value.trim());
            let Some(key) = key.strip_prefix("flyway.") else {
                continue;
            };
            if key == "locations" {
                locations = Some(value.split(',').map(|v| v.trim().to_owned()).collect());
            } else {
                self.set(key, &[value.to_owned()]);
            }
        }
        locations
    }

    /// Apply the `[flyway]` table of a `flyway.toml`, reading only one-line
    /// `key = value` pairs whose value is a string, a boolean or an array
    /// of strings; returns the locations (default `filesystem:sql` and
    /// `db/migration`).
    pub fn apply_toml_subset(&mut self, text: &str) -> Vec<String> {
        let mut locations = vec!["filesystem:sql".to_owned(), "db/migration".to_owned()];
        let mut in_flyway = false;
        for line in text.lines() {
            let line = line.trim();
            if line.starts_with('[') {
                in_flyway = line
                    .trim_end_matches(|c: char| c == ']' || c.is_whitespace())
                    .trim_start_matches('[')
                    .trim()
                    == "flyway";
                continue;
            }
            let Some((key, value)) = line.split_once('=').filter(|_| in_flyway) else {
                continue;
            };
            let values = toml_values(value.trim());
            match key.trim().trim_matches('"') {
                "locations" => locations = values,
                key => self.set(key, &values),
            }
        }
        locations
    }

    /// Set one naming key (Flyway's camelCase name) from its values.
    pub fn set(&mut self, key: &str, values: &[String]) {
        let first = values.first().cloned().unwrap_or_default();
        match key {
            "sqlMigrationPrefix" => self.sql_migration_prefix = first,
            "repeatableSqlMigrationPrefix" => self.repeatable_sql_migration_prefix = first,
            "undoSqlMigrationPrefix" => self.undo_sql_migration_prefix = first,
            "baselineMigrationPrefix" => self.baseline_migration_prefix = first,
            "sqlMigrationSeparator" => self.sql_migration_separator = first,
            "sqlMigrationSuffixes" => self.sql_migration_suffixes = values.to_vec(),
            "outOfOrder" => self.out_of_order = first == "true",
            "validateMigrationNaming" => self.validate_migration_naming = first == "true",
            _ => {}
        }
    }
}

/// A one-line TOML value as strings: `"a"`, `'a'`, `true`, `["a", "b"]`
/// (a string holding commas is split at them, as Flyway splits it).
fn toml_values(value: &str) -> Vec<String> {
    let value = value.split(" #").next().unwrap_or(value).trim();
    let unquote = |s: &str| s.trim().trim_matches(['"', '\'']).to_owned();
    if let Some(items) = value.strip_prefix('[').and_then(|v| v.strip_suffix(']')) {
        return items
            .split(',')
            .map(unquote)
            .filter(|s| !s.is_empty())
            .collect();
    }
    unquote(value)
        .split(',')
        .map(|s| s.trim().to_owned())
        .collect()
}

/// The rows of a `revguard.lock` for `tool`: `Ok(None)` when the lock is
/// another tool's (or Alembic's); `Err((line, message))` for a line that
/// is not `<version> <checksum>`.
///
/// Format, one line each: `# comment`, `dialect <tool>`, then
/// `<version> <checksum>` in the tool's order.
pub fn parse_lock(text: &str, tool: Tool) -> Result<Option<Vec<AppliedRow>>, (usize, String)> {
    let mut dialect = None;
    let mut rows = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(name) = line.strip_prefix("dialect ") {
            dialect = Some(name.trim().to_owned());
            continue;
        }
        let Some((version, checksum)) = line.rsplit_once(' ') else {
            return Err((n + 1, "expected `<version> <checksum>`".to_owned()));
        };
        rows.push(AppliedRow {
            checksum: Some(checksum.to_owned()),
            ..AppliedRow::version(version)
        });
    }
    Ok((dialect.as_deref() == Some(tool.name())).then_some(rows))
}

#[cfg(test)]
#[path = "locate_tests.rs"]
mod tests;
