//! Phase 3: Alembic's `RevisionMap`, rebuilt statically
//! (`docs/alembic-semantics.md`, section 5).
//!
//! [`RevisionGraph::build`] turns the loaded files into revision objects in
//! load order and reproduces what Alembic computes: the map (last-loaded
//! duplicate wins, keeping its first position), versioned heads including the
//! phantom heads of shadowed duplicates, real heads (counting `depends_on`),
//! bases and real bases. Where Alembic stops at the first problem, this keeps
//! going and records every problem as an [`Issue`]; [`alembic`] separately
//! predicts the exact exception Alembic would raise.
//!
//! Edges live in a petgraph [`DiGraph`] behind [`RevisionGraph`]; callers
//! only see revision indices ([`RevIx`]) and ids. Cycle detection uses
//! Kosaraju's SCC algorithm (`petgraph::algo::kosaraju_scc`, iterative, so a
//! 100,000-revision chain does not overflow the wasm stack), first along
//! `down_revision` edges, then along `down_revision` + `depends_on`; each
//! strongly connected component is then walked to print one concrete cycle
//! path, and the revisions hanging off it are listed apart.

pub mod alembic;
mod build;
pub mod outcome;
mod walks;

use rustc_hash::FxHashMap as HashMap;

use petgraph::graph::{DiGraph, NodeIndex};

use crate::parse::Attr;
use crate::text::Span;

pub use build::IdProblem;
pub(crate) use walks::{ancestors_of, topological};

/// Index of a revision object in [`RevisionGraph::revisions`] (load order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RevIx(pub usize);

/// What a statically read attribute turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Known<T> {
    /// A literal value.
    Yes(T),
    /// Not knowable statically (the reason is reported by `dynamic-value`).
    Unknown,
}

/// One revision object, as Alembic would create it for one file.
#[derive(Debug, Clone)]
pub struct Revision {
    /// The id.
    pub id: String,
    /// Index of the file (into the request's files).
    pub file: usize,
    /// `down_revision` entries, normalised to a list (may repeat an id).
    pub down: Known<Vec<String>>,
    /// Integer literals written in `down_revision` (Alembic accepts them at
    /// load time and crashes later), as written.
    pub down_ints: Vec<String>,
    /// `branch_labels`, in written order.
    pub labels: Vec<String>,
    /// `depends_on` entries as written.
    pub deps: Vec<String>,
    /// First paragraph of the docstring.
    pub doc: String,
    /// True when a later file with the same id replaced this one.
    pub shadowed: bool,
    /// Where each attribute is bound (for labels in diagnostics), indexed
    /// like [`Attr::ALL`].
    pub spans: [Option<Span>; 4],
}

impl Revision {
    /// Parents named in `down_revision`, or nothing when unknown.
    pub fn down(&self) -> &[String] {
        match &self.down {
            Known::Yes(down) => down,
            Known::Unknown => &[],
        }
    }

    /// The statement binding `attr`, when bound.
    pub fn span(&self, attr: Attr) -> Option<Span> {
        self.spans[attr as usize]
    }

    /// A base: `down_revision` is empty (and known).
    pub fn is_base(&self) -> bool {
        matches!(&self.down, Known::Yes(down) if down.is_empty()) && self.down_ints.is_empty()
    }
}

/// Why a reference could not be linked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefKind {
    /// From `down_revision`.
    Down,
    /// From `depends_on`.
    Dep,
}

/// A problem found while building the graph. Fields name revisions by
/// [`RevIx`]: `from`/`rev` is the revision whose file is wrong, `target` or
/// `label` the name it wrote, `owner`/`first` the revision that already has
/// the name.
#[allow(missing_docs)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Issue {
    /// The same id in several files (load order; the last one wins).
    Duplicate { id: String, revisions: Vec<RevIx> },
    /// A reference to an id that is not loaded.
    MissingRef {
        from: RevIx,
        target: String,
        kind: RefKind,
    },
    /// A `down_revision` naming a branch label instead of an id.
    LabelAsParent {
        from: RevIx,
        label: String,
        owner: RevIx,
    },
    /// The revision names itself.
    SelfReference { rev: RevIx, kind: RefKind },
    /// A branch label used twice, or equal to a revision id (`with_id`).
    LabelConflict {
        label: String,
        first: RevIx,
        second: RevIx,
        with_id: bool,
    },
    /// A cycle: the path (its first element repeats implicitly at the end)
    /// and the revisions that hang off it (unreachable from any base).
    Cycle {
        path: Vec<RevIx>,
        hanging: Vec<RevIx>,
        dependency: bool,
    },
}

/// Edge kinds in the petgraph graph (child -> parent).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Edge {
    Down,
    Dep,
}

/// The revision graph with Alembic's derived sets.
#[derive(Debug, Clone)]
pub struct RevisionGraph {
    /// Every revision object in load order (shadowed copies included).
    pub revisions: Vec<Revision>,
    /// Files Alembic imports whose id could not be determined, with why.
    pub unknown_ids: Vec<(usize, IdProblem)>,
    /// Map order: the winning object of each id, in first-load position.
    pub map: Vec<RevIx>,
    /// Versioned heads in load order (phantom heads included).
    pub heads: Vec<RevIx>,
    /// Real heads in load order.
    pub real_heads: Vec<RevIx>,
    /// Bases in load order.
    pub bases: Vec<RevIx>,
    /// Real bases in load order.
    pub real_bases: Vec<RevIx>,
    /// Everything wrong with the graph.
    pub issues: Vec<Issue>,
    by_id: HashMap<String, RevIx>,
    labels: HashMap<String, RevIx>,
    graph: DiGraph<RevIx, Edge>,
    nodes: Vec<Option<NodeIndex>>,
}

impl RevisionGraph {
    /// The winning revision for an id.
    pub fn get(&self, id: &str) -> Option<RevIx> {
        self.by_id.get(id).copied()
    }

    /// The revision carrying a branch label (the first in load order when
    /// several do; a label equal to a revision id is not a label).
    pub fn label(&self, label: &str) -> Option<RevIx> {
        self.labels.get(label).copied()
    }

    /// Every branch label with the revision carrying it, as [`Self::label`].
    pub fn label_owners(&self) -> impl Iterator<Item = (&str, RevIx)> + '_ {
        self.labels.iter().map(|(label, &ix)| (label.as_str(), ix))
    }

    /// What a `down_revision` entry links to: the kept revision with that id.
    /// A branch label is no parent (Alembic fails on it with a KeyError).
    pub fn resolve_parent(&self, name: &str) -> Option<RevIx> {
        self.get(name)
    }

    /// What a `depends_on` entry links to: the kept revision with that id,
    /// else the revision a branch label names. Alembic turns the label into
    /// its owner's id and looks the id up again, so a label carried by a
    /// shadowed duplicate resolves to the kept copy.
    pub fn resolve_dependency(&self, name: &str) -> Option<RevIx> {
        self.get(name).or_else(|| {
            self.label(name)
                .and_then(|owner| self.get(&self.rev(owner).id))
        })
    }

    /// A revision by index.
    pub fn rev(&self, ix: RevIx) -> &Revision {
        &self.revisions[ix.0]
    }

    /// Versioned children (revisions naming `ix` in `down_revision`), in map order.
    pub fn children(&self, ix: RevIx) -> Vec<RevIx> {
        self.neighbours_in(ix, Some(Edge::Down))
    }

    /// Children by `down_revision` or `depends_on`.
    pub fn all_children(&self, ix: RevIx) -> Vec<RevIx> {
        self.neighbours_in(ix, None)
    }

    fn neighbours_in(&self, ix: RevIx, kind: Option<Edge>) -> Vec<RevIx> {
        let Some(node) = self.nodes[ix.0] else {
            return Vec::new();
        };
        let mut out: Vec<RevIx> = self
            .graph
            .edges_directed(node, petgraph::Direction::Incoming)
            .filter(|e| kind.is_none_or(|k| *e.weight() == k))
            .map(|e| self.graph[petgraph::visit::EdgeRef::source(&e)])
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// Children without allocating: versioned only, or by any edge.
    pub fn children_iter(&self, ix: RevIx, all: bool) -> impl Iterator<Item = RevIx> + '_ {
        self.nodes[ix.0].into_iter().flat_map(move |node| {
            self.graph
                .edges_directed(node, petgraph::Direction::Incoming)
                .filter(move |e| all || *e.weight() == Edge::Down)
                .map(|e| self.graph[petgraph::visit::EdgeRef::source(&e)])
        })
    }

    /// True when a versioned head is also something's dependency.
    pub fn is_effective_head(&self, ix: RevIx) -> bool {
        let rev = &self.revisions[ix.0];
        let has_down_child = self
            .neighbours_in(ix, Some(Edge::Down))
            .iter()
            .any(|c| !self.revisions[c.0].shadowed);
        let has_any_child = !self.neighbours_in(ix, None).is_empty();
        !rev.shadowed && !has_down_child && has_any_child
    }

    /// All ancestors of `ix` along `down_revision` (and `depends_on` when
    /// `with_deps`), iteratively.
    pub fn ancestors(&self, ix: RevIx, with_deps: bool) -> Vec<RevIx> {
        let mut seen = vec![false; self.revisions.len()];
        let mut stack = vec![ix];
        let mut out = Vec::new();
        while let Some(cur) = stack.pop() {
            let Some(node) = self.nodes[cur.0] else {
                continue;
            };
            for edge in self
                .graph
                .edges_directed(node, petgraph::Direction::Outgoing)
            {
                if !with_deps && *edge.weight() != Edge::Down {
                    continue;
                }
                let parent = self.graph[petgraph::visit::EdgeRef::target(&edge)];
                if !seen[parent.0] {
                    seen[parent.0] = true;
                    out.push(parent);
                    stack.push(parent);
                }
            }
        }
        out.sort();
        out
    }

    /// False when some file's id or some `down_revision` could not be read
    /// statically, so the graph may be missing revisions or edges.
    pub fn is_complete(&self) -> bool {
        self.unknown_ids.is_empty()
            && self
                .revisions
                .iter()
                .all(|r| !matches!(r.down, Known::Unknown))
    }

    /// Number of revisions (objects) in the graph.
    pub fn len(&self) -> usize {
        self.revisions.len()
    }

    /// True when nothing was loaded.
    pub fn is_empty(&self) -> bool {
        self.revisions.is_empty()
    }
}

/// The strings of a literal value (a str, a tuple/list of strs, or None).
pub fn strings_of(value: &crate::parse::Value) -> Option<Vec<String>> {
    build::strings(value)
}
