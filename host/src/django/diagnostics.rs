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

/// Where Django's semantics are documented.
pub const DOC_URI: &str = "https://github.com/revguard/revguard/blob/main/docs/django-semantics.md";

impl Checked {
    /// Django's verdict as findings, in the order the human output gives
    /// them: loading errors, leaf conflicts, then the history (the core's
    /// [`View::diagnostics`](revguard_core::dialect::django::View::diagnostics)).
    pub fn diagnostics(&self) -> Vec<Diagnostic> {
        self.view().diagnostics()
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
