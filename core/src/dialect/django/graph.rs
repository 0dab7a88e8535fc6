//! Django's migration graph, built step by step as
//! `django.db.migrations.loader.MigrationLoader.build_graph` builds it, then
//! judged as `migrate` judges it: `check_consistent_history`,
//! `detect_conflicts` and `MigrationExecutor.migration_plan`.
//!
//! Where Django's own choice depends on Python's hash-randomised set order
//! (which of several missing nodes `validate_consistency` names first, where
//! `ensure_not_cyclic` starts its walk), every candidate is kept: Django
//! raises exactly one of them (see `docs/django-semantics.md`).

use std::collections::{BTreeMap, BTreeSet};

use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};
use serde::{Deserialize, Serialize};

use super::read::{MigrationFacts, Reference};

/// A graph key, `(app_label, migration_name)`; ordered as Python orders the
/// tuple (code points, app first).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "DjangoKey"))]
pub struct Key {
    /// The app label.
    pub app: String,
    /// The migration name (the module name).
    pub name: String,
}

impl Key {
    /// A key.
    pub fn new(app: impl Into<String>, name: impl Into<String>) -> Key {
        Key {
            app: app.into(),
            name: name.into(),
        }
    }

    /// `app.name`, as Django prints a migration (`Migration.__str__`).
    pub fn dotted(&self) -> String {
        format!("{}.{}", self.app, self.name)
    }

    /// `('app', 'name')`, as Python's `repr` prints the tuple.
    pub fn repr(&self) -> String {
        format!("({}, {})", py_repr(&self.app), py_repr(&self.name))
    }
}

/// Python's `repr` of a `str` (the quote choice and the escapes of the
/// characters migration names can hold).
fn py_repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// One migration module of an app, with what its file declares.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Migration {
    /// The module name (`0002_invoice_total`).
    pub name: String,
    /// What the reader found in it.
    pub facts: MigrationFacts,
}

/// One installed app whose migrations package is in the repository.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct App {
    /// The app label.
    pub label: String,
    /// False for an app without a migrations package (a namespace directory):
    /// Django's `unmigrated_apps`.
    pub migrated: bool,
    /// Its migration modules (names already filtered as `load_disk` does).
    pub migrations: Vec<Migration>,
}

/// Everything the semantics needs: the apps in the repository, the user
/// model and, when known, the database's applied rows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Project {
    /// The apps in the repository. Any other label is an installed package
    /// outside the repository: its nodes are assumed present.
    pub apps: Vec<App>,
    /// `settings.AUTH_USER_MODEL`, e.g. `auth.User`.
    pub user_model: String,
    /// The rows of `django_migrations`, in the order the database returns
    /// them; `None` when no database state is known (an empty database).
    pub applied: Option<Vec<Key>>,
    /// What is recorded as applied or merged (the lock, `--deployed`,
    /// `--base`), for the history checks; `None` when none is given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub history: Option<super::history::HistoryInput>,
    /// The deploy-safety lint's settings; `None`: no lint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub safety: Option<crate::safety::SafetySettings>,
}

/// What the deploy-safety lint found in one migration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MigrationSafety {
    /// The migration.
    pub migration: Key,
    /// Its findings, the operations not checked, what the deploy stops at.
    pub facts: crate::safety::SafetyFacts,
}

/// What `manage.py migrate` would raise, in Django's words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "exception", rename_all = "snake_case")]
pub enum DjangoError {
    /// A migration module revguard could not read statically (a syntax error,
    /// no `Migration` class, a graph attribute that is not a literal): what
    /// Django does is not known (or is an import error).
    Unreadable {
        /// The migration.
        migration: Key,
        /// Why.
        reason: String,
    },
    /// `ValueError` from `check_key` (`__first__`/`__latest__` of a migrated
    /// app with no migrations).
    ValueError {
        /// Django's message.
        message: String,
    },
    /// `NodeNotFoundError` from `validate_consistency`.
    NodeNotFound {
        /// Django's message.
        message: String,
        /// The missing node.
        node: Key,
        /// The migration that references it.
        origin: Key,
    },
    /// `CircularDependencyError` from `ensure_not_cyclic`.
    CircularDependency {
        /// The cycle, each node a parent of the next, the last of the first.
        cycle: Vec<Key>,
        /// Every node on a cycle with it (its strongly connected component,
        /// sorted): Django's walk starts at a node of its set's choosing, so
        /// it may name another cycle through these nodes.
        component: Vec<Key>,
    },
    /// `InconsistentMigrationHistory` from `check_consistent_history`.
    InconsistentHistory {
        /// The applied migration.
        migration: Key,
        /// Its unapplied dependency.
        dependency: Key,
    },
}

impl DjangoError {
    /// The exception's class name.
    pub fn exception(&self) -> &'static str {
        match self {
            DjangoError::Unreadable { .. } => "ImportError",
            DjangoError::ValueError { .. } => "ValueError",
            DjangoError::NodeNotFound { .. } => "NodeNotFoundError",
            DjangoError::CircularDependency { .. } => "CircularDependencyError",
            DjangoError::InconsistentHistory { .. } => "InconsistentMigrationHistory",
        }
    }

    /// The exception's message, exactly as Django formats it.
    pub fn message(&self) -> String {
        match self {
            DjangoError::Unreadable { migration, reason } => {
                format!("migration {} cannot be read: {reason}", migration.dotted())
            }
            DjangoError::ValueError { message } | DjangoError::NodeNotFound { message, .. } => {
                message.clone()
            }
            DjangoError::CircularDependency { cycle, .. } => {
                cycle.iter().map(Key::dotted).collect::<Vec<_>>().join(", ")
            }
            DjangoError::InconsistentHistory {
                migration,
                dependency,
            } => format!(
                "Migration {} is applied before its dependency {} on database 'default'.",
                migration.dotted(),
                dependency.dotted()
            ),
        }
    }
}

/// Django's verdict on a project.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "DjangoLoaded"))]
pub struct Loaded {
    /// What loading the graph raises. Django raises exactly one of these;
    /// when there are several, which one depends on Python's hash order.
    /// Empty when the graph loads.
    #[cfg_attr(feature = "ts", ts(type = "Array<Record<string, unknown>>"))]
    pub errors: Vec<DjangoError>,
    /// What `check_consistent_history` raises (one of them), when the graph
    /// loads and the applied rows are known.
    #[cfg_attr(feature = "ts", ts(type = "Array<Record<string, unknown>>"))]
    pub inconsistent: Vec<DjangoError>,
    /// Leaf nodes per app (`leaf_nodes()`), for every app with nodes.
    pub leaves: BTreeMap<String, Vec<String>>,
    /// Apps with more than one leaf (`detect_conflicts`).
    pub conflicts: BTreeMap<String, Vec<String>>,
    /// `migrate --plan` (forwards), when nothing above fails.
    pub plan: Vec<Key>,
    /// Nodes of apps outside the repository that the graph depends on
    /// (assumed present in the installed packages).
    pub external: Vec<Key>,
    /// Squashing migrations that cannot be used because only some of the
    /// migrations they replace are applied.
    pub partly_applied_squashes: Vec<Key>,
    /// The history checks' findings (the lock, `--deployed`, `--base`),
    /// when the graph loads and a history input is given.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "ts", ts(type = "Array<Record<string, unknown>>", optional))]
    pub history: Vec<super::history::HistoryFinding>,
    /// The graph as built (after the squash step when the build gets that
    /// far), for drawing it.
    #[serde(default)]
    pub graph: Shape,
    /// The deploy-safety lint of each migration that has something to say,
    /// in the order `migrate` applies them from an empty database (when
    /// the graph loads and the project asks for the lint).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "ts", ts(type = "Array<Record<string, unknown>>", optional))]
    pub safety: Vec<MigrationSafety>,
}

impl Loaded {
    /// Whether `manage.py migrate` would fail: the graph does not load, has
    /// several leaves in an app, or contradicts the applied set (the
    /// database's, or the recorded history's). An edited or removed recorded
    /// migration, or a lock that does not read, is an error but `migrate`
    /// still runs.
    pub fn migrate_fails(&self) -> bool {
        !self.errors.is_empty()
            || !self.inconsistent.is_empty()
            || !self.conflicts.is_empty()
            || self
                .history
                .iter()
                .any(|f| matches!(f, super::HistoryFinding::InsertedBelowDeployed { .. }))
    }

    /// Whether any check failed (the CLI's exit status 1).
    pub fn has_errors(&self) -> bool {
        self.migrate_fails() || !self.history.is_empty()
    }
}

/// The nodes and edges of the graph Django builds: every node of
/// `node_map` (dummy nodes for missing parents included; a migration a
/// squash replaced is gone), and an edge from each parent to its child.
/// Edges from nodes in [`Loaded::external`] are the dependencies on apps
/// outside the repository, which Django resolves from the installed
/// packages.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "DjangoShape"))]
pub struct Shape {
    /// The nodes, sorted.
    pub nodes: Vec<Key>,
    /// `(parent, child)` pairs, sorted.
    pub edges: Vec<(Key, Key)>,
}

impl Loaded {
    /// The `CommandError` `migrate` raises for the conflicts, if any (apps in
    /// label order; Django's own order is a set's).
    pub fn conflict_message(&self) -> Option<String> {
        if self.conflicts.is_empty() {
            return None;
        }
        let names: Vec<String> = self
            .conflicts
            .iter()
            .map(|(app, names)| format!("{} in {app}", names.join(", ")))
            .collect();
        Some(format!(
            "Conflicting migrations detected; multiple leaf nodes in the migration graph: ({}).\nTo fix them run 'python manage.py makemigrations --merge'",
            names.join("; ")
        ))
    }
}

#[derive(Debug, Default)]
struct Node {
    /// For a `DummyNode`: the build phase that created it and every
    /// `(origin, message)` it may carry. Django keeps the first reference's,
    /// and which reference comes first within a phase follows Python's
    /// order of the module names.
    dummy: Option<(u8, Vec<(Key, String)>)>,
    parents: BTreeSet<Key>,
    children: BTreeSet<Key>,
}

/// `MigrationGraph` with keys for node objects: Django never replaces a node
/// once added (a dummy is added only when the key is not in `nodes`, which
/// holds dummies too), so a key names one node for the graph's life.
#[derive(Debug, Default)]
struct Graph {
    /// Insertion order (Django's `node_map` is a dict): which dummy
    /// `validate_consistency` meets first.
    order: Vec<Key>,
    map: BTreeMap<Key, Node>,
    /// 0 while internal dependencies are added, 1 after.
    phase: u8,
}

impl Graph {
    fn add_node(&mut self, key: Key) {
        self.order.push(key.clone());
        self.map.insert(key, Node::default());
    }

    /// Every node's parents.
    fn parents(&self) -> BTreeMap<Key, BTreeSet<Key>> {
        self.map
            .iter()
            .map(|(key, node)| (key.clone(), node.parents.clone()))
            .collect()
    }

    fn contains(&self, key: &Key) -> bool {
        self.map.contains_key(key)
    }

    fn add_dependency(&mut self, origin: &Key, child: &Key, parent: &Key) {
        for (key, role) in [(child, "child"), (parent, "parent")] {
            let message = || {
                format!(
                    "Migration {} dependencies reference nonexistent {role} node {}",
                    origin.dotted(),
                    key.repr()
                )
            };
            if !self.contains(key) {
                self.add_node(key.clone());
                if let Some(node) = self.map.get_mut(key) {
                    node.dummy = Some((self.phase, vec![(origin.clone(), message())]));
                }
            } else if let Some(Node {
                dummy: Some((phase, origins)),
                ..
            }) = self.map.get_mut(key)
                && *phase == self.phase
                && !origins.iter().any(|(o, _)| o == origin)
            {
                origins.push((origin.clone(), message()));
            }
        }
        self.link(parent, child);
    }

    fn link(&mut self, parent: &Key, child: &Key) {
        if let Some(node) = self.map.get_mut(child) {
            node.parents.insert(parent.clone());
        }
        if let Some(node) = self.map.get_mut(parent) {
            node.children.insert(child.clone());
        }
    }

    fn unlink(&mut self, parent: &Key, child: &Key) {
        if let Some(node) = self.map.get_mut(child) {
            node.parents.remove(parent);
        }
        if let Some(node) = self.map.get_mut(parent) {
            node.children.remove(child);
        }
    }

    fn remove(&mut self, key: &Key) -> Option<Node> {
        let node = self.map.remove(key)?;
        self.order.retain(|k| k != key);
        Some(node)
    }

    /// `root_nodes(app)`: nodes without a parent in their own app, sorted.
    fn roots(&self, app: &str) -> Vec<&Key> {
        self.map
            .iter()
            .filter(|(key, node)| key.app == app && node.parents.iter().all(|p| p.app != app))
            .map(|(key, _)| key)
            .collect()
    }

    /// `leaf_nodes(app)`: nodes without a child in their own app, sorted.
    fn leaves(&self, app: Option<&str>) -> Vec<&Key> {
        self.map
            .iter()
            .filter(|(key, node)| {
                app.is_none_or(|a| a == key.app) && node.children.iter().all(|c| c.app != key.app)
            })
            .map(|(key, _)| key)
            .collect()
    }
}

/// Load a project as `migrate` would.
pub fn load(project: &Project) -> Loaded {
    let mut loaded = Loaded::default();
    let Some((disk, graph, applied)) = build_graph(project, &mut loaded) else {
        return loaded;
    };
    loaded.inconsistent = consistent_history(project, &disk, &graph);
    for leaf in graph.leaves(None) {
        loaded
            .leaves
            .entry(leaf.app.clone())
            .or_default()
            .push(leaf.name.clone());
    }
    loaded.conflicts = loaded
        .leaves
        .iter()
        .filter(|(_, names)| names.len() > 1)
        .map(|(app, names)| (app.clone(), names.clone()))
        .collect();
    if loaded.inconsistent.is_empty() && loaded.conflicts.is_empty() {
        loaded.plan = migration_plan(&graph, &applied);
    }
    if let Some(history) = &project.history {
        loaded.history = super::history::judge(project, history);
    }
    if let Some(settings) = project.safety.as_ref().filter(|s| s.enabled) {
        let order = migration_plan(&graph, &BTreeSet::new());
        loaded.safety = lint(project, &disk, &order, settings);
    }
    loaded
}

/// The deploy-safety lint of the migrations in `order` (the repository's).
#[cfg(feature = "safety")]
fn lint(
    project: &Project,
    disk: &BTreeMap<Key, &MigrationFacts>,
    order: &[Key],
    settings: &crate::safety::SafetySettings,
) -> Vec<MigrationSafety> {
    use crate::safety::django::{Migration, lint};
    let known: Vec<(&Key, &MigrationFacts)> = order
        .iter()
        .filter_map(|key| Some((key, *disk.get(key)?)))
        .filter(|(_, facts)| facts.operations.is_some())
        .collect();
    let migrations: Vec<Migration<'_>> = known
        .iter()
        .filter_map(|(key, facts)| {
            Some(Migration {
                app: &key.app,
                operations: facts.operations.as_ref()?,
                anchor: facts.class.unwrap_or(crate::text::Span::new(0, 0)),
            })
        })
        .collect();
    lint(&migrations, &project.user_model, settings)
        .into_iter()
        .zip(&known)
        .filter(|(facts, _)| *facts != crate::safety::SafetyFacts::default())
        .map(|(facts, (key, _))| MigrationSafety {
            migration: (*key).clone(),
            facts,
        })
        .collect()
}

/// Without the `safety` feature there is no lint.
#[cfg(not(feature = "safety"))]
fn lint(
    _project: &Project,
    _disk: &BTreeMap<Key, &MigrationFacts>,
    _order: &[Key],
    _settings: &crate::safety::SafetySettings,
) -> Vec<MigrationSafety> {
    Vec::new()
}

/// The graph `migrate` would use for `project` (squashes replaced by its
/// applied set), as every node's parents; `None` when it does not load.
pub fn parents(project: &Project) -> Option<BTreeMap<Key, BTreeSet<Key>>> {
    let (_, graph, _) = build_graph(project, &mut Loaded::default())?;
    Some(graph.parents())
}

type Built<'p> = (BTreeMap<Key, &'p MigrationFacts>, Graph, BTreeSet<Key>);

/// `build_graph` up to `ensure_not_cyclic`: the disk migrations, the graph
/// and the applied set, or `None` with `loaded.errors` set.
fn build_graph<'p>(project: &'p Project, loaded: &mut Loaded) -> Option<Built<'p>> {
    let disk = match disk_migrations(project) {
        Ok(disk) => disk,
        Err(errors) => {
            loaded.errors = errors;
            return None;
        }
    };
    let mut builder = Builder {
        project,
        disk: &disk,
        graph: Graph::default(),
        errors: Vec::new(),
        external: BTreeSet::new(),
        external_edges: BTreeSet::new(),
    };
    builder.build();
    let Builder {
        graph,
        errors,
        external,
        external_edges,
        ..
    } = builder;
    loaded.external = external.into_iter().collect();
    if !errors.is_empty() {
        loaded.errors = errors;
        loaded.graph = shape(&graph, external_edges);
        return None;
    }
    let mut graph = graph;
    let applied = replace_squashes(project, &disk, &mut graph, loaded);
    loaded.graph = shape(&graph, external_edges);
    let missing = validate_consistency(&disk, &graph);
    if !missing.is_empty() {
        loaded.errors = missing;
        return None;
    }
    if let Some((cycle, component)) = find_cycle(&graph) {
        loaded.errors = vec![DjangoError::CircularDependency { cycle, component }];
        return None;
    }
    Some((disk, graph, applied))
}

/// The migrations Django imports, by key; what `load_disk` (or the import
/// itself) refuses is an error.
fn disk_migrations(project: &Project) -> Result<BTreeMap<Key, &MigrationFacts>, Vec<DjangoError>> {
    let mut disk = BTreeMap::new();
    let mut errors = Vec::new();
    for app in project.apps.iter().filter(|app| app.migrated) {
        for migration in &app.migrations {
            let key = Key::new(&app.label, &migration.name);
            let facts = &migration.facts;
            let reason = if let Some(error) = &facts.syntax_error {
                Some(format!("SyntaxError: {}", error.message))
            } else if facts.class.is_none() {
                Some(format!(
                    "BadMigrationError: Migration {} in app {} has no Migration class",
                    migration.name, app.label
                ))
            } else {
                facts
                    .problems
                    .iter()
                    .find(|p| p.field != Some(super::read::Field::Initial))
                    .map(|p| match p.field {
                        Some(field) => format!("`{}` is {}", field.name(), p.reason),
                        None => p.reason.clone(),
                    })
            };
            if let Some(reason) = reason {
                errors.push(DjangoError::Unreadable {
                    migration: key.clone(),
                    reason,
                });
            }
            disk.insert(key, facts);
        }
    }
    if errors.is_empty() {
        Ok(disk)
    } else {
        Err(errors)
    }
}

struct Builder<'p> {
    project: &'p Project,
    disk: &'p BTreeMap<Key, &'p MigrationFacts>,
    graph: Graph,
    errors: Vec<DjangoError>,
    external: BTreeSet<Key>,
    /// `(parent, child)` edges to and from apps outside the repository.
    external_edges: BTreeSet<(Key, Key)>,
}

/// The drawable shape of `graph`, with the edges to installed apps.
fn shape(graph: &Graph, external_edges: BTreeSet<(Key, Key)>) -> Shape {
    let mut edges: BTreeSet<(Key, Key)> = external_edges;
    for (key, node) in &graph.map {
        for child in &node.children {
            edges.insert((key.clone(), child.clone()));
        }
    }
    Shape {
        nodes: graph.map.keys().cloned().collect(),
        edges: edges.into_iter().collect(),
    }
}

enum Resolved {
    Node(Key),
    /// `check_key` returned `None`: no edge.
    Ignored,
    /// An app outside the repository: assumed present, no edge revguard
    /// can draw (its migrations are not in the repository).
    External,
}

impl Builder<'_> {
    fn resolve_reference(&self, reference: &Reference) -> Key {
        match reference {
            Reference::Key { app, name, .. } => Key::new(app, name),
            Reference::Swappable { .. } => {
                let app = self
                    .project
                    .user_model
                    .split_once('.')
                    .map_or(self.project.user_model.as_str(), |(app, _)| app);
                Key::new(app, "__first__")
            }
        }
    }

    fn build(&mut self) {
        for key in self.disk.keys() {
            self.graph.add_node(key.clone());
        }
        // Internal dependencies first, so that `__first__` finds the roots.
        for (key, facts) in self.disk {
            for reference in &facts.dependencies {
                let parent = self.resolve_reference(reference);
                if parent.app == key.app && parent.name != "__first__" {
                    self.graph.add_dependency(key, key, &parent);
                }
            }
        }
        self.graph.phase = 1;
        for (key, facts) in self.disk {
            for reference in &facts.dependencies {
                let parent = self.resolve_reference(reference);
                if parent.app == key.app {
                    continue;
                }
                match self.check_key(parent.clone(), &key.app) {
                    Resolved::Node(parent) => self.graph.add_dependency(key, key, &parent),
                    Resolved::External => {
                        self.external_edges.insert((parent, key.clone()));
                    }
                    Resolved::Ignored => {}
                }
            }
            for reference in &facts.run_before {
                let child = self.resolve_reference(reference);
                match self.check_key(child.clone(), &key.app) {
                    Resolved::Node(child) => self.graph.add_dependency(key, &child, key),
                    Resolved::External => {
                        self.external_edges.insert((key.clone(), child));
                    }
                    Resolved::Ignored => {}
                }
            }
        }
    }

    /// `MigrationLoader.check_key`, with apps outside the repository as
    /// installed packages whose nodes exist.
    fn check_key(&mut self, key: Key, current_app: &str) -> Resolved {
        let app = self.project.apps.iter().find(|a| a.label == key.app);
        let Some(app) = app else {
            self.external.insert(key);
            return Resolved::External;
        };
        let special = key.name == "__first__" || key.name == "__latest__";
        if !special || self.graph.contains(&key) {
            return Resolved::Node(key);
        }
        if key.app == current_app || !app.migrated {
            return Resolved::Ignored;
        }
        let found = if key.name == "__first__" {
            self.graph.roots(&key.app).first().copied().cloned()
        } else {
            self.graph.leaves(Some(&key.app)).first().copied().cloned()
        };
        match found {
            Some(node) => Resolved::Node(node),
            None => {
                self.errors.push(DjangoError::ValueError {
                    message: format!("Dependency on app with no migrations: {}", key.app),
                });
                Resolved::Ignored
            }
        }
    }
}

/// The squash step of `build_graph`: a squashing migration is used when all
/// or none of the migrations it replaces are applied, else it is dropped and
/// the replaced ones stay. Returns the applied set as the loader keeps it.
fn replace_squashes(
    project: &Project,
    disk: &BTreeMap<Key, &MigrationFacts>,
    graph: &mut Graph,
    loaded: &mut Loaded,
) -> BTreeSet<Key> {
    let mut applied: BTreeSet<Key> = project.applied.iter().flatten().cloned().collect();
    for (key, facts) in disk.iter().filter(|(_, f)| !f.replaces.is_empty()) {
        let replaced: Vec<Key> = facts
            .replaces
            .iter()
            .map(|r| match r {
                Reference::Key { app, name, .. } => Key::new(app, name),
                Reference::Swappable { .. } => Key::new("", ""),
            })
            .collect();
        let statuses: Vec<bool> = replaced.iter().map(|r| applied.contains(r)).collect();
        let all = statuses.iter().all(|s| *s);
        if all {
            applied.insert(key.clone());
        } else {
            applied.remove(key);
        }
        if all || !statuses.iter().any(|s| *s) {
            remove_replaced_nodes(graph, key, &replaced);
        } else {
            loaded.partly_applied_squashes.push(key.clone());
            remove_replacement_node(graph, key, &replaced);
        }
    }
    applied
}

fn remove_replaced_nodes(graph: &mut Graph, replacement: &Key, replaced: &[Key]) {
    let replaced: BTreeSet<&Key> = replaced.iter().collect();
    for old in &replaced {
        let Some(node) = graph.remove(old) else {
            continue;
        };
        for child in &node.children {
            graph.unlink(old, child);
            if !replaced.contains(child) {
                graph.link(replacement, child);
            }
        }
        for parent in &node.parents {
            graph.unlink(parent, old);
            if !replaced.contains(parent) {
                graph.link(parent, replacement);
            }
        }
    }
}

fn remove_replacement_node(graph: &mut Graph, replacement: &Key, replaced: &[Key]) {
    let Some(node) = graph.remove(replacement) else {
        return;
    };
    let present: BTreeSet<Key> = replaced
        .iter()
        .filter(|k| graph.contains(k))
        .cloned()
        .collect();
    let parents_of_replaced: BTreeSet<Key> = present
        .iter()
        .flat_map(|k| graph.map[k].parents.iter().cloned())
        .collect();
    // The last of the replaced migrations: none of the others depends on it.
    let last: Vec<Key> = present.difference(&parents_of_replaced).cloned().collect();
    for child in &node.children {
        graph.unlink(replacement, child);
        for replaced in &last {
            graph.link(replaced, child);
        }
    }
    for parent in &node.parents {
        graph.unlink(parent, replacement);
    }
}

/// Every dummy node left: `validate_consistency` raises the first in
/// `node_map` order, which follows Python's order of the module names.
fn validate_consistency(disk: &BTreeMap<Key, &MigrationFacts>, graph: &Graph) -> Vec<DjangoError> {
    let mut errors = Vec::new();
    for key in &graph.order {
        let Some((_, origins)) = &graph.map[key].dummy else {
            continue;
        };
        let candidates: Vec<&Key> = disk
            .iter()
            .filter(|(_, facts)| {
                facts
                    .replaces
                    .iter()
                    .any(|r| matches!(r, Reference::Key { app, name, .. } if *app == key.app && *name == key.name))
            })
            .map(|(k, _)| k)
            .collect();
        let replaced_away = !candidates.is_empty() && candidates.iter().all(|c| !graph.contains(c));
        for (origin, message) in origins {
            let message = if replaced_away {
                let tries: Vec<String> = candidates.iter().map(|c| c.dotted()).collect();
                format!(
                    "Migration {} depends on nonexistent node ('{}', '{}'). Django tried to replace migration {} with any of [{}] but wasn't able to because some of the replaced migrations are already applied.",
                    origin.dotted(),
                    key.app,
                    key.name,
                    key.dotted(),
                    tries.join(", ")
                )
            } else {
                message.clone()
            };
            errors.push(DjangoError::NodeNotFound {
                message,
                node: key.clone(),
                origin: origin.clone(),
            });
        }
    }
    errors
}

/// A cycle, if the graph has one: the strongly connected component with the
/// smallest node, walked from that node (Django's own starting point is a
/// set's).
fn find_cycle(graph: &Graph) -> Option<(Vec<Key>, Vec<Key>)> {
    let mut dg: DiGraph<&Key, ()> = DiGraph::new();
    let index: BTreeMap<&Key, NodeIndex> = graph.map.keys().map(|k| (k, dg.add_node(k))).collect();
    for (key, node) in &graph.map {
        for child in &node.children {
            if let Some(&to) = index.get(child) {
                dg.add_edge(index[key], to, ());
            }
        }
    }
    let mut cyclic: Vec<Vec<NodeIndex>> = tarjan_scc(&dg)
        .into_iter()
        .filter(|scc| scc.len() > 1 || dg.contains_edge(scc[0], scc[0]))
        .collect();
    cyclic
        .iter_mut()
        .for_each(|scc| scc.sort_by_key(|i| dg[*i]));
    let scc = cyclic.into_iter().min_by_key(|scc| dg[scc[0]])?;
    let members: BTreeSet<NodeIndex> = scc.iter().copied().collect();
    // Walk the smallest child inside the component until a node repeats.
    let mut path = vec![scc[0]];
    loop {
        let here = path[path.len() - 1];
        let next = dg
            .neighbors(here)
            .filter(|n| members.contains(n))
            .min_by_key(|n| dg[*n])?;
        if let Some(at) = path.iter().position(|p| *p == next) {
            let cycle = path[at..].iter().map(|i| dg[*i].clone()).collect();
            let component = scc.iter().map(|i| dg[*i].clone()).collect();
            return Some((cycle, component));
        }
        path.push(next);
    }
}

/// `check_consistent_history`: the first applied row (in the database's
/// order) with an unapplied parent; every such parent of it is a candidate.
fn consistent_history(
    project: &Project,
    disk: &BTreeMap<Key, &MigrationFacts>,
    graph: &Graph,
) -> Vec<DjangoError> {
    let Some(rows) = &project.applied else {
        return Vec::new();
    };
    let applied: BTreeSet<&Key> = rows.iter().collect();
    for row in rows {
        let Some(node) = graph.map.get(row) else {
            continue;
        };
        let errors: Vec<DjangoError> = node
            .parents
            .iter()
            .filter(|parent| !applied.contains(parent))
            .filter(|parent| {
                // An unapplied squash whose replaced migrations are all applied.
                !disk.get(*parent).is_some_and(|facts| {
                    !facts.replaces.is_empty()
                        && facts.replaces.iter().all(|r| match r {
                            Reference::Key { app, name, .. } => {
                                applied.contains(&Key::new(app, name))
                            }
                            Reference::Swappable { .. } => false,
                        })
                })
            })
            .map(|parent| DjangoError::InconsistentHistory {
                migration: row.clone(),
                dependency: parent.clone(),
            })
            .collect();
        if !errors.is_empty() {
            return errors;
        }
    }
    Vec::new()
}

/// `migrate --plan` with no target: every leaf, sorted, and for each the
/// forwards plan (`iterative_dfs` over sorted parents) minus what is applied
/// or already planned.
///
/// Django walks each leaf's whole ancestry. A walk visits every ancestor of
/// each node it emits, so a node an earlier walk reached has all its
/// ancestors applied or planned already: a later walk that meets it would
/// add nothing, and stopping there gives the same plan in one pass over the
/// graph instead of one per leaf.
fn migration_plan(graph: &Graph, applied: &BTreeSet<Key>) -> Vec<Key> {
    let mut walked: BTreeSet<&Key> = BTreeSet::new();
    let mut plan = Vec::new();
    for target in graph.leaves(None) {
        if applied.contains(target) || walked.contains(target) {
            continue;
        }
        let mut stack = vec![(target, false)];
        while let Some((key, processed)) = stack.pop() {
            if walked.contains(key) {
                continue;
            }
            if processed {
                walked.insert(key);
                if !applied.contains(key) {
                    plan.push(key.clone());
                }
            } else {
                stack.push((key, true));
                // Django pushes the sorted parents, so the largest is popped first.
                if let Some(node) = graph.map.get(key) {
                    stack.extend(node.parents.iter().map(|parent| (parent, false)));
                }
            }
        }
    }
    plan
}

#[cfg(test)]
#[path = "graph_tests.rs"]
mod tests;
