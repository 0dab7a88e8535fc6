//! The configuration file's parser: TOML (the `toml` crate, with spans)
//! into a checked [`Config`], every error located in the file with the
//! line quoted (see the parent module for the keys).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::ops::Range;
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use super::{Config, Dialect, SafetyConfig};
use crate::dialect::django::locate::Layout;
use crate::python::PythonVersion;
use crate::text::levenshtein;
use crate::{Policy, Severity, SeverityOverride};

/// The file's keys as written, with their spans for located errors.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    policy: Option<Spanned<String>>,
    #[serde(rename = "python-version")]
    python_version: Option<Spanned<String>>,
    severity: Option<BTreeMap<Spanned<String>, Spanned<String>>>,
    dialect: Option<Spanned<String>>,
    django: Option<RawDjango>,
    safety: Option<RawSafety>,
}

/// The `[safety]` table as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSafety {
    blocking: Option<bool>,
    database: Option<Spanned<String>>,
    enable: Option<Vec<Spanned<String>>>,
    disable: Option<Vec<Spanned<String>>>,
    severity: Option<BTreeMap<Spanned<String>, Spanned<String>>>,
}

/// The `[django]` table as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDjango {
    #[serde(rename = "user-model")]
    user_model: Option<Spanned<String>>,
    labels: Option<BTreeMap<Spanned<String>, Spanned<String>>>,
    #[serde(rename = "migration-modules")]
    migration_modules: Option<BTreeMap<Spanned<String>, Spanned<toml::Value>>>,
}

/// Whether `text` is a dotted Python module path (`blog.db_migrations`).
fn is_module_path(text: &str) -> bool {
    !text.is_empty()
        && text.split('.').all(|part| {
            part.chars()
                .next()
                .is_some_and(|c| c.is_alphabetic() || c == '_')
                && part.chars().all(|c| c.is_alphanumeric() || c == '_')
        })
}

/// The `[django]` table's layout keys, checked.
fn parse_django_layout(
    raw: &RawDjango,
    table: &str,
    fail: &dyn Fn(Range<usize>, String) -> String,
) -> Result<Layout, String> {
    let django_table = if table == "the top level" {
        "[django]".to_owned()
    } else {
        format!("{}.django]", table.trim_end_matches(']'))
    };
    let mut layout = Layout::default();
    for (dir, label) in raw.labels.iter().flatten() {
        let key = dir
            .get_ref()
            .trim_start_matches("./")
            .trim_end_matches('/')
            .to_owned();
        if key.is_empty() || key.starts_with('/') || key.split('/').any(|p| p == "..") {
            return Err(fail(
                dir.span(),
                format!(
                    "`{}` is not a directory inside the project (key `labels` of {django_table})",
                    dir.get_ref()
                ),
            ));
        }
        if !is_module_path(label.get_ref()) || label.get_ref().contains('.') {
            return Err(fail(
                label.span(),
                format!(
                    "`{}` is not an app label (key `labels` of {django_table})",
                    label.get_ref()
                ),
            ));
        }
        layout.labels.insert(key, label.get_ref().clone());
    }
    for (label, module) in raw.migration_modules.iter().flatten() {
        let value = match module.get_ref() {
            toml::Value::String(path) if is_module_path(path) => Some(path.clone()),
            toml::Value::Boolean(false) => None,
            other => {
                return Err(fail(
                    module.span(),
                    format!(
                        "`{other}` is not a migrations module: give a dotted module path such as \"blog.db_migrations\", or false for None (key `migration-modules` of {django_table})"
                    ),
                ));
            }
        };
        layout
            .migration_modules
            .insert(label.get_ref().clone(), value);
    }
    Ok(layout)
}

/// A `pyproject.toml`: only `[tool]` is read.
#[derive(Deserialize)]
struct Pyproject {
    tool: Option<Tools>,
}

/// `[tool]`: only `[tool.revguard]` is read.
#[derive(Deserialize)]
struct Tools {
    revguard: Option<RawConfig>,
}

/// A configured severity, or the text that is not one.
fn parse_level(value: &str) -> Result<SeverityOverride, String> {
    Ok(match value {
        "off" => SeverityOverride::Off,
        "error" => SeverityOverride::Level(Severity::Error),
        "warning" => SeverityOverride::Level(Severity::Warning),
        "info" => SeverityOverride::Level(Severity::Info),
        other => return Err(other.to_owned()),
    })
}

/// The error for a severity that is not one.
fn invalid_level(other: &str, name: &str) -> String {
    format!(
        "invalid severity `{other}` for `{name}` (expected \"error\", \"warning\", \"info\" or \"off\")"
    )
}

/// Parse a configuration file's text, its kind by its name: a
/// `pyproject.toml` without `[tool.revguard]` gives `None`; any other file
/// name is read as a `revguard.toml`. `source` names the file in errors.
pub fn parse_file(text: &str, source: &Path) -> Result<Option<Config>, String> {
    let pyproject = source.file_name().is_some_and(|n| n == "pyproject.toml");
    parse(text, source, pyproject)
}

/// Parse configuration text. `source` names the file in errors;
/// `pyproject` selects the `[tool.revguard]` table.
pub fn parse(text: &str, source: &Path, pyproject: bool) -> Result<Option<Config>, String> {
    let located = |err: toml::de::Error| {
        let span = err.span().unwrap_or(0..0);
        locate(text, source, span, err.message())
    };
    let raw = if pyproject {
        let file: Pyproject = toml::from_str(text).map_err(located)?;
        match file.tool.and_then(|t| t.revguard) {
            Some(raw) => raw,
            None => return Ok(None),
        }
    } else {
        toml::from_str::<RawConfig>(text).map_err(located)?
    };
    let table = if pyproject {
        "[tool.revguard]"
    } else {
        "the top level"
    };
    let fail =
        |span: Range<usize>, message: String| -> String { locate(text, source, span, &message) };

    let policy = match raw.policy {
        Some(policy) => Some(policy.get_ref().parse::<Policy>().map_err(|message| {
            fail(
                policy.span(),
                format!("{message} (key `policy` of {table})"),
            )
        })?),
        None => None,
    };

    let python_version = match raw.python_version {
        Some(version) => Some(version.get_ref().parse::<PythonVersion>().map_err(|err| {
            fail(
                version.span(),
                format!("{err} (key `python-version` of {table})"),
            )
        })?),
        None => None,
    };
    let dialect = match &raw.dialect {
        Some(value) => Some(match value.get_ref().as_str() {
            "alembic" => Dialect::Alembic,
            "django" => Dialect::Django,
            other => match crate::dialect::sql::Tool::from_name(other) {
                Some(tool) => Dialect::Sql(tool),
                None => {
                    return Err(fail(
                        value.span(),
                        format!(
                            "unknown dialect `{other}` (expected \"alembic\", \"django\", \"flyway\", \"golang-migrate\", \"goose\", \"sqlx\", \"dbmate\" or \"prisma\"; key `dialect` of {table})"
                        ),
                    ));
                }
            },
        }),
        None => None,
    };
    let django_user_model = raw
        .django
        .as_ref()
        .and_then(|d| d.user_model.as_ref())
        .map(|m| m.get_ref().clone());
    let django = match &raw.django {
        Some(django) => parse_django_layout(django, table, &fail)?,
        None => Layout::default(),
    };

    let severity = parse_severity(raw.severity.as_ref(), text, &fail)?;
    let safety = match &raw.safety {
        Some(safety) => parse_safety(safety, &severity, table, &fail)?,
        None => SafetyConfig::default(),
    };
    Ok(Some(Config {
        source: source.to_path_buf(),
        policy,
        severity,
        python_version,
        dialect,
        django_user_model,
        django,
        safety,
    }))
}

/// The databases `[safety] database` names; the lint runs for PostgreSQL.
const DATABASES: &[&str] = &[
    "postgresql",
    "postgres",
    "mysql",
    "mariadb",
    "sqlite",
    "oracle",
    "mssql",
];

/// The `[safety]` table. `severity` is the checked `[severity]` table: a
/// rule set in both is an error.
fn parse_safety(
    raw: &RawSafety,
    severity: &BTreeMap<String, SeverityOverride>,
    table: &str,
    fail: &dyn Fn(Range<usize>, String) -> String,
) -> Result<SafetyConfig, String> {
    let safety_table = if table == "the top level" {
        "[safety]".to_owned()
    } else {
        format!("{}.safety]", table.trim_end_matches(']'))
    };
    let rule = |name: &Spanned<String>, key: &str| -> Result<String, String> {
        crate::safety::rule(name.get_ref()).ok_or_else(|| {
            fail(
                name.span(),
                format!(
                    "unknown squawk rule `{}` (key `{key}` of {safety_table}; https://squawkhq.com/docs/rules lists them)",
                    name.get_ref()
                ),
            )
        })
    };
    let mut out = SafetyConfig {
        blocking: raw.blocking,
        ..SafetyConfig::default()
    };
    if let Some(database) = &raw.database {
        let name = database.get_ref().to_ascii_lowercase();
        if !DATABASES.contains(&name.as_str()) {
            return Err(fail(
                database.span(),
                format!(
                    "unknown database `{}` (expected one of {}; key `database` of {safety_table})",
                    database.get_ref(),
                    DATABASES.join(", ")
                ),
            ));
        }
        out.postgres = Some(matches!(name.as_str(), "postgresql" | "postgres"));
    }
    for name in raw.enable.iter().flatten() {
        out.enable.push(rule(name, "enable")?);
    }
    for name in raw.disable.iter().flatten() {
        out.disable.push(rule(name, "disable")?);
    }
    for (key, value) in raw.severity.iter().flatten() {
        let name = rule(key, "severity")?;
        if severity.contains_key(&name) {
            return Err(fail(
                key.span(),
                format!("squawk rule `{name}` is configured twice (also in the severity table)"),
            ));
        }
        let level = parse_level(value.get_ref())
            .map_err(|other| fail(value.span(), invalid_level(&other, &name)))?;
        out.severity.insert(name, level);
    }
    Ok(out)
}

/// The `severity` table: check names or codes to levels, each check once.
fn parse_severity(
    raw: Option<&BTreeMap<Spanned<String>, Spanned<String>>>,
    text: &str,
    fail: &dyn Fn(Range<usize>, String) -> String,
) -> Result<BTreeMap<String, SeverityOverride>, String> {
    let mut severity = BTreeMap::new();
    let mut first_key: BTreeMap<&'static str, Range<usize>> = BTreeMap::new();
    // In file order, so "configured twice" points at the second occurrence.
    let mut entries: Vec<_> = raw.into_iter().flatten().collect();
    entries.sort_by_key(|(key, _)| key.span().start);
    for (key, value) in entries {
        // One of squawk's rules, reported by deploy-safety (docs/safety.md).
        if crate::checks::find_name(key.get_ref()).is_none()
            && let Some(rule) = crate::safety::rule(key.get_ref())
        {
            let level = parse_level(value.get_ref())
                .map_err(|other| fail(value.span(), invalid_level(&other, &rule)))?;
            severity.insert(rule, level);
            continue;
        }
        // A check only the SQL-file tools report (`fails-in-transaction`,
        // RG402), by name or code.
        if crate::checks::find_name(key.get_ref()).is_none()
            && let Some(check) = crate::dialect::sql::Check::ALL
                .into_iter()
                .find(|c| c.name() == key.get_ref() || c.code().eq_ignore_ascii_case(key.get_ref()))
        {
            let level = parse_level(value.get_ref())
                .map_err(|other| fail(value.span(), invalid_level(&other, check.name())))?;
            severity.insert(check.name().to_owned(), level);
            continue;
        }
        let Some((name, code)) = crate::checks::find_name(key.get_ref()) else {
            let known: Vec<&str> = crate::checks::names().map(|(name, _)| name).collect();
            let mut message = format!("unknown check `{}` in severity", key.get_ref());
            if let Some(close) = closest(key.get_ref(), &known) {
                let _ = write!(message, "; did you mean `{close}`?");
            }
            let _ = write!(message, " (`revguard explain` lists the checks)");
            return Err(fail(key.span(), message));
        };
        if let Some(earlier) = first_key.insert(name, key.span()) {
            let (line, _) = line_col(text, earlier.start);
            return Err(fail(
                key.span(),
                format!("check `{name}` ({code}) is configured twice (first on line {line})"),
            ));
        }
        let level = parse_level(value.get_ref())
            .map_err(|other| fail(value.span(), invalid_level(&other, name)))?;
        severity.insert(name.to_owned(), level);
    }
    Ok(severity)
}

/// 1-based line and column (in characters) of a byte offset.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

/// `path:line:col: message`, then the line with a caret under the span.
fn locate(text: &str, source: &Path, span: Range<usize>, message: &str) -> String {
    let (line, column) = line_col(text, span.start);
    let mut out = format!("{}:{line}:{column}: {message}", source.display());
    if let Some(source_line) = text.lines().nth(line - 1) {
        let width = line.to_string().len();
        let line_len = source_line.chars().count();
        let carets = text
            .get(span.clone())
            .map_or(1, |s| s.lines().next().map_or(1, |l| l.chars().count()))
            .clamp(1, line_len.saturating_sub(column - 1).max(1));
        let _ = write!(
            out,
            "\n{:width$} |\n{line} | {source_line}\n{:width$} | {}{}",
            "",
            "",
            " ".repeat(column - 1),
            "^".repeat(carets)
        );
    }
    out
}

/// The known name closest to `name` (edit distance ≤ 3), for "did you mean".
fn closest<'a>(name: &str, known: &[&'a str]) -> Option<&'a str> {
    known
        .iter()
        .map(|k| (levenshtein(&name.to_ascii_lowercase(), k), *k))
        .filter(|(d, _)| *d <= 3)
        .min()
        .map(|(_, k)| k)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Options;

    fn rg(text: &str) -> Result<Option<Config>, String> {
        parse(text, Path::new("proj/revguard.toml"), false)
    }

    fn py(text: &str) -> Result<Option<Config>, String> {
        parse(text, Path::new("proj/pyproject.toml"), true)
    }

    fn err(result: Result<Option<Config>, String>) -> String {
        result.expect_err("an error")
    }

    #[test]
    fn reads_every_key() {
        let config = rg("policy = \"linear\"\n[severity]\nplaceholder-revision-id = \"off\"\nRG101 = \"warning\"\n")
            .unwrap()
            .unwrap();
        assert_eq!(config.policy, Some(Policy::Linear));
        assert_eq!(
            config.severity["placeholder-revision-id"],
            SeverityOverride::Off
        );
        assert_eq!(
            config.severity["duplicate-revision"],
            SeverityOverride::Level(Severity::Warning)
        );
        let mut options = Options::default();
        config.apply(&mut options);
        assert_eq!(options.policy, Policy::Linear);
        assert_eq!(options.severity.len(), 2);
    }

    #[test]
    fn pyproject_without_table_is_no_config() {
        assert_eq!(
            py("[project]\nname = \"x\"\n[tool.ruff]\nline-length = 1\n").unwrap(),
            None
        );
        let config =
            py("[tool.alembic]\nscript_location = \"m\"\n[tool.revguard]\npolicy = \"branches\"\n")
                .unwrap()
                .unwrap();
        assert_eq!(config.policy, Some(Policy::Branches));
    }

    #[test]
    fn unknown_key_is_located() {
        let message = err(py(
            "[project]\nname = \"x\"\n\n[tool.revguard]\npolcy = \"linear\"\n",
        ));
        assert!(
            message.starts_with("proj/pyproject.toml:5:1: unknown field `polcy`"),
            "{message}"
        );
        assert!(
            message.contains("5 | polcy = \"linear\"\n  | ^^^^^"),
            "{message}"
        );
    }

    #[test]
    fn unknown_check_is_located_with_suggestion() {
        let message = err(rg("[severity]\nduplicate-revisions = \"off\"\n"));
        assert!(
            message.starts_with("proj/revguard.toml:2:1: unknown check `duplicate-revisions`"),
            "{message}"
        );
        assert!(
            message.contains("did you mean `duplicate-revision`?"),
            "{message}"
        );
    }

    #[test]
    fn bad_values_are_located() {
        let message = err(rg("policy = \"straight\"\n"));
        assert!(
            message.starts_with("proj/revguard.toml:1:10: unknown policy 'straight'"),
            "{message}"
        );
        let message = err(rg("[severity]\ncycle = \"fatal\"\n"));
        assert!(
            message.starts_with("proj/revguard.toml:2:9: invalid severity `fatal` for `cycle`"),
            "{message}"
        );
        let message = err(rg("policy = [\"linear\"]\n"));
        assert!(
            message.starts_with("proj/revguard.toml:1:10: invalid type"),
            "{message}"
        );
        let message = err(rg("paths = [\"alembic.ini\"]\n"));
        assert!(
            message.starts_with("proj/revguard.toml:1:1: unknown field `paths`"),
            "{message}"
        );
    }

    #[test]
    fn same_check_twice_is_an_error() {
        let message = err(rg(
            "[severity]\nduplicate-revision = \"off\"\nRG101 = \"error\"\n",
        ));
        assert!(message.starts_with("proj/revguard.toml:3:1: check `duplicate-revision` (RG101) is configured twice (first on line 2)"), "{message}");
    }

    #[test]
    fn safety_table_is_read_and_applied() {
        let config = py(concat!(
            "[tool.revguard.safety]\nblocking = true\ndatabase = \"PostgreSQL\"\n",
            "enable = [\"ban-drop-index\"]\ndisable = [\"require-timeout-settings\"]\n",
            "[tool.revguard.safety.severity]\nprefer-timestamptz = \"error\"\n",
        ))
        .unwrap()
        .unwrap();
        assert_eq!(config.safety.blocking, Some(true));
        assert_eq!(config.safety.postgres, Some(true));
        let mut options = Options::default();
        options.safety.enabled = false;
        options.safety.assumed = Some("no url".into());
        options.safety.excluded_rules = vec!["prefer-robust-stmts".into()];
        config.apply(&mut options);
        assert!(options.safety.blocking && options.safety.enabled);
        assert_eq!(options.safety.assumed, None);
        assert_eq!(
            options.safety.excluded_rules,
            ["prefer-robust-stmts", "require-timeout-settings"]
        );
        assert_eq!(options.safety.included_rules, ["ban-drop-index"]);
        // squawk's canonical name.
        assert_eq!(
            options.severity["prefer-timestamp-tz"],
            SeverityOverride::Level(Severity::Error)
        );
        let off = rg("[safety]\ndatabase = \"sqlite\"\n").unwrap().unwrap();
        let mut options = Options::default();
        off.apply(&mut options);
        assert!(!options.safety.enabled);
    }

    #[test]
    fn safety_table_errors_are_located() {
        let message = err(rg("[safety]\ndisable = [\"require-concurrent-index\"]\n"));
        assert!(
            message.starts_with(
                "proj/revguard.toml:2:12: unknown squawk rule `require-concurrent-index` (key `disable` of [safety]"
            ),
            "{message}"
        );
        let message = err(py("[tool.revguard.safety]\ndatabase = \"db2\"\n"));
        assert!(
            message.starts_with("proj/pyproject.toml:2:12: unknown database `db2`"),
            "{message}"
        );
        assert!(message.contains("[tool.revguard.safety]"), "{message}");
        let message = err(rg("[safety]\nblocking = \"yes\"\n"));
        assert!(
            message.starts_with("proj/revguard.toml:2:12: invalid type"),
            "{message}"
        );
        let message = err(rg("[safety]\nblock = true\n"));
        assert!(message.contains("unknown field `block`"), "{message}");
        let message = err(rg(concat!(
            "[severity]\nban-drop-column = \"off\"\n",
            "[safety.severity]\nban-drop-column = \"error\"\n",
        )));
        assert!(
            message.starts_with(
                "proj/revguard.toml:4:1: squawk rule `ban-drop-column` is configured twice"
            ),
            "{message}"
        );
        let message = err(rg("[safety.severity]\nban-drop-column = \"fatal\"\n"));
        assert!(message.contains("invalid severity `fatal`"), "{message}");
    }

    #[test]
    fn syntax_errors_are_located() {
        let message = err(rg("policy = \n"));
        assert!(message.starts_with("proj/revguard.toml:1:"), "{message}");
    }
}
