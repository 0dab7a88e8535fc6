//! Building the [`RevisionGraph`] from loaded files.

use std::collections::hash_map::Entry;

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use petgraph::Direction;
use petgraph::algo::kosaraju_scc;
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::{EdgeFiltered, EdgeRef};

use super::{Edge, Issue, Known, RefKind, RevIx, Revision, RevisionGraph};
use crate::load::{Loaded, Status};
use crate::parse::{Attr, ParsedModule, Value};

/// Why a loaded file has no usable revision id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdProblem {
    /// No `revision` binding and the name is not `<lowercase hex>.py`.
    Missing,
    /// `revision = None`.
    NoneValue,
    /// A literal of the wrong type (what it is).
    Invalid(String),
    /// Not knowable statically.
    Dynamic,
    /// The file does not parse and no binding was found before the error.
    Syntax,
    /// The host did not read the file (why).
    Unread(String),
}

/// Strings from a literal: a str, or a tuple/list of strs, or None.
pub(crate) fn strings(value: &Value) -> Option<Vec<String>> {
    match value {
        Value::Str { value, .. } => Some(vec![value.clone()]),
        Value::None { .. } => Some(Vec::new()),
        Value::Seq { items, .. } => items
            .iter()
            .map(|item| match item {
                Value::Str { value, .. } => Some(value.clone()),
                _ => None,
            })
            .collect(),
        _ => None,
    }
}

/// `down_revision` as strings plus any integer literals in it; anything else
/// that is not a string makes it unknown.
fn split_down(module: &ParsedModule, value: &Value) -> (Known<Vec<String>>, Vec<String>) {
    let number = |v: &Value| match v {
        Value::Invalid { what, span } if what == "a number" => {
            Some(module.slice(*span).trim().to_owned())
        }
        _ => None,
    };
    if let Some(list) = strings(value) {
        return (Known::Yes(list), Vec::new());
    }
    if let Some(n) = number(value) {
        return (Known::Yes(Vec::new()), vec![n]);
    }
    // A bytes literal is, to Alembic's `to_tuple`, a tuple of ints: the
    // first missing "parent" it warns about cannot be formatted (TypeError).
    if matches!(value, Value::Invalid { what, .. } if what == "bytes") {
        return (Known::Yes(Vec::new()), vec!["bytes".to_owned()]);
    }
    if let Value::Seq { items, .. } = value {
        let mut strs = Vec::new();
        let mut ints = Vec::new();
        for item in items {
            match item {
                Value::Str { value, .. } => strs.push(value.clone()),
                other => match number(other) {
                    Some(n) => ints.push(n),
                    None => return (Known::Unknown, Vec::new()),
                },
            }
        }
        return (Known::Yes(strs), ints);
    }
    (Known::Unknown, Vec::new())
}

/// The id Alembic derives for a module (`docs/alembic-semantics.md`, section 4).
pub(crate) fn revision_id(module: &ParsedModule, file_name: &str) -> Result<String, IdProblem> {
    match module.facts.get(Attr::Revision).map(|b| &b.value) {
        Some(Value::Str { value, .. }) => Ok(value.clone()),
        Some(Value::None { .. }) => Err(IdProblem::NoneValue),
        Some(Value::Invalid { what, .. }) => Err(IdProblem::Invalid(what.clone())),
        Some(Value::Seq { .. }) => Err(IdProblem::Invalid("a tuple or list".into())),
        Some(Value::Dynamic { .. }) => Err(IdProblem::Dynamic),
        None if module.facts.syntax_error.is_some() => Err(IdProblem::Syntax),
        None => legacy_id(file_name).ok_or(IdProblem::Missing),
    }
}

/// `([a-f0-9]+)\.py$` matched from the start of the name.
pub(crate) fn legacy_id(file_name: &str) -> Option<String> {
    let stem = file_name.strip_suffix(".py")?;
    (!stem.is_empty()
        && stem
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
    .then(|| stem.to_owned())
}

impl RevisionGraph {
    /// Build the graph from loaded files.
    pub fn build(loaded: &Loaded) -> RevisionGraph {
        let mut revisions = Vec::new();
        let mut unknown_ids = Vec::new();
        for &file in &loaded.order {
            let source = &loaded.files[file];
            let module = match (&source.status, &source.module) {
                (Status::Loaded(_), Some(module)) => module,
                (Status::Unread(reason), _) => {
                    unknown_ids.push((file, IdProblem::Unread(reason.clone())));
                    continue;
                }
                _ => continue,
            };
            let id = match revision_id(module, &source.name) {
                Ok(id) => id,
                Err(problem) => {
                    unknown_ids.push((file, problem));
                    continue;
                }
            };
            let list = |attr: Attr| module.facts.get(attr).and_then(|b| strings(&b.value));
            let (down, down_ints) = match module.facts.get(Attr::DownRevision) {
                Some(binding) => split_down(module, &binding.value),
                None => (Known::Unknown, Vec::new()),
            };
            let doc = module
                .facts
                .docstring
                .as_ref()
                .map(|d| doc_paragraph(&d.text))
                .unwrap_or_default();
            let spans = Attr::ALL.map(|attr| module.facts.get(attr).map(|b| b.statement));
            revisions.push(Revision {
                id,
                file,
                down,
                down_ints,
                labels: list(Attr::BranchLabels).unwrap_or_default(),
                deps: list(Attr::DependsOn).unwrap_or_default(),
                doc,
                shadowed: false,
                spans,
            });
        }
        Self::from_revisions(revisions, unknown_ids)
    }

    /// Build from revision objects already in load order.
    pub fn from_revisions(
        mut revisions: Vec<Revision>,
        unknown_ids: Vec<(usize, IdProblem)>,
    ) -> RevisionGraph {
        let mut issues = Vec::new();
        let (by_id, map) = winners(&mut revisions, &mut issues);
        self_references(&revisions, &mut issues);
        let labels = branch_labels(&revisions, &by_id, &mut issues);
        let edges = Edges::link(&revisions, &by_id, &labels, &mut issues);
        let all = || (0..revisions.len()).map(RevIx);
        let rev = |ix: &RevIx| &revisions[ix.0];
        let heads = all()
            .filter(|ix| rev(ix).shadowed || !edges.down_children[ix.0])
            .collect();
        let real_heads = all()
            .filter(|ix| rev(ix).shadowed || !edges.any_children[ix.0])
            .collect();
        let bases = all().filter(|ix| rev(ix).is_base()).collect();
        let real_bases = all()
            .filter(|ix| rev(ix).is_base() && rev(ix).deps.is_empty())
            .collect();
        let mut graph = RevisionGraph {
            revisions,
            unknown_ids,
            map,
            heads,
            real_heads,
            bases,
            real_bases,
            issues,
            by_id,
            labels,
            graph: edges.graph,
            nodes: edges.nodes,
        };
        graph.find_cycles();
        graph
    }

    /// Report each non-trivial strongly connected component as a cycle path,
    /// first along `down_revision`, then along `down_revision` + `depends_on`.
    fn find_cycles(&mut self) {
        let mut in_cycle = vec![false; self.revisions.len()];
        let down_only = EdgeFiltered::from_fn(&self.graph, |e| *e.weight() == Edge::Down);
        let mut found = Vec::new();
        for scc in kosaraju_scc(&down_only) {
            if scc.len() > 1 {
                found.push((scc, false));
            }
        }
        for scc in kosaraju_scc(&self.graph) {
            if scc.len() > 1 && !scc.iter().all(|n| found.iter().any(|(s, _)| s.contains(n))) {
                found.push((scc, true));
            }
        }
        let mut cycles = Vec::new();
        for (scc, dependency) in found {
            let members: HashSet<NodeIndex> = scc.iter().copied().collect();
            let path = self.cycle_path(&members, dependency);
            for &ix in &path {
                in_cycle[ix.0] = true;
            }
            cycles.push((path, members, dependency));
        }
        cycles.sort_by_key(|(path, _, _)| path[0]);
        for (path, members, dependency) in cycles {
            let hanging = self.hanging_off(members, dependency, &in_cycle);
            self.issues.push(Issue::Cycle {
                path,
                hanging,
                dependency,
            });
        }
    }

    /// Descendants of a cycle that are in no cycle themselves: they hang
    /// off it (unreachable from any base), in load order.
    fn hanging_off(
        &self,
        members: HashSet<NodeIndex>,
        dependency: bool,
        in_cycle: &[bool],
    ) -> Vec<RevIx> {
        let mut hanging = Vec::new();
        let mut stack: Vec<NodeIndex> = members.iter().copied().collect();
        let mut seen = members;
        while let Some(node) = stack.pop() {
            for edge in self.graph.edges_directed(node, Direction::Incoming) {
                if !dependency && *edge.weight() != Edge::Down {
                    continue;
                }
                let child = edge.source();
                if seen.insert(child) {
                    let ix = self.graph[child];
                    if !in_cycle[ix.0] {
                        hanging.push(ix);
                    }
                    stack.push(child);
                }
            }
        }
        hanging.sort();
        hanging
    }

    /// One concrete cycle inside a strongly connected component, starting at
    /// its first-loaded member and following parent edges.
    fn cycle_path(&self, members: &HashSet<NodeIndex>, dependency: bool) -> Vec<RevIx> {
        let start = members
            .iter()
            .copied()
            .min_by_key(|n| self.graph[*n])
            .unwrap_or_default();
        let mut position: HashMap<NodeIndex, usize> = HashMap::default();
        let mut walk = Vec::new();
        let mut current = start;
        loop {
            if let Some(&at) = position.get(&current) {
                return walk[at..].iter().map(|n| self.graph[*n]).collect();
            }
            position.insert(current, walk.len());
            walk.push(current);
            let mut next: Vec<(RevIx, NodeIndex)> = self
                .graph
                .edges_directed(current, Direction::Outgoing)
                .filter(|e| {
                    (dependency || *e.weight() == Edge::Down) && members.contains(&e.target())
                })
                .map(|e| (self.graph[e.target()], e.target()))
                .collect();
            next.sort();
            match next.first() {
                Some(&(_, node)) => current = node,
                None => return walk.iter().map(|n| self.graph[*n]).collect(),
            }
        }
    }
}

/// The map: the last object per id wins, keeping the first position. Marks
/// the earlier copies shadowed and reports each duplicated id.
fn winners(
    revisions: &mut [Revision],
    issues: &mut Vec<Issue>,
) -> (HashMap<String, RevIx>, Vec<RevIx>) {
    let mut by_id: HashMap<String, RevIx> =
        HashMap::with_capacity_and_hasher(revisions.len(), Default::default());
    let mut map: Vec<RevIx> = Vec::with_capacity(revisions.len());
    let mut dups: HashMap<String, Vec<RevIx>> = HashMap::default();
    for (i, rev) in revisions.iter().enumerate() {
        let ix = RevIx(i);
        match by_id.entry(rev.id.clone()) {
            Entry::Occupied(mut slot) => {
                let previous = slot.insert(ix);
                dups.entry(rev.id.clone())
                    .or_insert_with(|| vec![previous])
                    .push(ix);
            }
            Entry::Vacant(slot) => {
                slot.insert(ix);
                map.push(ix);
            }
        }
    }
    if !dups.is_empty() {
        for slot in &mut map {
            *slot = by_id[&revisions[slot.0].id];
        }
    }
    let mut groups: Vec<(String, Vec<RevIx>)> = dups.into_iter().collect();
    groups.sort_by_key(|(_, all)| all[0]);
    for (id, all) in groups {
        for &ix in &all[..all.len() - 1] {
            revisions[ix.0].shadowed = true;
        }
        issues.push(Issue::Duplicate { id, revisions: all });
    }
    (by_id, map)
}

/// Revisions naming themselves in `down_revision` or `depends_on`.
fn self_references(revisions: &[Revision], issues: &mut Vec<Issue>) {
    for (i, rev) in revisions.iter().enumerate() {
        if rev.down().contains(&rev.id) {
            issues.push(Issue::SelfReference {
                rev: RevIx(i),
                kind: RefKind::Down,
            });
        }
        if rev.deps.contains(&rev.id) {
            issues.push(Issue::SelfReference {
                rev: RevIx(i),
                kind: RefKind::Dep,
            });
        }
    }
}

/// Branch labels share the id namespace: the first holder of each label
/// owns it; a second holder, or a label equal to an id, is a conflict.
fn branch_labels(
    revisions: &[Revision],
    by_id: &HashMap<String, RevIx>,
    issues: &mut Vec<Issue>,
) -> HashMap<String, RevIx> {
    let mut labels: HashMap<String, RevIx> = HashMap::default();
    for (i, rev) in revisions.iter().enumerate() {
        let ix = RevIx(i);
        for label in &rev.labels {
            let (first, with_id) = match (by_id.get(label), labels.get(label)) {
                (Some(&owner), _) => (owner, true),
                (None, Some(&first)) => (first, false),
                (None, None) => {
                    labels.insert(label.clone(), ix);
                    continue;
                }
            };
            issues.push(Issue::LabelConflict {
                label: label.clone(),
                first,
                second: ix,
                with_id,
            });
        }
    }
    labels
}

/// The petgraph edges (child -> parent) and which revisions have children.
struct Edges {
    graph: DiGraph<RevIx, Edge>,
    nodes: Vec<Option<NodeIndex>>,
    /// Named in some winner's `down_revision`.
    down_children: Vec<bool>,
    /// Named in some winner's `down_revision` or `depends_on`.
    any_children: Vec<bool>,
}

impl Edges {
    /// Link every object's references. Only winners get edges (Alembic
    /// never links a shadowed copy), but a shadowed copy's dangling
    /// reference is still reported.
    fn link(
        revisions: &[Revision],
        by_id: &HashMap<String, RevIx>,
        labels: &HashMap<String, RevIx>,
        issues: &mut Vec<Issue>,
    ) -> Edges {
        let mut graph: DiGraph<RevIx, Edge> =
            DiGraph::with_capacity(revisions.len(), revisions.len());
        let nodes: Vec<Option<NodeIndex>> = (0..revisions.len())
            .map(|i| Some(graph.add_node(RevIx(i))))
            .collect();
        let mut edges = Edges {
            graph,
            nodes,
            down_children: vec![false; revisions.len()],
            any_children: vec![false; revisions.len()],
        };
        // Alembic resolves a `depends_on` label to its owner's id and looks
        // that id up again: a label on a shadowed copy names the kept one.
        let dep_labels: HashMap<String, RevIx> = labels
            .iter()
            .filter_map(|(label, owner)| Some((label.clone(), *by_id.get(&revisions[owner.0].id)?)))
            .collect();
        for (i, rev) in revisions.iter().enumerate() {
            let linked = edges.link_parents(RevIx(i), rev, by_id, labels, issues);
            edges.link_dependencies(RevIx(i), rev, by_id, &dep_labels, &linked, issues);
        }
        edges
    }

    /// `down_revision` edges (a label written as a parent resolves to its
    /// owner, and is reported); returns the parents linked.
    fn link_parents(
        &mut self,
        ix: RevIx,
        rev: &Revision,
        by_id: &HashMap<String, RevIx>,
        labels: &HashMap<String, RevIx>,
        issues: &mut Vec<Issue>,
    ) -> HashSet<RevIx> {
        let mut linked: HashSet<RevIx> = HashSet::default();
        for target in rev.down() {
            if *target == rev.id {
                continue;
            }
            let parent = match (by_id.get(target), labels.get(target)) {
                (Some(&p), _) => p,
                (None, Some(&owner)) => {
                    issues.push(Issue::LabelAsParent {
                        from: ix,
                        label: target.clone(),
                        owner,
                    });
                    owner
                }
                (None, None) => {
                    issues.push(Issue::MissingRef {
                        from: ix,
                        target: target.clone(),
                        kind: RefKind::Down,
                    });
                    continue;
                }
            };
            if !rev.shadowed && linked.insert(parent) {
                self.add(ix, parent, Edge::Down);
                self.down_children[parent.0] = true;
                self.any_children[parent.0] = true;
            }
        }
        linked
    }

    /// `depends_on` edges (by id or label), except to a parent already
    /// linked by `down_revision`.
    fn link_dependencies(
        &mut self,
        ix: RevIx,
        rev: &Revision,
        by_id: &HashMap<String, RevIx>,
        labels: &HashMap<String, RevIx>,
        linked: &HashSet<RevIx>,
        issues: &mut Vec<Issue>,
    ) {
        for dep in &rev.deps {
            if *dep == rev.id {
                continue;
            }
            let Some(&target) = by_id.get(dep).or_else(|| labels.get(dep)) else {
                issues.push(Issue::MissingRef {
                    from: ix,
                    target: dep.clone(),
                    kind: RefKind::Dep,
                });
                continue;
            };
            if !rev.shadowed && !linked.contains(&target) {
                self.add(ix, target, Edge::Dep);
                self.any_children[target.0] = true;
            }
        }
    }

    fn add(&mut self, child: RevIx, parent: RevIx, kind: Edge) {
        self.graph.add_edge(
            self.nodes[child.0].unwrap_or_default(),
            self.nodes[parent.0].unwrap_or_default(),
            kind,
        );
    }
}

/// Alembic's `doc`: the stripped docstring up to the first blank line.
pub(crate) fn doc_paragraph(docstring: &str) -> String {
    let doc = docstring.trim();
    doc.split("\n\n").next().unwrap_or("").to_owned()
}
