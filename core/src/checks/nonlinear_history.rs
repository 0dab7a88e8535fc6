use super::{Context, Finding, Sink, declare_check, list};
use crate::graph::RevIx;
use crate::parse::Attr;
use crate::policy::Policy;

declare_check! {
    /// ## What it does
    /// Under the `linear` policy, reports every branch point (a revision with
    /// two or more children) and merge point (a revision with two or more
    /// parents).
    ///
    /// ## Why is this bad?
    /// Teams that choose `linear` want one straight chain, so that the order
    /// migrations run in is the order they were written and every database
    /// passes through the same states. Merges hide ordering bugs between the
    /// merged branches.
    ///
    /// ## Example
    /// `m.py` has `down_revision = ("b", "c")`.
    ///
    /// ## Use instead
    /// Re-point the later branch onto the other head instead of merging.
    pub struct NonlinearHistory {
        name: "nonlinear-history",
        code: "RG114",
        severity: Error,
        group: Graph,
    }
}

pub(super) fn run(cx: &Context<'_>, sink: &mut Sink<'_>) {
    if cx.request.options.policy != Policy::Linear {
        return;
    }
    let graph = cx.graph;
    for &ix in &graph.map {
        let rev = graph.rev(ix);
        if rev.down().len() > 1 {
            sink.emit(
                &NonlinearHistory::INFO,
                Finding::new(
                    format!("`{}` merges {} (policy `linear` allows no merges)", rev.id, list(rev.down())),
                    vec![cx.attr_label(ix, Attr::DownRevision, "merge point", true)],
                )
                .help("re-point one branch onto the other instead of merging, then delete the merge revision"),
            );
        }
        let children: Vec<RevIx> = graph.children(ix);
        if children.len() > 1 {
            let ids: Vec<String> = children.iter().map(|&c| cx.id(c).to_owned()).collect();
            let labels = children
                .iter()
                .map(|&c| {
                    cx.attr_label(c, Attr::DownRevision, format!("revises `{}`", rev.id), true)
                })
                .collect();
            sink.emit(
                &NonlinearHistory::INFO,
                Finding::new(
                    format!("`{}` has {} children: {} (policy `linear` allows no branches)", rev.id, ids.len(), list(&ids)),
                    labels,
                )
                .help("chain the children one after another: point the later one's `down_revision` at the earlier one"),
            );
        }
    }
}
