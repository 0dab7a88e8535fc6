//! Django's verdict as the shared report's findings ([`Diagnostic`]s with
//! files and spans, built by the core's
//! [`View`](revguard_core::dialect::django::View), which the browser
//! playground uses too), so every machine format (SARIF, GitHub, GitLab,
//! JUnit) renders a Django project with the same renderers as an Alembic
//! one; and Django's SARIF rules.

use revguard_core::Severity;
use revguard_core::dialect::django::DjangoError;
use revguard_core::report::{Diagnostic, Summary};
use serde_json::{Value, json};

use super::Checked;

pub use revguard_core::dialect::django::CHECKS;

/// The SARIF tag of a check's group, as for Alembic's: RG3 is history.
fn group(code: &str) -> &'static str {
    if code.starts_with("RG3") {
        "history"
    } else {
        "graph"
    }
}

/// The deploy-safety lint's rules: `deploy-safety` (squawk's findings) and
/// `fails-in-transaction` (an operation Django refuses in a transaction).
fn safety_rules() -> Vec<(String, String, Value)> {
    let lint = revguard_core::checks::find("deploy-safety").map(|info| {
        (
            info.name.to_owned(),
            info.code.to_owned(),
            crate::render::sarif::rule(info),
        )
    });
    let fails = revguard_core::dialect::sql::Check::FailsInTransaction;
    let text = fails.description();
    let refused = json!({
        "id": fails.code(),
        "name": fails.name(),
        "shortDescription": { "text": text },
        "fullDescription": { "text": text },
        "help": { "text": text, "markdown": text },
        "helpUri": "https://github.com/revguard/revguard/blob/main/docs/safety.md",
        "defaultConfiguration": { "level": "error" },
        "properties": { "tags": ["django", "safety"] },
    });
    lint.into_iter()
        .chain([(fails.name().to_owned(), fails.code().to_owned(), refused)])
        .collect()
}

/// Where Django's semantics are documented.
pub const DOC_URI: &str = "https://github.com/revguard/revguard/blob/main/docs/django-semantics.md";

impl Checked {
    /// Django's verdict as findings, in the order the human output gives
    /// them: loading errors, leaf conflicts, then the history (the core's
    /// [`View::diagnostics`](revguard_core::dialect::django::View::diagnostics)).
    pub fn diagnostics(&self) -> Vec<Diagnostic> {
        let mut out = self.view().diagnostics();
        out.extend_from_slice(self.safety_diagnostics());
        out
    }

    /// Counts per severity of [`Checked::diagnostics`].
    pub fn summary(diagnostics: &[Diagnostic]) -> Summary {
        Summary {
            errors: diagnostics
                .iter()
                .filter(|d| d.severity == Severity::Error)
                .count(),
            warnings: diagnostics
                .iter()
                .filter(|d| d.severity == Severity::Warning)
                .count(),
            infos: diagnostics
                .iter()
                .filter(|d| d.severity == Severity::Info)
                .count(),
        }
    }

    /// SARIF rules for Django's checks: (name, code, rule object).
    pub fn sarif_rules() -> Vec<(String, String, Value)> {
        CHECKS
            .iter()
            .map(|(name, code, text)| {
                let docs = super::docs::docs(name).unwrap_or(*text).trim();
                let full = crate::render::sarif::section(docs, "What it does");
                let rule = json!({
                    "id": code,
                    "name": name,
                    "shortDescription": { "text": text },
                    "fullDescription": { "text": full.as_deref().unwrap_or(*text) },
                    "help": { "text": docs, "markdown": docs },
                    "helpUri": DOC_URI,
                    "defaultConfiguration": { "level": "error" },
                    "properties": { "tags": ["django", group(code)] },
                });
                ((*name).to_owned(), (*code).to_owned(), rule)
            })
            .chain(safety_rules())
            .collect()
    }

    /// The JUnit suites: one per check, the deploy-safety lint's included.
    pub fn junit_checks() -> Vec<(&'static str, &'static str, bool)> {
        let fails = revguard_core::dialect::sql::Check::FailsInTransaction;
        CHECKS
            .iter()
            .map(|(name, code, _)| (*name, *code, false))
            .chain([
                ("deploy-safety", "RG401", false),
                (fails.name(), fails.code(), false),
            ])
            .collect()
    }

    /// The SARIF run's property bag.
    pub fn sarif_properties(&self) -> Value {
        json!({
            "dialect": "django",
            "leaves": self.loaded.leaves,
            "complete": !self
                .loaded
                .errors
                .iter()
                .any(|e| matches!(e, DjangoError::Unreadable { .. })),
        })
    }
}
