//! Django's history checks: the repository judged against what is already
//! applied or merged (the lock, `--deployed`, `--base`), with the same
//! names and codes as Alembic's and Django's words.
//!
//! Django records every applied migration by `(app, name)` in
//! `django_migrations` and runs each unapplied one, so "inserted below what
//! is deployed" is not a silent skip as in Alembic: a new migration that an
//! applied one now depends on (a `run_before`, or a rewritten
//! `dependencies`) makes `migrate` raise `InconsistentMigrationHistory` on
//! every database that applied the dependent. The recorded set is treated as
//! `django_migrations` would hold it: the lock's and the base's migrations,
//! the `--deployed` migrations with their ancestors (not past a recorded
//! migration: a new one below it was not applied), and the migrations a
//! recorded squash replaces (Django records those when it applies one).
//!
//! Alembic's `never-runs` (a duplicate id shadowed below the database's
//! revision) has no Django form: an app's migrations are modules of one
//! package, so two cannot share a name.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::graph::{self, App, Key, Project};
use super::lock::{parse_key, parse_lock};
use super::read::Reference;
use crate::model::{self, DJANGO, Edge, Model, ModelFinding, Node, Outcome};
use crate::request::LockInput;

/// The repository's apps at a git ref (`--base REF`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BaseInput {
    /// The ref as given.
    pub git_ref: String,
    /// The apps, read at the ref.
    pub apps: Vec<App>,
    /// Content hashes of the ref's migration files, by `app.name`.
    pub hashes: BTreeMap<String, String>,
}

/// What is recorded as applied or merged, and the files' content hashes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryInput {
    /// The lock file.
    #[serde(default)]
    pub lock: Option<LockInput>,
    /// `--deployed`: migrations applied, with their ancestors.
    #[serde(default)]
    pub deployed: Vec<Key>,
    /// `--base REF`.
    #[serde(default)]
    pub base: Option<BaseInput>,
    /// Content hashes of the repository's migration files, by `app.name`.
    #[serde(default)]
    pub hashes: BTreeMap<String, String>,
}

impl HistoryInput {
    /// The input with the repository's content hashes ([`hashes`]), which
    /// `applied-migration-edited` compares with the recorded ones: the CLI
    /// and the browser both fill them in with this.
    #[must_use]
    pub fn with_hashes(mut self, sources: &[(Key, String, Vec<u8>)]) -> Self {
        self.hashes = hashes(sources);
        self
    }
}

/// Content hashes of migration files (key, path, bytes), by `app.name`:
/// the CRLF-normalised SHA-256 the lock records
/// ([`content_hash`](crate::history::content_hash)).
pub fn hashes(sources: &[(Key, String, Vec<u8>)]) -> BTreeMap<String, String> {
    sources
        .iter()
        .map(|(k, _, bytes)| (k.dotted(), crate::history::content_hash(bytes)))
        .collect()
}

/// A history finding. Names and codes are Alembic's for the same problem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "check", rename_all = "kebab-case")]
pub enum HistoryFinding {
    /// The lock cannot be read (RG306).
    InvalidLockFile {
        /// The lock's display path.
        path: String,
        /// 1-based line (0: the file as a whole).
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// `--deployed` names a migration the repository does not have (RG302).
    DeployedRevisionMissing {
        /// The migration.
        migration: Key,
    },
    /// A recorded migration's file changed (RG303).
    AppliedMigrationEdited {
        /// The migration.
        migration: Key,
        /// Where it is recorded.
        source: String,
    },
    /// A recorded migration of an app in the repository is gone (RG304).
    HistoryRewritten {
        /// The migration.
        migration: Key,
        /// Where it is recorded.
        source: String,
    },
    /// A new migration below recorded or deployed ones (RG301).
    InsertedBelowDeployed {
        /// The new migration.
        migration: Key,
        /// The applied migrations that now depend on it directly.
        applied: Vec<Key>,
        /// Where they are recorded.
        source: String,
    },
    /// A new migration that does not start from its app's recorded leaf
    /// (RG305).
    ForksLockedHistory {
        /// The new migration.
        migration: Key,
        /// Its parents in its app (recorded ones).
        parents: Vec<Key>,
        /// The app's recorded leaves.
        leaves: Vec<Key>,
        /// Where they are recorded.
        source: String,
    },
}

impl HistoryFinding {
    /// The check's name.
    pub fn check(&self) -> &'static str {
        match self {
            HistoryFinding::InvalidLockFile { .. } => "invalid-lock-file",
            HistoryFinding::DeployedRevisionMissing { .. } => "deployed-revision-missing",
            HistoryFinding::AppliedMigrationEdited { .. } => "applied-migration-edited",
            HistoryFinding::HistoryRewritten { .. } => "history-rewritten",
            HistoryFinding::InsertedBelowDeployed { .. } => "inserted-below-deployed",
            HistoryFinding::ForksLockedHistory { .. } => "forks-locked-history",
        }
    }

    /// The migration the finding points at (none for the lock file).
    pub fn migration(&self) -> Option<&Key> {
        match self {
            HistoryFinding::InvalidLockFile { .. } => None,
            HistoryFinding::DeployedRevisionMissing { migration }
            | HistoryFinding::AppliedMigrationEdited { migration, .. }
            | HistoryFinding::HistoryRewritten { migration, .. }
            | HistoryFinding::InsertedBelowDeployed { migration, .. }
            | HistoryFinding::ForksLockedHistory { migration, .. } => Some(migration),
        }
    }

    /// The one-line message.
    pub fn message(&self) -> String {
        match self {
            HistoryFinding::InvalidLockFile {
                path,
                line,
                message,
            } if *line > 0 => {
                format!("{path}:{line}: {message}")
            }
            HistoryFinding::InvalidLockFile { path, message, .. } => format!("{path}: {message}"),
            HistoryFinding::DeployedRevisionMissing { migration } => format!(
                "--deployed names `{}`, which no migration in the repository is",
                migration.dotted()
            ),
            HistoryFinding::AppliedMigrationEdited { migration, source } => format!(
                "migration `{}` was edited after it was recorded in {source}",
                migration.dotted()
            ),
            HistoryFinding::HistoryRewritten { migration, source } => format!(
                "migration `{}`, recorded in {source}, is no longer in the repository",
                migration.dotted()
            ),
            HistoryFinding::InsertedBelowDeployed {
                migration,
                applied,
                source,
            } => {
                let above = if applied.is_empty() {
                    "applied migrations".to_owned()
                } else {
                    list(applied)
                };
                format!(
                    "new migration `{}` is inserted below {above}, recorded in {source}: `manage.py migrate` fails on every database that applied them",
                    migration.dotted()
                )
            }
            HistoryFinding::ForksLockedHistory {
                migration,
                parents,
                leaves,
                ..
            } => {
                let from = if parents.is_empty() {
                    "starts a new root".to_owned()
                } else {
                    format!("depends on {}", list(parents))
                };
                format!(
                    "new migration `{}` {from}, not on the recorded leaf {} of app `{}`",
                    migration.dotted(),
                    list(leaves),
                    migration.app
                )
            }
        }
    }

    /// Notes: what Django does, in its words.
    pub fn notes(&self) -> Vec<String> {
        match self {
            HistoryFinding::InvalidLockFile { .. } => vec![
                "the lock's history checks are skipped until it reads".to_owned(),
            ],
            HistoryFinding::DeployedRevisionMissing { .. } => Vec::new(),
            HistoryFinding::AppliedMigrationEdited { .. } => vec![
                "Django records only `(app, name)` in django_migrations and never runs an applied migration again: the edit reaches fresh databases only".to_owned(),
            ],
            HistoryFinding::HistoryRewritten { .. } => vec![
                "databases that applied it keep its row in django_migrations and its schema change; fresh databases never get it, and a migration depending on it raises NodeNotFoundError".to_owned(),
            ],
            HistoryFinding::InsertedBelowDeployed {
                migration, applied, ..
            } => applied
                .iter()
                .map(|a| {
                    format!(
                        "InconsistentMigrationHistory: Migration {} is applied before its dependency {} on database 'default'.",
                        a.dotted(),
                        migration.dotted()
                    )
                })
                .collect(),
            HistoryFinding::ForksLockedHistory {
                migration, source, ..
            } => vec![format!(
                "recorded in {source}; merged as is, app `{}` has two leaf nodes and `manage.py migrate` fails: CommandError: Conflicting migrations detected; multiple leaf nodes in the migration graph",
                migration.app
            )],
        }
    }

    /// How to fix it.
    pub fn help(&self) -> Option<String> {
        Some(match self {
            HistoryFinding::InvalidLockFile { .. } => {
                "resolve it and run `revguard lock` again".to_owned()
            }
            HistoryFinding::DeployedRevisionMissing { .. } => {
                "give a migration of the repository as `app.name`".to_owned()
            }
            HistoryFinding::AppliedMigrationEdited { .. } => "restore the recorded file and put the change in a new migration (`python manage.py makemigrations`); if the edit is deliberate, re-lock with `revguard lock`".to_owned(),
            HistoryFinding::HistoryRewritten { .. } => "restore it; remove applied migrations only after a squash every database has passed, then re-lock with `revguard lock`".to_owned(),
            HistoryFinding::InsertedBelowDeployed { migration, .. } => format!(
                "make `{}` depend on its app's leaf instead (drop its `run_before`, and restore the recorded `dependencies` of the migrations above it)",
                migration.dotted()
            ),
            HistoryFinding::ForksLockedHistory { leaves, .. } => {
                let leaf = leaves.first().map_or_else(String::new, Key::repr);
                format!(
                    "make it depend on the leaf, `{leaf}`; if the branch is deliberate, merge it (`python manage.py makemigrations --merge`) and re-lock with `revguard lock`"
                )
            }
        })
    }
}

fn list(keys: &[Key]) -> String {
    let quoted: Vec<String> = keys.iter().map(|k| format!("`{}`", k.dotted())).collect();
    quoted.join(", ")
}

/// What is recorded: each migration's hash and source, each app's leaves.
#[derive(Default)]
struct Recorded {
    migrations: BTreeMap<Key, (Option<String>, String)>,
    leaves: BTreeMap<String, (Vec<Key>, String)>,
}

/// The lock's and the base's records; an unreadable lock is a finding.
fn recorded(project: &Project, input: &HistoryInput, out: &mut Vec<HistoryFinding>) -> Recorded {
    let mut rec = Recorded::default();
    if let Some(lock) = &input.lock {
        match parse_lock(&lock.text) {
            Ok(parsed) => {
                for entry in &parsed.entries {
                    if let Some(key) = parse_key(&entry.id) {
                        let value = (Some(entry.hash.clone()), lock.path.clone());
                        rec.migrations.insert(key, value);
                    }
                }
                for (app, leaves) in parsed.leaves {
                    rec.leaves.insert(app, (leaves, lock.path.clone()));
                }
            }
            Err(err) => out.push(HistoryFinding::InvalidLockFile {
                path: lock.path.clone(),
                line: err.line,
                message: err.message,
            }),
        }
    }
    if let Some(base) = &input.base {
        let source = format!("`{}`", base.git_ref);
        let at_base = Project {
            apps: base.apps.clone(),
            user_model: project.user_model.clone(),
            applied: None,
            history: None,
            safety: None,
        };
        let labels: BTreeSet<&str> = base.apps.iter().map(|a| a.label.as_str()).collect();
        if let Some(parents) = graph::parents(&at_base) {
            let mut has_child = BTreeSet::new();
            for (key, ps) in &parents {
                has_child.extend(ps.iter().filter(|p| p.app == key.app).cloned());
            }
            for key in parents.keys().filter(|k| labels.contains(k.app.as_str())) {
                let hash = base.hashes.get(&key.dotted()).cloned();
                rec.migrations
                    .entry(key.clone())
                    .or_insert((hash, source.clone()));
                if !has_child.contains(key) {
                    let leaves = rec
                        .leaves
                        .entry(key.app.clone())
                        .or_insert((Vec::new(), source.clone()));
                    if leaves.1 == source {
                        leaves.0.push(key.clone());
                    }
                }
            }
        }
    }
    rec
}

/// Every ancestor of `from`, not walking past a migration of `recorded`:
/// what a recorded migration depended on when it was applied is recorded
/// too, and a new migration now below it (a new parent) was not applied.
fn ancestors_above(
    parents: &BTreeMap<Key, BTreeSet<Key>>,
    from: &[Key],
    recorded: &BTreeSet<Key>,
) -> BTreeSet<Key> {
    let mut seen = BTreeSet::new();
    let mut stack: Vec<&Key> = from.iter().collect();
    while let Some(key) = stack.pop() {
        if recorded.contains(key) {
            continue;
        }
        for parent in parents.get(key).into_iter().flatten() {
            if seen.insert(parent.clone()) {
                stack.push(parent);
            }
        }
    }
    seen
}

/// Judge the repository against its recorded history.
pub fn judge(project: &Project, input: &HistoryInput) -> Vec<HistoryFinding> {
    let mut out = Vec::new();
    let rec = recorded(project, input, &mut out);
    let fresh = Project {
        applied: None,
        history: None,
        safety: None,
        ..project.clone()
    };
    let Some(unapplied) = graph::parents(&fresh) else {
        return out;
    };
    let mut deployed = Vec::new();
    for key in &input.deployed {
        if unapplied.contains_key(key) {
            deployed.push(key.clone());
        } else {
            out.push(HistoryFinding::DeployedRevisionMissing {
                migration: key.clone(),
            });
        }
    }
    let mut applied: BTreeSet<Key> = rec.migrations.keys().cloned().collect();
    let above = ancestors_above(&unapplied, &deployed, &applied);
    applied.extend(above);
    applied.extend(deployed.iter().cloned());
    let facts: BTreeMap<Key, &super::MigrationFacts> = project
        .apps
        .iter()
        .filter(|a| a.migrated)
        .flat_map(|a| {
            a.migrations
                .iter()
                .map(move |m| (Key::new(&a.label, &m.name), &m.facts))
        })
        .collect();
    // A recorded squash stands for the migrations it replaces.
    let squashed: Vec<Key> = applied
        .iter()
        .filter_map(|k| facts.get(k).copied())
        .flat_map(|f| f.replaces.iter())
        .filter_map(|r| match r {
            Reference::Key { app, name, .. } => Some(Key::new(app, name)),
            Reference::Swappable { .. } => None,
        })
        .collect();
    applied.extend(squashed);
    let at_applied = Project {
        applied: Some(applied.iter().cloned().collect()),
        history: None,
        safety: None,
        ..project.clone()
    };
    let parents = graph::parents(&at_applied);
    let shared = Shared::new(parents.as_ref(), &input.hashes);
    edited(&shared, input, &rec, &mut out);
    let Some(parents) = parents else {
        return out;
    };
    let mut below = BTreeSet::new();
    for (key, above) in shared.inserted_below(&applied) {
        let source = above
            .iter()
            .find_map(|a| rec.migrations.get(a).map(|(_, s)| s.clone()))
            .or_else(|| rec.migrations.values().next().map(|(_, s)| s.clone()))
            .unwrap_or_else(|| "the deployed migrations".to_owned());
        below.insert(key.clone());
        out.push(HistoryFinding::InsertedBelowDeployed {
            migration: key,
            applied: above,
            source,
        });
    }
    forks(&rec, &parents, &applied, &below, &mut out);
    out
}

/// The project as the shared history model ([`crate::model`]) sees it:
/// one node per migration of the graph at the applied state or per file
/// (a migration a squash took out of the graph keeps its file), grouped by
/// app, keyed `app.name`, each with its file's hash; an edge per
/// dependency. The shared checks `edited` and `inserted_below` decide on
/// it, and this module words their findings in Django's terms.
struct Shared {
    model: Model,
    /// The node's key, by node index.
    keys: Vec<Key>,
}

impl Shared {
    fn new(
        parents: Option<&BTreeMap<Key, BTreeSet<Key>>>,
        hashes: &BTreeMap<String, String>,
    ) -> Shared {
        let mut keys: BTreeSet<Key> = hashes.keys().filter_map(|k| parse_key(k)).collect();
        keys.extend(parents.into_iter().flat_map(|p| p.keys().cloned()));
        let keys: Vec<Key> = keys.into_iter().collect();
        let nodes = keys
            .iter()
            .map(|key| {
                let dotted = key.dotted();
                Node {
                    hash: hashes.get(&dotted).cloned(),
                    key: dotted,
                    group: key.app.clone(),
                    file: None,
                    span: None,
                }
            })
            .collect();
        let edges = parents
            .into_iter()
            .flat_map(|p| p.iter())
            .flat_map(|(child, ps)| {
                let child = keys.binary_search(child).ok();
                ps.iter().filter_map(move |parent| {
                    Some(Edge {
                        parent: parent.dotted(),
                        child: child?,
                        span: None,
                    })
                })
            })
            .collect();
        let model = Model {
            vocabulary: DJANGO,
            nodes,
            edges,
            external: BTreeSet::new(),
            outcome: Outcome::default(),
        };
        Shared { model, keys }
    }

    /// Recorded migrations whose file's hash changed.
    fn edited(&self, rec: &Recorded) -> BTreeSet<Key> {
        let recorded = model::Recorded {
            keys: rec
                .migrations
                .iter()
                .map(|(key, (hash, _))| (key.dotted(), hash.clone()))
                .collect(),
            source: String::new(),
        };
        self.model
            .edited(&recorded)
            .into_iter()
            .filter_map(|f| match f {
                ModelFinding::Edited { node } => Some(self.keys[node].clone()),
                _ => None,
            })
            .collect()
    }

    /// New migrations below `applied` ones, each with the applied
    /// migrations that depend on it directly, in key order.
    fn inserted_below(&self, applied: &BTreeSet<Key>) -> Vec<(Key, Vec<Key>)> {
        let recorded = model::Recorded {
            keys: applied.iter().map(|k| (k.dotted(), None)).collect(),
            source: String::new(),
        };
        self.model
            .inserted_below(&recorded)
            .into_iter()
            .filter_map(|f| match f {
                ModelFinding::InsertedBelow { node, above } => Some((
                    self.keys[node].clone(),
                    above.iter().map(|a| self.keys[*a].clone()).collect(),
                )),
                _ => None,
            })
            .collect()
    }
}

/// `applied-migration-edited` (decided by the shared model) and
/// `history-rewritten`.
fn edited(shared: &Shared, input: &HistoryInput, rec: &Recorded, out: &mut Vec<HistoryFinding>) {
    let changed = shared.edited(rec);
    for (key, (_, source)) in &rec.migrations {
        match input.hashes.get(&key.dotted()) {
            Some(_) => {
                if changed.contains(key) {
                    out.push(HistoryFinding::AppliedMigrationEdited {
                        migration: key.clone(),
                        source: source.clone(),
                    });
                }
            }
            None => out.push(HistoryFinding::HistoryRewritten {
                migration: key.clone(),
                source: source.clone(),
            }),
        }
    }
}

/// `forks-locked-history`: the first new migration of a chain whose parents
/// in its app are recorded but not the app's recorded leaf.
fn forks(
    rec: &Recorded,
    parents: &BTreeMap<Key, BTreeSet<Key>>,
    applied: &BTreeSet<Key>,
    below: &BTreeSet<Key>,
    out: &mut Vec<HistoryFinding>,
) {
    for (key, ps) in parents {
        if applied.contains(key) || below.contains(key) {
            continue;
        }
        let Some((leaves, source)) = rec.leaves.get(&key.app) else {
            continue;
        };
        let same_app: Vec<Key> = ps.iter().filter(|p| p.app == key.app).cloned().collect();
        if same_app
            .iter()
            .any(|p| !applied.contains(p) || leaves.contains(p))
        {
            continue;
        }
        out.push(HistoryFinding::ForksLockedHistory {
            migration: key.clone(),
            parents: same_app,
            leaves: leaves.clone(),
            source: source.clone(),
        });
    }
}
