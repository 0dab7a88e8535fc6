//! Where each SQL-file tool keeps its migrations, found as the tool finds
//! them: Flyway's `flyway.conf`/`flyway.toml` locations (default
//! `db/migration` on the classpath), Prisma's `prisma/migrations`, sqlx's
//! `migrations/` beside a `Cargo.toml` that uses sqlx, dbmate's
//! `DBMATE_MIGRATIONS_DIR` (also from `.env`; default `db/migrations`), and
//! golang-migrate and goose by the shape of their files. Symlinks are not
//! followed, and nothing outside the given path is read.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
// Directories never searched: the same list as the playground's.
use revguard_core::dialect::sql::locate::SKIPPED_DIRS as SKIPPED;
use revguard_core::dialect::sql::{FlywayConfig, Tool};

/// Most directories visited, most files read, largest file read.
const MAX_DIRS: usize = 20_000;
const MAX_FILES: usize = 100_000;
const MAX_FILE_BYTES: u64 = 16 << 20;

/// One history found on disk.
#[derive(Debug)]
pub struct Found {
    /// The tool.
    pub tool: Tool,
    /// Its migration directories, relative to the project.
    pub dirs: Vec<String>,
    /// Its files: path relative to the project, the name the tool parses,
    /// the bytes. In the order the tool lists them (by name per directory).
    pub files: Vec<(String, String, Vec<u8>)>,
    /// Flyway's naming configuration.
    pub flyway: FlywayConfig,
}

/// What `check` looks for, for the error when nothing is found.
pub const LOOKED_FOR: &str = "an Alembic project (alembic.ini, [tool.alembic] in pyproject.toml, env.py with versions/, or *.py revisions), flyway.conf/flyway.toml or db/migration (Flyway), prisma/migrations (Prisma), migrations/ beside a Cargo.toml using sqlx (sqlx), `-- migrate:up` files in db/migrations or DBMATE_MIGRATIONS_DIR (dbmate), `-- +goose Up` files (goose), or `<version>_<title>.up.sql` files (golang-migrate)";

/// Find the history of `tool` (or of whichever tool matches first) at `root`.
///
/// Detection needs the tool's files. A tool chosen by name also takes its
/// default directory when that exists but holds no migration yet (as the
/// tool does: an emptied directory is a history too, and the tool's answer
/// to it, such as dbmate's "no migration files found", is the verdict's).
pub fn discover(root: &Path, tool: Option<Tool>) -> Result<Option<Found>> {
    let chosen = tool.is_some();
    let tools: Vec<Tool> = tool.map_or_else(|| Tool::ALL.to_vec(), |t| vec![t]);
    for tool in tools {
        if let Some(found) = discover_tool(root, tool, chosen)? {
            return Ok(Some(found));
        }
    }
    Ok(None)
}

fn discover_tool(root: &Path, tool: Tool, chosen: bool) -> Result<Option<Found>> {
    let mut flyway = FlywayConfig::default();
    let dirs: Vec<PathBuf> = match tool {
        Tool::Flyway => flyway_locations(root, &mut flyway, chosen)?,
        Tool::Prisma => first_dir(root, &["prisma/migrations", "migrations", "."], |d| {
            d.join("migration_lock.toml").is_file()
                || has_migration_dirs(d)
                || chosen && d.ends_with("prisma/migrations")
        }),
        Tool::Sqlx => first_dir(root, &["migrations", "."], |d| {
            if chosen && d != root {
                return true;
            }
            let krate = if d == root {
                root
            } else {
                d.parent().unwrap_or(root)
            };
            (chosen || uses_sqlx(root, krate)) && names(d).iter().any(|n| n.ends_with(".sql"))
        }),
        Tool::Dbmate => dbmate_dirs(root, chosen),
        Tool::GolangMigrate => shaped_dirs(root, |d| {
            names(d)
                .iter()
                .any(|n| revguard_core::dialect::sql::golang_migrate::parse_name(n).is_some())
                && !sql_files_contain(d, &["-- +goose", "-- migrate:up", "--migrate:up"])
        })?,
        Tool::Goose => shaped_dirs(root, |d| sql_files_contain(d, &["-- +goose Up"]))?,
    };
    let dirs: Vec<PathBuf> = dirs.into_iter().filter(|d| d.is_dir()).collect();
    if dirs.is_empty() {
        return Ok(None);
    }
    let mut files = Vec::new();
    for dir in &dirs {
        confine(root, dir)?;
        if tool == Tool::Prisma {
            read_prisma(root, dir, &mut files)?;
        } else {
            read_dir_files(root, dir, tool == Tool::Flyway, &mut files)?;
        }
    }
    Ok(Some(Found {
        tool,
        dirs: dirs.iter().map(|d| relative(root, d)).collect(),
        files,
        flyway,
    }))
}

/// The first of `candidates` (relative to `root`) that is a directory and
/// passes `accept`.
fn first_dir(root: &Path, candidates: &[&str], accept: impl Fn(&Path) -> bool) -> Vec<PathBuf> {
    candidates
        .iter()
        .map(|c| {
            if *c == "." {
                root.to_path_buf()
            } else {
                root.join(c)
            }
        })
        .find(|d| d.is_dir() && accept(d))
        .into_iter()
        .collect()
}

fn has_migration_dirs(dir: &Path) -> bool {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .any(|e| e.path().join("migration.sql").is_file())
        })
        .unwrap_or(false)
}

fn uses_sqlx(root: &Path, krate: &Path) -> bool {
    read_config(root, &krate.join("Cargo.toml"))
        .ok()
        .flatten()
        .is_some_and(|text| text.lines().any(|l| l.trim_start().starts_with("sqlx")))
}

/// Largest configuration file read.
const MAX_CONFIG_BYTES: u64 = 1 << 20;

/// A configuration file of the project (`flyway.conf`, `.env`...): `None`
/// when there is none. One that is not a regular file, is larger than
/// 1 MiB, or is a link that resolves outside the project is refused, so no
/// file outside the project is ever read (nor echoed in an error).
fn read_config(root: &Path, path: &Path) -> Result<Option<String>> {
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return Ok(None);
    };
    if meta.file_type().is_symlink() {
        confine(root, path)?;
    }
    let meta = std::fs::metadata(path).with_context(|| format!("reading {}", path.display()))?;
    if !meta.is_file() {
        bail!("{}: not a regular file", relative(root, path));
    }
    if meta.len() > MAX_CONFIG_BYTES {
        bail!(
            "{}: larger than {MAX_CONFIG_BYTES} bytes",
            relative(root, path)
        );
    }
    std::fs::read_to_string(path)
        .map(Some)
        .with_context(|| format!("reading {}", relative(root, path)))
}

/// The plain file names directly in `dir`, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

fn sql_files_contain(dir: &Path, needles: &[&str]) -> bool {
    names(dir)
        .iter()
        .filter(|n| n.ends_with(".sql"))
        .take(200)
        .any(|n| {
            std::fs::metadata(dir.join(n)).is_ok_and(|m| m.len() <= MAX_FILE_BYTES)
                && std::fs::read(dir.join(n)).is_ok_and(|bytes| {
                    let text = String::from_utf8_lossy(&bytes);
                    text.lines()
                        .any(|l| needles.iter().any(|needle| l.starts_with(needle)))
                })
        })
}

/// The path itself or the first directory below it (breadth first, a few
/// levels deep) whose files have the tool's shape.
fn shaped_dirs(root: &Path, accept: impl Fn(&Path) -> bool) -> Result<Vec<PathBuf>> {
    let mut queue = vec![(root.to_path_buf(), 0)];
    let mut visited = 0;
    while !queue.is_empty() {
        let (dir, depth) = queue.remove(0);
        visited += 1;
        if visited > MAX_DIRS {
            bail!("more than {MAX_DIRS} directories under the project; give a narrower path");
        }
        if accept(&dir) {
            return Ok(vec![dir]);
        }
        if depth >= 4 {
            continue;
        }
        let subdirs = crate::project::subdirectories(&dir, &SKIPPED);
        queue.extend(subdirs.into_iter().map(|d| (d, depth + 1)));
    }
    Ok(Vec::new())
}

/// dbmate: `DBMATE_MIGRATIONS_DIR` (the environment, else the project's
/// `.env`, which dbmate loads), else `db/migrations`; only a directory
/// holding a `-- migrate:up` file (or the path itself) counts, unless dbmate
/// was `chosen` (then `db/migrations` counts as it is).
fn dbmate_dirs(root: &Path, chosen: bool) -> Vec<PathBuf> {
    let configured = std::env::var("DBMATE_MIGRATIONS_DIR").ok().or_else(|| {
        let text = read_config(root, &root.join(".env")).ok()??;
        text.lines().find_map(|l| {
            let value = l.trim().strip_prefix("DBMATE_MIGRATIONS_DIR=")?;
            Some(value.trim_matches(['"', '\'']).to_owned())
        })
    });
    let annotated = |d: &Path| sql_files_contain(d, &["-- migrate:up", "--migrate:up"]);
    if let Some(dirs) = configured {
        let dirs: Vec<PathBuf> = dirs.split(',').map(|d| root.join(d.trim())).collect();
        if dirs.iter().any(|d| d.is_dir()) {
            return dirs;
        }
    }
    first_dir(root, &[".", "db/migrations"], |d| {
        annotated(d) || chosen && d != root
    })
}

/// Flyway: the locations (and naming) of `flyway.conf` or `flyway.toml`,
/// else the default `db/migration` on the classpath.
fn flyway_locations(root: &Path, config: &mut FlywayConfig, chosen: bool) -> Result<Vec<PathBuf>> {
    let mut locations: Option<Vec<String>> = None;
    for name in ["flyway.conf", "conf/flyway.conf"] {
        let path = root.join(name);
        if let Some(text) = read_config(root, &path)? {
            locations = config.apply_conf(&text);
            if locations.is_none() {
                locations = Some(vec!["filesystem:sql".into(), "db/migration".into()]);
            }
            break;
        }
    }
    let toml_path = root.join("flyway.toml");
    if locations.is_none()
        && let Some(text) = read_config(root, &toml_path)?
    {
        locations = Some(
            toml_settings(&text, config)
                .with_context(|| format!("{}: not valid TOML", toml_path.display()))?,
        );
    }
    let configured = locations.is_some();
    let locations = locations.unwrap_or_else(|| vec!["db/migration".into()]);
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
            vec![root.join(path)]
        } else {
            vec![
                root.join("src/main/resources").join(path),
                root.join("src/test/resources").join(path),
                root.join(path),
            ]
        };
        dirs.extend(candidates.into_iter().filter(|d| d.is_dir()));
    }
    if !configured && !chosen {
        // Detected without configuration: only a directory holding a `V…` file.
        dirs.retain(|d| {
            let mut found = Vec::new();
            read_dir_names(d, &mut found, 0);
            found
                .iter()
                .any(|n| n.starts_with('V') && n.ends_with(".sql"))
        });
    }
    // No location holds migrations, but the path itself is a directory of
    // versioned migrations (`V1__init.sql`): that is the location.
    let prefix = &config.sql_migration_prefix;
    let separator = &config.sql_migration_separator;
    if dirs.is_empty()
        && names(root).iter().any(|n| {
            !prefix.is_empty()
                && n.starts_with(prefix.as_str())
                && n.contains(separator.as_str())
                && config
                    .sql_migration_suffixes
                    .iter()
                    .any(|s| n.ends_with(s.as_str()))
        })
    {
        dirs.push(root.to_path_buf());
    }
    dirs.dedup();
    Ok(dirs)
}

fn read_dir_names(dir: &Path, out: &mut Vec<String>, depth: usize) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_file() {
            out.push(entry.file_name().to_string_lossy().into_owned());
        } else if kind.is_dir() && depth < 8 {
            read_dir_names(&entry.path(), out, depth + 1);
        }
    }
}

/// `[flyway]` of a `flyway.toml` (and the default environment's
/// `[environments.*.flyway]` overrides are not read); the locations.
fn toml_settings(text: &str, config: &mut FlywayConfig) -> Result<Vec<String>> {
    let value: toml::Table = toml::from_str(text)?;
    let Some(flyway) = value.get("flyway").and_then(|v| v.as_table()) else {
        return Ok(vec!["filesystem:sql".into(), "db/migration".into()]);
    };
    let strings = |v: &toml::Value| -> Vec<String> {
        match v {
            toml::Value::Array(items) => items
                .iter()
                .filter_map(|i| i.as_str().map(str::to_owned))
                .collect(),
            toml::Value::String(s) => s.split(',').map(|p| p.trim().to_owned()).collect(),
            toml::Value::Boolean(b) => vec![b.to_string()],
            other => vec![other.to_string()],
        }
    };
    let mut locations = vec!["filesystem:sql".into(), "db/migration".into()];
    for (key, value) in flyway {
        if key == "locations" {
            locations = strings(value);
        } else {
            config.set(key, &strings(value));
        }
    }
    Ok(locations)
}

/// Refuse a directory whose real path leaves `root`.
fn confine(root: &Path, dir: &Path) -> Result<()> {
    let real = dir
        .canonicalize()
        .with_context(|| format!("{}: cannot resolve path", dir.display()))?;
    let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    if !real.starts_with(&root) {
        bail!(
            "{}: resolves (through a symlink) outside the project; revguard reads nothing outside it",
            relative(&root, dir)
        );
    }
    Ok(())
}

type Files = Vec<(String, String, Vec<u8>)>;

/// Every plain file of `dir` (recursively for Flyway, which scans its
/// locations' subdirectories), by name.
fn read_dir_files(root: &Path, dir: &Path, recursive: bool, out: &mut Files) -> Result<()> {
    let mut entries: Vec<(String, PathBuf, bool)> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .flatten()
        .filter_map(|e| {
            let kind = e.file_type().ok()?;
            (kind.is_file() || kind.is_dir()).then(|| {
                (
                    e.file_name().to_string_lossy().into_owned(),
                    e.path(),
                    kind.is_dir(),
                )
            })
        })
        .collect();
    entries.sort();
    for (name, path, is_dir) in entries {
        if is_dir {
            if recursive && !name.starts_with('.') {
                read_dir_files(root, &path, recursive, out)?;
            }
            continue;
        }
        if name.starts_with('.') {
            continue;
        }
        out.push((relative(root, &path), name, read_capped(&path, out.len())?));
    }
    Ok(())
}

/// Prisma: each subdirectory with `migration.sql`, named by the directory.
fn read_prisma(root: &Path, dir: &Path, out: &mut Files) -> Result<()> {
    let mut subdirs: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.path())
        .collect();
    subdirs.sort();
    for sub in subdirs {
        let script = sub.join("migration.sql");
        // Never through a link: a planted one would read outside the project.
        if !std::fs::symlink_metadata(&script).is_ok_and(|m| m.file_type().is_file()) {
            continue;
        }
        let name = sub
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        out.push((
            relative(root, &script),
            name,
            read_capped(&script, out.len())?,
        ));
    }
    Ok(())
}

fn read_capped(path: &Path, count: usize) -> Result<Vec<u8>> {
    if count >= MAX_FILES {
        bail!("more than {MAX_FILES} migration files; give a narrower path");
    }
    let size = std::fs::metadata(path)
        .with_context(|| format!("reading {}", path.display()))?
        .len();
    if size > MAX_FILE_BYTES {
        bail!("{}: larger than {MAX_FILE_BYTES} bytes", path.display());
    }
    std::fs::read(path).with_context(|| format!("reading {}", path.display()))
}

/// `path` relative to `root`, with `/`.
pub fn relative(root: &Path, path: &Path) -> String {
    let shown = path
        .strip_prefix(root)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/");
    if shown.is_empty() {
        ".".to_owned()
    } else {
        shown
    }
}
