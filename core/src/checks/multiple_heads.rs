use std::collections::BTreeSet;

use rustc_hash::FxHashSet as HashSet;

use super::{Context, Finding, Sink, declare_check, list};
use crate::graph::RevIx;
use crate::graph::alembic::MULTIPLE_HEADS;
use crate::parse::Attr;
use crate::policy::Policy;

declare_check! {
    /// ## What it does
    /// Reports more than one versioned head: two migrations that revise the
    /// same parent (usually from two branches merged in git). Names each
    /// head, its file and the revision they share. Under the `branches`
    /// policy, only heads in the same labelled branch are reported (a head
    /// whose `branch_labels` comes from an imported constant may be a
    /// branch of its own and is not grouped with others).
    /// Phantom heads left by duplicate ids are reported by
    /// `duplicate-revision` instead.
    ///
    /// ## Why is this bad?
    /// `alembic upgrade head` fails with "Multiple head revisions are present
    /// for given argument 'head'", typically at deploy time in a pod's init
    /// container. A head that another revision only *depends on* (an
    /// "effective head") counts too: `upgrade heads` works, `upgrade head`
    /// does not.
    ///
    /// ## Example
    /// `042_a.py` and `042_b.py` both have `down_revision = "041"`.
    ///
    /// ## Use instead
    /// Re-point one onto the other (`down_revision = "042_a"`) or add a merge
    /// revision (`alembic merge heads`).
    ///
    /// ## What `revguard fix` does
    /// Under `single-head` it writes a merge revision; under `linear` it re-points
    /// the newer branch onto the other head; under `branches` it does nothing. It
    /// refuses when a head exists only because a parent is missing (see
    /// `missing-parent`), and when a head's own branch carries a branch label, or
    /// may carry one through a `branch_labels` that is not a literal (an imported
    /// constant, as in expand/contract projects): labelled branches are separate
    /// by design, so it suggests `--policy branches` instead.
    pub struct MultipleHeads {
        name: "multiple-heads",
        code: "RG102",
        severity: Error,
        group: Graph,
    }
}

pub(super) fn run(cx: &Context<'_>, sink: &mut Sink<'_>) {
    // A broken graph (unknown values, dangling references, self-references,
    // cycles) makes extra heads as a symptom; the root cause is reported by
    // its own check, and Alembic stops on it before counting heads.
    let broken = cx.graph.issues.iter().any(|i| {
        matches!(
            i,
            crate::graph::Issue::MissingRef {
                kind: crate::graph::RefKind::Down,
                ..
            } | crate::graph::Issue::LabelAsParent { .. }
                | crate::graph::Issue::SelfReference { .. }
                | crate::graph::Issue::Cycle { .. }
        )
    });
    // A number in a `down_revision` stops Alembic with a TypeError while it
    // links the map, before any head is counted (invalid-revision-id).
    let numeric_parent = cx
        .graph
        .map
        .iter()
        .any(|&ix| !cx.graph.rev(ix).down_ints.is_empty());
    if cx.incomplete() || broken || numeric_parent {
        return;
    }
    let graph = cx.graph;
    let heads: Vec<RevIx> = graph
        .heads
        .iter()
        .copied()
        .filter(|&h| !graph.rev(h).shadowed)
        .collect();
    if heads.len() < 2 {
        return;
    }
    let groups = if cx.request.options.policy == Policy::Branches {
        branch_groups(cx, &heads)
    } else {
        vec![heads]
    };
    for heads in groups {
        let ids: Vec<String> = heads.iter().map(|&h| cx.id(h).to_owned()).collect();
        let labels = heads
            .iter()
            .map(|&h| {
                let what = if graph.is_effective_head(h) {
                    let users: Vec<String> = graph
                        .all_children(h)
                        .iter()
                        .map(|&c| cx.id(c).to_owned())
                        .collect();
                    format!(
                        "effective head `{}` (only {} depend{} on it)",
                        cx.id(h),
                        list(&users),
                        if users.len() == 1 { "s" } else { "" }
                    )
                } else {
                    format!("head `{}`", cx.id(h))
                };
                cx.attr_label(h, Attr::Revision, what, true)
            })
            .collect();
        let mut finding = Finding::new(format!("{} heads: {}", heads.len(), list(&ids)), labels)
            .note(format!(
                "`alembic upgrade head` fails: \"{}\"",
                MULTIPLE_HEADS.split(';').next().unwrap_or(MULTIPLE_HEADS)
            ));
        let shared = shared_ancestor(cx, &heads);
        if let Some(base) = shared {
            finding = finding.note(format!(
                "they share `{}` ({}); each branch was written on top of it",
                cx.id(base),
                cx.rev_path(base)
            ));
        }
        if heads
            .iter()
            .all(|&h| graph.is_effective_head(h) || graph.real_heads.contains(&h))
            && graph.real_heads.len() == 1
        {
            finding = finding.note("`alembic upgrade heads` works because the other heads are dependencies of the real head");
        }
        let help = match (shared, &heads[..]) {
            (Some(base), [first, .., last]) => {
                let root = branch_root(cx, *last, base);
                format!(
                    "re-point `{}` ({}) from `down_revision = \"{}\"` to `down_revision = \"{}\"`, or merge with `alembic merge heads -m \"merge heads\"`",
                    cx.id(root),
                    cx.rev_path(root),
                    cx.id(base),
                    cx.id(*first)
                )
            }
            _ => "merge the heads with `alembic merge heads -m \"merge heads\"`".to_owned(),
        };
        sink.emit(&MultipleHeads::INFO, finding.help(help));
    }
}

/// Under `branches`: heads grouped by the labels they inherit; only groups
/// of several heads are reported.
fn branch_groups(cx: &Context<'_>, heads: &[RevIx]) -> Vec<Vec<RevIx>> {
    let graph = cx.graph;
    // Heads with the same set of inherited labels are in the same branch.
    // A `branch_labels` that is not a literal (an imported constant)
    // may name a branch of its own: such a head is not grouped with
    // any other.
    let mut groups: Vec<(BTreeSet<String>, Vec<RevIx>)> = Vec::new();
    for &head in heads {
        let mut labels: BTreeSet<String> = graph.rev(head).labels.iter().cloned().collect();
        for ancestor in graph.ancestors(head, false) {
            labels.extend(graph.rev(ancestor).labels.iter().cloned());
        }
        let mut lineage = std::iter::once(head).chain(graph.ancestors(head, false));
        if lineage.any(|ix| dynamic_labels(cx, ix)) {
            // Not a possible label (labels cannot contain a space).
            labels.insert(format!("dynamic {}", cx.id(head)));
        }
        match groups.iter_mut().find(|(l, _)| *l == labels) {
            Some((_, members)) => members.push(head),
            None => groups.push((labels, vec![head])),
        }
    }
    groups
        .into_iter()
        .map(|(_, m)| m)
        .filter(|m| m.len() > 1)
        .collect()
}

/// True when a revision's `branch_labels` is bound to something other than
/// a literal.
fn dynamic_labels(cx: &Context<'_>, ix: RevIx) -> bool {
    cx.loaded.files[cx.graph.rev(ix).file]
        .module
        .as_ref()
        .and_then(|m| m.facts.get(Attr::BranchLabels))
        .is_some_and(|b| crate::graph::strings_of(&b.value).is_none())
}

/// The nearest revision that is an ancestor (or self) of every head: a
/// breadth-first walk down from the first head, checked against the other
/// heads' ancestor sets (linear in the graph size per head).
fn shared_ancestor(cx: &Context<'_>, heads: &[RevIx]) -> Option<RevIx> {
    let graph = cx.graph;
    let (first, others) = heads.split_first()?;
    let sets: Vec<HashSet<RevIx>> = others
        .iter()
        .map(|&h| {
            let mut set: HashSet<RevIx> = graph.ancestors(h, false).into_iter().collect();
            set.insert(h);
            set
        })
        .collect();
    let mut seen: HashSet<RevIx> = HashSet::from_iter([*first]);
    let mut queue = std::collections::VecDeque::from([*first]);
    while let Some(current) = queue.pop_front() {
        if sets.iter().all(|s| s.contains(&current)) {
            return Some(current);
        }
        for parent in graph
            .rev(current)
            .down()
            .iter()
            .filter_map(|d| graph.get(d))
        {
            if seen.insert(parent) {
                queue.push_back(parent);
            }
        }
    }
    None
}

/// The first revision above `base` on the way to `head`.
fn branch_root(cx: &Context<'_>, head: RevIx, base: RevIx) -> RevIx {
    let graph = cx.graph;
    let mut current = head;
    for _ in 0..graph.len() {
        let parents: Vec<RevIx> = graph
            .rev(current)
            .down()
            .iter()
            .filter_map(|d| graph.get(d))
            .collect();
        if parents.contains(&base) || parents.is_empty() {
            return current;
        }
        current = parents[0];
    }
    current
}
