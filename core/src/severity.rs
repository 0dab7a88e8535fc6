//! Diagnostic severities.

use serde::{Deserialize, Serialize};

/// How serious a finding is. Only `error` changes the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Informational (for example the migrations `upgrade head` will run).
    Info,
    /// Worth fixing; does not fail the run.
    Warning,
    /// Breaks `alembic upgrade head` or the chosen policy; fails the run.
    Error,
}

impl Severity {
    /// The lowercase name used in every output format.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}
