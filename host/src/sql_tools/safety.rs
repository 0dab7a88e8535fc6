//! The deploy-safety lint for the SQL-file tools (`docs/safety.md`): which
//! database the migrations target, the lint's settings (`.squawk.toml`,
//! `[safety]`, `--deploy-safety`, the tool's own transaction setting), and
//! the findings as report diagnostics.
//!
//! The lint itself runs in the core's per-file phase (the sandbox), cached
//! with each file's facts; this module only decides whether and how.

use std::collections::BTreeMap;
use std::io::Read as _;
use std::path::Path;

use anyhow::Result;
use revguard_core::Severity;
use revguard_core::dialect::sql::{Check, Tool};
use revguard_core::report::{Diagnostic, Label};
use revguard_core::request::SeverityOverride;
use revguard_core::safety::{DOCS_URL, Mode, SafetyFacts, SafetySettings};
use revguard_core::text::{LineIndex, Span};

use super::Found;
use crate::safety::{is_postgres, scheme};

/// The check all safety findings belong to, and its code.
const CHECK: &str = "deploy-safety";
const CODE: &str = "RG401";

/// Largest configuration file read for a database hint.
const MAX_CONFIG_BYTES: u64 = 1 << 20;

/// How the lint runs for one history, and how its findings count.
#[derive(Debug, Clone)]
pub struct Policy {
    /// The settings the core lints under (naming the tool).
    pub settings: SafetySettings,
    /// Severity overrides by squawk rule, `deploy-safety` or `RG401`
    /// (`[severity]` and `[safety.severity]`).
    pub severity: BTreeMap<String, SeverityOverride>,
}

impl Policy {
    /// The policy once the tool's own settings are in `options`: the
    /// project's `[safety]` and severity tables, then `mode` (which wins),
    /// or `None` when the lint does not run.
    pub(crate) fn finish(
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
    match database_url.and_then(scheme) {
        Some(scheme) => settings.enabled = is_postgres(scheme),
        None => match hint(root, found) {
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
        settings.transactional = flyway_setting(root, "executeInTransaction") != Some(false);
        settings.flyway_mixed = flyway_setting(root, "mixed") == Some(true);
    }
    Policy::finish(root, options, mode)
}

/// Where revguard looked for the database, for the "PostgreSQL assumed" note.
fn looked_for(tool: Tool) -> &'static str {
    match tool {
        Tool::Flyway => "no `url` in flyway.conf/flyway.toml and no --database-url",
        Tool::Prisma => "no `provider` in migration_lock.toml and no --database-url",
        Tool::Sqlx | Tool::Dbmate => "no DATABASE_URL in .env and no --database-url",
        Tool::GolangMigrate | Tool::Goose => "no --database-url",
    }
}

/// The database the tool's own configuration names: its scheme and where
/// it was read.
fn hint(root: &Path, found: &Found) -> Option<(String, &'static str)> {
    match found.tool {
        Tool::Flyway => {
            let url = flyway_value(root, "url")?;
            let scheme = url.strip_prefix("jdbc:")?.split(':').next()?.to_owned();
            Some((scheme, "flyway url"))
        }
        Tool::Prisma => {
            let dir = root.join(found.dirs.first()?);
            let text = read_small(root, &dir.join("migration_lock.toml"))?;
            let table: toml::Table = toml::from_str(&text).ok()?;
            let provider = table.get("provider")?.as_str()?.to_owned();
            Some((provider, "migration_lock.toml"))
        }
        Tool::Sqlx | Tool::Dbmate => {
            let text = read_small(root, &root.join(".env"))?;
            let url = text.lines().find_map(|l| {
                let l = l.trim();
                let l = l.strip_prefix("export ").unwrap_or(l);
                let (name, value) = l.split_once('=')?;
                (name.trim() == "DATABASE_URL")
                    .then(|| value.trim().trim_matches(['"', '\'']).to_owned())
            })?;
            Some((scheme(&url)?.to_owned(), ".env"))
        }
        Tool::GolangMigrate | Tool::Goose => None,
    }
}

/// A Flyway setting from `flyway.conf` (`flyway.<key>=`) or `flyway.toml`
/// (`[flyway]`, else the first environment that sets it).
fn flyway_value(root: &Path, key: &str) -> Option<String> {
    for name in ["flyway.conf", "conf/flyway.conf"] {
        if let Some(text) = read_small(root, &root.join(name))
            && let Some(value) = text.lines().find_map(|line| {
                let (k, v) = line.trim().split_once(['=', ':'])?;
                (k.trim() == format!("flyway.{key}")).then(|| v.trim().to_owned())
            })
        {
            return Some(value);
        }
    }
    let text = read_small(root, &root.join("flyway.toml"))?;
    let table: toml::Table = toml::from_str(&text).ok()?;
    let string = |v: &toml::Value| match v {
        toml::Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    };
    if let Some(value) = table
        .get("flyway")
        .and_then(|f| f.get(key))
        .and_then(string)
    {
        return Some(value);
    }
    // The environment Flyway uses: `flyway.environment`, else `default`.
    let name = table
        .get("flyway")
        .and_then(|f| f.get("environment"))
        .and_then(toml::Value::as_str)
        .unwrap_or("default");
    table
        .get("environments")?
        .get(name)?
        .get(key)
        .and_then(string)
}

/// A boolean Flyway setting, read as Java's `Boolean.parseBoolean` reads it.
fn flyway_setting(root: &Path, key: &str) -> Option<bool> {
    flyway_value(root, key).map(|v| v.trim().eq_ignore_ascii_case("true"))
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

/// One file's lint as the report's diagnostics.
pub struct Linted<'a> {
    /// The file's index in the report.
    pub file: usize,
    /// Its path.
    pub path: &'a str,
    /// Its text.
    pub text: &'a str,
    /// What the lint found.
    pub facts: &'a SafetyFacts,
    /// Whether the migration is still to run (not in the applied rows):
    /// only then can it stop the deploy.
    pub pending: bool,
}

impl Policy {
    /// The severity of a finding of `rule` (`None`: switched off).
    fn severity(&self, rule: &str) -> Option<Severity> {
        let configured = self
            .severity
            .get(rule)
            .or_else(|| self.severity.get(CHECK))
            .or_else(|| self.severity.get(CODE));
        let mut severity = match configured {
            Some(SeverityOverride::Off) => return None,
            Some(SeverityOverride::Level(level)) => *level,
            None => Severity::Warning,
        };
        if self.settings.blocking && severity == Severity::Warning {
            severity = Severity::Error;
        }
        Some(severity)
    }

    /// The findings of one file as diagnostics.
    pub fn diagnostics(&self, linted: &Linted<'_>, out: &mut Vec<Diagnostic>) {
        let index = LineIndex::new(linted.text);
        let label = |span: Span, message: String| {
            let (start, end) = index.span(span);
            Label {
                file: linted.file,
                path: linted.path.to_owned(),
                span,
                start,
                end,
                message,
                primary: true,
            }
        };
        for finding in &linted.facts.findings {
            let Some(severity) = self.severity(&finding.rule) else {
                continue;
            };
            let mut notes = vec![format!("squawk: {DOCS_URL}{}", finding.rule)];
            if let Some(assumed) = &self.settings.assumed {
                notes.push(format!("PostgreSQL assumed: {assumed}"));
            }
            out.push(Diagnostic {
                check: finding.rule.clone(),
                code: CODE.to_owned(),
                severity,
                message: finding.message.clone(),
                labels: vec![label(
                    finding.span,
                    format!("runs `{}`", one_line(&finding.sql)),
                )],
                help: finding.help.clone(),
                notes,
            });
        }
        self.refused(linted, &label, out);
        if self.severity(CHECK).is_none() {
            return;
        }
        for part in &linted.facts.unchecked {
            out.push(Diagnostic {
                check: CHECK.to_owned(),
                code: CODE.to_owned(),
                severity: Severity::Info,
                message: if part.call.is_empty() {
                    format!(
                        "`{}` not fully checked for deploy safety: {}",
                        linted.path, part.reason
                    )
                } else {
                    format!(
                        "`{}` not checked for deploy safety: {}",
                        part.call, part.reason
                    )
                },
                labels: vec![label(part.span, part.reason.clone())],
                help: None,
                notes: Vec::new(),
            });
        }
    }
}

impl Policy {
    /// The statements the deploy fails on, as errors in the tool's words.
    fn refused(
        &self,
        linted: &Linted<'_>,
        label: &dyn Fn(Span, String) -> Label,
        out: &mut Vec<Diagnostic>,
    ) {
        let check = Check::FailsInTransaction;
        let configured = self
            .severity
            .get(check.name())
            .or_else(|| self.severity.get(check.code()));
        let severity = match configured {
            Some(SeverityOverride::Off) => return,
            Some(SeverityOverride::Level(level)) => *level,
            None => Severity::Error,
        };
        if !linted.pending {
            return;
        }
        for refused in &linted.facts.refused {
            let (message, help) = match self.settings.sql_tool {
                // Django: the operation, or the SQL of a RunSQL.
                None => (
                    format!(
                        "`{}` runs `{}` inside the transaction Django runs an atomic migration in, so `manage.py migrate` fails",
                        linted.path, refused.command
                    ),
                    "set `atomic = False` on the migration (and keep the operation in a migration of its own)".to_owned(),
                ),
                Some(Tool::Flyway) => (
                    format!(
                        "`{}` mixes a non-transactional statement (`{}`) with transactional ones, so `{}` refuses it",
                        linted.path,
                        refused.command,
                        Tool::Flyway.deploy_command()
                    ),
                    "move the non-transactional statement into a migration of its own, or set `mixed = true` in Flyway's configuration".to_owned(),
                ),
                Some(tool) => (
                    format!(
                        "`{}` runs `{}` inside {}, so `{}` fails",
                        linted.path,
                        refused.command,
                        transaction(tool),
                        tool.deploy_command()
                    ),
                    no_transaction_help(tool).to_owned(),
                ),
            };
            out.push(Diagnostic {
                check: check.name().to_owned(),
                code: check.code().to_owned(),
                severity,
                message,
                labels: vec![label(refused.span, "the deploy stops here".to_owned())],
                help: Some(help),
                notes: vec![refused.error.clone()],
            });
        }
    }
}

/// The transaction a tool runs a migration in, in words.
fn transaction(tool: Tool) -> &'static str {
    match tool {
        Tool::Sqlx => "the transaction sqlx runs each migration in",
        Tool::Goose => "the transaction goose runs each migration in",
        Tool::Dbmate => "the transaction dbmate runs each migration in",
        Tool::GolangMigrate | Tool::Prisma => {
            "the implicit transaction PostgreSQL runs a file of several statements in (the tool sends the file as one query)"
        }
        Tool::Flyway => "a transaction",
    }
}

/// How to run a migration outside a transaction, per tool.
fn no_transaction_help(tool: Tool) -> &'static str {
    match tool {
        Tool::Sqlx => "make `-- no-transaction` the file's first line",
        Tool::Goose => "add the line `-- +goose NO TRANSACTION`",
        Tool::Dbmate => "write the up block's first line as `-- migrate:up transaction:false`",
        Tool::GolangMigrate | Tool::Prisma => {
            "put the statement in a migration of its own: a single statement runs outside a transaction"
        }
        Tool::Flyway => "move the statement into a migration of its own",
    }
}

/// A statement on one line, shortened for a label.
fn one_line(sql: &str) -> String {
    let line = sql.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() > 80 {
        let cut: String = line.chars().take(77).collect();
        format!("{cut}...")
    } else {
        line
    }
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

    #[test]
    fn severities_follow_the_configuration_and_the_policy() {
        let mut policy = Policy {
            settings: SafetySettings::default(),
            severity: BTreeMap::new(),
        };
        assert_eq!(policy.severity("ban-drop-column"), Some(Severity::Warning));
        policy.settings.blocking = true;
        assert_eq!(policy.severity("ban-drop-column"), Some(Severity::Error));
        policy
            .severity
            .insert("ban-drop-column".into(), SeverityOverride::Off);
        assert_eq!(policy.severity("ban-drop-column"), None);
        policy.severity.insert(
            "deploy-safety".into(),
            SeverityOverride::Level(Severity::Info),
        );
        assert_eq!(policy.severity("prefer-text-field"), Some(Severity::Info));
    }
}
