use super::{Context, Finding, Sink, declare_check, list};
use crate::graph::Issue;
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
