//! Walks over the winning revisions that the history checks, the lock file
//! and `fix` share: ancestry along `down_revision` and a stable topological
//! order.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet};

use super::{RevIx, RevisionGraph};

/// The winning revisions in topological order (parents first, ties in map
/// order), along `down_revision` edges. `None` on a cycle.
pub(crate) fn topological(graph: &RevisionGraph) -> Option<Vec<RevIx>> {
    let position: HashMap<RevIx, usize> = graph
        .map
        .iter()
        .enumerate()
        .map(|(i, ix)| (*ix, i))
        .collect();
    let mut pending: HashMap<RevIx, usize> = HashMap::new();
    let mut children: HashMap<RevIx, Vec<RevIx>> = HashMap::new();
    for &ix in &graph.map {
        let mut parents: Vec<RevIx> = graph
            .rev(ix)
            .down()
            .iter()
            .filter_map(|d| graph.get(d))
            .collect();
        parents.sort();
        parents.dedup();
        pending.insert(ix, parents.len());
        for p in parents {
            children.entry(p).or_default().push(ix);
        }
    }
    let mut ready: BinaryHeap<Reverse<(usize, RevIx)>> = graph
        .map
        .iter()
        .filter(|ix| pending[ix] == 0)
        .map(|ix| Reverse((position[ix], *ix)))
        .collect();
    let mut out = Vec::with_capacity(graph.map.len());
    while let Some(Reverse((_, ix))) = ready.pop() {
        out.push(ix);
        for child in children.get(&ix).into_iter().flatten() {
            let n = pending.get_mut(child)?;
            *n -= 1;
            if *n == 0 {
                ready.push(Reverse((position[child], *child)));
            }
        }
    }
    (out.len() == graph.map.len()).then_some(out)
}

/// Ancestors of several revisions (inclusive), by `down_revision`, through
/// the winning objects.
pub(crate) fn ancestors_of(graph: &RevisionGraph, from: &[RevIx]) -> HashSet<RevIx> {
    let mut seen: HashSet<RevIx> = HashSet::new();
    let mut stack: Vec<RevIx> = from.to_vec();
    while let Some(ix) = stack.pop() {
        if !seen.insert(ix) {
            continue;
        }
        for d in graph.rev(ix).down() {
            if let Some(p) = graph.get(d)
                && !seen.contains(&p)
            {
                stack.push(p);
            }
        }
    }
    seen
}
