//! Django's lock file (`revguard.lock` at the project root): parsing and
//! rendering. The format is Alembic's lock (see [`crate::history`]) with
//! Django's keys and one change that matters for git:
//!
//! ```text
//! # revguard-lock v1 django
//! # Written by `revguard lock`; verified by `revguard check`. Do not edit by hand.
//! # <app.migration> <dependencies: comma-separated, or -> sha256:<CRLF-normalised content hash> <file>
//! accounts.0001_initial - sha256:5b0c…e1 accounts/migrations/0001_initial.py
//! leaf accounts.0001_initial
//! billing.0001_initial accounts.0001_initial sha256:0f7a…9c billing/migrations/0001_initial.py
//! billing.0002_invoice_total billing.0001_initial sha256:a1d2…40 billing/migrations/0002_invoice_total.py
//! leaf billing.0002_invoice_total
//! ```
//!
//! - Keys are `app.name`, as Django prints a migration; an app label is a
//!   Python identifier, so the first `.` splits it.
//! - Migrations are grouped by app (apps in label order), each app's in
//!   `migrate --plan` order, and each app's group ends with its **leaf
//!   line**: the app's leaf nodes, as `detect_conflicts` counts them (one,
//!   since a graph with conflicting leaves is not locked). Two branches that
//!   each add a migration to the same app rewrite the same leaf line, so
//!   git stops the merge with a conflict; branches that touch different
//!   apps change lines apart and merge cleanly (the idea of
//!   django-linear-migrations' per-app `max_migration.txt`).
//! - The dependencies are the migration's parents in the graph Django
//!   loads on an empty database (after `__first__`/`__latest__`,
//!   `run_before` and squash replacement), limited to migrations in the
//!   repository; installed apps' migrations are not history of the
//!   repository.
//! - The hash is the CRLF-normalised SHA-256 of the file
//!   ([`content_hash`](crate::history::content_hash)).

use std::collections::{BTreeMap, BTreeSet};

use super::graph::{self, Key, Project};
use crate::history::{LockEntry, LockError, LockRefusal};

/// The first line of a Django lock file. Alembic's reader refuses it as an
/// unsupported format, and this reader refuses Alembic's.
pub const DJANGO_LOCK_HEADER: &str = "# revguard-lock v1 django";

/// A parsed Django lock file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DjangoLock {
    /// Migration lines in file order (`id` is `app.name`, `down` the
    /// dependencies as `app.name`).
    pub entries: Vec<LockEntry>,
    /// Each app's leaf line.
    pub leaves: BTreeMap<String, Vec<Key>>,
}

/// `app.name` as a key (`None` without a `.`).
pub fn parse_key(dotted: &str) -> Option<Key> {
    let (app, name) = dotted.split_once('.')?;
    (!app.is_empty() && !name.is_empty()).then(|| Key::new(app, name))
}

fn error(line: usize, message: String) -> LockError {
    LockError {
        line,
        message,
        conflict: false,
    }
}

/// Parse a Django lock file.
pub fn parse_lock(text: &str) -> Result<DjangoLock, LockError> {
    crate::history::conflict_markers(text, "leaf")?;
    let mut lines = text.lines().enumerate();
    match lines.next().map(|(_, l)| l.trim_end()) {
        Some(DJANGO_LOCK_HEADER) => {}
        Some(first) if first.starts_with("# revguard-lock ") => {
            return Err(error(
                1,
                format!(
                    "unsupported lock format `{}` for a Django project; this revguard reads `{DJANGO_LOCK_HEADER}` (re-lock with `revguard lock --dialect django`)",
                    first.trim()
                ),
            ));
        }
        _ => {
            return Err(error(
                1,
                format!("not a revguard lock file (the first line must be `{DJANGO_LOCK_HEADER}`)"),
            ));
        }
    }
    let mut lock = DjangoLock::default();
    let mut group: Vec<usize> = Vec::new();
    let mut seen = BTreeSet::new();
    for (i, raw) in lines {
        let line = raw.trim_end_matches('\r');
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let number = i + 1;
        if let Some(rest) = line.strip_prefix("leaf ") {
            let (app, leaves) = leaf_line(&lock.entries, &group, rest, number)?;
            if lock.leaves.insert(app.clone(), leaves).is_some() {
                return Err(error(number, format!("app `{app}` has a second leaf line")));
            }
            group.clear();
            continue;
        }
        let entry = entry(line, number)?;
        if !seen.insert(entry.id.clone()) {
            return Err(error(
                number,
                format!("migration `{}` is listed twice", entry.id),
            ));
        }
        group.push(lock.entries.len());
        lock.entries.push(entry);
    }
    if let Some(first) = group.first() {
        return Err(error(
            lock.entries[*first].line,
            "the last app's migrations have no `leaf` line (truncated?)".into(),
        ));
    }
    Ok(lock)
}

/// One migration line: `<app.name> <deps> sha256:<hash> <file>`.
fn entry(line: &str, number: usize) -> Result<LockEntry, LockError> {
    let mut fields = line.splitn(4, ' ');
    let id = fields.next().unwrap_or("");
    let (Some(down), Some(hash), Some(file)) = (fields.next(), fields.next(), fields.next()) else {
        return Err(error(
            number,
            format!(
                "expected `<app.migration> <dependencies> sha256:<hash> <file>`, found `{line}`"
            ),
        ));
    };
    let down: Vec<String> = if down == "-" {
        Vec::new()
    } else {
        down.split(',').map(str::to_owned).collect()
    };
    if let Some(bad) = std::iter::once(id)
        .chain(down.iter().map(String::as_str))
        .find(|k| parse_key(k).is_none())
    {
        return Err(error(
            number,
            format!("`{bad}` is not a migration key (`app.name`)"),
        ));
    }
    let hex = hash.strip_prefix("sha256:").unwrap_or("");
    if hex.len() != 64
        || !hex
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        return Err(error(
            number,
            format!("`{hash}` is not a `sha256:<64 hex digits>` hash"),
        ));
    }
    Ok(LockEntry {
        id: id.to_owned(),
        down,
        hash: hash.to_owned(),
        file: file.to_owned(),
        line: number,
    })
}

/// A leaf line closing the group of entries `group`: one app, and the
/// leaves the entries imply (a hand-merged lock that kept both sides of a
/// conflict fails here).
fn leaf_line(
    entries: &[LockEntry],
    group: &[usize],
    rest: &str,
    number: usize,
) -> Result<(String, Vec<Key>), LockError> {
    let named: Vec<Key> = rest
        .split_whitespace()
        .map(|k| {
            parse_key(k)
                .ok_or_else(|| error(number, format!("`{k}` is not a migration key (`app.name`)")))
        })
        .collect::<Result<_, _>>()?;
    let keys: Vec<Key> = group
        .iter()
        .filter_map(|i| parse_key(&entries[*i].id))
        .collect();
    let Some(app) = keys.first().map(|k| k.app.clone()) else {
        return Err(error(
            number,
            "a `leaf` line without migrations above it".into(),
        ));
    };
    if let Some(other) = keys.iter().find(|k| k.app != app) {
        return Err(error(
            number,
            format!(
                "`{}` is in app `{}`, but this group is app `{app}`'s",
                other.dotted(),
                other.app
            ),
        ));
    }
    let parents: BTreeSet<&str> = group
        .iter()
        .flat_map(|i| entries[*i].down.iter().map(String::as_str))
        .collect();
    let computed: BTreeSet<Key> = keys
        .iter()
        .filter(|k| !parents.contains(k.dotted().as_str()))
        .cloned()
        .collect();
    let written: BTreeSet<Key> = named.iter().cloned().collect();
    if computed != written {
        let list = |set: &BTreeSet<Key>| set.iter().map(Key::dotted).collect::<Vec<_>>().join(" ");
        return Err(error(
            number,
            format!(
                "the leaf line says `{}`, but app `{app}`'s migrations above it end in `{}` (a hand-merged lock?)",
                list(&written),
                list(&computed)
            ),
        ));
    }
    Ok((app, named))
}

/// Render the lock of a project whose graph loads with one leaf per app.
/// `hashes` and `paths` are by `app.name`.
pub fn render_lock(
    project: &Project,
    hashes: &BTreeMap<String, String>,
    paths: &BTreeMap<String, String>,
) -> Result<String, LockRefusal> {
    let fresh = Project {
        applied: None,
        history: None,
        safety: None,
        ..project.clone()
    };
    let loaded = graph::load(&fresh);
    if let Some(error) = loaded.errors.first() {
        return Err(LockRefusal(format!(
            "the graph does not load ({}: {}); fix it before locking",
            error.exception(),
            error.message()
        )));
    }
    if let Some(message) = loaded.conflict_message() {
        return Err(LockRefusal(format!("{message}; merge before locking")));
    }
    let parents = graph::parents(&fresh).unwrap_or_default();
    let in_repo: BTreeSet<&str> = project.apps.iter().map(|a| a.label.as_str()).collect();
    let bad = |s: &str| s.contains([',', ' ', '\t', '\n', '\r']);
    let mut out = format!(
        "{DJANGO_LOCK_HEADER}\n# Written by `revguard lock`; verified by `revguard check`. Do not edit by hand.\n# <app.migration> <dependencies: comma-separated, or -> sha256:<CRLF-normalised content hash> <file>\n"
    );
    for (app, leaves) in &loaded.leaves {
        for key in loaded.plan.iter().filter(|k| k.app == *app) {
            let dotted = key.dotted();
            let Some(path) = paths.get(&dotted) else {
                continue;
            };
            if bad(&dotted) {
                return Err(LockRefusal(format!(
                    "{path}: migration `{dotted}` cannot be written to a lock file"
                )));
            }
            let deps: Vec<String> = parents
                .get(key)
                .into_iter()
                .flatten()
                .filter(|p| in_repo.contains(p.app.as_str()))
                .map(Key::dotted)
                .collect();
            let deps = if deps.is_empty() {
                "-".to_owned()
            } else {
                deps.join(",")
            };
            let hash = hashes.get(&dotted).map_or("", String::as_str);
            out.push_str(&format!("{dotted} {deps} {hash} {path}\n"));
        }
        let leaves: Vec<String> = leaves.iter().map(|n| Key::new(app, n).dotted()).collect();
        out.push_str(&format!("leaf {}\n", leaves.join(" ")));
    }
    Ok(out)
}
