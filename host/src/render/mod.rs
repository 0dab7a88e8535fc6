//! Renderers: each turns the same [`revguard_core::Report`] into one format.

pub mod github;
pub mod gitlab;
pub mod graph;
pub mod human;
pub mod json;
pub mod junit;
pub mod sarif;
pub mod schema;

/// Output formats of `revguard check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// rustc-style diagnostics with source snippets.
    Human,
    /// The report as JSON (see `revguard schema`).
    Json,
    /// SARIF 2.1.0 (code scanning).
    Sarif,
    /// GitHub Actions workflow-command annotations.
    Github,
    /// GitLab Code Quality JSON.
    Gitlab,
    /// JUnit XML (CI test-report views).
    Junit,
}
