//! `revguard graph --format dot|mermaid|json`: the revision graph as Alembic
//! builds it, with its trouble marked.
//!
//! - One node per revision object in load order, shadowed duplicates
//!   included (node keys `r0`, `r1`, … follow [`Report::revisions`]); a
//!   `down_revision` or `depends_on` naming nothing becomes a `missing` node.
//! - Edges run from parent to child (the upgrade direction): solid for
//!   `down_revision`, dashed for `depends_on`. Drawn bottom-up, so heads are at
//!   the top as in `alembic history`.
//! - Marked: heads (bold green), phantom heads left by duplicates (red,
//!   dashed), shadowed copies (grey fill), mergepoints and branchpoints
//!   (named in the node), cycles (red), missing parents (red dashed node),
//!   branch labels (`@label`).
//!
//! References are drawn as the report resolves them
//! ([`RevisionEntry::parents`], [`RevisionEntry::dependencies`]): to the kept
//! (non-shadowed) revision with that id; a `depends_on` may also name a
//! branch label, which leads to its owner's kept copy.

use std::fmt::Write as _;

use revguard_core::report::{Mark, Report, RevisionEntry};
use serde_json::{Value, json};

/// How to print the graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GraphFormat {
    /// Graphviz DOT.
    Dot,
    /// A Mermaid flowchart (renders in GitHub/GitLab Markdown).
    Mermaid,
    /// Nodes and edges as JSON.
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum EdgeKind {
    Down,
    Depends,
}

struct Edge {
    from: String,
    to: String,
    kind: EdgeKind,
    cycle: bool,
}

struct Graph<'a> {
    report: &'a Report,
    missing: Vec<String>,
    edges: Vec<Edge>,
}

impl<'a> Graph<'a> {
    /// Edges from the report's resolved references: nothing is looked up
    /// here, so the export shows the links exactly as the core (and
    /// Alembic) makes them.
    fn build(report: &'a Report) -> Self {
        let mut graph = Graph {
            report,
            missing: Vec::new(),
            edges: Vec::new(),
        };
        for (child, rev) in report.revisions.iter().enumerate() {
            let down = rev.down_revisions.iter().zip(&rev.parents);
            for (name, &parent) in down {
                graph.edge(name, parent, child, EdgeKind::Down);
            }
            let deps = rev.depends_on.iter().zip(&rev.dependencies);
            for (name, &target) in deps {
                graph.edge(name, target, child, EdgeKind::Depends);
            }
        }
        graph
    }

    /// An edge from `parent` (or a `missing` node named `name`) to `child`.
    fn edge(&mut self, name: &str, parent: Option<usize>, child: usize, kind: EdgeKind) {
        let from = match parent {
            Some(p) => key(p),
            None => {
                let index = match self.missing.iter().position(|m| m == name) {
                    Some(i) => i,
                    None => {
                        self.missing.push(name.to_owned());
                        self.missing.len() - 1
                    }
                };
                format!("m{index}")
            }
        };
        let in_cycle = |n: usize| self.report.revisions[n].marks.contains(&Mark::Cycle);
        let cycle = parent.is_some_and(in_cycle) && in_cycle(child);
        self.edges.push(Edge {
            from,
            to: key(child),
            kind,
            cycle,
        });
    }
}

fn key(index: usize) -> String {
    format!("r{index}")
}

fn mark_name(mark: Mark) -> &'static str {
    match mark {
        Mark::Head => "head",
        Mark::EffectiveHead => "effective head",
        Mark::PhantomHead => "phantom head",
        Mark::Base => "base",
        Mark::Mergepoint => "mergepoint",
        Mark::Branchpoint => "branchpoint",
        Mark::Cycle => "cycle",
        Mark::MissingParent => "missing parent",
    }
}

/// The lines of a node's label: id, message, marks, labels.
fn node_lines(report: &Report, rev: &RevisionEntry) -> Vec<String> {
    let mut lines = vec![rev.id.clone()];
    if !rev.doc.is_empty() {
        let doc: String = rev.doc.chars().take(48).collect();
        lines.push(if doc.len() < rev.doc.len() {
            format!("{doc}…")
        } else {
            doc
        });
    }
    if let Some(file) = report.files.get(rev.file) {
        let name = file.path.rsplit('/').next().unwrap_or(&file.path);
        lines.push(name.to_owned());
    }
    let mut marks: Vec<&str> = rev.marks.iter().map(|&m| mark_name(m)).collect();
    if rev.shadowed {
        marks.insert(0, "shadowed duplicate");
    }
    if !marks.is_empty() {
        lines.push(format!("[{}]", marks.join(", ")));
    }
    if !rev.branch_labels.is_empty() {
        lines.push(
            rev.branch_labels
                .iter()
                .map(|l| format!("@{l}"))
                .collect::<Vec<_>>()
                .join(" "),
        );
    }
    lines
}

/// Render the revision graph of a report.
pub fn render(report: &Report, format: GraphFormat) -> String {
    let graph = Graph::build(report);
    match format {
        GraphFormat::Dot => dot(&graph),
        GraphFormat::Mermaid => mermaid(&graph),
        GraphFormat::Json => json(&graph),
    }
}

/// `text` as a quoted DOT string (shared with Django's drawing).
pub(crate) fn dot_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn dot(graph: &Graph<'_>) -> String {
    let report = graph.report;
    let mut out = String::new();
    out.push_str("// revguard revision graph: parent -> child; heads at the top.\n");
    out.push_str("// bold green: head; red dashed: phantom head (shadowed duplicate);\n");
    out.push_str(
        "// grey: shadowed copy; red: cycle or missing revision; dashed edge: depends_on.\n",
    );
    out.push_str("digraph revisions {\n");
    out.push_str("  rankdir=BT;\n");
    out.push_str("  node [shape=box, style=\"rounded\", fontname=\"Helvetica\"];\n");
    out.push_str("  edge [color=\"#555555\", fontname=\"Helvetica\", fontsize=10];\n");
    for (i, rev) in report.revisions.iter().enumerate() {
        let has = |m: Mark| rev.marks.contains(&m);
        let mut style = vec!["rounded"];
        let mut attrs = Vec::new();
        if rev.shadowed {
            style.push("filled");
            attrs.push("fillcolor=\"#dddddd\"".to_owned());
        }
        if has(Mark::PhantomHead) {
            style.push("dashed");
            attrs.push("color=\"#cc0000\"".to_owned());
            attrs.push("penwidth=2".to_owned());
        } else if has(Mark::Cycle) || has(Mark::MissingParent) {
            attrs.push("color=\"#cc0000\"".to_owned());
            attrs.push("penwidth=2".to_owned());
        } else if has(Mark::Head) || has(Mark::EffectiveHead) {
            style.push("bold");
            attrs.push("color=\"#2e7d32\"".to_owned());
        }
        if has(Mark::Mergepoint) {
            attrs.push("peripheries=2".to_owned());
        }
        let label = node_lines(report, rev).join("\n");
        let _ = writeln!(
            out,
            "  {} [label={}, style=\"{}\"{}{}];",
            key(i),
            dot_string(&label),
            style.join(","),
            if attrs.is_empty() { "" } else { ", " },
            attrs.join(", ")
        );
    }
    for (i, name) in graph.missing.iter().enumerate() {
        let _ = writeln!(
            out,
            "  m{i} [label={}, style=\"dashed\", color=\"#cc0000\", fontcolor=\"#cc0000\"];",
            dot_string(&format!("{name}\n[missing]"))
        );
    }
    for edge in &graph.edges {
        let mut attrs = Vec::new();
        if edge.kind == EdgeKind::Depends {
            attrs.push("style=dashed".to_owned());
            attrs.push("label=\"depends_on\"".to_owned());
        }
        if edge.cycle {
            attrs.push("color=\"#cc0000\"".to_owned());
        }
        let _ = writeln!(
            out,
            "  {} -> {}{};",
            edge.from,
            edge.to,
            if attrs.is_empty() {
                String::new()
            } else {
                format!(" [{}]", attrs.join(", "))
            }
        );
    }
    out.push_str("}\n");
    out
}

/// `text` escaped for a quoted Mermaid label (shared with Django's
/// drawing).
pub(crate) fn mermaid_text(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '#' => out.push_str("#35;"),
            '\n' => out.push_str("<br/>"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

fn mermaid(graph: &Graph<'_>) -> String {
    let report = graph.report;
    let mut out = String::from("flowchart BT\n");
    let mut classes: Vec<(&str, Vec<String>)> = vec![
        ("head", Vec::new()),
        ("phantom", Vec::new()),
        ("shadowed", Vec::new()),
        ("trouble", Vec::new()),
        ("missing", Vec::new()),
    ];
    for (i, rev) in report.revisions.iter().enumerate() {
        let has = |m: Mark| rev.marks.contains(&m);
        let label = node_lines(report, rev).join("\n");
        let _ = writeln!(out, "  {}[\"{}\"]", key(i), mermaid_text(&label));
        let class = if has(Mark::PhantomHead) {
            1
        } else if rev.shadowed {
            2
        } else if has(Mark::Cycle) || has(Mark::MissingParent) {
            3
        } else if has(Mark::Head) || has(Mark::EffectiveHead) {
            0
        } else {
            continue;
        };
        classes[class].1.push(key(i));
    }
    for (i, name) in graph.missing.iter().enumerate() {
        let _ = writeln!(
            out,
            "  m{i}[\"{}\"]",
            mermaid_text(&format!("{name}\n[missing]"))
        );
        classes[4].1.push(format!("m{i}"));
    }
    for edge in &graph.edges {
        let arrow = match edge.kind {
            EdgeKind::Down => "-->",
            EdgeKind::Depends => "-. depends_on .->",
        };
        let _ = writeln!(out, "  {} {arrow} {}", edge.from, edge.to);
    }
    out.push_str("  classDef head stroke:#2e7d32,stroke-width:3px\n");
    out.push_str(
        "  classDef phantom stroke:#cc0000,stroke-width:3px,stroke-dasharray:5 5,fill:#dddddd\n",
    );
    out.push_str("  classDef shadowed fill:#dddddd\n");
    out.push_str("  classDef trouble stroke:#cc0000,stroke-width:3px\n");
    out.push_str("  classDef missing stroke:#cc0000,stroke-dasharray:5 5,color:#cc0000\n");
    for (class, nodes) in classes {
        if !nodes.is_empty() {
            let _ = writeln!(out, "  class {} {class}", nodes.join(","));
        }
    }
    out
}

fn json(graph: &Graph<'_>) -> String {
    let report = graph.report;
    let mut nodes: Vec<Value> = report
        .revisions
        .iter()
        .enumerate()
        .map(|(i, rev)| {
            json!({
                "key": key(i),
                "kind": "revision",
                "id": rev.id,
                "path": report.files.get(rev.file).map(|f| f.path.as_str()),
                "doc": rev.doc,
                "branch_labels": rev.branch_labels,
                "shadowed": rev.shadowed,
                "marks": rev.marks,
            })
        })
        .collect();
    for (i, name) in graph.missing.iter().enumerate() {
        nodes.push(json!({ "key": format!("m{i}"), "kind": "missing", "id": name }));
    }
    let edges: Vec<Value> = graph
        .edges
        .iter()
        .map(|e| {
            json!({
                "from": e.from,
                "to": e.to,
                "kind": match e.kind { EdgeKind::Down => "down_revision", EdgeKind::Depends => "depends_on" },
                "cycle": e.cycle,
            })
        })
        .collect();
    let value = json!({
        "schema_version": report.schema_version,
        "policy": report.policy,
        "heads": report.heads,
        "real_heads": report.real_heads,
        "bases": report.bases,
        "complete": report.complete,
        "nodes": nodes,
        "edges": edges,
    });
    let mut out = serde_json::to_string_pretty(&value).unwrap_or_default();
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        assert_eq!(dot_string("a\"b\\c\nd"), "\"a\\\"b\\\\c\\nd\"");
        assert_eq!(
            mermaid_text("x \"y\" <z>\n#"),
            "x #quot;y#quot; #lt;z#gt;<br/>#35;"
        );
    }
}
