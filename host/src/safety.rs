//! The deploy-safety lint's settings, as the project states them: the
//! target database from `sqlalchemy.url`, and `.squawk.toml` (docs/safety.md).

use std::io::Read as _;
use std::path::Path;

use anyhow::{Context, Result};
use revguard_core::safety::SafetySettings;

/// The settings for a project whose configuration is in `dir` (the first
/// `.squawk.toml` of `dir` and its ancestors up to `root`), targeting the
/// database of `url` (`sqlalchemy.url`, when the project has one).
pub fn settings(root: &Path, dir: &Path, url: Option<&str>) -> Result<SafetySettings> {
    let mut settings = SafetySettings::default();
    match url.and_then(scheme) {
        Some(scheme) if is_postgres(scheme) => {}
        // Alembic's template placeholder: the real URL is set in env.py.
        Some("driver") => {
            settings.assumed =
                Some("`sqlalchemy.url` is Alembic's `driver://` placeholder".to_owned())
        }
        Some(_) => settings.enabled = false,
        None => {
            settings.assumed = Some(match url {
                Some(_) => "`sqlalchemy.url` names no database scheme".to_owned(),
                None => "no `sqlalchemy.url` in the Alembic configuration".to_owned(),
            });
        }
    }
    read_squawk_toml(root, dir, &mut settings)?;
    Ok(settings)
}

/// Put the first `.squawk.toml` of `dir` and its ancestors up to `root`
/// into `settings` (`excluded_rules`, `pg_version`,
/// `assume_in_transaction`). One that resolves outside `root` is refused.
pub fn read_squawk_toml(root: &Path, dir: &Path, settings: &mut SafetySettings) -> Result<()> {
    let Some(path) = squawk_toml(root, dir) else {
        return Ok(());
    };
    let Some(real) = crate::project::confined_file(root, &path)? else {
        return Ok(());
    };
    // Only a regular file (a FIFO would block the open).
    if !std::fs::metadata(&real).is_ok_and(|m| m.is_file()) {
        anyhow::bail!("{}: not a regular file", path.display());
    }
    let mut text = String::new();
    std::fs::File::open(&real)
        .and_then(|file| file.take(MAX_ENV_BYTES + 1).read_to_string(&mut text))
        .with_context(|| format!("{}: cannot read", path.display()))?;
    if text.len() as u64 > MAX_ENV_BYTES {
        anyhow::bail!("{}: larger than {MAX_ENV_BYTES} bytes", path.display());
    }
    revguard_core::dialect::sql::config::apply_squawk_toml(&text, settings)
        .map_err(|err| anyhow::anyhow!("{}: invalid: {err}", path.display()))
}

/// The largest `env.py` (or `.squawk.toml`) read.
const MAX_ENV_BYTES: u64 = 1 << 20;

/// Read `env.py` in the script directory for the literal
/// `transactional_ddl` it passes to `context.configure(...)`
/// (docs/safety.md). An `env.py` that is absent, unreadable, too large or a
/// symlink out of `root` is not read: Alembic's default stands.
pub fn read_env(root: &Path, script_dir: &Path, settings: &mut SafetySettings) {
    let Ok(Some(path)) = crate::project::confined_file(root, &script_dir.join("env.py")) else {
        return;
    };
    // Only a regular file (never a FIFO that would block the open), read
    // with a bound, so one that grows after the check is never read past
    // the cap.
    if !std::fs::metadata(&path).is_ok_and(|m| m.is_file()) {
        return;
    }
    let mut text = String::new();
    let read = std::fs::File::open(&path)
        .and_then(|file| file.take(MAX_ENV_BYTES + 1).read_to_string(&mut text));
    if read.is_ok() && text.len() as u64 <= MAX_ENV_BYTES {
        revguard_core::safety::apply_env(&text, settings);
    }
}

// Shared with the browser's lint module, which reads the same settings
// from the dropped files.
pub(crate) use revguard_core::safety::{is_postgres, scheme};

fn squawk_toml(root: &Path, dir: &Path) -> Option<std::path::PathBuf> {
    let mut current = Some(dir);
    while let Some(here) = current {
        let candidate = here.join(".squawk.toml");
        if candidate.is_file() {
            return Some(candidate);
        }
        if here == root {
            break;
        }
        current = here.parent();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scheme_decides_the_database() {
        let tmp = tempfile::tempdir().unwrap();
        let at = |url| settings(tmp.path(), tmp.path(), url).unwrap();
        assert!(at(Some("postgresql+psycopg://u@h/db")).enabled);
        assert!(at(Some("postgresql+psycopg://u@h/db")).assumed.is_none());
        assert!(!at(Some("sqlite:///app.db")).enabled);
        assert!(!at(Some("mysql+pymysql://u@h/db")).enabled);
        assert!(at(Some("%(DATABASE_URL)s")).assumed.is_some());
        assert!(at(None).enabled);
        assert!(at(Some("driver://user:pass@localhost/dbname")).enabled);
        assert!(at(None).assumed.is_some());
    }

    #[test]
    fn env_py_transactional_ddl_is_read_when_literal() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().canonicalize().unwrap();
        let read = |text: &str| {
            std::fs::write(root.join("env.py"), text).unwrap();
            let mut s = SafetySettings::default();
            read_env(&root, &root, &mut s);
            s
        };
        let off = read(
            "from alembic import context\ncontext.configure(url=url, transactional_ddl=False)\n",
        );
        assert!(!off.transactional && off.transaction_note.is_none());
        let both = read(concat!(
            "def offline():\n    context.configure(url=u, transactional_ddl=False)\n",
            "def online():\n    context.configure(connection=c, transactional_ddl=False, transaction_per_migration=True)\n",
        ));
        assert!(!both.transactional);
        let default = read("context.configure(url=url, transaction_per_migration=True)\n");
        assert!(default.transactional && default.transaction_note.is_none());
        let variable = read("context.configure(url=url, transactional_ddl=TX)\n");
        assert!(variable.transactional);
        assert!(
            variable
                .transaction_note
                .as_deref()
                .unwrap()
                .starts_with("`transactional_ddl` in env.py is not a literal True or False"),
            "{variable:?}"
        );
        let mixed = read(
            "context.configure(transactional_ddl=True)\ncontext.configure(transactional_ddl=False)\n",
        );
        assert!(mixed.transactional && mixed.transaction_note.is_some());
        std::fs::remove_file(root.join("env.py")).unwrap();
        let mut none = SafetySettings::default();
        read_env(&root, &root, &mut none);
        assert_eq!(none, SafetySettings::default());
    }

    #[test]
    fn squawk_toml_is_read() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(
            tmp.path().join(".squawk.toml"),
            "excluded_rules = [\"prefer-robust-stmts\"]\npg_version = \"13.0\"\nassume_in_transaction = true\n",
        )
        .unwrap();
        let s = settings(tmp.path(), tmp.path(), None).unwrap();
        assert_eq!(s.excluded_rules, ["prefer-robust-stmts"]);
        assert_eq!(s.pg_version.as_deref(), Some("13.0"));
        assert!(s.assume_in_transaction);
    }
}
