//! Which migration histories live at a path (`docs/adr/0003-dialects.md`,
//! "several histories").
//!
//! A path that is itself one tool's project is that history, as before: an
//! Alembic project (its configuration, `env.py`, a `versions` directory), a
//! Django project (`manage.py`), or a SQL-file tool's directory. A path that
//! is none of these (a repository root holding an Alembic service, a Django
//! site and a Go service) is walked, bounded and without following links,
//! for the projects below it; each is then checked and reported on its own.

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};
use revguard_core::dialect::sql::Tool;

/// Directories never walked into.
const SKIPPED: [&str; 8] = [
    "node_modules",
    "venv",
    "site-packages",
    "__pycache__",
    "target",
    "vendor",
    "dist",
    "build",
];

/// How deep the walk goes, and how many directories it visits at most.
const MAX_DEPTH: usize = 6;
const MAX_DIRS: usize = 20_000;

/// A migration tool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Alembic.
    Alembic,
    /// Django.
    Django,
    /// A SQL-file tool.
    Sql(Tool),
    /// A directory with a SQL tool's marks that could not be read.
    Unknown,
}

impl Kind {
    /// The name `--dialect` takes.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Alembic => "alembic",
            Kind::Django => "django",
            Kind::Sql(tool) => tool.name(),
            Kind::Unknown => "unknown",
        }
    }
}

/// One history found by the walk: its tool and its project directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// The tool.
    pub kind: Kind,
    /// The project directory (the walked path joined with its place).
    pub dir: PathBuf,
    /// Why the directory, which has a SQL tool's marks, could not be read
    /// (reported as that history's error; the others are still checked).
    pub error: Option<String>,
}

/// Whether `dir` says it is an Alembic project by its own files: `alembic.ini`,
/// `[tool.alembic]` in `pyproject.toml`, `env.py`, or a `versions` directory.
pub fn is_alembic(dir: &Path) -> bool {
    ["alembic.ini", "env.py", "versions"]
        .iter()
        .any(|f| dir.join(f).exists())
        || pyproject_has(dir, "[tool.alembic")
}

/// Whether the project's own `pyproject.toml` (a regular file, never a
/// link) contains `table`.
fn pyproject_has(dir: &Path, table: &str) -> bool {
    let path = dir.join("pyproject.toml");
    std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_file() && m.len() <= 1 << 20)
        && std::fs::read_to_string(&path).is_ok_and(|t| t.contains(table))
}

/// Whether `dir` is a Django project: it has `manage.py` and is not an
/// Alembic project.
pub fn is_django(dir: &Path) -> bool {
    dir.join("manage.py").is_file() && !is_alembic(dir)
}

/// Whether `path` is one project of some tool by itself (so it is checked
/// as before, without a walk).
fn is_project(path: &Path) -> Result<bool> {
    if !path.is_dir() || is_alembic(path) || is_django(path) {
        return Ok(true);
    }
    let configured = ["revguard.toml", "alembic.ini"]
        .iter()
        .any(|f| path.join(f).exists())
        || pyproject_has(path, "[tool.revguard");
    Ok(configured || sql_project(path)?.is_some())
}

/// The SQL tool whose project `dir` is by its own files: found in `dir`
/// or its conventional directories, not in a service a few levels down
/// (goose's and golang-migrate's discovery looks that far for their file
/// shapes). Reading a directory's migrations may fail (a file too large, a
/// link out of the repository): that is the history's error.
fn sql_project(dir: &Path) -> Result<Option<Tool>> {
    let Some(found) = crate::sql_tools::discover::discover(dir, None)? else {
        return Ok(None);
    };
    let near = found
        .dirs
        .iter()
        .all(|d| d == "." || d.is_empty() || Path::new(d).components().count() <= 2);
    let conventional = matches!(
        found.tool,
        Tool::Flyway | Tool::Prisma | Tool::Sqlx | Tool::Dbmate
    );
    Ok((conventional || near).then_some(found.tool))
}

/// The histories below `path` when `path` is not a project itself (`None`:
/// it is one, or it holds none and is checked as before).
pub fn several(path: &Path) -> Result<Option<Vec<Found>>> {
    if is_project(path)? {
        return Ok(None);
    }
    let mut found = Vec::new();
    let mut visited = 0;
    walk(path, 0, &mut visited, &mut found)?;
    Ok((!found.is_empty()).then_some(found))
}

fn walk(dir: &Path, depth: usize, visited: &mut usize, found: &mut Vec<Found>) -> Result<()> {
    *visited += 1;
    if *visited > MAX_DIRS {
        bail!(
            "{}: more than {MAX_DIRS} directories searched for migration histories; give the project's path",
            dir.display()
        );
    }
    let subdirs = crate::project::subdirectories(dir, &SKIPPED);
    for sub in subdirs {
        match kind_of(&sub) {
            Ok(Some(kind)) => found.push(Found {
                kind,
                dir: sub,
                error: None,
            }),
            Ok(None) if depth + 1 < MAX_DEPTH => walk(&sub, depth + 1, visited, found)?,
            Ok(None) => {}
            Err(err) => found.push(Found {
                kind: Kind::Unknown,
                dir: sub,
                error: Some(format!("{err:#}")),
            }),
        }
    }
    Ok(())
}

/// The tool whose project `dir` is, judged by its own files only.
fn kind_of(dir: &Path) -> Result<Option<Kind>> {
    if dir.join("alembic.ini").is_file() || pyproject_has(dir, "[tool.alembic") {
        return Ok(Some(Kind::Alembic));
    }
    if is_django(dir) {
        return Ok(Some(Kind::Django));
    }
    // Only directories that can hold a SQL tool's history are asked, so the
    // walk does not read every directory's files.
    let marked = [
        "flyway.conf",
        "flyway.toml",
        "migrations",
        "db",
        "prisma",
        "conf",
    ]
    .iter()
    .any(|f| dir.join(f).exists());
    if marked && let Some(tool) = sql_project(dir)? {
        return Ok(Some(Kind::Sql(tool)));
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn touch(root: &Path, path: &str, text: &str) {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    #[test]
    fn a_repository_root_holds_several_histories() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        touch(root, "services/api/alembic.ini", "[alembic]\n");
        touch(root, "web/manage.py", "");
        touch(root, "web/shop/migrations/__init__.py", "");
        touch(
            root,
            "ledger/Cargo.toml",
            "[dependencies]\nsqlx = \"0.8\"\n",
        );
        touch(root, "ledger/migrations/1_a.sql", "SELECT 1;\n");
        touch(root, "node_modules/x/alembic.ini", "");
        touch(
            root,
            "go/svc/migrations/1_init.up.sql",
            "CREATE TABLE a (id int);\n",
        );
        touch(root, "go/svc/migrations/1_init.down.sql", "DROP TABLE a;\n");
        touch(
            root,
            "jobs/db/migrations/00001_a.sql",
            "-- +goose Up\nSELECT 1;\n",
        );
        let found = several(root).unwrap().unwrap();
        let kinds: Vec<(Kind, String)> = found
            .iter()
            .map(|f| {
                (
                    f.kind,
                    f.dir.strip_prefix(root).unwrap().display().to_string(),
                )
            })
            .collect();
        assert_eq!(
            kinds,
            [
                (Kind::Sql(Tool::GolangMigrate), "go/svc".to_owned()),
                (Kind::Sql(Tool::Goose), "jobs".to_owned()),
                (Kind::Sql(Tool::Sqlx), "ledger".to_owned()),
                (Kind::Alembic, "services/api".to_owned()),
                (Kind::Django, "web".to_owned()),
            ]
        );
        // Each project, given directly, is one history.
        assert!(several(&root.join("web")).unwrap().is_none());
        assert!(several(&root.join("services/api")).unwrap().is_none());
        assert!(is_django(&root.join("web")));
    }

    #[test]
    fn a_directory_with_nothing_is_left_as_before() {
        let tmp = tempfile::tempdir().unwrap();
        touch(tmp.path(), "docs/README.md", "");
        assert!(several(tmp.path()).unwrap().is_none());
    }
}
