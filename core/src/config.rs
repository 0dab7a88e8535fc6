//! Project configuration: `revguard.toml`, or `[tool.revguard]` in
//! `pyproject.toml`. This module is the checked [`Config`] and where the
//! file is ([`FILE_NAMES`], [`may_configure`]); its parser, `parse` and
//! `parse_file` (feature `config`: the `toml` crate), is pure: the text
//! in, a checked [`Config`] or a located error out. The CLI finds and reads
//! the file (`host/src/config.rs`: the project directory only, never
//! through a symlink out of the repository); the browser playground parses
//! the one dropped at the project's root, in a module of its own that the
//! page fetches only when [`may_configure`] says so; both with the same
//! parser, so both accept and refuse the same files in the same words.
//!
//! ```toml
//! [tool.revguard]                 # in revguard.toml: the same keys, top level
//! policy = "single-head"          # single-head | linear | branches
//! python-version = "3.11"         # the Python that imports the migrations
//! dialect = "alembic"             # alembic | django (the migration tool)
//!
//! [tool.revguard.django]
//! user-model = "accounts.User"    # AUTH_USER_MODEL (default auth.User)
//! labels = { "src/shop" = "store" }                 # app directory → label
//! migration-modules = { blog = "blog.db_migrations", legacy = false } # MIGRATION_MODULES
//!
//! [tool.revguard.severity]        # per check, by name or code
//! placeholder-revision-id = "off" # error | warning | info | off
//! RG202 = "error"
//!
//! [tool.revguard.safety]          # the deploy-safety lint (docs/safety.md)
//! blocking = true                 # safety warnings fail the gate
//! database = "postgresql"         # the target database (else from sqlalchemy.url)
//! enable = ["ban-drop-index"]     # squawk's opt-in rules to run too
//! disable = ["prefer-robust-stmts"] # squawk rules not to run
//!
//! [tool.revguard.safety.severity] # per squawk rule
//! require-concurrent-index-creation = "error"
//! ```
//!
//! - **Where**: [`FILE_NAMES`], in order of precedence: `revguard.toml`
//!   wins over `pyproject.toml` (as `ruff.toml` does over `pyproject.toml`);
//!   a `pyproject.toml` without a `[tool.revguard]` table is no configuration.
//! - **Strict**: unknown keys, unknown checks, bad values and a check
//!   configured twice (by name and by code) are errors that name the file,
//!   line and column of the offending key or value, with the line quoted.
//! - **Precedence**: command-line flags win over the file; the file wins over
//!   the defaults ([`Config::apply`] only sets what the file sets).
//! - There is no `paths` key: the configuration belongs to the project it
//!   sits in (next to `alembic.ini`); which project to check is the `PATH`
//!   argument (or pre-commit `args`), so one run is always one report.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::dialect::django::locate::Layout;
use crate::python::{PythonTarget, PythonVersion};
use crate::{Options, Policy, SeverityOverride};

#[cfg(feature = "config")]
mod parse;
#[cfg(feature = "config")]
pub use parse::{parse, parse_file};

/// The file names looked for, in order of precedence.
pub const FILE_NAMES: [&str; 2] = ["revguard.toml", "pyproject.toml"];

/// Whether a file at the project's root (`path`, relative) may hold
/// revguard's configuration: a `revguard.toml`, or a `pyproject.toml` that
/// mentions `revguard` (a `[tool.revguard]` table cannot do without the
/// word, short of spelling it with escapes in a quoted key). Cheap, for a
/// caller without the parser (the browser's first module) to tell whether
/// it needs it: a file it turns away sets nothing, though the parser would
/// still refuse it if it were not TOML at all.
pub fn may_configure(path: &str, text: &str) -> bool {
    match path.trim_start_matches("./") {
        "revguard.toml" => true,
        "pyproject.toml" => text.contains("revguard"),
        _ => false,
    }
}

/// A loaded, validated configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// The file it was read from.
    pub source: PathBuf,
    /// `policy`, when set.
    pub policy: Option<Policy>,
    /// `severity`, keyed by canonical check name.
    pub severity: BTreeMap<String, SeverityOverride>,
    /// `python-version`, when set.
    pub python_version: Option<PythonVersion>,
    /// `dialect`, when set.
    pub dialect: Option<Dialect>,
    /// `[django] user-model`, when set.
    pub django_user_model: Option<String>,
    /// `[django] labels` and `migration-modules`.
    pub django: Layout,
    /// `[safety]`.
    pub safety: SafetyConfig,
}

/// The `[safety]` table: the deploy-safety policy and squawk's rules.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SafetyConfig {
    /// `blocking`, when set.
    pub blocking: Option<bool>,
    /// `database`, when set: true for PostgreSQL.
    pub postgres: Option<bool>,
    /// `enable`: squawk rule names (canonical).
    pub enable: Vec<String>,
    /// `disable`: squawk rule names (canonical).
    pub disable: Vec<String>,
    /// `severity`, keyed by canonical squawk rule name.
    pub severity: BTreeMap<String, SeverityOverride>,
}

impl SafetyConfig {
    /// Put the table into `options`: what it sets wins over `.squawk.toml`
    /// and `sqlalchemy.url`.
    pub fn apply(&self, options: &mut Options) {
        let safety = &mut options.safety;
        if let Some(blocking) = self.blocking {
            safety.blocking = blocking;
        }
        if let Some(postgres) = self.postgres {
            safety.enabled = postgres;
            safety.assumed = None;
        }
        for rule in &self.disable {
            if !safety.excluded_rules.contains(rule) {
                safety.excluded_rules.push(rule.clone());
            }
        }
        for rule in &self.enable {
            if !safety.included_rules.contains(rule) {
                safety.included_rules.push(rule.clone());
            }
        }
        for (rule, level) in &self.severity {
            options.severity.insert(rule.clone(), *level);
        }
    }
}

/// The migration tools `dialect` names (ADR 0003).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// Alembic.
    Alembic,
    /// Django.
    Django,
    /// A SQL-file tool (Flyway, golang-migrate, goose, sqlx, dbmate, Prisma).
    Sql(crate::dialect::sql::Tool),
}

impl Config {
    /// Put what the file sets into `options` (policy, severities); keys the
    /// file does not set keep their value.
    pub fn apply(&self, options: &mut Options) {
        if let Some(policy) = self.policy {
            options.policy = policy;
        }
        for (check, level) in &self.severity {
            options.severity.insert(check.clone(), *level);
        }
        self.safety.apply(options);
        if let Some(version) = self.python_version {
            let file = self
                .source
                .file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
            let key = if file == "pyproject.toml" {
                "[tool.revguard] python-version"
            } else {
                "python-version"
            };
            options.python = PythonTarget {
                version,
                source: format!("{file} {key} = \"{version}\""),
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_root_file_that_can_configure_revguard_may() {
        assert!(may_configure("revguard.toml", ""));
        assert!(may_configure("./pyproject.toml", "[tool.revguard]\n"));
        assert!(may_configure(
            "pyproject.toml",
            "tool.revguard.dialect = \"django\"\n"
        ));
        assert!(!may_configure(
            "pyproject.toml",
            "[project]\nname = \"shop\"\n"
        ));
        assert!(!may_configure("src/revguard.toml", ""));
        assert!(!may_configure("setup.cfg", "[revguard]\n"));
    }
}
