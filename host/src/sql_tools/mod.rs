//! `revguard check --dialect flyway|golang-migrate|goose|sqlx|dbmate|prisma`
//! (or found by detection): discovery ([`discover`]) finds the tool's
//! migration files, the core reads each (checksums, annotations) and judges
//! the history by the tool's own rules (`revguard_core::dialect::sql`), in
//! the chosen engine (the wasm sandbox by default), and the verdict is
//! reported as the shared report's findings in every output format.

pub mod database;
pub mod discover;
pub mod docs;
pub mod fix;
pub mod lock;
pub mod safety;

use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Result, bail};
use revguard_core::Severity;
use revguard_core::dialect::sql::{AppliedRow, Check, History, SqlFile, Tool, Verdict};
use revguard_core::report::{Diagnostic, Label, Summary};
use revguard_core::text::Span;
use serde::Serialize;
use serde_json::{Value, json};

pub use discover::{Found, LOOKED_FOR};

/// Where the SQL tools' rules are documented.
pub const DOC_URI: &str = "https://github.com/revguard/revguard/blob/main/docs/sql-tools.md";

/// A checked history of one SQL-file tool.
#[derive(Debug, Serialize)]
pub struct Checked {
    /// The tool (`flyway`, `sqlx`...).
    pub dialect: &'static str,
    /// Its migration directories, relative to the project.
    pub directories: Vec<String>,
    /// Its files, relative to the project.
    pub files: Vec<String>,
    /// Where the applied rows came from (`database`, `lock`), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub applied_from: Option<String>,
    /// The tool's verdict.
    pub verdict: Verdict,
    /// The deploy-safety lint's findings on what the migrations run.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub safety: Vec<Diagnostic>,
    #[serde(skip)]
    sources: Vec<Vec<u8>>,
    /// What was judged (for `fix`'s verification).
    #[serde(skip)]
    history: History,
}

/// Read and judge a found history; with a safety `policy`, lint what each
/// migration runs too.
pub fn check(
    found: Found,
    engine: &crate::engine::Engine,
    applied: Option<(Vec<AppliedRow>, &str)>,
    strict: bool,
    policy: Option<safety::Policy>,
) -> Result<Checked> {
    let bytes: Vec<&[u8]> = found.files.iter().map(|(_, _, b)| b.as_slice()).collect();
    let settings = policy.as_ref().map(|p| &p.settings);
    let facts = engine.sql_facts(&bytes, settings).map_err(|err| match err
        .downcast_ref::<crate::sandbox::SandboxError>(
    ) {
        Some(crate::sandbox::SandboxError::InFile { index, error }) => {
            let path = found.files.get(*index).map_or("", |(p, _, _)| p.as_str());
            anyhow::anyhow!("{path}: {error}")
        }
        _ => err,
    })?;
    // The lints stay here: the judge does not need them.
    let mut lints = Vec::with_capacity(facts.len());
    let files: Vec<SqlFile> = found
        .files
        .iter()
        .zip(facts)
        .map(|((path, name, _), mut facts)| {
            lints.push(facts.safety.take().and_then(|linted| linted.facts));
            SqlFile {
                path: path.clone(),
                name: name.clone(),
                facts,
            }
        })
        .collect();
    let applied_from = applied.as_ref().map(|(_, from)| (*from).to_owned());
    let history = History {
        tool: found.tool,
        files,
        applied: applied.map(|(rows, _)| rows),
        applied_from: applied_from.clone(),
        flyway: found.flyway,
        strict,
    };
    let verdict = engine.sql_judge(&history)?;
    let safety = match &policy {
        Some(policy) => {
            let texts: Vec<std::borrow::Cow<'_, str>> = found
                .files
                .iter()
                .map(|(_, _, bytes)| String::from_utf8_lossy(bytes))
                .collect();
            let texts: Vec<&str> = texts.iter().map(AsRef::as_ref).collect();
            revguard_core::dialect::sql::safety::diagnostics(
                policy, &history, &verdict, &lints, &texts,
            )
        }
        None => Vec::new(),
    };
    Ok(Checked {
        safety,
        history,
        dialect: found.tool.name(),
        directories: found.dirs,
        files: found.files.iter().map(|(p, _, _)| p.clone()).collect(),
        applied_from,
        verdict,
        sources: found.files.into_iter().map(|(_, _, b)| b).collect(),
    })
}

/// Find the history of `tool` (any tool when `None`) at `root`, or say
/// what was looked for.
pub fn find(root: &Path, tool: Option<Tool>) -> Result<Found> {
    if !root.is_dir() {
        bail!("{}: not a directory", root.display());
    }
    match discover::discover(root, tool)? {
        Some(found) => Ok(found),
        None => match tool {
            Some(tool) => bail!(
                "{}: no {} migrations found ({})",
                root.display(),
                tool.name(),
                looked_for(tool)
            ),
            None => bail!(
                "{}: no migrations found; looked for {LOOKED_FOR}",
                root.display()
            ),
        },
    }
}

/// What a tool chosen by name (`--dialect` or `dialect` in configuration)
/// looked for when it found nothing.
pub fn looked_for(tool: Tool) -> &'static str {
    match tool {
        Tool::Flyway => {
            "looked for the locations of flyway.conf/flyway.toml, else db/migration (also under src/main/resources or src/test/resources)"
        }
        Tool::Prisma => {
            "looked for prisma/migrations, or migrations/ holding <name>/migration.sql or migration_lock.toml"
        }
        Tool::Sqlx => "looked for migrations/, else .sql files in the path itself",
        Tool::Dbmate => {
            "looked for DBMATE_MIGRATIONS_DIR (environment or .env), db/migrations, else `-- migrate:up` files in the path itself"
        }
        Tool::GolangMigrate => {
            "looked for a directory of <version>_<title>.up.<ext> / .down.<ext> files"
        }
        Tool::Goose => {
            "looked for a directory of <version>_<description>.sql files with `-- +goose Up`"
        }
    }
}

impl Checked {
    /// Whether the tool's deploy fails or a check found an error (a
    /// blocking safety finding included).
    pub fn has_errors(&self) -> bool {
        self.verdict.has_errors() || self.safety.iter().any(|d| d.severity == Severity::Error)
    }

    /// The findings as the shared report's diagnostics.
    pub fn diagnostics(&self) -> Vec<Diagnostic> {
        let mut out: Vec<Diagnostic> = self.history_diagnostics();
        out.extend(self.safety.iter().cloned());
        out
    }

    fn history_diagnostics(&self) -> Vec<Diagnostic> {
        self.verdict
            .findings
            .iter()
            .map(|f| Diagnostic {
                check: f.check.clone(),
                code: f.code.clone(),
                severity: f.severity,
                message: f.message.clone(),
                labels: f
                    .files
                    .iter()
                    .enumerate()
                    .filter_map(|(i, file)| self.label(*file, i == 0))
                    .collect(),
                help: f.help.clone(),
                notes: f.notes.clone(),
            })
            .collect()
    }

    fn label(&self, file: usize, primary: bool) -> Option<Label> {
        let path = self.files.get(file)?;
        let bytes = self.sources.get(file)?;
        let span = Span::new(0, 0);
        Some(Label::in_file(
            file,
            path,
            bytes,
            span,
            String::new(),
            primary,
        ))
    }

    /// Counts per severity.
    pub fn summary(diagnostics: &[Diagnostic]) -> Summary {
        let count = |s: Severity| diagnostics.iter().filter(|d| d.severity == s).count();
        Summary {
            errors: count(Severity::Error),
            warnings: count(Severity::Warning),
            infos: count(Severity::Info),
        }
    }

    /// SARIF rules for the SQL tools' checks: (name, code, rule object).
    pub fn sarif_rules() -> Vec<(String, String, Value)> {
        Check::ALL
            .iter()
            .map(|check| {
                let text = check.description();
                let rule = json!({
                    "id": check.code(),
                    "name": check.name(),
                    "shortDescription": { "text": text },
                    "fullDescription": { "text": text },
                    "help": { "text": text, "markdown": text },
                    "helpUri": DOC_URI,
                    "defaultConfiguration": { "level": "error" },
                    "properties": { "tags": ["sql", "history"] },
                });
                (check.name().to_owned(), check.code().to_owned(), rule)
            })
            .chain(revguard_core::checks::find("deploy-safety").map(|info| {
                (
                    info.name.to_owned(),
                    info.code.to_owned(),
                    crate::render::sarif::rule(info),
                )
            }))
            .collect()
    }

    /// The SARIF run's property bag.
    pub fn sarif_properties(&self) -> Value {
        json!({
            "dialect": self.dialect,
            "fails": self.verdict.fails,
            "runs": self.verdict.runs.iter().filter_map(|f| self.files.get(*f)).collect::<Vec<_>>(),
        })
    }

    /// The JUnit suites: one per check.
    pub fn junit_checks() -> Vec<(&'static str, &'static str, bool)> {
        Check::ALL
            .iter()
            .map(|c| (c.name(), c.code(), false))
            .collect()
    }

    /// The human report.
    pub fn render_human(&self) -> String {
        let mut out = String::new();
        for d in self.diagnostics() {
            let _ = writeln!(out, "{}[{}]: {}", d.severity.as_str(), d.check, d.message);
            for label in &d.labels {
                if label.span.start == label.span.end {
                    let _ = writeln!(out, "  --> {}", label.path);
                } else {
                    let _ = writeln!(
                        out,
                        "  --> {}:{}:{}: {}",
                        label.path, label.start.line, label.start.column, label.message
                    );
                }
            }
            for note in &d.notes {
                let _ = writeln!(out, "  = note: {}", note.replace('\n', "\n          "));
            }
            if let Some(help) = &d.help {
                let _ = writeln!(out, "  = help: {help}");
            }
            out.push('\n');
        }
        let tool = self.verdict.tool;
        let command = tool.deploy_command();
        // A statement PostgreSQL refuses stops the deploy at its migration.
        let refused = self
            .safety
            .iter()
            .find(|d| d.check == Check::FailsInTransaction.name() && d.severity == Severity::Error)
            .map(|d| {
                let path = d.labels.first().map_or("", |l| l.path.as_str());
                format!("{path}: {}", d.notes.first().map_or("", String::as_str))
            });
        let outcome = match self.verdict.fails.as_ref().or(refused.as_ref()) {
            Some(message) => format!("fails: {}", message.replace('\n', "\n  ")),
            None if self.verdict.runs.is_empty() => "nothing to run".to_owned(),
            None => {
                let names: Vec<&str> = self
                    .verdict
                    .runs
                    .iter()
                    .filter_map(|f| self.files.get(*f).map(String::as_str))
                    .collect();
                format!("runs {}: {}", names.len(), names.join(", "))
            }
        };
        let verdict = if self.has_errors() { "failed" } else { "ok" };
        let _ = writeln!(
            out,
            "{verdict}: {}, {} migrations; {command}: {outcome}",
            tool.name(),
            self.verdict.migrations.len()
        );
        out
    }
}
