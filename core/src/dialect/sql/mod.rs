//! The SQL-file migration tools: Flyway, golang-migrate, goose, sqlx, dbmate
//! and Prisma Migrate. Each is a file-name convention, an order, a checksum
//! and a history table; what each tool does with duplicates, files it does
//! not recognise, files below the deployed state and edited or deleted
//! applied files is in `docs/sql-tools.md`, with the places in each tool's
//! source the rules and messages come from.
//!
//! Two phases, like every dialect (ADR 0003):
//! - [`read`]: per file, a pure function of the bytes ([`FileFacts`]: the
//!   checksums the tools store, and goose's and dbmate's annotations), so it
//!   runs in parallel guests and is cached by content;
//! - [`judge`]: per history, the tool's own rules over the file names, the
//!   facts and (when known) the applied rows ([`Verdict`]: findings in the
//!   tool's words, and what the tool runs or how it fails).

pub mod checksum;
pub mod config;
pub mod dbmate;
pub mod flyway;
pub mod golang_migrate;
pub mod goose;
pub mod locate;
pub mod prisma;
pub mod safety;
pub mod sqlx;
pub mod wire;

#[cfg(test)]
mod tests;

use serde::{Deserialize, Serialize};

use crate::Severity;
use crate::model::{Model, ModelFinding, Node, Vocabulary};

/// A SQL-file migration tool.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "SqlTool"))]
#[serde(rename_all = "kebab-case")]
pub enum Tool {
    /// Flyway (community `flyway-core`).
    Flyway,
    /// golang-migrate (`migrate`).
    GolangMigrate,
    /// pressly/goose.
    Goose,
    /// sqlx's `Migrator` (`sqlx migrate run`, `migrate!()`).
    Sqlx,
    /// dbmate.
    Dbmate,
    /// Prisma Migrate (`prisma migrate deploy`).
    Prisma,
}

impl Tool {
    /// Every tool, in the order detection tries them.
    pub const ALL: [Tool; 6] = [
        Tool::Flyway,
        Tool::Prisma,
        Tool::Sqlx,
        Tool::Dbmate,
        Tool::GolangMigrate,
        Tool::Goose,
    ];

    /// The name `--dialect` takes and every face shows.
    pub fn name(self) -> &'static str {
        match self {
            Tool::Flyway => "flyway",
            Tool::GolangMigrate => "golang-migrate",
            Tool::Goose => "goose",
            Tool::Sqlx => "sqlx",
            Tool::Dbmate => "dbmate",
            Tool::Prisma => "prisma",
        }
    }

    /// The tool for a `--dialect` name.
    pub fn from_name(name: &str) -> Option<Tool> {
        Tool::ALL.into_iter().find(|t| t.name() == name)
    }

    /// The command that applies pending migrations, as users type it.
    pub fn deploy_command(self) -> &'static str {
        match self {
            Tool::Flyway => "flyway migrate",
            Tool::GolangMigrate => "migrate up",
            Tool::Goose => "goose up",
            Tool::Sqlx => "sqlx migrate run",
            Tool::Dbmate => "dbmate up",
            Tool::Prisma => "prisma migrate deploy",
        }
    }

    /// The tool's words for the shared history model ([`crate::model`]):
    /// one sequence of versions, run in order.
    pub fn vocabulary(self) -> Vocabulary {
        Vocabulary {
            tool: self.name(),
            migration: "migration",
            head: "latest version",
            group: "sequence",
            parent: "version order",
            deploy: self.deploy_command(),
        }
    }

    /// The table the tool records applied migrations in.
    pub fn history_table(self) -> &'static str {
        match self {
            Tool::Flyway => "flyway_schema_history",
            Tool::GolangMigrate | Tool::Dbmate => "schema_migrations",
            Tool::Goose => "goose_db_version",
            Tool::Sqlx => "_sqlx_migrations",
            Tool::Prisma => "_prisma_migrations",
        }
    }

    /// What the tool stores as a migration's checksum, for the lock: its
    /// own checksum where it has one (Flyway's CRC32, sqlx's SHA-384,
    /// Prisma's SHA-256), else the SHA-256 of the bytes.
    pub fn checksum(self, facts: &FileFacts) -> String {
        match self {
            Tool::Flyway => facts.flyway_crc32.to_string(),
            Tool::Sqlx => facts.sha384.clone(),
            _ => facts.sha256.clone(),
        }
    }
}

/// What one file declares, as every SQL tool reads it: a pure function of
/// its bytes.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct FileFacts {
    /// Flyway's checksum (`ChecksumCalculator`): CRC32 of the UTF-8 lines
    /// without terminators, BOM stripped, as a Java `int`.
    pub flyway_crc32: i32,
    /// SHA-256 of the bytes, lower-case hex (Prisma's `checksum`).
    pub sha256: String,
    /// SHA-384 of the bytes, lower-case hex (sqlx's `checksum`).
    pub sha384: String,
    /// Whether the bytes are UTF-8 (sqlx reads a file with
    /// `read_to_string`; anything else fails to resolve).
    pub utf8: bool,
    /// goose's annotation parse: `None` when it parses, else goose's error.
    pub goose_error: Option<String>,
    /// dbmate's annotation parse: `None` when it parses, else dbmate's error.
    pub dbmate_error: Option<String>,
    /// The deploy-safety lint of the part the tool runs, when the read was
    /// asked for it (`None` too for bytes that are not UTF-8).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub safety: Option<crate::safety::Linted>,
}

/// Read one file.
pub fn read(bytes: &[u8]) -> FileFacts {
    FileFacts {
        flyway_crc32: checksum::flyway_crc32(bytes),
        sha256: checksum::sha256_hex(bytes),
        sha384: checksum::sha384_hex(bytes),
        utf8: std::str::from_utf8(bytes).is_ok(),
        goose_error: goose::parse_annotations(bytes).err(),
        dbmate_error: dbmate::parse_annotations(bytes).err(),
        safety: None,
    }
}

/// One file the discovery found, with its facts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SqlFile {
    /// Its path relative to the project, as reports show it.
    pub path: String,
    /// The name the tool parses: the file name (for Prisma, the
    /// migration's directory name).
    pub name: String,
    /// What the reader made of the bytes.
    pub facts: FileFacts,
}

/// One row of the tool's history table (or one entry of the lock, which
/// records the same thing).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppliedRow {
    /// The version as the table stores it (Flyway's `version`, sqlx's and
    /// goose's number, dbmate's string, Prisma's `migration_name`).
    pub version: String,
    /// The stored checksum in [`Tool::checksum`]'s form, when the table
    /// or lock has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checksum: Option<String>,
    /// `false` for a failed or dirty row (Flyway `success`, sqlx `success`,
    /// golang-migrate `dirty`, Prisma `finished_at IS NULL`).
    #[serde(default = "yes")]
    pub success: bool,
    /// Prisma's `rolled_back_at IS NOT NULL`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub rolled_back: bool,
    /// When it started (Prisma's `started_at`), as the table prints it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<String>,
}

fn yes() -> bool {
    true
}

impl AppliedRow {
    /// A successful row with a version only.
    pub fn version(version: impl Into<String>) -> AppliedRow {
        AppliedRow {
            version: version.into(),
            checksum: None,
            success: true,
            rolled_back: false,
            started_at: None,
        }
    }
}

/// Flyway's naming configuration (`flyway.conf`/`flyway.toml`), defaults as
/// in `FlywayModel`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct FlywayConfig {
    /// `sqlMigrationPrefix` (`V`).
    pub sql_migration_prefix: String,
    /// `repeatableSqlMigrationPrefix` (`R`).
    pub repeatable_sql_migration_prefix: String,
    /// `undoSqlMigrationPrefix` (`U`; undo is not part of `migrate`).
    pub undo_sql_migration_prefix: String,
    /// `baselineMigrationPrefix` (`B`).
    pub baseline_migration_prefix: String,
    /// `sqlMigrationSeparator` (`__`).
    pub sql_migration_separator: String,
    /// `sqlMigrationSuffixes` (`.sql`).
    pub sql_migration_suffixes: Vec<String>,
    /// `outOfOrder` (false).
    pub out_of_order: bool,
    /// `validateMigrationNaming` (false): a misnamed file is an error.
    pub validate_migration_naming: bool,
}

impl Default for FlywayConfig {
    fn default() -> Self {
        FlywayConfig {
            sql_migration_prefix: "V".into(),
            repeatable_sql_migration_prefix: "R".into(),
            undo_sql_migration_prefix: "U".into(),
            baseline_migration_prefix: "B".into(),
            sql_migration_separator: "__".into(),
            sql_migration_suffixes: vec![".sql".into()],
            out_of_order: false,
            validate_migration_naming: false,
        }
    }
}

/// What to judge: one history of one tool.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct History {
    /// The tool.
    pub tool: Tool,
    /// Every file in the tool's migration directories (the reader's facts
    /// included), in the order the directory lists them by name.
    pub files: Vec<SqlFile>,
    /// The applied rows, when a database (or a lock) was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub applied: Option<Vec<AppliedRow>>,
    /// Where the applied rows come from: `database` or `lock` (the words
    /// differ: a lock predicts what the database will say).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub applied_from: Option<String>,
    /// Flyway's configuration (ignored by the other tools).
    #[serde(default)]
    pub flyway: FlywayConfig,
    /// dbmate's `--strict`.
    #[serde(default)]
    pub strict: bool,
}

/// One finding, in the tool's own words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// The check's name (shared with Alembic's checks where it means the
    /// same: `duplicate-revision`, `inserted-below-deployed`...).
    pub check: String,
    /// Its code.
    pub code: String,
    /// How serious it is.
    pub severity: Severity,
    /// One sentence.
    pub message: String,
    /// The files it is about (indices into [`History::files`]); the first
    /// is the main location.
    pub files: Vec<usize>,
    /// The tool's own message and other context.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// How to fix it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
}

/// One migration as the tool resolves it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "ResolvedMigration"))]
pub struct Resolved {
    /// The version as the tool shows it (`1.1` for Flyway's `V1_1`).
    pub version: String,
    /// The description the tool derives from the name.
    pub description: String,
    /// Its file (the up file for golang-migrate and sqlx).
    pub file: usize,
}

/// The tool's verdict on one history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verdict {
    /// The tool.
    pub tool: Tool,
    /// The migrations the tool resolves, in its order.
    pub migrations: Vec<Resolved>,
    /// Findings, errors first in the order the tool meets them.
    pub findings: Vec<Finding>,
    /// The tool's own error when its deploy command fails, word for word.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fails: Option<String>,
    /// The files the deploy command runs, in order (up to the failure).
    pub runs: Vec<usize>,
    /// Lock entries for the resolved migrations: version and the checksum
    /// the tool stores.
    pub lock: Vec<(String, String)>,
}

impl Verdict {
    fn new(tool: Tool) -> Verdict {
        Verdict {
            tool,
            migrations: Vec::new(),
            findings: Vec::new(),
            fails: None,
            runs: Vec::new(),
            lock: Vec::new(),
        }
    }

    /// Whether the tool's deploy would fail, or a check found an error.
    pub fn has_errors(&self) -> bool {
        self.fails.is_some() || self.findings.iter().any(|f| f.severity == Severity::Error)
    }

    fn push(&mut self, check: Check, severity: Severity, message: String, files: Vec<usize>) {
        self.findings.push(Finding {
            check: check.name().to_owned(),
            code: check.code().to_owned(),
            severity,
            message,
            files,
            notes: Vec::new(),
            help: None,
        });
    }

    fn note(&mut self, note: String) {
        if let Some(last) = self.findings.last_mut() {
            last.notes.push(note);
        }
    }

    fn help(&mut self, help: &str) {
        if let Some(last) = self.findings.last_mut() {
            last.help = Some(help.to_owned());
        }
    }

    /// Record the deploy failure (the first one wins: the tool stops there).
    fn fail(&mut self, message: String) {
        if self.fails.is_none() {
            self.fails = Some(message);
        }
    }
}

/// The checks the SQL tools report, with the names and codes of Alembic's
/// checks that mean the same.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    /// Two files with one version.
    DuplicateRevision,
    /// A name the tool cannot parse and fails on.
    InvalidRevisionId,
    /// A file the tool cannot read (goose/dbmate annotations).
    UnreadableRevision,
    /// A file that looks like a migration but the tool skips.
    StrayMigration,
    /// An unapplied file below the deployed state that the tool refuses or
    /// runs out of order.
    InsertedBelowDeployed,
    /// An unapplied file the tool will never run.
    NeverRuns,
    /// An applied migration whose file is gone.
    DeployedRevisionMissing,
    /// An applied migration whose file changed.
    AppliedMigrationEdited,
    /// A failed or dirty row in the history table.
    DatabaseState,
    /// A statement the deploy fails on because of the transaction the tool
    /// runs the migration in (found by the deploy-safety lint).
    FailsInTransaction,
}

impl Check {
    /// Every check, in code order.
    pub const ALL: [Check; 10] = [
        Check::DuplicateRevision,
        Check::InvalidRevisionId,
        Check::UnreadableRevision,
        Check::StrayMigration,
        Check::InsertedBelowDeployed,
        Check::DeployedRevisionMissing,
        Check::AppliedMigrationEdited,
        Check::DatabaseState,
        Check::NeverRuns,
        Check::FailsInTransaction,
    ];

    /// Its name.
    pub fn name(self) -> &'static str {
        match self {
            Check::DuplicateRevision => "duplicate-revision",
            Check::InvalidRevisionId => "invalid-revision-id",
            Check::UnreadableRevision => "unreadable-revision",
            Check::StrayMigration => "stray-migration",
            Check::InsertedBelowDeployed => "inserted-below-deployed",
            Check::NeverRuns => "never-runs",
            Check::DeployedRevisionMissing => "deployed-revision-missing",
            Check::AppliedMigrationEdited => "applied-migration-edited",
            Check::DatabaseState => "database-state",
            Check::FailsInTransaction => "fails-in-transaction",
        }
    }

    /// Its code.
    pub fn code(self) -> &'static str {
        match self {
            Check::DuplicateRevision => "RG101",
            Check::InvalidRevisionId => "RG108",
            Check::UnreadableRevision => "RG113",
            Check::StrayMigration => "RG204",
            Check::InsertedBelowDeployed => "RG301",
            Check::DeployedRevisionMissing => "RG302",
            Check::AppliedMigrationEdited => "RG303",
            Check::DatabaseState => "RG308",
            Check::NeverRuns => "RG309",
            Check::FailsInTransaction => "RG402",
        }
    }

    /// One line on what it finds, for SARIF rules and `explain`.
    pub fn description(self) -> &'static str {
        match self {
            Check::DuplicateRevision => {
                "Two migration files carry the same version after the tool's normalisation."
            }
            Check::InvalidRevisionId => {
                "A file in the migration directory has a name the tool cannot parse, and the tool fails on it."
            }
            Check::UnreadableRevision => {
                "A migration file lacks the annotations the tool needs (goose's `-- +goose Up`, dbmate's `-- migrate:up`)."
            }
            Check::StrayMigration => {
                "A file looks like a migration but misses the tool's naming convention, so the tool silently never runs it."
            }
            Check::InsertedBelowDeployed => {
                "An unapplied migration sorts below what is deployed: the tool refuses it or runs it out of order."
            }
            Check::NeverRuns => {
                "An unapplied migration sorts below what is deployed and the tool will silently never run it."
            }
            Check::DeployedRevisionMissing => {
                "A migration recorded as applied has no file any more."
            }
            Check::AppliedMigrationEdited => {
                "A migration recorded as applied was edited: its checksum differs from the one the tool stored."
            }
            Check::DatabaseState => {
                "The history table records a failed or dirty migration, which blocks the next deploy."
            }
            Check::FailsInTransaction => {
                "A statement PostgreSQL refuses inside a transaction block (`CREATE INDEX CONCURRENTLY`...) runs in the transaction the tool wraps the migration in, or shares a Flyway migration with transactional statements: the deploy fails."
            }
        }
    }
}

/// Judge a history with its tool's rules.
pub fn judge(history: &History) -> Verdict {
    let mut verdict = match history.tool {
        Tool::Flyway => flyway::judge(history),
        Tool::GolangMigrate => golang_migrate::judge(history),
        Tool::Goose => goose::judge(history),
        Tool::Sqlx => sqlx::judge(history),
        Tool::Dbmate => dbmate::judge(history),
        Tool::Prisma => prisma::judge(history),
    };
    verdict.lock = verdict
        .migrations
        .iter()
        .map(|m| {
            (
                m.version.clone(),
                history.tool.checksum(&history.files[m.file].facts),
            )
        })
        .collect();
    verdict
}

/// The files whose SQL a deploy runs upward, in the tool's order: each
/// resolved migration's file (golang-migrate's up file only) and Flyway's
/// repeatable migrations. These are what the deploy-safety lint reports on.
pub fn lint_targets(history: &History, verdict: &Verdict) -> Vec<usize> {
    let mut files: Vec<usize> = verdict
        .migrations
        .iter()
        .map(|m| m.file)
        .filter(|&file| match history.tool {
            Tool::GolangMigrate => history.files.get(file).is_some_and(|f| {
                golang_migrate::parse_name(&f.name)
                    .is_some_and(|n| n.direction == golang_migrate::Direction::Up)
            }),
            _ => true,
        })
        .collect();
    if history.tool == Tool::Flyway {
        files.extend(history.files.iter().enumerate().filter_map(|(i, f)| {
            matches!(
                flyway::parse_name(&f.name, &history.flyway),
                flyway::Name::Repeatable { .. }
            )
            .then_some(i)
        }));
    }
    files
}

/// The files that share a version, two or more to a group, decided by the
/// shared model's `duplicates` over the tool's sequence (`migrations`:
/// each version with its file, in the tool's order); the groups come in
/// that order, each with its files in that order.
fn same_version(tool: Tool, migrations: &[(String, usize)]) -> Vec<(String, Vec<usize>)> {
    let nodes = migrations
        .iter()
        .map(|(version, file)| Node {
            key: version.clone(),
            group: String::new(),
            file: Some(*file),
            span: None,
            hash: None,
        })
        .collect();
    let model = Model::linear(tool.vocabulary(), "", nodes);
    let mut groups: Vec<(String, Vec<usize>)> = model
        .duplicates()
        .into_iter()
        .filter_map(|finding| match finding {
            ModelFinding::DuplicateId { key, nodes } => Some((key, nodes)),
            _ => None,
        })
        .collect();
    // The model orders groups by key; the tool's order is its sequence's.
    groups.sort_by_key(|(_, nodes)| nodes.first().copied());
    groups
        .into_iter()
        .map(|(key, nodes)| (key, nodes.iter().map(|n| migrations[*n].1).collect()))
        .collect()
}

/// "`a`, `b` and `c`".
fn list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|i| format!("`{i}`")).collect();
    match quoted.len() {
        0 => String::new(),
        1 => quoted[0].clone(),
        n => format!("{} and {}", quoted[..n - 1].join(", "), quoted[n - 1]),
    }
}

/// Whether the applied rows came from a lock rather than the database.
fn from_lock(history: &History) -> bool {
    history.applied_from.as_deref() == Some("lock")
}

/// For the tools that neither check nor store checksums at deploy: applied
/// rows (from a lock, or a table that keeps checksums) whose file changed or
/// is gone. The tool carries on; the database keeps the old schema.
fn edits_and_deletions(
    history: &History,
    verdict: &mut Verdict,
    migrations: impl Iterator<Item = (String, usize)>,
    severity: Severity,
) {
    let Some(applied) = &history.applied else {
        return;
    };
    let migrations: Vec<(String, usize)> = migrations.collect();
    let tool = history.tool;
    for row in applied.iter().filter(|r| r.success && !r.rolled_back) {
        let files: Vec<usize> = migrations
            .iter()
            .filter(|(v, _)| *v == row.version)
            .map(|(_, f)| *f)
            .collect();
        if files.is_empty() {
            verdict.push(
                Check::DeployedRevisionMissing,
                severity,
                format!(
                    "version {} is applied but no migration file has it any more; `{}` does not notice",
                    row.version,
                    tool.deploy_command()
                ),
                Vec::new(),
            );
            continue;
        }
        let Some(stored) = &row.checksum else {
            continue;
        };
        // One copy of a duplicated version matches: it is the applied one,
        // and the others are duplicates (reported as such), not edits.
        if files
            .iter()
            .any(|&file| tool.checksum(&history.files[file].facts) == *stored)
        {
            continue;
        }
        for file in files {
            let local = tool.checksum(&history.files[file].facts);
            if local != *stored {
                verdict.push(
                    Check::AppliedMigrationEdited,
                    severity,
                    format!(
                        "`{}` (version {}) was edited after it was applied; `{}` does not notice, so the database keeps the old version",
                        history.files[file].path,
                        row.version,
                        tool.deploy_command()
                    ),
                    vec![file],
                );
                verdict.note(format!("checksum recorded: {stored}; now: {local}"));
                verdict.help("revert the edit and put the change in a new migration");
            }
        }
    }
}
