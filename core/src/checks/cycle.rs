use super::{Context, Finding, Sink, declare_check, list};
use crate::graph::{Issue, RevisionGraph};
use crate::parse::Attr;

declare_check! {
    /// ## What it does
    /// Reports each cycle in the revision graph as the actual path (following
    /// `down_revision`, or `down_revision` plus `depends_on` for dependency
    /// cycles), and separately the revisions that hang off it.
    ///
    /// ## Why is this bad?
    /// Alembic raises "Cycle is detected in revisions (...)" with one
    /// unordered set that mixes the cycle with everything downstream of it,
    /// which makes the real loop hard to find. No command works until it is
    /// broken.
    ///
    /// ## Example
    /// ```python
    /// # b.py
    /// revision = "b"
    /// down_revision = "c"
    /// # c.py
    /// revision = "c"
    /// down_revision = "b"
    /// ```
    ///
    /// ## Use instead
    /// Point one of them at the revision that really precedes it.
    ///
    /// ## What `revguard fix` does
    /// Never breaks a cycle or merges it away: which `down_revision` is wrong is a
    /// decision about your history, so it refuses and says so. A cycle that only
    /// exists because Alembic kept the last-loaded copy of a duplicated id is
    /// reported as a consequence of the duplicate; `fix` resolves it by deleting
    /// the stale copy (see `duplicate-revision`).
    pub struct Cycle {
        name: "cycle",
        code: "RG105",
        severity: Error,
        group: Graph,
    }
}

pub(super) fn run(cx: &Context<'_>, sink: &mut Sink<'_>) {
    for issue in &cx.graph.issues {
        let Issue::Cycle {
            path,
            hanging,
            dependency,
        } = issue
        else {
            continue;
        };
        let mut ids: Vec<String> = path.iter().map(|&r| cx.id(r).to_owned()).collect();
        ids.push(ids[0].clone());
        let attr = if *dependency {
            Attr::DependsOn
        } else {
            Attr::DownRevision
        };
        let labels = path
            .iter()
            .enumerate()
            .map(|(i, &r)| {
                let next = path[(i + 1) % path.len()];
                let via = if cx.graph.rev(r).down().iter().any(|d| d == cx.id(next)) {
                    Attr::DownRevision
                } else {
                    attr
                };
                cx.attr_label(
                    r,
                    via,
                    format!("`{}` -> `{}`", cx.id(r), cx.id(next)),
                    i == 0,
                )
            })
            .collect();
        let kind = if *dependency {
            "dependency cycle"
        } else {
            "cycle"
        };
        let mut finding = Finding::new(format!("{kind}: {}", ids.join(" -> ")), labels)
            .note(format!(
                "Alembic raises \"{} is detected in revisions (...)\"",
                if *dependency { "Dependency cycle" } else { "Cycle" }
            ))
            .help(format!(
                "break the loop: point `{}` of one of these revisions at a revision outside the cycle",
                attr.name()
            ));
        if let Some(note) = duplicate_cause(cx, path) {
            finding = finding.note(note).help(
                "delete the stale copy that closes the loop (see duplicate-revision); `revguard fix` does this when it can tell which copy is stale",
            );
        }
        if !hanging.is_empty() {
            let hanging: Vec<String> = hanging.iter().map(|&r| cx.id(r).to_owned()).collect();
            finding = finding.note(format!(
                "hanging off the cycle (unreachable from any base until it is broken): {}",
                list(&hanging)
            ));
        }
        sink.emit(&Cycle::INFO, finding);
    }
}

/// A cycle through a duplicated id that only exists because Alembic kept
/// the last-loaded copy: another copy's parents never lead back to the id.
fn duplicate_cause(cx: &Context<'_>, path: &[crate::graph::RevIx]) -> Option<String> {
    for &r in path {
        let id = cx.id(r);
        let Some(copies) = cx.graph.issues.iter().find_map(|i| match i {
            Issue::Duplicate { id: d, revisions } if d == id => Some(revisions),
            _ => None,
        }) else {
            continue;
        };
        let winner = cx.graph.get(id)?;
        let Some(&other) = copies
            .iter()
            .find(|&&c| c != winner && !reaches(cx.graph, cx.graph.rev(c).down(), id))
        else {
            continue;
        };
        let down = cx.graph.rev(other).down();
        let revises = if down.is_empty() {
            "nothing (a base)".to_owned()
        } else {
            list(down)
        };
        return Some(format!(
            "a consequence of the duplicate `{id}`: Alembic keeps {} (the last loaded copy), whose `down_revision` closes the loop; the other copy {} revises {revises} and makes no cycle",
            cx.rev_path(winner),
            cx.rev_path(other)
        ));
    }
    None
}

/// True when walking down from `from` reaches `id`.
fn reaches(graph: &RevisionGraph, from: &[String], id: &str) -> bool {
    let mut seen = vec![false; graph.len()];
    let mut todo: Vec<&str> = from.iter().map(String::as_str).collect();
    while let Some(current) = todo.pop() {
        if current == id {
            return true;
        }
        let Some(ix) = graph.get(current) else {
            continue;
        };
        if !std::mem::replace(&mut seen[ix.0], true) {
            todo.extend(graph.rev(ix).down().iter().map(String::as_str));
        }
    }
    false
}
