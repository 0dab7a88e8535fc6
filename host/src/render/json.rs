//! `--format json`: the report, pretty-printed, with a trailing newline.

use revguard_core::Report;

/// Render the report as JSON.
pub fn render(report: &Report) -> String {
    let mut out = serde_json::to_string_pretty(report).unwrap_or_default();
    out.push('\n');
    out
}
