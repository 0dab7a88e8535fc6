//! Deploy safety: what each migration does to a live PostgreSQL, judged by
//! squawk's rules (`docs/safety.md`).
//!
//! The per-file work reads a migration's `upgrade()` with Ruff's parser,
//! translates every `op.*` call whose arguments are literals into the DDL
//! Alembic's offline mode emits for PostgreSQL (`alembic` and `ddl`),
//! wraps it in Alembic's transaction the way `alembic upgrade --sql` prints
//! it, and lints that script with squawk's linter (`lint`). Every
//! violation is mapped back to the Python call whose SQL it points into.
//!
//! The translation is one front end of a shared back end: a front end only
//! has to produce [`Emitted`] statements with the source span they came from
//! and the transaction boundaries, and `lint` does the rest. Without the
//! `safety` feature the types stay (the report and the wire carry them) and
//! [`check_file`] finds nothing.
//!
//! The feature has two halves, which the browser playground builds into
//! different modules: `safety-translate` (the Alembic front end, which
//! needs Ruff's parser: `translate`) and `safety-lint` (squawk's linter
//! and the SQL-file tools' front end: `lint_plan`, and [`check_file`] for
//! a SQL-file tool). A [`Plan`] is what crosses between them.

#[cfg(feature = "safety-translate")]
mod alembic;
#[cfg(feature = "safety-translate")]
mod ddl;
#[cfg(feature = "safety")]
pub mod django;
#[cfg(feature = "safety-lint")]
mod lint;
#[cfg(feature = "safety-lint")]
mod sql;

use serde::{Deserialize, Serialize};

use crate::text::Span;

/// Where squawk's documentation of each rule lives.
pub const DOCS_URL: &str = "https://squawkhq.com/docs/";

/// The squawk release whose rules revguard reports.
pub const SQUAWK_VERSION: &str = "2.68.0";

/// How the lint is configured: `.squawk.toml` and `[tool.revguard.safety]`,
/// as the host read them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SafetySettings {
    /// Lint at all (off when the target database is not PostgreSQL).
    pub enabled: bool,
    /// squawk rules left out (`.squawk.toml`'s `excluded_rules`, then
    /// `[safety] disable`).
    pub excluded_rules: Vec<String>,
    /// squawk's opt-in rules run too (`[safety] enable`).
    pub included_rules: Vec<String>,
    /// Safety findings block the gate: every one that resolves to a warning
    /// is reported as an error (`--deploy-safety block`, `[safety]
    /// blocking`, the Argo CD and KRM `deploy-safety` setting).
    pub blocking: bool,
    /// The PostgreSQL version the rules assume (`pg_version`).
    pub pg_version: Option<String>,
    /// squawk's `assume_in_transaction`.
    pub assume_in_transaction: bool,
    /// False when the project's `env.py` runs migrations outside a
    /// transaction (`transactional_ddl = False`): no `BEGIN`/`COMMIT` around
    /// the migration.
    pub transactional: bool,
    /// Set when `env.py` passes `transactional_ddl` as something other than
    /// a literal: the report says the default was assumed.
    pub transaction_note: Option<String>,
    /// Set when the target database is unknown and PostgreSQL is assumed:
    /// where revguard looked, for the report's note.
    pub assumed: Option<String>,
    /// The SQL-file tool whose migrations are linted (their text as
    /// written, under the tool's transaction rules); `None`: Alembic's
    /// `op.*` calls.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sql_tool: Option<crate::dialect::sql::Tool>,
    /// Flyway's `mixed`: transactional and non-transactional statements
    /// may share a migration.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub flyway_mixed: bool,
}

impl SafetySettings {
    /// The settings when nothing is configured.
    pub fn is_default(&self) -> bool {
        *self == SafetySettings::default()
    }

    /// What a file's lint depends on besides its text, as one string: the
    /// squawk release and the settings that change which violations squawk
    /// reports (not `blocking` or the report's notes, which only change how
    /// they are reported). The host puts it in the result cache's namespace.
    pub fn lint_key(&self) -> String {
        let key = format!(
            "squawk {SQUAWK_VERSION} excluded {:?} included {:?} pg {:?} in-transaction {} transactional {}",
            self.excluded_rules,
            self.included_rules,
            self.pg_version,
            self.assume_in_transaction,
            self.transactional,
        );
        match self.sql_tool {
            Some(tool) => format!("{key} sql {} mixed {}", tool.name(), self.flyway_mixed),
            None => key,
        }
    }

    /// [`SafetySettings::lint_key`] hashed (64-bit FNV-1a): what a
    /// [`Linted`] records, so a lint is reused only under the same settings.
    pub fn fingerprint(&self) -> u64 {
        self.lint_key()
            .bytes()
            .fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
                (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
            })
    }
}

/// A file's lint as the per-file phase computed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Linted {
    /// [`SafetySettings::fingerprint`] of the settings it ran under.
    pub fingerprint: u64,
    /// What it found; `None` when there was nothing to lint (no
    /// `upgrade()`).
    pub facts: Option<SafetyFacts>,
}

/// Lint one file's text in the per-file phase, recording the settings.
pub fn lint_file(text: &str, settings: &SafetySettings) -> Linted {
    Linted {
        fingerprint: settings.fingerprint(),
        facts: check_file(text, settings),
    }
}

impl Default for SafetySettings {
    fn default() -> Self {
        SafetySettings {
            enabled: true,
            excluded_rules: Vec::new(),
            included_rules: Vec::new(),
            blocking: false,
            pg_version: None,
            assume_in_transaction: false,
            transactional: true,
            transaction_note: None,
            assumed: None,
            sql_tool: None,
            flyway_mixed: false,
        }
    }
}

/// The `deploy-safety` policy setting (`--deploy-safety`, the Argo CD and
/// KRM setting of the same name): how safety findings count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Findings are warnings: reported, never failing the gate.
    Warn,
    /// Findings that would be warnings are errors: they fail the gate.
    Block,
    /// No lint.
    Off,
}

impl std::str::FromStr for Mode {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "warn" => Ok(Mode::Warn),
            "block" => Ok(Mode::Block),
            "off" => Ok(Mode::Off),
            other => Err(format!(
                "unknown deploy-safety mode '{other}' (expected warn, block or off)"
            )),
        }
    }
}

impl Mode {
    /// Put the mode into `settings`: it wins over the configuration's
    /// `blocking`; `off` stops the lint, and no mode starts it for a
    /// database that is not PostgreSQL.
    pub fn apply(self, settings: &mut SafetySettings) {
        match self {
            Mode::Warn => settings.blocking = false,
            Mode::Block => settings.blocking = true,
            Mode::Off => settings.enabled = false,
        }
    }
}

/// One squawk violation, placed on the Python source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SafetyFinding {
    /// squawk's rule name, e.g. `require-concurrent-index-creation`.
    pub rule: String,
    /// squawk's message.
    pub message: String,
    /// squawk's help, when it has one.
    pub help: Option<String>,
    /// The call (or the `op.execute` string literal) it comes from, in text
    /// offsets of the decoded file.
    pub span: Span,
    /// The SQL statement squawk saw.
    pub sql: String,
}

/// An `op.*` call revguard did not translate, and why; in a SQL file, a
/// part squawk's parser could not read (`call` is then empty).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unchecked {
    /// `op.create_index`, `batch_op.add_column`, ...
    pub call: String,
    /// Why it was not checked.
    pub reason: String,
    /// The call, in text offsets.
    pub span: Span,
}

/// Everything the lint found in one file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SafetyFacts {
    /// squawk's violations, in source order.
    pub findings: Vec<SafetyFinding>,
    /// Calls that were not checked.
    pub unchecked: Vec<Unchecked>,
    /// Statements the deploy fails on because of the transaction the tool
    /// runs them in (SQL-file tools; found by revguard, not squawk).
    #[serde(default)]
    pub refused: Vec<Refused>,
}

/// A statement the deploy stops at: PostgreSQL refuses it inside the
/// transaction the tool runs the migration in, or (Flyway) the tool refuses
/// a migration that mixes it with transactional statements.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refused {
    /// The command as PostgreSQL names it (`CREATE INDEX CONCURRENTLY`).
    pub command: String,
    /// The statement, in text offsets.
    pub span: Span,
    /// The error the deploy stops with, word for word.
    pub error: String,
}

/// One SQL statement a front end emitted, with the source it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Emitted {
    /// The SQL text, without the terminating `;`.
    pub sql: String,
    /// The source span findings on it are reported at; `None` for SQL no
    /// source line shows (the transaction around the migration).
    pub span: Option<Span>,
}

/// What the Alembic front end made of one migration's `upgrade()`: the
/// statements `alembic upgrade --sql` prints for it, inside its
/// transaction, and the calls it did not translate. The browser's
/// validator module translates (`translate`) and its lint module lints
/// (`lint_plan`), so a plan crosses between them as JSON.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    /// The statements, in the order they run.
    pub statements: Vec<Emitted>,
    /// The calls that were not translated.
    pub unchecked: Vec<Unchecked>,
}

/// Lint one migration file's text (`None` without the `safety` feature,
/// when the lint is off, or when the file has no `upgrade()`, or for a SQL
/// tool, nothing that runs).
pub fn check_file(text: &str, settings: &SafetySettings) -> Option<SafetyFacts> {
    if !settings.enabled {
        return None;
    }
    match settings.sql_tool {
        Some(tool) => check_sql(text, tool, settings),
        None => check_alembic(text, settings),
    }
}

/// A SQL-file tool's migration, linted as written.
#[cfg(feature = "safety-lint")]
fn check_sql(
    text: &str,
    tool: crate::dialect::sql::Tool,
    settings: &SafetySettings,
) -> Option<SafetyFacts> {
    sql::check(text, tool, settings)
}

/// Without squawk there is nothing to lint a SQL file with.
#[cfg(not(feature = "safety-lint"))]
fn check_sql(
    _text: &str,
    _tool: crate::dialect::sql::Tool,
    _settings: &SafetySettings,
) -> Option<SafetyFacts> {
    None
}

/// An Alembic migration: translated, then linted.
#[cfg(all(feature = "safety-translate", feature = "safety-lint"))]
fn check_alembic(text: &str, settings: &SafetySettings) -> Option<SafetyFacts> {
    let plan = translate(text, settings)?;
    Some(lint_plan(text, plan, settings))
}

/// Without both halves of the lint an Alembic migration is not linted.
#[cfg(not(all(feature = "safety-translate", feature = "safety-lint")))]
fn check_alembic(_text: &str, _settings: &SafetySettings) -> Option<SafetyFacts> {
    None
}

/// The Alembic front end alone: a migration's `upgrade()` as the SQL
/// Alembic's offline mode emits for it (`None` when the file does not parse
/// or has no `upgrade()`). Only `settings.transactional` matters here.
#[cfg(feature = "safety-translate")]
pub fn translate(text: &str, settings: &SafetySettings) -> Option<Plan> {
    alembic::translate(text, settings)
}

/// The back end alone: a translated `plan` of the migration `text` linted
/// with squawk's rules, each finding placed on its call, those silenced by
/// `# revguard: ignore[...]` dropped. With `translate` it is exactly
/// [`check_file`] for an Alembic migration.
#[cfg(feature = "safety-lint")]
pub fn lint_plan(text: &str, plan: Plan, settings: &SafetySettings) -> SafetyFacts {
    let mut findings = lint::lint(&plan.statements, settings);
    findings.retain(|f| !ignored(text, f.span, &f.rule));
    SafetyFacts {
        findings,
        unchecked: plan.unchecked,
        refused: Vec::new(),
    }
}

/// `postgresql+psycopg` in `postgresql+psycopg://...` (or `jdbc`'s
/// `postgresql` after the caller strips `jdbc:`); `None` for a value with no
/// scheme (an environment reference such as `%(DB_URL)s`, empty).
pub fn scheme(url: &str) -> Option<&str> {
    let (scheme, _) = url.trim().split_once(':')?;
    let valid = !scheme.is_empty()
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.' | '_'));
    valid.then_some(scheme)
}

/// Whether a URL scheme (SQLAlchemy's, a driver's, Prisma's provider) names
/// PostgreSQL.
pub fn is_postgres(scheme: &str) -> bool {
    let base = scheme.split('+').next().unwrap_or(scheme);
    matches!(
        base.to_ascii_lowercase().as_str(),
        "postgresql" | "postgres" | "postgresql_psycopg2" | "pgx" | "pgx4" | "pgx5"
    )
}

/// A statement on one line, shortened for a finding's label.
pub(crate) fn one_line(sql: &str) -> String {
    let line = sql.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() > 80 {
        let cut: String = line.chars().take(77).collect();
        format!("{cut}...")
    } else {
        line
    }
}

/// Whether a line the finding's span covers carries
/// `# revguard: ignore[<rule>, ...]` naming the rule (or `deploy-safety`).
pub fn ignored(text: &str, span: Span, rule: &str) -> bool {
    let start = text[..span.start.min(text.len())]
        .rfind('\n')
        .map_or(0, |i| i + 1);
    let end = text[span.end.min(text.len())..]
        .find('\n')
        .map_or(text.len(), |i| span.end + i);
    text[start..end].lines().any(|line| {
        let Some((_, comment)) = line.split_once('#') else {
            return false;
        };
        let Some(rest) = comment.trim_start().strip_prefix("revguard: ignore[") else {
            return false;
        };
        let Some((names, _)) = rest.split_once(']') else {
            return false;
        };
        names
            .split(',')
            .map(str::trim)
            .any(|name| name == rule || name == "deploy-safety")
    })
}

/// Put what the project's `env.py` (its text) passes to
/// `context.configure(...)` into `settings`: `transactional_ddl=False`
/// drops the transaction around each migration (squawk then judges
/// `CONCURRENTLY` outside one). `transaction_per_migration` changes nothing
/// per file (each migration's statements share one transaction either way).
/// A value that is not a literal keeps Alembic's default, noted in
/// `settings.transaction_note` for the report.
#[cfg(feature = "safety-translate")]
pub fn apply_env(text: &str, settings: &mut SafetySettings) {
    let found = alembic::env_configure(text);
    match found.transactional_ddl {
        Some(Ok(transactional)) => settings.transactional = transactional,
        Some(Err(reason)) => {
            settings.transaction_note = Some(format!(
                "{reason}: each migration is linted inside a transaction, Alembic's default on PostgreSQL"
            ));
        }
        None => {}
    }
}

/// [`apply_env`] without the `safety` feature: nothing to apply.
#[cfg(not(feature = "safety-translate"))]
pub fn apply_env(_text: &str, _settings: &mut SafetySettings) {}

/// squawk's canonical name of a rule (`prefer-timestamptz` →
/// `prefer-timestamp-tz`), when `name` is one of squawk's rules.
#[cfg(feature = "safety-rules")]
pub fn rule(name: &str) -> Option<String> {
    name.parse::<squawk_linter::Rule>()
        .ok()
        .map(|r| r.to_string())
}

/// squawk's canonical name of a rule (`None` without the `safety-rules`
/// feature).
#[cfg(not(feature = "safety-rules"))]
pub fn rule(_name: &str) -> Option<String> {
    None
}

/// The SQL revguard lints for a file: what `alembic upgrade --sql` prints
/// for it, as far as revguard translated it (for `docs/safety.md` and the
/// tests).
#[cfg(all(feature = "safety-translate", feature = "safety-lint"))]
pub fn script(text: &str, settings: &SafetySettings) -> Option<String> {
    let plan = alembic::translate(text, settings)?;
    Some(lint::render(&plan.statements).0)
}

#[cfg(all(test, feature = "safety"))]
mod tests;
