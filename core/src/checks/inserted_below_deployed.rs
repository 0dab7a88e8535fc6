use super::{Context, Finding, Sink, declare_check, list};
use crate::graph::{RevIx, ancestors_of};
use crate::parse::Attr;

declare_check! {
    /// ## What it does
    /// Reports a new revision (not in `revguard.lock`, not at `--base REF`)
    /// that sits *below* revisions already applied: an ancestor of the
    /// `--deployed` revision or of a recorded revision.
    ///
    /// ## Why is this bad?
    /// Alembic decides what to run from the graph: everything below the
    /// database's revision counts as applied. A migration inserted into the
    /// middle of the chain (by re-pointing an existing child onto it) is
    /// therefore never run on any database already past that point, and no
    /// tool says so. Fresh databases run it, so environments drift.
    ///
    /// ## Example
    /// The lock ends at `043`; a branch adds `041a` with
    /// `down_revision = "041"` and changes `042` to `down_revision = "041a"`.
    ///
    /// ## Use instead
    /// Put the new migration on top of the head (`down_revision = "043"`)
    /// and restore the recorded `down_revision` of the revision above it.
    pub struct InsertedBelowDeployed {
        name: "inserted-below-deployed",
        code: "RG301",
        severity: Error,
        group: History,
    }
}

pub(super) fn run(cx: &Context<'_>, sink: &mut Sink<'_>) {
    let history = &cx.request.options.history;
    if history.lock.is_none() && history.base.is_none() {
        return;
    }
    let state = cx.history();
    let recorded = state.recorded();
    if recorded.is_empty() {
        return;
    }
    let deployed = state.deployed.as_deref().and_then(|d| cx.graph.get(d));
    let anchors: Vec<_> = recorded
        .iter()
        .filter_map(|id| cx.graph.get(id))
        .chain(deployed)
        .collect();
    let below = ancestors_of(cx.graph, &anchors);
    let below_deployed = deployed.map(|d| ancestors_of(cx.graph, &[d]));
    let heads: Vec<String> = state.recorded_heads();
    for &ix in &cx.graph.map {
        let id = cx.id(ix);
        if recorded.contains(id) || !below.contains(&ix) || Some(ix) == deployed {
            continue;
        }
        // Which applied revisions (recorded, or the deployed one) now name it?
        let applied = |c: RevIx| recorded.contains(cx.id(c)) || Some(c) == deployed;
        let above: Vec<String> = cx
            .graph
            .map
            .iter()
            .filter(|c| applied(**c) && cx.graph.rev(**c).down().iter().any(|d| d == id))
            .map(|c| cx.id(*c).to_owned())
            .collect();
        let point = match (&below_deployed, state.deployed.as_deref()) {
            (Some(set), Some(d)) if set.contains(&ix) => format!("the deployed revision `{d}`"),
            _ => format!("{} recorded in {}", list(&heads), state.source()),
        };
        let mut finding = Finding::new(
            format!("new revision `{id}` is inserted below {point}: Alembic will never run it there"),
            vec![cx.attr_label(ix, Attr::DownRevision, "new, but below applied history", true)],
        )
        .note("Alembic treats everything below a database's revision as applied, so databases already past this point skip it; fresh databases run it");
        if !above.is_empty() {
            finding = finding.note(format!(
                "{} now names `{id}` in `down_revision`",
                list(&above)
            ));
        }
        let top = single_head(cx)
            .or_else(|| heads.first().cloned())
            .unwrap_or_default();
        let earlier = if above.iter().all(|a| recorded.contains(a)) {
            "recorded"
        } else {
            "earlier"
        };
        finding = finding.help(if above.is_empty() {
            format!("move `{id}` on top of the head (`down_revision = \"{top}\"`)")
        } else {
            format!(
                "move `{id}` on top of the head (`down_revision = \"{top}\"`) and restore the {earlier} `down_revision` of {}",
                list(&above)
            )
        });
        sink.emit(&InsertedBelowDeployed::INFO, finding);
    }
}

/// The head a new revision belongs on: the graph's only head, when it has
/// one. The recorded head is stale when the deployed revision sits above it.
fn single_head(cx: &Context<'_>) -> Option<String> {
    let mut heads = cx
        .graph
        .heads
        .iter()
        .filter(|&&h| !cx.graph.rev(h).shadowed);
    match (heads.next(), heads.next()) {
        (Some(&head), None) => Some(cx.id(head).to_owned()),
        _ => None,
    }
}
