//! `docs/checks.md`, the page every SARIF rule's `helpUri` points into, and
//! the check list in the README are generated from the check registry; these
//! tests keep them current. Refresh both with
//! `REVGUARD_UPDATE_DOCS=1 cargo test -p revguard --test formats checks_doc`.

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
    let group = Group::name;
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

/// Markers around the generated check list in the README.
const README_BEGIN: &str = "<!-- checks: generated from the check registry by tests/formats/checks_doc.rs; do not edit -->\n";
const README_END: &str = "<!-- checks: end -->\n";

/// The README's check list: every registered check by group, in code order,
/// with its default severity when that is not `error`.
fn render_readme_list() -> String {
    let mut out = String::new();
    for (g, title) in [
        (
            Group::Graph,
            "Graph (the revision graph as Alembic builds it)",
        ),
        (Group::Hygiene, "Hygiene (consistency and tidiness)"),
        (
            Group::History,
            "History (with a lock file, `--deployed`, `--base` or `--database-url`)",
        ),
        (
            Group::Safety,
            "Safety (what a migration does to a live PostgreSQL, by squawk's rules)",
        ),
    ] {
        let mut members: Vec<_> = checks::registry().filter(|c| c.group == g).collect();
        members.sort_by_key(|c| c.code);
        let names: Vec<String> = members
            .iter()
            .map(|c| match c.severity.as_str() {
                "error" => format!("`{}`", c.name),
                other => format!("`{}` ({other})", c.name),
            })
            .collect();
        let _ = writeln!(out, "- **{title}**: {}.", names.join(", "));
    }
    out
}

#[test]
fn readme_check_list_is_current() {
    let path = root().join("README.md");
    let readme = std::fs::read_to_string(&path).expect("README.md");
    let (Some(begin), Some(end)) = (readme.find(README_BEGIN), readme.find(README_END)) else {
        panic!("README.md lacks the generated check list's markers:\n{README_BEGIN}{README_END}");
    };
    let start = begin + README_BEGIN.len();
    let expected = render_readme_list();
    if std::env::var_os("REVGUARD_UPDATE_DOCS").is_some() {
        let updated = format!("{}{expected}{}", &readme[..start], &readme[end..]);
        std::fs::write(&path, updated).expect("write README.md");
        return;
    }
    assert!(
        readme[start..end] == expected,
        "the README's check list is stale; run: REVGUARD_UPDATE_DOCS=1 cargo test -p revguard --test formats checks_doc"
    );
}
