//! The shared history model ([ADR 0003](../../docs/adr/0003-dialects.md)):
//! what every dialect's semantics produce, and the checks that mean the
//! same thing for every migration tool, written once against it.
//!
//! A dialect maps its own graph or ordering onto a [`Model`]:
//!
//! - **nodes**: one per migration the tool would load, keyed in the tool's
//!   own form (`041`, `billing.0042_a`, `V1.2`), in a **group**: where the
//!   tool wants exactly one head (Alembic: the graph, `""`; Django: the app
//!   label; a linear SQL tool: its one sequence);
//! - **edges**: parent key → child node, each with the span of the
//!   reference that made it; a parent key no node has is a missing parent,
//!   unless it is an **external** reference (an installed package's
//!   migration: assumed present);
//! - the tool's **outcome** at deploy (its exception and message, in its
//!   words) and the order it would run what is pending;
//! - the [`Vocabulary`] the messages use.
//!
//! A linear tool (Flyway, golang-migrate, sqlx...) builds its model with
//! [`Model::linear`]: each migration's parent is the previous one in the
//! tool's order, so "more than one head" cannot happen and "inserted below
//! deployed" is a version lower than the highest applied one.
//!
//! The shared checks: [`Model::duplicates`], [`Model::multiple_heads`],
//! [`Model::missing_parents`], [`Model::cycles`] (graph), and, against a
//! [`Recorded`] history, [`Model::edited`], [`Model::inserted_below`] and
//! [`Model::never_runs`]. Each returns [`ModelFinding`]s whose
//! [`message`](ModelFinding::message) speaks the tool's words.

use std::collections::{BTreeMap, BTreeSet};

use crate::text::Span;

/// The words a tool uses for the things every tool has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Vocabulary {
    /// The tool's name: `Alembic`, `Django`.
    pub tool: &'static str,
    /// One migration: `revision`, `migration`.
    pub migration: &'static str,
    /// A node nothing depends on: `head`, `leaf migration`.
    pub head: &'static str,
    /// Where one head is required: `branch`, `app`, `sequence`.
    pub group: &'static str,
    /// What names a parent: `` `down_revision` ``, `` `dependencies` ``.
    pub parent: &'static str,
    /// The deploy command: `alembic upgrade head`, `manage.py migrate`.
    pub deploy: &'static str,
}

/// Alembic's words.
pub const ALEMBIC: Vocabulary = Vocabulary {
    tool: "Alembic",
    migration: "revision",
    head: "head",
    group: "branch",
    parent: "`down_revision`",
    deploy: "alembic upgrade head",
};

/// Django's words.
pub const DJANGO: Vocabulary = Vocabulary {
    tool: "Django",
    migration: "migration",
    head: "leaf migration",
    group: "app",
    parent: "`dependencies`",
    deploy: "manage.py migrate",
};

/// One migration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    /// The key in the tool's form.
    pub key: String,
    /// The group that must have one head.
    pub group: String,
    /// The request file it comes from.
    pub file: Option<usize>,
    /// The declaration that names it.
    pub span: Option<Span>,
    /// The file's content hash ([`crate::history::content_hash`]).
    pub hash: Option<String>,
}

/// A parent reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edge {
    /// The parent's key.
    pub parent: String,
    /// The child node (an index into [`Model::nodes`]).
    pub child: usize,
    /// The reference.
    pub span: Option<Span>,
}

/// What the tool does at deploy.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    /// The exception (or error) name, when it fails.
    pub exception: Option<String>,
    /// Its message, exactly as the tool prints it.
    pub message: Option<String>,
    /// The order it runs what is pending.
    pub plan: Vec<String>,
}

/// The shared model of one history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Model {
    /// The tool's words.
    pub vocabulary: Vocabulary,
    /// The migrations.
    pub nodes: Vec<Node>,
    /// Their parent references.
    pub edges: Vec<Edge>,
    /// Parent keys outside the repository, assumed present.
    pub external: BTreeSet<String>,
    /// The tool's verdict.
    pub outcome: Outcome,
}

/// What is recorded as applied or merged (a lock, a base ref, a database).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Recorded {
    /// Recorded keys with their content hash, when known.
    pub keys: BTreeMap<String, Option<String>>,
    /// Where they are recorded, for messages (`revguard.lock`, `` `main` ``).
    pub source: String,
}

/// A finding of a shared check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModelFinding {
    /// Several nodes share a key.
    DuplicateId {
        /// The key.
        key: String,
        /// The nodes.
        nodes: Vec<usize>,
    },
    /// A group has more than one head.
    MultipleHeads {
        /// The group.
        group: String,
        /// Its heads.
        heads: Vec<usize>,
    },
    /// An edge names a key no node has.
    MissingParent {
        /// The edge.
        edge: usize,
    },
    /// Nodes on a cycle.
    Cycle {
        /// The strongly connected component, sorted by key.
        nodes: Vec<usize>,
    },
    /// A recorded node's file changed.
    Edited {
        /// The node.
        node: usize,
    },
    /// A new node below recorded ones.
    InsertedBelow {
        /// The new node.
        node: usize,
        /// The recorded nodes that now name it as a parent.
        above: Vec<usize>,
    },
    /// A node the tool will never run on the recorded database.
    NeverRuns {
        /// The node.
        node: usize,
    },
}

impl ModelFinding {
    /// The check's name (Alembic's names, shared by every tool).
    pub fn check(&self) -> &'static str {
        match self {
            ModelFinding::DuplicateId { .. } => "duplicate-revision",
            ModelFinding::MultipleHeads { .. } => "multiple-heads",
            ModelFinding::MissingParent { .. } => "missing-parent",
            ModelFinding::Cycle { .. } => "cycle",
            ModelFinding::Edited { .. } => "applied-migration-edited",
            ModelFinding::InsertedBelow { .. } => "inserted-below-deployed",
            ModelFinding::NeverRuns { .. } => "never-runs",
        }
    }

    /// The one-line message, in the model's vocabulary.
    pub fn message(&self, model: &Model, recorded: Option<&Recorded>) -> String {
        let v = &model.vocabulary;
        let key = |i: &usize| format!("`{}`", model.nodes[*i].key);
        let keys = |is: &[usize]| is.iter().map(key).collect::<Vec<_>>().join(", ");
        let source = recorded.map_or("the recorded history", |r| r.source.as_str());
        match self {
            ModelFinding::DuplicateId { key: k, nodes } => format!(
                "{} files declare {} `{k}`: {} keeps one of them",
                nodes.len(),
                v.migration,
                v.tool
            ),
            ModelFinding::MultipleHeads { group, heads } => {
                let place = if group.is_empty() {
                    "the graph".to_owned()
                } else {
                    format!("{} `{group}`", v.group)
                };
                format!("{place} has {} {}s: {}", heads.len(), v.head, keys(heads))
            }
            ModelFinding::MissingParent { edge } => {
                let e = &model.edges[*edge];
                format!(
                    "{} {} names `{}` in {}, which does not exist",
                    v.migration,
                    key(&e.child),
                    e.parent,
                    v.parent
                )
            }
            ModelFinding::Cycle { nodes } => {
                format!(
                    "{}s depend on each other in a cycle: {}",
                    v.migration,
                    keys(nodes)
                )
            }
            ModelFinding::Edited { node } => format!(
                "{} {} was edited after it was recorded in {source}",
                v.migration,
                key(node)
            ),
            ModelFinding::InsertedBelow { node, above } => format!(
                "new {} {} is inserted below {}, recorded in {source}",
                v.migration,
                key(node),
                if above.is_empty() {
                    format!("applied {}s", v.migration)
                } else {
                    keys(above)
                }
            ),
            ModelFinding::NeverRuns { node } => {
                format!("`{}` will never run {} here", v.deploy, key(node))
            }
        }
    }

    /// The tool's own failure, as a note (`` `manage.py migrate` fails:
    /// CommandError: ... ``), when the outcome has one.
    pub fn outcome_note(model: &Model) -> Option<String> {
        let exception = model.outcome.exception.as_deref()?;
        let message = model.outcome.message.as_deref().unwrap_or("");
        Some(format!(
            "`{}` fails: {exception}: {message}",
            model.vocabulary.deploy
        ))
    }
}

impl Model {
    /// A linear sequence: each node's parent is the one before it.
    pub fn linear(vocabulary: Vocabulary, group: &str, nodes: Vec<Node>) -> Model {
        let edges = (1..nodes.len())
            .map(|i| Edge {
                parent: nodes[i - 1].key.clone(),
                child: i,
                span: None,
            })
            .collect();
        let nodes = nodes
            .into_iter()
            .map(|n| Node {
                group: group.to_owned(),
                ..n
            })
            .collect();
        Model {
            vocabulary,
            nodes,
            edges,
            external: BTreeSet::new(),
            outcome: Outcome::default(),
        }
    }

    /// The first node of each key.
    fn index(&self) -> BTreeMap<&str, usize> {
        let mut out = BTreeMap::new();
        for (i, node) in self.nodes.iter().enumerate() {
            out.entry(node.key.as_str()).or_insert(i);
        }
        out
    }

    /// Each node's parents (nodes), through edges that resolve.
    fn parents(&self) -> Vec<BTreeSet<usize>> {
        let index = self.index();
        let mut out = vec![BTreeSet::new(); self.nodes.len()];
        for edge in &self.edges {
            if let Some(&p) = index.get(edge.parent.as_str()) {
                out[edge.child].insert(p);
            }
        }
        out
    }

    /// Keys declared by more than one node.
    pub fn duplicates(&self) -> Vec<ModelFinding> {
        let mut by_key: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (i, node) in self.nodes.iter().enumerate() {
            by_key.entry(&node.key).or_default().push(i);
        }
        by_key
            .into_iter()
            .filter(|(_, nodes)| nodes.len() > 1)
            .map(|(key, nodes)| ModelFinding::DuplicateId {
                key: key.to_owned(),
                nodes,
            })
            .collect()
    }

    /// Groups with more than one head (a node no node of its group names
    /// as a parent).
    pub fn multiple_heads(&self) -> Vec<ModelFinding> {
        let parents = self.parents();
        let mut named: BTreeSet<usize> = BTreeSet::new();
        for (child, ps) in parents.iter().enumerate() {
            named.extend(
                ps.iter()
                    .filter(|p| self.nodes[**p].group == self.nodes[child].group)
                    .copied(),
            );
        }
        let index = self.index();
        let mut heads: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for &i in index.values() {
            if !named.contains(&i) {
                heads.entry(&self.nodes[i].group).or_default().push(i);
            }
        }
        heads
            .into_iter()
            .filter(|(_, hs)| hs.len() > 1)
            .map(|(group, heads)| ModelFinding::MultipleHeads {
                group: group.to_owned(),
                heads,
            })
            .collect()
    }

    /// Edges whose parent no node has and that are not external.
    pub fn missing_parents(&self) -> Vec<ModelFinding> {
        let index = self.index();
        (0..self.edges.len())
            .filter(|e| {
                let parent = self.edges[*e].parent.as_str();
                !index.contains_key(parent) && !self.external.contains(parent)
            })
            .map(|edge| ModelFinding::MissingParent { edge })
            .collect()
    }

    /// Strongly connected components with a cycle.
    pub fn cycles(&self) -> Vec<ModelFinding> {
        let parents = self.parents();
        let mut graph = petgraph::graph::DiGraph::<usize, ()>::new();
        let ids: Vec<_> = (0..self.nodes.len()).map(|i| graph.add_node(i)).collect();
        for (child, ps) in parents.iter().enumerate() {
            for p in ps {
                graph.add_edge(ids[*p], ids[child], ());
            }
        }
        let mut out = Vec::new();
        for component in petgraph::algo::tarjan_scc(&graph) {
            let looped = component.len() > 1
                || component
                    .first()
                    .is_some_and(|n| parents[graph[*n]].contains(&graph[*n]));
            if looped {
                let mut nodes: Vec<usize> = component.iter().map(|n| graph[*n]).collect();
                nodes.sort_by(|a, b| self.nodes[*a].key.cmp(&self.nodes[*b].key));
                out.push(ModelFinding::Cycle { nodes });
            }
        }
        out.sort_by(|a, b| format!("{a:?}").cmp(&format!("{b:?}")));
        out
    }

    /// Recorded nodes whose hash changed.
    pub fn edited(&self, recorded: &Recorded) -> Vec<ModelFinding> {
        self.index()
            .into_iter()
            .filter(|(key, i)| {
                matches!(
                    (recorded.keys.get(*key), &self.nodes[*i].hash),
                    (Some(Some(then)), Some(now)) if then != now
                )
            })
            .map(|(_, node)| ModelFinding::Edited { node })
            .collect()
    }

    /// New nodes that are ancestors of recorded ones.
    pub fn inserted_below(&self, recorded: &Recorded) -> Vec<ModelFinding> {
        let parents = self.parents();
        let is_recorded = |i: usize| recorded.keys.contains_key(&self.nodes[i].key);
        let anchors: Vec<usize> = (0..self.nodes.len()).filter(|i| is_recorded(*i)).collect();
        let mut below = BTreeSet::new();
        let mut stack = anchors.clone();
        while let Some(i) = stack.pop() {
            for p in &parents[i] {
                if below.insert(*p) {
                    stack.push(*p);
                }
            }
        }
        below
            .into_iter()
            .filter(|i| !is_recorded(*i))
            .map(|node| ModelFinding::InsertedBelow {
                node,
                above: anchors
                    .iter()
                    .copied()
                    .filter(|a| parents[*a].contains(&node))
                    .collect(),
            })
            .collect()
    }

    /// Nodes the tool will never run on a database holding `recorded`:
    /// every node after the first (in node order) sharing a recorded key.
    pub fn never_runs(&self, recorded: &Recorded) -> Vec<ModelFinding> {
        let index = self.index();
        (0..self.nodes.len())
            .filter(|i| {
                let key = self.nodes[*i].key.as_str();
                recorded.keys.contains_key(key) && index.get(key) != Some(i)
            })
            .map(|node| ModelFinding::NeverRuns { node })
            .collect()
    }
}

#[cfg(test)]
#[path = "model_tests.rs"]
mod tests;
