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

use std::collections::BTreeSet;
use std::fmt::Write as _;

use revguard_core::dialect::django::{DjangoError, Key};
use serde_json::{Value, json};

use super::Checked;
use crate::render::graph::{GraphFormat, dot_string, mermaid_text};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Migration,
    Missing,
    Installed,
}

struct Node {
    key: Key,
    kind: Kind,
    marks: Vec<&'static str>,
    path: Option<String>,
}

struct Drawing {
    /// Node ids are positions here: `n0`, `n1`, …
    nodes: Vec<Node>,
    /// `(parent, child, on a cycle)` as node positions.
    edges: Vec<(usize, usize, bool)>,
    /// Apps in label order, with their nodes' positions.
    apps: Vec<(String, Vec<usize>)>,
}

fn id(index: usize) -> String {
    format!("n{index}")
}

impl Drawing {
    fn build(checked: &Checked) -> Drawing {
        let loaded = &checked.loaded;
        let shape = &loaded.graph;
        let cyclic: BTreeSet<&Key> = loaded
            .errors
            .iter()
            .flat_map(|e| match e {
                DjangoError::CircularDependency { component, .. } => {
                    component.iter().collect::<Vec<&Key>>()
                }
                _ => Vec::new(),
            })
            .collect();
        let unreadable: BTreeSet<&Key> = loaded
            .errors
            .iter()
            .filter_map(|e| match e {
                DjangoError::Unreadable { migration, .. } => Some(migration),
                _ => None,
            })
            .collect();
        let keys: BTreeSet<Key> = if shape.nodes.is_empty() {
            checked.sources.iter().map(|(k, _, _)| k.clone()).collect()
        } else {
            let ends = shape.edges.iter().flat_map(|(p, c)| [p.clone(), c.clone()]);
            shape.nodes.iter().cloned().chain(ends).collect()
        };
        let nodes: Vec<Node> = keys
            .into_iter()
            .map(|key| {
                let path = checked.file(&key).map(|(_, p, _)| p.clone());
                let kind = if path.is_some() {
                    Kind::Migration
                } else if checked.apps.iter().any(|a| a.label == key.app) {
                    Kind::Missing
                } else {
                    Kind::Installed
                };
                let marks = node_marks(checked, &key, kind, &cyclic, &unreadable);
                Node {
                    key,
                    kind,
                    marks,
                    path,
                }
            })
            .collect();
        let position = |key: &Key| nodes.iter().position(|n| n.key == *key);
        let edges = shape
            .edges
            .iter()
            .filter_map(|(parent, child)| {
                let cycle = cyclic.contains(parent) && cyclic.contains(child);
                Some((position(parent)?, position(child)?, cycle))
            })
            .collect();
        let mut apps: Vec<(String, Vec<usize>)> = Vec::new();
        for (i, node) in nodes.iter().enumerate() {
            if node.kind == Kind::Installed {
                continue;
            }
            match apps.iter_mut().find(|(label, _)| *label == node.key.app) {
                Some((_, members)) => members.push(i),
                None => apps.push((node.key.app.clone(), vec![i])),
            }
        }
        Drawing { nodes, edges, apps }
    }
}

fn node_marks(
    checked: &Checked,
    key: &Key,
    kind: Kind,
    cyclic: &BTreeSet<&Key>,
    unreadable: &BTreeSet<&Key>,
) -> Vec<&'static str> {
    let loaded = &checked.loaded;
    let mut marks = Vec::new();
    match kind {
        Kind::Missing => marks.push("missing"),
        Kind::Installed => marks.push("installed"),
        Kind::Migration => {}
    }
    let is_leaf = loaded
        .leaves
        .get(&key.app)
        .is_some_and(|names| names.contains(&key.name));
    if is_leaf {
        marks.push(if loaded.conflicts.contains_key(&key.app) {
            "conflicting leaf"
        } else {
            "leaf"
        });
    }
    if cyclic.contains(key) {
        marks.push("cycle");
    }
    if unreadable.contains(key) {
        marks.push("unreadable");
    }
    let facts = checked.facts.iter().find(|(k, _)| k == key).map(|(_, f)| f);
    if facts.is_some_and(|f| !f.replaces.is_empty()) {
        marks.push("squash");
    }
    marks
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
        let drawing = Drawing::build(self);
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
                    "kind": match node.kind {
                        Kind::Migration => "migration",
                        Kind::Missing => "missing",
                        Kind::Installed => "installed",
                    },
                    "app": node.key.app,
                    "name": node.key.name,
                    "path": node.path,
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
