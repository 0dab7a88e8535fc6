//! The deploy-safety lint's settings, as the project states them: the
//! target database from `sqlalchemy.url`, and `.squawk.toml` (docs/safety.md).

use std::path::Path;

use anyhow::{Context, Result};
use revguard_core::safety::SafetySettings;
use serde::Deserialize;

/// The part of `.squawk.toml` the lint honours.
#[derive(Debug, Default, Deserialize)]
struct SquawkToml {
    #[serde(default)]
    excluded_rules: Vec<String>,
    pg_version: Option<String>,
    #[serde(default)]
    assume_in_transaction: bool,
}

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
    if let Some(path) = squawk_toml(root, dir) {
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("{}: cannot read", path.display()))?;
        let config: SquawkToml =
            toml::from_str(&text).with_context(|| format!("{}: invalid", path.display()))?;
        settings.excluded_rules = config.excluded_rules;
        settings.pg_version = config.pg_version;
        settings.assume_in_transaction = config.assume_in_transaction;
    }
    Ok(settings)
}

/// `postgresql+psycopg` in `postgresql+psycopg://...`; `None` for a value
/// with no scheme (an environment reference such as `%(DB_URL)s`, empty).
fn scheme(url: &str) -> Option<&str> {
    let (scheme, _) = url.trim().split_once("://")?;
    let valid = !scheme.is_empty()
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.' | '_'));
    valid.then_some(scheme)
}

fn is_postgres(scheme: &str) -> bool {
    let dialect = scheme.split('+').next().unwrap_or(scheme);
    matches!(dialect, "postgresql" | "postgres" | "postgresql_psycopg2")
}

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
