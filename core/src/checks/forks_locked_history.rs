use super::{Context, Finding, Sink, declare_check, list};
use crate::graph::ancestors_of;
use crate::parse::Attr;
use crate::policy::Policy;

declare_check! {
    /// ## What it does
    /// Reports a new revision (not in `revguard.lock`, not at `--base REF`)
    /// that is not on top of the recorded head: its `down_revision` names a
    /// recorded revision other than the head, or nothing at all (a new
    /// base). New labelled branches (`branch_labels`) and the `branches`
    /// policy are left alone.
    ///
    /// ## Why is this bad?
    /// The branch was started from an old checkout: another migration landed
    /// on the head meanwhile. Merged as is, the graph has two heads and
    /// `alembic upgrade head` fails at deploy time ("Multiple head revisions
    /// are present"); with a merge revision, the two branches run in an
    /// order nobody reviewed.
    ///
    /// ## Example
    /// The lock's head is `043`; a new `044` says `down_revision = "042"`.
    ///
    /// ## Use instead
    /// Re-point the new revision onto the head (`down_revision = "043"`, and
    /// `Revises: 043` in the docstring), or merge deliberately and re-lock
    /// with `revguard lock`.
    pub struct ForksLockedHistory {
        name: "forks-locked-history",
        code: "RG305",
        severity: Error,
        group: History,
    }
}

pub(super) fn run(cx: &Context<'_>, sink: &mut Sink<'_>) {
    let history = &cx.request.options.history;
    if history.lock.is_none() && history.base.is_none() {
        return;
    }
    if cx.request.options.policy == Policy::Branches {
        return;
    }
    let state = cx.history();
    let recorded = state.recorded();
    if recorded.is_empty() {
        return;
    }
    let heads = state.recorded_heads();
    let anchors: Vec<_> = recorded
        .iter()
        .filter_map(|id| cx.graph.get(id))
        .chain(state.deployed.as_deref().and_then(|d| cx.graph.get(d)))
        .collect();
    let below = ancestors_of(cx.graph, &anchors);
    for &ix in &cx.graph.map {
        let rev = cx.graph.rev(ix);
        if recorded.contains(&rev.id) || below.contains(&ix) || !rev.labels.is_empty() {
            continue;
        }
        let down = rev.down();
        if down.iter().any(|d| heads.contains(d)) {
            continue;
        }
        // Only the first new revision of a chain: its parents are recorded
        // (or it has none); chains built on new revisions follow it.
        if down.iter().any(|d| !recorded.contains(d)) {
            continue;
        }
        let id = &rev.id;
        let from = if down.is_empty() {
            "starts a new base".to_owned()
        } else {
            format!("starts from {}", list(down))
        };
        let top = heads.first().cloned().unwrap_or_default();
        let finding = Finding::new(
            format!(
                "new revision `{id}` {from}, not from the recorded head {}",
                list(&heads)
            ),
            vec![cx.attr_label(ix, Attr::DownRevision, format!("should be `{top}`"), true)],
        )
        .note(format!(
            "recorded in {}; merged as is, the graph forks and `alembic upgrade head` fails with two heads",
            state.source()
        ))
        .help(format!(
            "re-point it onto the head: `down_revision = \"{top}\"` (and `Revises: {top}` in the docstring); if the branch is deliberate, merge it and re-lock with `revguard lock`"
        ));
        sink.emit(&ForksLockedHistory::INFO, finding);
    }
}
