//! SARIF 2.1.0 output (`--format sarif`), for GitHub code scanning and any
//! other SARIF consumer.
//!
//! - One run; its driver lists **every** check of the registry as a rule, in
//!   registry order, so `ruleIndex` is stable. A rule's `id` is the short code
//!   (`RG101`), its `name` the kebab-case check name, its `help` the check's
//!   documentation and its `helpUri` the check's section in `docs/checks.md`.
//! - A result's `locations` are its primary labels (the exact `revision` /
//!   `down_revision` statement), each with the label's message; the other
//!   labels are `relatedLocations`. Notes and help follow the message.
//! - Paths are relative to the project, under the `%SRCROOT%` base; columns
//!   count Unicode code points (`columnKind`), as the report's do.
//! - `partialFingerprints` carry a hash of check, path and message (no line
//!   numbers), so an alert survives unrelated edits above it.
//!
//! The validity of the output is tested against the official OASIS schema
//! (`tests/formats/sarif-schema-2.1.0.json`).

use revguard_core::Severity;
use revguard_core::checks::{self, CheckInfo};
use revguard_core::report::{Diagnostic, Label, Report};
use serde_json::{Map, Value, json};

use super::gitlab::fingerprint;

/// The SARIF schema URI put in `$schema`.
pub const SCHEMA_URI: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";
/// Where the project lives.
pub const INFORMATION_URI: &str = "https://github.com/revguard/revguard";
/// The generated check reference; each check is an anchor named after it.
pub const CHECKS_DOC_URI: &str = "https://github.com/revguard/revguard/blob/main/docs/checks.md";

/// The help URI of a check.
pub fn help_uri(check: &str) -> String {
    format!("{CHECKS_DOC_URI}#{check}")
}

/// The driver rule a finding references: its check's by name, else by
/// code (squawk's rules are reported under `deploy-safety`'s code).
fn rule_index(ids: &[(String, String)], d: &Diagnostic) -> usize {
    ids.iter()
        .position(|(name, _)| *name == d.check)
        .or_else(|| ids.iter().position(|(_, code)| *code == d.code))
        .unwrap_or(0)
}

/// Render a report as a SARIF 2.1.0 log (pretty JSON, trailing newline).
pub fn render(report: &Report) -> String {
    let rules: Vec<(String, String, Value)> = checks::registry()
        .map(|info| (info.name.to_owned(), info.code.to_owned(), rule(info)))
        .collect();
    let properties = json!({
        "policy": report.policy.as_str(),
        "heads": report.heads,
        "complete": report.complete,
    });
    render_run(
        rules,
        &report.diagnostics,
        &report.revguard_version,
        properties,
    )
}

/// Render findings (of any dialect) as a SARIF 2.1.0 log with one run:
/// `rules` are (check name, code, rule object) in driver order,
/// `properties` the run's property bag.
pub fn render_run(
    rules: Vec<(String, String, Value)>,
    diagnostics: &[Diagnostic],
    version: &str,
    properties: Value,
) -> String {
    let mut ids: Vec<(String, String)> = Vec::new();
    let mut rules: Vec<Value> = rules
        .into_iter()
        .map(|(name, code, rule)| {
            ids.push((name, code));
            rule
        })
        .collect();
    // Findings from checks this build's registry does not know (should not
    // happen, but a result must reference a rule).
    for d in diagnostics {
        let known = ids
            .iter()
            .any(|(name, code)| *name == d.check || *code == d.code);
        if !known {
            rules.push(json!({
                "id": d.code,
                "name": d.check,
                "shortDescription": { "text": d.check },
                "helpUri": help_uri(&d.check),
            }));
            ids.push((d.check.clone(), d.code.clone()));
        }
    }
    let results: Vec<Value> = diagnostics
        .iter()
        .map(|d| {
            let index = rule_index(&ids, d);
            result(d, index)
        })
        .collect();
    let log = json!({
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "revguard",
                    "version": version,
                    "semanticVersion": version,
                    "informationUri": INFORMATION_URI,
                    "rules": rules,
                }
            },
            "originalUriBaseIds": {
                "%SRCROOT%": {
                    "description": { "text": "The project directory revguard checked." }
                }
            },
            "columnKind": "unicodeCodePoints",
            "properties": properties,
            "results": results,
        }]
    });
    let mut out = serde_json::to_string_pretty(&log).unwrap_or_default();
    out.push('\n');
    out
}

pub fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

pub(crate) fn rule(info: &CheckInfo) -> Value {
    let group = info.group.name();
    json!({
        "id": info.code,
        "name": info.name,
        "shortDescription": { "text": summary(info.docs) },
        "fullDescription": { "text": section(info.docs, "What it does").unwrap_or_else(|| summary(info.docs)) },
        "help": { "text": info.docs.trim(), "markdown": info.docs.trim() },
        "helpUri": help_uri(info.name),
        "defaultConfiguration": { "level": level(info.severity) },
        "properties": { "tags": ["alembic", group] },
    })
}

/// The text under a `## heading` of a check's docs, as one paragraph.
pub fn section(docs: &str, heading: &str) -> Option<String> {
    let mut lines = docs.lines().map(str::trim);
    lines.find(|l| l.strip_prefix("## ").is_some_and(|h| h.trim() == heading))?;
    let body: Vec<&str> = lines.take_while(|l| !l.starts_with("## ")).collect();
    let text = body
        .join(" ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    (!text.is_empty()).then_some(text)
}

/// The first sentence of "What it does" (or of the docs).
pub fn summary(docs: &str) -> String {
    let text = section(docs, "What it does")
        .unwrap_or_else(|| docs.split_whitespace().collect::<Vec<_>>().join(" "));
    match text.find(". ") {
        Some(end) => text[..=end].to_owned(),
        None => text,
    }
}

fn result(d: &Diagnostic, rule_index: usize) -> Value {
    let mut text = d.message.clone();
    for note in &d.notes {
        text.push_str("\nnote: ");
        text.push_str(note);
    }
    if let Some(help) = &d.help {
        text.push_str("\nhelp: ");
        text.push_str(help);
    }
    let primary: Vec<&Label> = d.labels.iter().filter(|l| l.primary).collect();
    let related: Vec<&Label> = d.labels.iter().filter(|l| !l.primary).collect();
    let mut result = Map::new();
    result.insert("ruleId".into(), json!(d.code));
    result.insert("ruleIndex".into(), json!(rule_index));
    result.insert("level".into(), json!(level(d.severity)));
    result.insert("message".into(), json!({ "text": text }));
    result.insert(
        "locations".into(),
        Value::Array(primary.iter().map(|l| location(l, None)).collect()),
    );
    if !related.is_empty() {
        let related: Vec<Value> = related
            .iter()
            .enumerate()
            .map(|(i, l)| location(l, Some(i)))
            .collect();
        result.insert("relatedLocations".into(), Value::Array(related));
    }
    let path = primary.first().map_or("", |l| l.path.as_str());
    result.insert(
        "partialFingerprints".into(),
        json!({ "revguard/v1": fingerprint(&[&d.check, path, &d.message]) }),
    );
    Value::Object(result)
}

fn location(label: &Label, id: Option<usize>) -> Value {
    let mut region = Map::new();
    region.insert("startLine".into(), json!(label.start.line.max(1)));
    region.insert("startColumn".into(), json!(label.start.column.max(1)));
    if label.end.line >= label.start.line && label.end.line > 0 {
        region.insert("endLine".into(), json!(label.end.line));
        let end_column = if label.end.line == label.start.line {
            label.end.column.max(label.start.column.max(1))
        } else {
            label.end.column.max(1)
        };
        region.insert("endColumn".into(), json!(end_column));
    }
    let mut location = Map::new();
    if let Some(id) = id {
        location.insert("id".into(), json!(id));
    }
    location.insert(
        "physicalLocation".into(),
        json!({ "artifactLocation": artifact(&label.path), "region": Value::Object(region) }),
    );
    if !label.message.is_empty() {
        location.insert("message".into(), json!({ "text": label.message }));
    }
    Value::Object(location)
}

fn artifact(path: &str) -> Value {
    let path = path.replace('\\', "/");
    if path.starts_with('/') {
        json!({ "uri": format!("file://{}", encode_uri_path(&path)) })
    } else {
        let relative = path.strip_prefix("./").unwrap_or(&path);
        json!({ "uri": encode_uri_path(relative), "uriBaseId": "%SRCROOT%" })
    }
}

/// Percent-encode a `/`-separated path for a URI reference (RFC 3986: only
/// unreserved characters and `/` stay literal).
pub fn encode_uri_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_percent_encoded() {
        assert_eq!(encode_uri_path("a b/ü.py"), "a%20b/%C3%BC.py");
        assert_eq!(artifact("./versions/x.py")["uri"], "versions/x.py");
        assert_eq!(artifact("/abs/x y.py")["uri"], "file:///abs/x%20y.py");
        assert!(artifact("/abs/x.py").get("uriBaseId").is_none());
    }

    #[test]
    fn every_rule_has_a_summary_and_description() {
        for info in checks::registry() {
            let summary = summary(info.docs);
            assert!(
                !summary.is_empty() && summary.len() < 400,
                "{}: {summary:?}",
                info.name
            );
            assert!(
                section(info.docs, "What it does").is_some(),
                "{} lacks 'What it does'",
                info.name
            );
        }
    }

    #[test]
    fn section_stops_at_next_heading() {
        let docs = "## What it does\nFinds a thing.\nAnd more.\n\n## Why is this bad?\nBecause.";
        assert_eq!(
            section(docs, "What it does").as_deref(),
            Some("Finds a thing. And more.")
        );
        assert_eq!(summary(docs), "Finds a thing.");
        assert_eq!(section(docs, "Nope"), None);
    }
}
