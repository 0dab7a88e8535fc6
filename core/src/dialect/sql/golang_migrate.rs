//! golang-migrate: `source.DefaultParse` for the names
//! (`^([0-9]+)_(.*)\.(down|up)\.(.*)$`, version a `uint64`), `iofs.Init`'s
//! `Migrations.Append` for duplicates (same version *and* direction; an up
//! and a down with one version pair up, whatever their titles), and
//! `Migrate.Up`/`readUp` for the deployed state: one stored version, the
//! next ones run from there, anything lower never does.

use std::collections::BTreeMap;

use super::{Check, History, Resolved, Tool, Verdict};
use crate::Severity;

/// Direction of a golang-migrate file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Direction {
    /// `.up.`
    Up,
    /// `.down.`
    Down,
}

/// A parsed name: version, title, direction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name {
    /// The version (`ParseUint(.., 10, 64)`).
    pub version: u64,
    /// The title (`(.*)`, greedy).
    pub title: String,
    /// Up or down.
    pub direction: Direction,
}

/// `source.Parse` with `DefaultRegex`; `None` for a name it skips.
pub fn parse_name(name: &str) -> Option<Name> {
    let digits = name.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 || name.as_bytes().get(digits) != Some(&b'_') {
        return None;
    }
    let rest = &name[digits + 1..];
    // `(.*)\.(down|up)\.(.*)$`: the greedy title takes the last
    // `.up.`/`.down.` that leaves a (possibly empty) extension.
    let mut best: Option<(usize, Direction, usize)> = None;
    for (at, _) in rest.match_indices('.') {
        for (word, direction) in [("down", Direction::Down), ("up", Direction::Up)] {
            let tail = &rest[at + 1..];
            if tail.starts_with(word) && tail[word.len()..].starts_with('.') {
                best = Some((at, direction, word.len()));
            }
        }
    }
    let (at, direction, _) = best?;
    let version = name[..digits].parse::<u64>().ok()?;
    Some(Name {
        version,
        title: rest[..at].to_owned(),
        direction,
    })
}

/// Whether a name looks like a migration golang-migrate skips.
fn looks_like_migration(name: &str) -> bool {
    name.ends_with(".sql") && name.starts_with(|c: char| c.is_ascii_digit())
}

/// Judge a golang-migrate history.
pub fn judge(history: &History) -> Verdict {
    let mut verdict = Verdict::new(Tool::GolangMigrate);
    let mut index: BTreeMap<u64, [Option<usize>; 2]> = BTreeMap::new();
    let mut titles: BTreeMap<u64, String> = BTreeMap::new();
    for (i, file) in history.files.iter().enumerate() {
        let Some(name) = parse_name(&file.name) else {
            if looks_like_migration(&file.name) {
                stray(history, &mut verdict, i);
            }
            continue;
        };
        let slot = &mut index.entry(name.version).or_default()[name.direction as usize];
        if let Some(first) = *slot {
            duplicate(history, &mut verdict, first, i);
            continue;
        }
        *slot = Some(i);
        if name.direction == Direction::Up || !titles.contains_key(&name.version) {
            titles.insert(name.version, name.title.replace('_', " "));
        }
    }
    verdict.migrations = index
        .iter()
        .filter_map(|(v, [up, down])| {
            up.or(*down).map(|file| Resolved {
                version: v.to_string(),
                description: titles.get(v).cloned().unwrap_or_default(),
                file,
            })
        })
        .collect();
    if verdict.fails.is_some() {
        return verdict;
    }
    deployed(history, &mut verdict, &index);
    verdict
}

fn stray(history: &History, verdict: &mut Verdict, file: usize) {
    verdict.push(
        Check::StrayMigration,
        Severity::Warning,
        format!(
            "`{}` does not match golang-migrate's `{{version}}_{{title}}.up.{{extension}}` / `.down.` names, so `migrate up` silently skips it",
            history.files[file].path
        ),
        vec![file],
    );
    verdict.help("name it `<version>_<title>.up.sql` (and `.down.sql` for its rollback)");
}

fn duplicate(history: &History, verdict: &mut Verdict, first: usize, second: usize) {
    let message = format!("duplicate migration file: {}", history.files[second].name);
    verdict.push(
        Check::DuplicateRevision,
        Severity::Error,
        format!(
            "`{}` and `{}` are both the same version and direction",
            history.files[first].path, history.files[second].path
        ),
        vec![first, second],
    );
    verdict.note(format!(
        "`migrate` fails when it opens the source, before the database: {message}"
    ));
    verdict.help("give one of them the next free version (an up and a down file with one version pair up; two ups do not)");
    verdict.fail(message);
}

/// With the stored version: dirty, missing current file, files below it.
fn deployed(history: &History, verdict: &mut Verdict, index: &BTreeMap<u64, [Option<usize>; 2]>) {
    let ups = |pred: &dyn Fn(u64) -> bool| -> Vec<usize> {
        index
            .iter()
            .filter(|(v, _)| pred(**v))
            .filter_map(|(_, [up, _])| *up)
            .collect()
    };
    let Some(row) = history
        .applied
        .as_ref()
        .and_then(|rows| rows.iter().max_by_key(|r| r.version.parse::<u64>().ok()))
    else {
        verdict.runs = ups(&|_| true);
        return;
    };
    let Ok(current) = row.version.parse::<u64>() else {
        return;
    };
    if !row.success {
        let message = format!("Dirty database version {current}. Fix and force version.");
        verdict.push(
            Check::DatabaseState,
            Severity::Error,
            format!("schema_migrations is dirty at version {current}: a migration failed half-way"),
            index
                .get(&current)
                .and_then(|[u, d]| u.or(*d))
                .into_iter()
                .collect(),
        );
        verdict.note(format!("`migrate up` fails: {message}"));
        verdict.help("repair the schema by hand, then `migrate force <version>`");
        verdict.fail(message);
        return;
    }
    if !index.contains_key(&current) {
        let message = format!(
            "no migration found for version {current}: read down for version {current} <source>: file does not exist"
        );
        verdict.push(
            Check::DeployedRevisionMissing,
            Severity::Error,
            format!("the database is at version {current}, which no migration file has any more"),
            Vec::new(),
        );
        verdict.note(format!("`migrate up` fails: {message}"));
        verdict
            .note("golang-migrate prints the source's path where this shows `<source>`".to_owned());
        verdict.fail(message);
        return;
    }
    // The database keeps one version; a lock lists every version that was
    // deployed, so only with a lock are the unapplied ones below known.
    let below: Vec<usize> = if super::from_lock(history) {
        let applied: Vec<u64> = history
            .applied
            .iter()
            .flatten()
            .filter_map(|r| r.version.parse().ok())
            .collect();
        ups(&|v| v < current && !applied.contains(&v))
    } else {
        Vec::new()
    };
    for file in below {
        verdict.push(
            Check::NeverRuns,
            Severity::Error,
            format!(
                "`{}` is numbered below the deployed version {current}: `migrate up` never runs it, with no error",
                history.files[file].path
            ),
            vec![file],
        );
        verdict.help("give it a version above the deployed one");
    }
    // The table keeps no checksum: with a lock, an edited or deleted
    // applied migration is known, and `migrate up` does not notice.
    let migrations: Vec<(String, usize)> = verdict
        .migrations
        .iter()
        .map(|m| (m.version.clone(), m.file))
        .collect();
    super::edits_and_deletions(history, verdict, migrations.into_iter(), Severity::Warning);
    verdict.runs = ups(&|v| v > current);
}
