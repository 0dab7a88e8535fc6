//! Finding the repository root and the Alembic project inside it.
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

/// Where the Alembic project is: `explicit` (relative to `app_dir`) when set,
/// else the nearest directory from `app_dir` up to `root` that has an
/// `alembic.ini` or a `pyproject.toml` with `[tool.alembic]`.
pub fn find_project(app_dir: &Path, root: &Path, explicit: Option<&str>) -> Result<PathBuf> {
    let app = app_dir
        .canonicalize()
        .with_context(|| format!("cannot open the app directory {}", app_dir.display()))?;
    if let Some(rel) = explicit {
        let rel_path = Path::new(rel);
        if rel_path.is_absolute() {
            bail!(
                "parameter migrations must be relative to the app directory, not absolute ('{rel}')"
            );
        }
        let joined = app.join(rel_path);
        let lexical = normalize(&joined);
        if !lexical.starts_with(root) {
            bail!(
                "parameter migrations '{rel}' points outside the repository root; it is resolved relative to the app directory {}",
                display(root, &app)
            );
        }
        let real = joined.canonicalize().map_err(|_| {
            anyhow::anyhow!(
                "parameter migrations '{rel}': {} does not exist in the repository (relative to the app directory {})",
                display(root, &lexical),
                display(root, &app)
            )
        })?;
        if !real.starts_with(root) {
            bail!(
                "parameter migrations '{rel}' resolves (through a symlink) outside the repository root"
            );
        }
        return Ok(real);
    }
    for dir in app.ancestors() {
        if !dir.starts_with(root) {
            break;
        }
        if is_alembic_project(dir) {
            return Ok(dir.to_path_buf());
        }
    }
    bail!(
        "no Alembic project found: neither alembic.ini nor pyproject.toml with [tool.alembic] exists in the app directory {} or above it up to the repository root{}. Set the parameter 'migrations' to the project's path relative to the app directory; if Argo CD sends only the manifest-generate-paths subset of the repo, add the migrations directory to the app's argocd.argoproj.io/manifest-generate-paths annotation",
        display(root, &app),
        if root == app {
            " (the app directory is the root)"
        } else {
            ""
        }
    )
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
