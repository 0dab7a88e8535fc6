//! What a SQL-file tool's own configuration tells the deploy-safety lint:
//! the database the migrations target (Flyway's `url`, Prisma's
//! `provider`, `DATABASE_URL` in `.env`), Flyway's transaction settings,
//! and the project's `.squawk.toml`.
//!
//! The files come through a reader (a path relative to the project's top,
//! `/`-separated, to the file's text), so the CLI (which reads the disk,
//! bounded and confined to the project) and the browser playground (which
//! reads the dropped files) decide alike.

use serde::Deserialize;

use super::Tool;
use crate::safety::SafetySettings;

/// A project file's text by its path relative to the project's top;
/// `None` when it is absent or not read.
pub type Read<'a> = &'a dyn Fn(&str) -> Option<String>;

/// `dir/name`, or `name` for the project's top (`.` or empty).
pub fn join(dir: &str, name: &str) -> String {
    match dir.trim_matches('/') {
        "" | "." => name.to_owned(),
        dir => format!("{dir}/{name}"),
    }
}

/// The scheme of the database the tool's own configuration names, and the
/// file it was read from. `first_dir` is the tool's (first) migration
/// directory, where Prisma keeps `migration_lock.toml`.
pub fn database(
    tool: Tool,
    first_dir: Option<&str>,
    read: Read<'_>,
) -> Option<(String, &'static str)> {
    match tool {
        Tool::Flyway => {
            let url = flyway_value(read, "url")?;
            let scheme = url.strip_prefix("jdbc:")?.split(':').next()?.to_owned();
            Some((scheme, "flyway url"))
        }
        Tool::Prisma => {
            let text = read(&join(first_dir?, "migration_lock.toml"))?;
            let table: toml::Table = toml::from_str(&text).ok()?;
            let provider = table.get("provider")?.as_str()?.to_owned();
            Some((provider, "migration_lock.toml"))
        }
        Tool::Sqlx | Tool::Dbmate => {
            let text = read(".env")?;
            let url = text.lines().find_map(|l| {
                let l = l.trim();
                let l = l.strip_prefix("export ").unwrap_or(l);
                let (name, value) = l.split_once('=')?;
                (name.trim() == "DATABASE_URL")
                    .then(|| value.trim().trim_matches(['"', '\'']).to_owned())
            })?;
            Some((crate::safety::scheme(&url)?.to_owned(), ".env"))
        }
        Tool::GolangMigrate | Tool::Goose => None,
    }
}

/// A Flyway setting: `flyway.<key>` in `flyway.conf` (or
/// `conf/flyway.conf`), else `[flyway] <key>` in `flyway.toml`, else the
/// key in the environment Flyway uses (`flyway.environment`, else
/// `default`).
pub fn flyway_value(read: Read<'_>, key: &str) -> Option<String> {
    let wanted = format!("flyway.{key}");
    for name in ["flyway.conf", "conf/flyway.conf"] {
        if let Some(text) = read(name)
            && let Some(value) = text.lines().find_map(|line| {
                let (k, v) = line.trim().split_once(['=', ':'])?;
                (k.trim() == wanted).then(|| v.trim().to_owned())
            })
        {
            return Some(value);
        }
    }
    let table: toml::Table = toml::from_str(&read("flyway.toml")?).ok()?;
    let string = |v: &toml::Value| match v {
        toml::Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    };
    let flyway = table.get("flyway");
    if let Some(value) = flyway.and_then(|f| f.get(key)).and_then(string) {
        return Some(value);
    }
    let name = flyway
        .and_then(|f| f.get("environment"))
        .and_then(toml::Value::as_str)
        .unwrap_or("default");
    table
        .get("environments")?
        .get(name)?
        .get(key)
        .and_then(string)
}

/// Flyway's transaction settings into `settings`: `executeInTransaction`
/// (default true) and `mixed` (default false), each read as Java's
/// `Boolean.parseBoolean` reads it.
pub fn apply_flyway(read: Read<'_>, settings: &mut SafetySettings) {
    let setting = |key| flyway_value(read, key).map(|v| v.trim().eq_ignore_ascii_case("true"));
    settings.transactional = setting("executeInTransaction") != Some(false);
    settings.flyway_mixed = setting("mixed") == Some(true);
}

/// The part of `.squawk.toml` the lint honours.
#[derive(Debug, Default, Deserialize)]
struct SquawkToml {
    #[serde(default)]
    excluded_rules: Vec<String>,
    pg_version: Option<String>,
    #[serde(default)]
    assume_in_transaction: bool,
}

/// Put a `.squawk.toml` into `settings` (`excluded_rules`, `pg_version`,
/// `assume_in_transaction`); the error is TOML's, for the caller to name
/// the file.
pub fn apply_squawk_toml(text: &str, settings: &mut SafetySettings) -> Result<(), String> {
    let config: SquawkToml = toml::from_str(text).map_err(|err| err.to_string())?;
    settings.excluded_rules = config.excluded_rules;
    settings.pg_version = config.pg_version;
    settings.assume_in_transaction = config.assume_in_transaction;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn reader(files: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
        let files: BTreeMap<String, String> = files
            .iter()
            .map(|(p, t)| ((*p).to_owned(), (*t).to_owned()))
            .collect();
        move |path| files.get(path).cloned()
    }

    #[test]
    fn each_tool_names_its_database_where_it_keeps_it() {
        let read = reader(&[
            ("flyway.conf", "flyway.url=jdbc:postgresql://db/app\n"),
            (
                "prisma/migrations/migration_lock.toml",
                "provider = \"mysql\"\n",
            ),
            (".env", "export DATABASE_URL='sqlite:app.db'\n"),
        ]);
        let db = |tool, dir| database(tool, dir, &read);
        assert_eq!(
            db(Tool::Flyway, None),
            Some(("postgresql".into(), "flyway url"))
        );
        assert_eq!(
            db(Tool::Prisma, Some("prisma/migrations")),
            Some(("mysql".into(), "migration_lock.toml"))
        );
        assert_eq!(db(Tool::Sqlx, None), Some(("sqlite".into(), ".env")));
        assert_eq!(db(Tool::Goose, None), None);
    }

    #[test]
    fn flyway_reads_conf_then_toml_then_its_environment() {
        let toml = "[flyway]\nenvironment = \"prod\"\nmixed = true\n[environments.prod]\nurl = \"jdbc:postgresql://x/y\"\n";
        let read = reader(&[("flyway.toml", toml)]);
        assert_eq!(
            flyway_value(&read, "url").as_deref(),
            Some("jdbc:postgresql://x/y")
        );
        let mut settings = SafetySettings::default();
        apply_flyway(&read, &mut settings);
        assert!(settings.transactional && settings.flyway_mixed);
        let read = reader(&[
            ("conf/flyway.conf", "flyway.executeInTransaction = FALSE\n"),
            ("flyway.toml", toml),
        ]);
        apply_flyway(&read, &mut settings);
        assert!(!settings.transactional);
    }

    #[test]
    fn squawk_toml_is_applied_or_refused() {
        let mut settings = SafetySettings::default();
        apply_squawk_toml(
            "excluded_rules = [\"require-timeout-settings\"]\npg_version = \"13\"\n",
            &mut settings,
        )
        .expect("valid");
        assert_eq!(settings.excluded_rules, ["require-timeout-settings"]);
        assert_eq!(settings.pg_version.as_deref(), Some("13"));
        assert!(apply_squawk_toml("excluded_rules = 3\n", &mut settings).is_err());
    }
}
