//! The deploy-safety lint for the SQL-file tools (`docs/safety.md`): which
//! database the migrations target and the lint's settings (`.squawk.toml`,
//! `[safety]`, `--deploy-safety`, the tool's own transaction setting). The
//! findings become the report's diagnostics in the core
//! (`revguard_core::dialect::sql::safety`), which the browser's lint
//! module shares.
//!
//! The lint itself runs in the core's per-file phase (the sandbox), cached
//! with each file's facts; this module only decides whether and how.

use std::io::Read as _;
use std::path::Path;

use anyhow::Result;
use revguard_core::dialect::sql::safety::looked_for;
use revguard_core::dialect::sql::{Tool, config};
use revguard_core::safety::Mode;

pub use revguard_core::dialect::sql::safety::Policy;

use super::Found;
use crate::safety::{is_postgres, scheme};

/// Largest configuration file read for a database hint.
const MAX_CONFIG_BYTES: u64 = 1 << 20;

/// The policy once the tool's own settings are in `options`: the project's
/// `[safety]` and severity tables, then `mode` (which wins), or `None` when
/// the lint does not run. Shared by the SQL-file tools and Django.
pub(crate) fn finish_policy(
    root: &Path,
    mut options: revguard_core::request::Options,
    mode: Option<Mode>,
) -> Result<Option<Policy>> {
    if let Some(config) = crate::config::load(root, root)? {
        config.apply(&mut options);
    }
    if let Some(mode) = mode {
        mode.apply(&mut options.safety);
    }
    let enabled = options.safety.enabled;
    Ok(enabled.then_some(Policy {
        settings: options.safety,
        severity: options.severity,
    }))
}

/// The lint's policy for `found` at `root`, or `None` when it does not run
/// (the target database is not PostgreSQL, or `--deploy-safety off`).
/// `database_url` is `--database-url`, which names the database best.
pub fn policy(
    root: &Path,
    found: &Found,
    database_url: Option<&str>,
    mode: Option<Mode>,
) -> Result<Option<Policy>> {
    let root = &root
        .canonicalize()
        .map_err(|err| anyhow::anyhow!("{}: {err}", root.display()))?;
    let mut options = revguard_core::request::Options::default();
    let settings = &mut options.safety;
    settings.sql_tool = Some(found.tool);
    let read = |path: &str| read_small(root, &root.join(path));
    match database_url.and_then(scheme) {
        Some(scheme) => settings.enabled = is_postgres(scheme),
        None => match config::database(found.tool, found.dirs.first().map(String::as_str), &read) {
            Some((scheme, _)) => settings.enabled = is_postgres(&scheme),
            None => settings.assumed = Some(looked_for(found.tool).to_owned()),
        },
    }
    let dir = found
        .dirs
        .first()
        .map_or_else(|| root.to_path_buf(), |d| root.join(d));
    crate::safety::read_squawk_toml(root, &dir, settings)?;
    if found.tool == Tool::Flyway {
        config::apply_flyway(&read, settings);
    }
    finish_policy(root, options, mode)
}

/// A small configuration file inside `root`, read with a bound; `None` when
/// absent, not a regular file, too large, or a link out of `root`.
pub(crate) fn read_small(root: &Path, path: &Path) -> Option<String> {
    let real = crate::project::confined_file(root, path).ok()??;
    if !std::fs::metadata(&real).is_ok_and(|m| m.is_file()) {
        return None;
    }
    let mut text = String::new();
    std::fs::File::open(&real)
        .ok()?
        .take(MAX_CONFIG_BYTES + 1)
        .read_to_string(&mut text)
        .ok()?;
    (text.len() as u64 <= MAX_CONFIG_BYTES).then_some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(tool: Tool, dirs: &[&str]) -> Found {
        Found {
            tool,
            dirs: dirs.iter().map(|d| (*d).to_owned()).collect(),
            files: Vec::new(),
            flyway: revguard_core::dialect::sql::FlywayConfig::default(),
        }
    }

    #[test]
    fn the_database_decides_whether_the_lint_runs() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().canonicalize().unwrap();
        let sqlx = found(Tool::Sqlx, &["migrations"]);
        let assumed = policy(&root, &sqlx, None, None).unwrap().unwrap();
        assert_eq!(assumed.settings.sql_tool, Some(Tool::Sqlx));
        assert!(assumed.settings.assumed.is_some());
        assert!(
            policy(&root, &sqlx, Some("sqlite://app.db"), None)
                .unwrap()
                .is_none()
        );
        let given = policy(&root, &sqlx, Some("postgres://u@h/db"), None)
            .unwrap()
            .unwrap();
        assert!(given.settings.assumed.is_none());
        std::fs::write(root.join(".env"), "DATABASE_URL=mysql://u@h/db\n").unwrap();
        assert!(policy(&root, &sqlx, None, None).unwrap().is_none());
        std::fs::write(
            root.join(".env"),
            "export DATABASE_URL=\"postgresql://u@h/db\"\n",
        )
        .unwrap();
        let env = policy(&root, &sqlx, None, None).unwrap().unwrap();
        assert!(env.settings.assumed.is_none());
        assert!(
            policy(&root, &sqlx, None, Some(Mode::Off))
                .unwrap()
                .is_none()
        );
        let block = policy(&root, &sqlx, None, Some(Mode::Block))
            .unwrap()
            .unwrap();
        assert!(block.settings.blocking);
    }

    #[test]
    fn prisma_and_flyway_name_their_database() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().canonicalize().unwrap();
        std::fs::create_dir_all(root.join("prisma/migrations")).unwrap();
        std::fs::write(
            root.join("prisma/migrations/migration_lock.toml"),
            "provider = \"sqlite\"\n",
        )
        .unwrap();
        let prisma = found(Tool::Prisma, &["prisma/migrations"]);
        assert!(policy(&root, &prisma, None, None).unwrap().is_none());
        std::fs::write(
            root.join("flyway.conf"),
            "flyway.url=jdbc:postgresql://db/app\nflyway.executeInTransaction=false\n",
        )
        .unwrap();
        let flyway = policy(&root, &found(Tool::Flyway, &[]), None, None)
            .unwrap()
            .unwrap();
        assert!(flyway.settings.assumed.is_none());
        assert!(!flyway.settings.transactional);
        std::fs::remove_file(root.join("flyway.conf")).unwrap();
        std::fs::write(
            root.join("flyway.toml"),
            "[environments.default]\nurl = \"jdbc:mysql://db/app\"\n",
        )
        .unwrap();
        assert!(
            policy(&root, &found(Tool::Flyway, &[]), None, None)
                .unwrap()
                .is_none()
        );
    }
}
