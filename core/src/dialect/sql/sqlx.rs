//! sqlx's `Migrator` (`sqlx migrate run`, `migrate!()`, `Migrator::run`):
//! `resolve_blocking` splits each name once at `_` and keeps those whose
//! rest ends in `.sql` (`.up.sql`/`.down.sql` are reversible), the version
//! an `i64` (any other prefix fails the resolve), a stable sort by version
//! over `read_dir` order, no duplicate check. `run_direct` then fails on a
//! dirty row, on an applied version with no file
//! (`validate_applied_migrations`), on an applied file whose SHA-384
//! changed, and otherwise applies each unapplied up migration, whatever its
//! place below the applied ones.

use super::{Check, History, Resolved, Tool, Verdict, from_lock};
use crate::Severity;

/// `MigrationType::from_filename`, by suffix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `<v>_<d>.sql`
    Simple,
    /// `<v>_<d>.up.sql`
    Up,
    /// `<v>_<d>.down.sql`
    Down,
}

/// A resolved name: version, description, kind; `Ok(None)` for a name
/// sqlx skips, `Err` for one it fails on (the resolve error's message).
pub fn parse_name(name: &str) -> Result<Option<(i64, String, Kind)>, String> {
    let Some((prefix, rest)) = name.split_once('_') else {
        return Ok(None);
    };
    if !rest.ends_with(".sql") {
        return Ok(None);
    }
    let version: i64 = prefix.parse().map_err(|_| {
        format!(
            "error parsing migration filename {name:?}; expected integer version prefix (e.g. `01_foo.sql`)"
        )
    })?;
    let (kind, suffix) = if rest.ends_with(".up.sql") {
        (Kind::Up, ".up.sql")
    } else if rest.ends_with(".down.sql") {
        (Kind::Down, ".down.sql")
    } else {
        (Kind::Simple, ".sql")
    };
    let mut description = rest;
    while let Some(shorter) = description.strip_suffix(suffix) {
        description = shorter;
    }
    Ok(Some((version, description.replace('_', " "), kind)))
}

/// Judge a sqlx history.
pub fn judge(history: &History) -> Verdict {
    let mut verdict = Verdict::new(Tool::Sqlx);
    let mut ups: Vec<(i64, usize)> = Vec::new();
    let mut all_versions: Vec<i64> = Vec::new();
    for (i, file) in history.files.iter().enumerate() {
        match parse_name(&file.name) {
            Ok(Some((version, description, kind))) => {
                all_versions.push(version);
                if kind != Kind::Down {
                    ups.push((version, i));
                    verdict.migrations.push(Resolved {
                        version: version.to_string(),
                        description,
                        file: i,
                    });
                }
            }
            Ok(None) if file.name.to_ascii_lowercase().ends_with(".sql") => {
                verdict.push(
                    Check::StrayMigration,
                    Severity::Warning,
                    format!(
                        "`{}` does not match sqlx's `<version>_<description>.sql` names, so the migrator silently skips it",
                        file.path
                    ),
                    vec![i],
                );
                verdict.help("name it `<version>_<description>.sql` (or `.up.sql`/`.down.sql`)");
            }
            Ok(None) => {}
            Err(err) => {
                let message = format!("while resolving migrations: {err}");
                verdict.push(
                    Check::InvalidRevisionId,
                    Severity::Error,
                    format!(
                        "`{}` has no integer version before its first `_`: sqlx fails to resolve the directory",
                        file.path
                    ),
                    vec![i],
                );
                verdict.note(format!("the migrator fails: {message}"));
                verdict.fail(message);
            }
        }
    }
    // A stable sort by version, as sqlx sorts (ties keep directory order).
    ups.sort_by_key(|(v, _)| *v);
    verdict
        .migrations
        .sort_by_key(|m| m.version.parse::<i64>().ok());
    duplicates(history, &mut verdict, &ups);
    if verdict.fails.is_none() {
        run(history, &mut verdict, &ups, &all_versions);
    }
    verdict
}

fn duplicates(history: &History, verdict: &mut Verdict, ups: &[(i64, usize)]) {
    let sequence: Vec<(String, usize)> = ups.iter().map(|(v, f)| (v.to_string(), *f)).collect();
    for (version, group) in super::same_version(Tool::Sqlx, &sequence) {
        let paths: Vec<String> = group
            .iter()
            .map(|f| history.files[*f].path.clone())
            .collect();
        verdict.push(
            Check::DuplicateRevision,
            Severity::Error,
            format!(
                "{} files have sqlx version {version}: {}",
                group.len(),
                super::list(&paths)
            ),
            group.clone(),
        );
        verdict.note(
            "sqlx does not detect this: on a fresh database the second copy fails with \"while executing migrations: error returned from database: (code: 1555) UNIQUE constraint failed: _sqlx_migrations.version\" (SQLite's words; other databases name their unique key), and every later start fails with \"migration ".to_owned()
                + &version.to_string()
                + " was previously applied but has been modified\": a crash loop",
        );
        verdict.note(
            "which copy runs first depends on the directory's listing order (`read_dir`), which sqlx does not sort".to_owned(),
        );
        verdict.help("give one of them the next free version");
    }
}

/// `run_direct` over the applied rows (none: a fresh database).
fn run(history: &History, verdict: &mut Verdict, ups: &[(i64, usize)], all_versions: &[i64]) {
    let mut applied: Vec<(i64, Option<String>, bool)> = history
        .applied
        .iter()
        .flatten()
        .filter_map(|r| Some((r.version.parse().ok()?, r.checksum.clone(), r.success)))
        .collect();
    applied.sort_by_key(|(v, _, _)| *v);
    let lock = from_lock(history);
    if let Some((v, _, _)) = applied.iter().find(|(_, _, ok)| !ok) {
        let message = format!(
            "migration {v} is partially applied; fix and remove row from `_sqlx_migrations` table"
        );
        verdict.push(
            Check::DatabaseState,
            Severity::Error,
            format!("_sqlx_migrations records version {v} as failed"),
            Vec::new(),
        );
        verdict.note(format!("the migrator fails: {message}"));
        verdict.fail(message);
        return;
    }
    if let Some((v, _, _)) = applied.iter().find(|(v, _, _)| !all_versions.contains(v)) {
        let message = format!(
            "migration {v} was previously applied but is missing in the resolved migrations"
        );
        verdict.push(
            Check::DeployedRevisionMissing,
            Severity::Error,
            format!("version {v} is applied but no migration file has it any more: the migrator fails at every start"),
            Vec::new(),
        );
        verdict.note(format!("the migrator fails: {message}"));
        verdict.help("restore the file (or run with `ignore_missing`)");
        verdict.fail(message);
        return;
    }
    let max = applied.iter().map(|(v, _, _)| *v).max();
    let mut recorded: Vec<(i64, String)> = applied
        .iter()
        .map(|(v, c, _)| (*v, c.clone().unwrap_or_default()))
        .collect();
    let before_run = recorded.len();
    for (version, file) in ups {
        let local = &history.files[*file].facts.sha384;
        match recorded.iter().position(|(v, _)| v == version) {
            // Recorded by this very run: `applied_migrations` was read
            // before the loop, so the second copy is applied too, and its
            // insert hits the primary key.
            Some(p) if p >= before_run => {
                verdict.fail(
                    "while executing migrations: error returned from database: (code: 1555) UNIQUE constraint failed: _sqlx_migrations.version".to_owned(),
                );
                return;
            }
            Some(p) => {
                let stored = recorded[p].1.clone();
                if !stored.is_empty() && stored != *local {
                    edited(history, verdict, *version, *file, &stored, lock);
                    return;
                }
            }
            None => {
                if max.is_some_and(|m| *version < m) {
                    verdict.push(
                        Check::InsertedBelowDeployed,
                        Severity::Warning,
                        format!(
                            "`{}` (version {version}) is below the applied version {}: sqlx runs it now, after newer migrations",
                            history.files[*file].path,
                            max.unwrap_or_default()
                        ),
                        vec![*file],
                    );
                    verdict.help("give it a version above the applied ones, or make sure it does not depend on their order");
                }
                verdict.runs.push(*file);
                recorded.push((*version, local.clone()));
            }
        }
    }
}

fn edited(
    history: &History,
    verdict: &mut Verdict,
    version: i64,
    file: usize,
    stored: &str,
    lock: bool,
) {
    let message = format!("migration {version} was previously applied but has been modified");
    let source = if lock { "the lock" } else { "_sqlx_migrations" };
    verdict.push(
        Check::AppliedMigrationEdited,
        Severity::Error,
        format!(
            "`{}` (version {version}) was edited after it was applied: the migrator fails at every start",
            history.files[file].path
        ),
        vec![file],
    );
    verdict.note(format!("the migrator fails: {message}"));
    verdict.note(format!(
        "SHA-384 in {source}: {stored}; of the file now: {}",
        history.files[file].facts.sha384
    ));
    verdict.help("revert the edit (even a comment counts) and put the change in a new migration");
    verdict.fail(message);
}
