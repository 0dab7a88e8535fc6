//! Project configuration on disk: `revguard.toml`, or `[tool.revguard]` in
//! `pyproject.toml`, found in the project directory and read here; parsed
//! and checked by the core ([`revguard_core::config`], which documents the
//! keys), which the browser playground shares.
//!
//! - **Where**: [`load`] looks in the project directory only: `revguard.toml`
//!   wins over `pyproject.toml` (as `ruff.toml` does over `pyproject.toml`);
//!   a `pyproject.toml` without a `[tool.revguard]` table is no configuration.
//! - **Strict**: unknown keys, unknown checks, bad values and a check
//!   configured twice (by name and by code) are errors that name the file,
//!   line and column of the offending key or value, with the line quoted.
//! - **Precedence**: command-line flags win over the file; the file wins over
//!   the defaults ([`Config::apply`] only sets what the file sets).

use std::path::Path;

use anyhow::Context as _;
pub use revguard_core::config::{Config, Dialect, FILE_NAMES, SafetyConfig};

/// Find and load the configuration of the project in `project_dir`:
/// `revguard.toml`, else `[tool.revguard]` in `pyproject.toml`, else `None`.
/// A file whose real path is outside `root` (the repository root) is
/// refused, never read.
pub fn load(root: &Path, project_dir: &Path) -> anyhow::Result<Option<Config>> {
    for name in FILE_NAMES {
        let path = project_dir.join(name);
        if crate::project::confined_file(root, &path)?.is_some()
            && path.is_file()
            && let Some(config) = load_file(&path)?
        {
            return Ok(Some(config));
        }
    }
    Ok(None)
}

/// Load one configuration file; a `pyproject.toml` without `[tool.revguard]`
/// gives `None`. Any other file name is read as a `revguard.toml`.
pub fn load_file(path: &Path) -> anyhow::Result<Option<Config>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    revguard_core::config::parse_file(&text, path).map_err(anyhow::Error::msg)
}

#[cfg(test)]
mod tests {
    use revguard_core::Policy;

    use super::*;

    #[test]
    fn a_configuration_symlinked_out_of_the_root_is_refused_not_read() {
        let outside = tempfile::tempdir().unwrap();
        let secret = outside.path().join("revguard.toml");
        std::fs::write(&secret, "policy = \"linear\"\n").unwrap();
        let repo = tempfile::tempdir().unwrap();
        let root = repo.path().canonicalize().unwrap();
        std::os::unix::fs::symlink(&secret, repo.path().join("revguard.toml")).unwrap();
        let err = load(&root, repo.path()).unwrap_err().to_string();
        assert!(err.contains("outside the repository root"), "{err}");
        assert!(
            !err.contains("linear"),
            "the outside file is never read: {err}"
        );
    }

    #[test]
    fn load_prefers_revguard_toml() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        assert_eq!(load(&root, dir.path()).unwrap(), None);
        std::fs::write(
            dir.path().join("pyproject.toml"),
            "[tool.revguard]\npolicy = \"linear\"\n",
        )
        .unwrap();
        assert_eq!(
            load(&root, dir.path()).unwrap().unwrap().policy,
            Some(Policy::Linear)
        );
        std::fs::write(dir.path().join("revguard.toml"), "policy = \"branches\"\n").unwrap();
        let config = load(&root, dir.path()).unwrap().unwrap();
        assert_eq!(config.policy, Some(Policy::Branches));
        assert_eq!(config.source, dir.path().join("revguard.toml"));
    }
}
