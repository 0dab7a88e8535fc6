//! GitLab Code Quality output (`--format gitlab`): the JSON array GitLab reads
//! from `artifacts: reports: codequality` and shows in the merge request
//! widget and the pipeline's Code Quality tab.
//!
//! One issue per primary label, so a duplicated revision shows on every file
//! that declares it. Fields are the subset GitLab documents as required
//! (`description`, `check_name`, `fingerprint`, `severity`,
//! `location.path`, `location.lines.begin`), plus `categories` and
//! `location.positions` for Code Climate viewers.
//!
//! Severity mapping: `error` → `critical` (it breaks `alembic upgrade head`
//! or the chosen policy), `warning` → `minor`, `info` → `info`.
//!
//! Fingerprints hash check, path, message and the label's message, never line
//! numbers, so an issue keeps its identity when lines move; GitLab needs them
//! unique, so repeated keys get an occurrence counter.

use std::collections::BTreeMap;

use revguard_core::Severity;
use revguard_core::report::{Diagnostic, Report};
use serde_json::{Value, json};

/// Render a report as a GitLab Code Quality report (pretty JSON array).
pub fn render(report: &Report) -> String {
    render_diagnostics(&report.diagnostics)
}

/// Render findings (of any dialect) as a GitLab Code Quality report.
pub fn render_diagnostics(diagnostics: &[Diagnostic]) -> String {
    let mut issues = Vec::new();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for d in diagnostics {
        let severity = match d.severity {
            Severity::Error => "critical",
            Severity::Warning => "minor",
            Severity::Info => "info",
        };
        let primary: Vec<_> = d.labels.iter().filter(|l| l.primary).collect();
        // A finding without a location still needs a path: point at the
        // project itself, where GitLab lists it without a line link.
        let locations: Vec<(String, usize, usize, usize, usize, String)> = if primary.is_empty() {
            vec![(".".to_owned(), 1, 1, 1, 1, String::new())]
        } else {
            primary
                .iter()
                .map(|l| {
                    let begin = l.start.line.max(1);
                    (
                        l.path
                            .replace('\\', "/")
                            .trim_start_matches("./")
                            .to_owned(),
                        begin,
                        l.start.column.max(1),
                        l.end.line.max(begin),
                        l.end.column.max(1),
                        l.message.clone(),
                    )
                })
                .collect()
        };
        for (path, begin, column, end, end_column, label) in locations {
            let key = fingerprint(&[&d.check, &path, &d.message, &label]);
            let n = seen.entry(key.clone()).or_insert(0);
            *n += 1;
            let fingerprint = if *n == 1 {
                key
            } else {
                self::fingerprint(&[&key, &n.to_string()])
            };
            let mut description = d.message.clone();
            if !label.is_empty() && primary_count(d) > 1 {
                description = format!("{description} ({label})");
            }
            description = format!("{description} [{}]", d.code);
            if let Some(help) = &d.help {
                description = format!("{description} — help: {help}");
            }
            issues.push(json!({
                "type": "issue",
                "check_name": d.check,
                "description": description,
                "categories": [category(d)],
                "severity": severity,
                "fingerprint": fingerprint,
                "location": {
                    "path": path,
                    "lines": { "begin": begin, "end": end },
                    "positions": {
                        "begin": { "line": begin, "column": column },
                        "end": { "line": end, "column": end_column },
                    },
                },
            }));
        }
    }
    let mut out = serde_json::to_string_pretty(&Value::Array(issues)).unwrap_or_default();
    out.push('\n');
    out
}

fn primary_count(d: &revguard_core::Diagnostic) -> usize {
    d.labels.iter().filter(|l| l.primary).count()
}

/// Code Climate category: graph problems are bug risks, the rest style.
fn category(d: &revguard_core::Diagnostic) -> &'static str {
    match d.check_id().map(|id| id.info().group) {
        Some(revguard_core::checks::Group::Hygiene) => "Style",
        _ => "Bug Risk",
    }
}

/// A stable 128-bit hex fingerprint of some strings (two FNV-1a 64 passes
/// with different offset bases; `\0`-separated so `["ab","c"]` and
/// `["a","bc"]` differ). Stable across platforms and releases.
pub fn fingerprint(parts: &[&str]) -> String {
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut a: u64 = 0xcbf2_9ce4_8422_2325;
    let mut b: u64 = 0x8422_2325_cbf2_9ce4;
    for part in parts {
        for &byte in part.as_bytes().iter().chain(std::iter::once(&0u8)) {
            a = (a ^ u64::from(byte)).wrapping_mul(PRIME);
            b = (b ^ u64::from(byte.rotate_left(3))).wrapping_mul(PRIME);
        }
    }
    format!("{a:016x}{b:016x}")
}

#[cfg(test)]
mod tests {
    use super::fingerprint;

    /// Pinned literals: a change here would re-open every issue in GitLab.
    /// The values were computed outside Rust, by a model of the same two
    /// FNV-1a passes, so they pin the algorithm, not this code's output.
    #[test]
    fn fingerprints_are_pinned() {
        for (parts, expected) in [
            (&[][..], "cbf29ce48422232584222325cbf29ce4"),
            (&["a"][..], "089be207b544f1e43641f6cb04e10f47"),
            (
                &["duplicate-revision", "versions/041.py"][..],
                "3bcf9f5b8bf4828aec44bcb7a3efd19b",
            ),
            (&["ab", "c"][..], "ad22872f536e47059e63464867206aed"),
            (&["a", "bc"][..], "401801fc84f3ca796ebc31c5b419f2bf"),
        ] {
            assert_eq!(fingerprint(parts), expected, "{parts:?}");
        }
    }
}
