//! Finding the repository root and the migration project inside it (an
//! Alembic project, a Django project, or a SQL-file tool's migrations).
//!
//! argocd-cmp-server extracts each request's tree to
//! `<workdir>/_cmp_server/<uuid>/` and runs the plugin in
//! `<that>/<app path>` (docs/argocd-cmp.md, section 2). The extracted root is the ancestor of
//! the app directory whose parent is `_cmp_server`; it may be the whole repo or
//! only the manifest-generate-paths subset. Outside Argo CD (a local run, a KRM
//! function) the root is the nearest ancestor holding `.git`, or the
//! filesystem root. Everything revguard reads must stay inside it.

use anyhow::{Context, Result, bail};
use std::path::{Component, Path, PathBuf};

use crate::config::Dialect;
use revguard_core::dialect::sql::Tool;

/// The directory name argocd-cmp-server extracts requests under.
const CMP_WORKDIR: &str = "_cmp_server";

/// The extracted repository root for an app directory (canonical path).
pub fn repo_root(app_dir: &Path) -> Result<PathBuf> {
    let app = app_dir
        .canonicalize()
        .with_context(|| format!("cannot open the app directory {}", app_dir.display()))?;
    for dir in app.ancestors() {
        if dir.parent().and_then(Path::file_name) == Some(CMP_WORKDIR.as_ref()) {
            return Ok(dir.to_path_buf());
        }
    }
    for dir in app.ancestors() {
        if dir.join(".git").exists() {
            return Ok(dir.to_path_buf());
        }
    }
    Ok(app.ancestors().last().unwrap_or(&app).to_path_buf())
}

/// True when `dir` holds an Alembic configuration revguard can read.
pub fn is_alembic_project(dir: &Path) -> bool {
    if dir.join("alembic.ini").is_file() {
        return true;
    }
    match std::fs::read_to_string(dir.join("pyproject.toml")) {
        Ok(text) => text.lines().any(|line| {
            let line = line.trim();
            line == "[tool.alembic]" || line.starts_with("[tool.alembic.")
        }),
        Err(_) => false,
    }
}

/// True when `dir` is a Django project: it holds `manage.py`, or an app
/// directory whose `migrations` package has `__init__.py`.
pub fn is_django_project(dir: &Path) -> bool {
    if dir.join("manage.py").is_file() {
        return true;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return false;
    };
    entries.flatten().any(|entry| {
        // Not through symlinks: the project stays inside the root.
        entry.file_type().is_ok_and(|t| t.is_dir())
            && std::fs::symlink_metadata(entry.path().join("migrations")).is_ok_and(|m| m.is_dir())
            && entry.path().join("migrations/__init__.py").is_file()
    })
}

/// Where the Alembic project is: `explicit` (relative to `app_dir`) when set,
/// else the nearest directory from `app_dir` up to `root` that has an
/// `alembic.ini` or a `pyproject.toml` with `[tool.alembic]`.
pub fn find_project(app_dir: &Path, root: &Path, explicit: Option<&str>) -> Result<PathBuf> {
    find(app_dir, root, explicit, Some(Dialect::Alembic)).map(|(path, _)| path)
}

/// Where the migration project is, and whose it is: `explicit` (relative
/// to `app_dir`) when set, else the nearest directory from `app_dir` up to
/// `root` that is an Alembic project ([`is_alembic_project`]) or a Django
/// project ([`is_django_project`]); at the same level Alembic's
/// configuration wins. Only when neither is found anywhere on the way up,
/// the nearest directory where a SQL-file tool's discovery finds that
/// tool's migrations ([`sql_project`]), so every tree that was an Alembic
/// or Django project stays one. `dialect` restricts the search (and names
/// the dialect of an explicit path); `None` detects it.
pub fn find(
    app_dir: &Path,
    root: &Path,
    explicit: Option<&str>,
    dialect: Option<Dialect>,
) -> Result<(PathBuf, Dialect)> {
    let app = app_dir
        .canonicalize()
        .with_context(|| format!("cannot open the app directory {}", app_dir.display()))?;
    if let Some(rel) = explicit {
        let real = explicit_path(&app, root, rel)?;
        let dialect = match dialect {
            Some(dialect) => dialect,
            None => detect_at(&real)?,
        };
        return Ok((real, dialect));
    }
    let ancestors = || app.ancestors().take_while(|dir| dir.starts_with(root));
    if !matches!(dialect, Some(Dialect::Sql(_))) {
        for dir in ancestors() {
            if dialect != Some(Dialect::Django) && is_alembic_project(dir) {
                return Ok((dir.to_path_buf(), Dialect::Alembic));
            }
            if dialect != Some(Dialect::Alembic) && is_django_project(dir) {
                return Ok((dir.to_path_buf(), Dialect::Django));
            }
        }
    }
    if let None | Some(Dialect::Sql(_)) = dialect {
        let tool = match dialect {
            Some(Dialect::Sql(tool)) => Some(tool),
            _ => None,
        };
        for dir in ancestors() {
            if let Some(tool) = sql_project(dir, tool)? {
                return Ok((dir.to_path_buf(), Dialect::Sql(tool)));
            }
        }
    }
    let (what, looked_for) = match dialect {
        Some(Dialect::Alembic) => (
            "Alembic project".to_string(),
            "neither alembic.ini nor pyproject.toml with [tool.alembic] exists".to_string(),
        ),
        Some(Dialect::Django) => (
            "Django project".to_string(),
            "neither manage.py nor an app directory with migrations/__init__.py exists".to_string(),
        ),
        Some(Dialect::Sql(tool)) => (
            format!("{} migrations", tool.name()),
            crate::sql_tools::looked_for(tool).to_string(),
        ),
        None => (
            "Alembic, Django or SQL-file tool project".to_string(),
            format!(
                "neither alembic.ini, pyproject.toml with [tool.alembic], manage.py nor an app directory with migrations/__init__.py exists, and {SQL_LOOKED_FOR}"
            ),
        ),
    };
    bail!(
        "no {what} found: {looked_for} in the app directory {} or above it up to the repository root{}. Set the parameter 'migrations' to the project's path relative to the app directory; if Argo CD sends only the manifest-generate-paths subset of the repo, add the migrations directory to the app's argocd.argoproj.io/manifest-generate-paths annotation",
        display(root, &app),
        if root == app {
            " (the app directory is the root)"
        } else {
            ""
        }
    )
}

/// What the SQL-file tools' discovery looks for, for the error when
/// detection finds nothing.
const SQL_LOOKED_FOR: &str = "no SQL-file tool's migrations were found (flyway.conf/flyway.toml or db/migration for Flyway, prisma/migrations for Prisma, migrations/ beside a Cargo.toml using sqlx, `-- migrate:up` files in db/migrations for dbmate, `-- +goose Up` files for goose, `<version>_<title>.up.sql` files for golang-migrate)";

/// The SQL-file tool whose migrations `dir` holds, found as `revguard
/// check` finds them (`tool` restricts the search): its configuration or
/// its files' shape.
pub fn sql_project(dir: &Path, tool: Option<Tool>) -> Result<Option<Tool>> {
    Ok(crate::sql_tools::discover::discover(dir, tool)?.map(|found| found.tool))
}

/// The dialect of an explicit `migrations` path: an Alembic project, else
/// a Django project, else (without Python files or a `versions`
/// directory) a SQL-file tool's, else Alembic (a bare `versions`
/// directory or a configuration file).
fn detect_at(real: &Path) -> Result<Dialect> {
    if !real.is_dir() || is_alembic_project(real) {
        return Ok(Dialect::Alembic);
    }
    if is_django_project(real) {
        return Ok(Dialect::Django);
    }
    // A bare `versions` directory, or one holding one: Alembic's, as before.
    let python = std::fs::read_dir(real).is_ok_and(|entries| {
        entries
            .flatten()
            .any(|e| e.path().extension().is_some_and(|x| x == "py"))
    });
    if python || real.join("versions").is_dir() {
        return Ok(Dialect::Alembic);
    }
    Ok(sql_project(real, None)?.map_or(Dialect::Alembic, Dialect::Sql))
}

/// The `migrations` parameter resolved against the app directory, refused
/// when it leaves the root (lexically or through a symlink).
fn explicit_path(app: &Path, root: &Path, rel: &str) -> Result<PathBuf> {
    let rel_path = Path::new(rel);
    if rel_path.is_absolute() {
        bail!("parameter migrations must be relative to the app directory, not absolute ('{rel}')");
    }
    let joined = app.join(rel_path);
    let lexical = normalize(&joined);
    if !lexical.starts_with(root) {
        bail!(
            "parameter migrations '{rel}' points outside the repository root; it is resolved relative to the app directory {}",
            display(root, app)
        );
    }
    let real = joined.canonicalize().map_err(|_| {
        anyhow::anyhow!(
            "parameter migrations '{rel}': {} does not exist in the repository (relative to the app directory {})",
            display(root, &lexical),
            display(root, app)
        )
    })?;
    if !real.starts_with(root) {
        bail!(
            "parameter migrations '{rel}' resolves (through a symlink) outside the repository root"
        );
    }
    Ok(real)
}

/// `path` relative to `root` for messages (`.` for the root itself).
pub fn display(root: &Path, path: &Path) -> String {
    match path.strip_prefix(root) {
        Ok(rel) if rel.as_os_str().is_empty() => ".".to_string(),
        Ok(rel) => rel.display().to_string(),
        Err(_) => path.display().to_string(),
    }
}

/// Remove `.` and resolve `..` lexically.
pub(crate) fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_is_the_cmp_request_dir() {
        let tmp = tempfile::tempdir().unwrap();
        let req = tmp.path().join("_cmp_server/1234");
        let app = req.join("deploy/k8s");
        std::fs::create_dir_all(&app).unwrap();
        std::fs::write(req.join("alembic.ini"), "[alembic]\n").unwrap();
        let root = repo_root(&app).unwrap();
        assert_eq!(root, req.canonicalize().unwrap());
        assert_eq!(find_project(&app, &root, None).unwrap(), root);
        let err = find_project(&app, &root, Some("../../..")).unwrap_err();
        assert!(
            err.to_string().contains("outside the repository root"),
            "{err}"
        );
        let err = find_project(&app, &root, Some("../nope")).unwrap_err();
        assert!(err.to_string().contains("deploy/nope"), "{err}");
    }

    #[test]
    fn search_stops_at_root() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join("alembic.ini"), "").unwrap();
        let req = tmp.path().join("_cmp_server/1");
        std::fs::create_dir_all(&req).unwrap();
        let root = repo_root(&req).unwrap();
        let err = find_project(&req, &root, None).unwrap_err();
        assert!(err.to_string().contains("no Alembic project"), "{err}");
    }

    #[test]
    fn a_django_project_is_found_and_alembic_wins_at_the_same_level() {
        let tmp = tempfile::tempdir().unwrap();
        let req = tmp.path().join("_cmp_server/7");
        let app = req.join("deploy/k8s");
        std::fs::create_dir_all(&app).unwrap();
        std::fs::create_dir_all(req.join("billing/migrations")).unwrap();
        let root = repo_root(&app).unwrap();
        // A namespace package (no __init__.py) is not a migrated app.
        assert!(find(&app, &root, None, None).is_err());
        std::fs::write(req.join("billing/migrations/__init__.py"), "").unwrap();
        assert_eq!(
            find(&app, &root, None, None).unwrap(),
            (root.clone(), Dialect::Django)
        );
        let err = find(&app, &root, None, Some(Dialect::Alembic)).unwrap_err();
        assert!(err.to_string().contains("no Alembic project"), "{err}");
        std::fs::write(req.join("alembic.ini"), "[alembic]\n").unwrap();
        assert_eq!(find(&app, &root, None, None).unwrap().1, Dialect::Alembic);
        assert_eq!(
            find(&app, &root, None, Some(Dialect::Django)).unwrap().1,
            Dialect::Django
        );
        assert_eq!(
            find(&app, &root, Some("../.."), None).unwrap().1,
            Dialect::Alembic
        );
    }

    #[test]
    fn a_sql_tools_project_is_found_after_alembic_and_django() {
        let tmp = tempfile::tempdir().unwrap();
        let req = tmp.path().join("_cmp_server/8");
        let app = req.join("deploy/k8s");
        std::fs::create_dir_all(&app).unwrap();
        std::fs::create_dir_all(req.join("db/migration")).unwrap();
        let root = repo_root(&app).unwrap();
        // An empty default location is no Flyway project unless chosen.
        let err = find(&app, &root, None, None).unwrap_err().to_string();
        assert!(
            err.contains("no Alembic, Django or SQL-file tool project found"),
            "{err}"
        );
        let flyway = Dialect::Sql(Tool::Flyway);
        assert_eq!(
            find(&app, &root, None, Some(flyway)).unwrap(),
            (root.clone(), flyway)
        );
        std::fs::write(req.join("db/migration/V1__a.sql"), "select 1;\n").unwrap();
        assert_eq!(
            find(&app, &root, None, None).unwrap(),
            (root.clone(), flyway)
        );
        // Chosen by name, another tool finds nothing and says what it
        // looked for.
        let err = find(&app, &root, None, Some(Dialect::Sql(Tool::Prisma)))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("no prisma migrations found: looked for prisma/migrations"),
            "{err}"
        );
        // Alembic or Django anywhere on the way up wins over a nearer SQL
        // project, as before SQL-file tools were detected.
        std::fs::create_dir_all(app.join("db/migration")).unwrap();
        std::fs::write(app.join("db/migration/V1__a.sql"), "select 1;\n").unwrap();
        assert_eq!(
            find(&app, &root, None, None).unwrap(),
            (app.canonicalize().unwrap(), flyway)
        );
        std::fs::write(req.join("alembic.ini"), "[alembic]\n").unwrap();
        assert_eq!(
            find(&app, &root, None, None).unwrap(),
            (root.clone(), Dialect::Alembic)
        );
        // An explicit path is detected too.
        assert_eq!(
            find(&app, &root, Some("../.."), None).unwrap().1,
            Dialect::Alembic
        );
        assert_eq!(find(&app, &root, Some("."), None).unwrap().1, flyway);
    }

    #[test]
    fn pyproject_needs_tool_alembic() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join("pyproject.toml"), "[project]\nname='x'\n").unwrap();
        assert!(!is_alembic_project(tmp.path()));
        std::fs::write(
            tmp.path().join("pyproject.toml"),
            "[tool.alembic]\nscript_location='m'\n",
        )
        .unwrap();
        assert!(is_alembic_project(tmp.path()));
    }
}
