//! `revguard graph --format dot` rendered by real Graphviz.

use std::io::Write as _;
use std::process::{Command, Stdio};

use crate::{clean, code, incident, require_tool, revguard, shadowed_label, stderr, stdout};

#[test]
fn dot_renders_with_graphviz() {
    let Some(dot) = require_tool(
        "dot",
        "rendering `revguard graph --format dot` with Graphviz",
    ) else {
        return;
    };
    for dir in [incident(), clean()] {
        let output = revguard(&dir, &["graph", "--format", "dot"]);
        assert_eq!(code(&output), 0, "{}", stderr(&output));
        let source = stdout(&output);
        let mut child = Command::new(&dot)
            .arg("-Tsvg")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("dot runs");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(source.as_bytes())
            .expect("write");
        let rendered = child.wait_with_output().expect("dot finishes");
        let svg = String::from_utf8_lossy(&rendered.stdout);
        let warnings = String::from_utf8_lossy(&rendered.stderr);
        assert!(
            rendered.status.success(),
            "dot failed on:\n{source}\n{warnings}"
        );
        assert!(warnings.trim().is_empty(), "dot warned: {warnings}");
        assert!(svg.contains("<svg"), "{svg}");
        let report: serde_json::Value =
            serde_json::from_str(&stdout(&revguard(&dir, &["check", "--format", "json"])))
                .expect("json");
        for rev in report["revisions"].as_array().expect("revisions") {
            let id = rev["id"].as_str().expect("id");
            assert!(svg.contains(&format!(">{id}</text>")), "node {id} is drawn");
        }
        if dir == incident() {
            assert!(svg.contains("phantom head"), "the phantom head is marked");
        }
    }
}

#[test]
fn graph_json_has_an_edge_per_parent() {
    let output = revguard(&incident(), &["graph", "--format", "json"]);
    let graph: serde_json::Value = serde_json::from_str(&stdout(&output)).expect("json");
    let report: serde_json::Value = serde_json::from_str(&stdout(&revguard(
        &incident(),
        &["check", "--format", "json"],
    )))
    .expect("json");
    let parents: usize = report["revisions"]
        .as_array()
        .expect("revisions")
        .iter()
        .map(|r| {
            r["down_revisions"].as_array().map_or(0, Vec::len)
                + r["depends_on"].as_array().map_or(0, Vec::len)
        })
        .sum();
    assert_eq!(graph["edges"].as_array().expect("edges").len(), parents);
    let nodes = graph["nodes"].as_array().expect("nodes");
    assert!(nodes.iter().any(|n| {
        n["marks"]
            .as_array()
            .is_some_and(|m| m.iter().any(|m| m == "phantom-head"))
    }));
}

/// The edges come from the report's resolved references, so the export
/// links a `depends_on` on a label carried only by a shadowed duplicate to
/// the kept copy, as Alembic does. It used to look labels up among kept
/// revisions only and drew a `missing` node instead.
#[test]
fn a_label_on_a_shadowed_copy_links_the_kept_copy() {
    let output = revguard(&shadowed_label(), &["graph", "--format", "json"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let graph: serde_json::Value = serde_json::from_str(&stdout(&output)).expect("json");
    let nodes = graph["nodes"].as_array().expect("nodes");
    assert!(
        nodes.iter().all(|n| n["kind"] == "revision"),
        "no missing node: {nodes:?}"
    );
    assert_eq!(nodes[1]["shadowed"], true);
    assert_eq!(nodes[2]["shadowed"], false);
    let deps: Vec<(&str, &str)> = graph["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .filter(|e| e["kind"] == "depends_on")
        .map(|e| (e["from"].as_str().unwrap(), e["to"].as_str().unwrap()))
        .collect();
    assert_eq!(deps, [("r2", "r3")]);
    let dot = stdout(&revguard(&shadowed_label(), &["graph", "--format", "dot"]));
    assert!(dot.contains("  r2 -> r3 [style=dashed"), "{dot}");
}
