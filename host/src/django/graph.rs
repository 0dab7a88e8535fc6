//! `revguard graph --dialect django`: Django's migration graph, one cluster
//! per app, drawn from the shape the core's semantics build
//! ([`revguard_core::dialect::django::Shape`]: after the squash step, dummy
//! nodes for missing migrations included).
//!
//! - One node per node of the graph; a dependency on an app outside the
//!   repository is an `installed` node (grey, dashed), a missing migration a
//!   `missing` node (red, dashed).
//! - Edges run from parent to child, drawn bottom-up, so each app's leaves
//!   are at the top (as `showmigrations` lists them last).
//! - Marked: leaves (bold green), conflicting leaves of an app with several
//!   (red), cycles (red), squashing migrations.
//!
//! When a module cannot be read the graph is unknown: its migrations are
//! drawn without edges, the unreadable ones marked.

use std::fmt::Write as _;

use revguard_core::dialect::django::view::Node;
use revguard_core::dialect::django::{DjangoError, Drawing, NodeKind as Kind};
use serde_json::{Value, json};

use super::Checked;
use crate::render::graph::{GraphFormat, dot_string, mermaid_text};

fn id(index: usize) -> String {
    format!("n{index}")
}

/// The lines of a node's label: name (with its app outside the repository),
/// marks.
fn node_lines(node: &Node) -> Vec<String> {
    let mut lines = vec![if node.kind == Kind::Installed {
        node.key.dotted()
    } else {
        node.key.name.clone()
    }];
    if !node.marks.is_empty() {
        lines.push(format!("[{}]", node.marks.join(", ")));
    }
    lines
}

impl Checked {
    /// The migration graph in `format`.
    pub fn render_graph(&self, format: GraphFormat) -> String {
        let drawing = self.view().drawing();
        match format {
            GraphFormat::Dot => dot(&drawing),
            GraphFormat::Mermaid => mermaid(&drawing),
            GraphFormat::Json => self.graph_json(&drawing),
        }
    }

    fn graph_json(&self, drawing: &Drawing) -> String {
        let nodes: Vec<Value> = drawing
            .nodes
            .iter()
            .enumerate()
            .map(|(i, node)| {
                json!({
                    "key": id(i),
                    "kind": node.kind,
                    "app": node.key.app,
                    "name": node.key.name,
                    "path": node.source.map(|i| &self.sources[i].1),
                    "marks": node.marks,
                })
            })
            .collect();
        let edges: Vec<Value> = drawing
            .edges
            .iter()
            .map(|&(from, to, cycle)| json!({ "from": id(from), "to": id(to), "cycle": cycle }))
            .collect();
        let apps: Vec<Value> = self
            .apps
            .iter()
            .map(|app| {
                json!({
                    "label": app.label,
                    "path": app.path,
                    "migrated": app.migrated,
                    "leaves": self.loaded.leaves.get(&app.label).cloned().unwrap_or_default(),
                })
            })
            .collect();
        let value = json!({
            "dialect": "django",
            "user_model": self.user_model,
            "complete": !self.loaded.errors.iter().any(|e| matches!(e, DjangoError::Unreadable { .. })),
            "apps": apps,
            "nodes": nodes,
            "edges": edges,
        });
        let mut out = serde_json::to_string_pretty(&value).unwrap_or_default();
        out.push('\n');
        out
    }
}

fn dot_node(out: &mut String, indent: &str, index: usize, node: &Node) {
    let mut style = vec!["rounded"];
    let mut attrs = Vec::new();
    let has = |m: &str| node.marks.contains(&m);
    match node.kind {
        Kind::Installed => {
            style.push("dashed");
            attrs.push("color=\"#888888\"");
            attrs.push("fontcolor=\"#555555\"");
        }
        Kind::Missing => {
            style.push("dashed");
            attrs.push("color=\"#cc0000\"");
            attrs.push("fontcolor=\"#cc0000\"");
        }
        Kind::Migration => {}
    }
    if has("conflicting leaf") || has("cycle") || has("unreadable") {
        attrs.push("color=\"#cc0000\"");
        attrs.push("penwidth=2");
    } else if has("leaf") {
        style.push("bold");
        attrs.push("color=\"#2e7d32\"");
    }
    if has("squash") {
        attrs.push("peripheries=2");
    }
    let _ = writeln!(
        out,
        "{indent}{} [label={}, style=\"{}\"{}{}];",
        id(index),
        dot_string(&node_lines(node).join("\n")),
        style.join(","),
        if attrs.is_empty() { "" } else { ", " },
        attrs.join(", ")
    );
}

fn dot(drawing: &Drawing) -> String {
    let mut out = String::new();
    out.push_str("// revguard Django migration graph: parent -> child, one cluster per app; leaves at the top.\n");
    out.push_str(
        "// bold green: leaf; red: conflicting leaf, cycle, unreadable or missing migration;\n",
    );
    out.push_str(
        "// grey dashed: an app outside the repository (installed); double border: squash.\n",
    );
    out.push_str("digraph migrations {\n");
    out.push_str("  rankdir=BT;\n");
    out.push_str("  node [shape=box, style=\"rounded\", fontname=\"Helvetica\"];\n");
    out.push_str("  edge [color=\"#555555\", fontname=\"Helvetica\", fontsize=10];\n");
    for (n, (label, members)) in drawing.apps.iter().enumerate() {
        let _ = writeln!(out, "  subgraph cluster_{n} {{");
        let _ = writeln!(out, "    label={};", dot_string(label));
        out.push_str("    style=\"rounded\";\n    color=\"#999999\";\n");
        for &i in members {
            dot_node(&mut out, "    ", i, &drawing.nodes[i]);
        }
        out.push_str("  }\n");
    }
    for (i, node) in drawing.nodes.iter().enumerate() {
        if node.kind == Kind::Installed {
            dot_node(&mut out, "  ", i, node);
        }
    }
    for &(from, to, cycle) in &drawing.edges {
        let attrs = if cycle { " [color=\"#cc0000\"]" } else { "" };
        let _ = writeln!(out, "  {} -> {}{attrs};", id(from), id(to));
    }
    out.push_str("}\n");
    out
}

fn mermaid(drawing: &Drawing) -> String {
    let mut out = String::from("flowchart BT\n");
    let mut classes: Vec<(&str, Vec<String>)> = vec![
        ("leaf", Vec::new()),
        ("trouble", Vec::new()),
        ("missing", Vec::new()),
        ("installed", Vec::new()),
    ];
    let node_line = |out: &mut String, indent: &str, i: usize, node: &Node| {
        let label = mermaid_text(&node_lines(node).join("\n"));
        let _ = writeln!(out, "{indent}{}[\"{label}\"]", id(i));
    };
    for (n, (label, members)) in drawing.apps.iter().enumerate() {
        let _ = writeln!(out, "  subgraph app{n}[\"{}\"]", mermaid_text(label));
        for &i in members {
            node_line(&mut out, "    ", i, &drawing.nodes[i]);
        }
        out.push_str("  end\n");
    }
    for (i, node) in drawing.nodes.iter().enumerate() {
        if node.kind == Kind::Installed {
            node_line(&mut out, "  ", i, node);
        }
        let has = |m: &str| node.marks.contains(&m);
        let class = match node.kind {
            Kind::Installed => 3,
            Kind::Missing => 2,
            Kind::Migration if has("conflicting leaf") || has("cycle") || has("unreadable") => 1,
            Kind::Migration if has("leaf") => 0,
            Kind::Migration => continue,
        };
        classes[class].1.push(id(i));
    }
    for &(from, to, _) in &drawing.edges {
        let _ = writeln!(out, "  {} --> {}", id(from), id(to));
    }
    out.push_str("  classDef leaf stroke:#2e7d32,stroke-width:3px\n");
    out.push_str("  classDef trouble stroke:#cc0000,stroke-width:3px\n");
    out.push_str("  classDef missing stroke:#cc0000,stroke-dasharray:5 5,color:#cc0000\n");
    out.push_str("  classDef installed stroke:#888888,stroke-dasharray:5 5,color:#555555\n");
    for (class, nodes) in classes {
        if !nodes.is_empty() {
            let _ = writeln!(out, "  class {} {class}", nodes.join(","));
        }
    }
    out
}
