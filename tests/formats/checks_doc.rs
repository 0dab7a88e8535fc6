//! `docs/checks.md`, the page every SARIF rule's `helpUri` points into, is
//! generated from the check registry; this test keeps it current. Refresh it
//! with `REVGUARD_UPDATE_DOCS=1 cargo test -p revguard --test formats checks_doc`.

use std::fmt::Write as _;

use revguard_core::checks::{self, Group};

use crate::root;

fn render() -> String {
    let mut out = String::from(
        "# Checks\n\n<!-- Generated from the check registry by tests/formats/checks_doc.rs; do not edit. -->\n\n\
         Every check has a stable kebab-case name and a short code; either works in\n\
         `[tool.revguard.severity]` and with `revguard explain`. Severity comes from the\n\
         policy and the configuration ([integrations.md](integrations.md#configuration)).\n\n\
         | check | code | group | default |\n| --- | --- | --- | --- |\n",
    );
    let group = |g: Group| match g {
        Group::Graph => "graph",
        Group::Hygiene => "hygiene",
        Group::History => "history",
        Group::Safety => "safety",
    };
    let mut all: Vec<_> = checks::registry().collect();
    all.sort_by_key(|c| c.code);
    for c in &all {
        let _ = writeln!(
            out,
            "| [`{}`](#{}) | {} | {} | {} |",
            c.name,
            c.name,
            c.code,
            group(c.group),
            c.severity.as_str()
        );
    }
    for c in &all {
        let _ = write!(
            out,
            "\n## {}\n\n`{}` · {} · default severity: {}\n\n",
            c.name,
            c.code,
            group(c.group),
            c.severity.as_str()
        );
        for line in c.docs.trim().lines() {
            // Check docs use `##` sections; nest them under the check.
            let line = line.strip_prefix(' ').unwrap_or(line);
            if let Some(heading) = line.strip_prefix("## ") {
                let _ = writeln!(out, "### {heading}");
            } else {
                let _ = writeln!(out, "{line}");
            }
        }
    }
    out
}

#[test]
fn checks_doc_is_current() {
    let path = root().join("docs/checks.md");
    let expected = render();
    if std::env::var_os("REVGUARD_UPDATE_DOCS").is_some() {
        std::fs::write(&path, &expected).expect("write docs/checks.md");
        return;
    }
    let actual = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        actual == expected,
        "docs/checks.md is stale; run: REVGUARD_UPDATE_DOCS=1 cargo test -p revguard --test formats checks_doc"
    );
}
