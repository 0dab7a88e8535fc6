//! Prisma Migrate (`prisma migrate deploy`): each directory of
//! `prisma/migrations` holding `migration.sql` is a migration named by the
//! directory, in name order. `deploy` stops only on a failed row (P3009);
//! it applies every directory without a non-rolled-back row, older-named
//! ones included, and checks neither checksums nor missing directories
//! (by design: see `schema-engine/ARCHITECTURE.md`). `migrate dev` does
//! compare the SHA-256 and asks for a reset.

use super::{Check, History, Resolved, Tool, Verdict};
use crate::Severity;

/// Judge a Prisma history.
pub fn judge(history: &History) -> Verdict {
    let mut verdict = Verdict::new(Tool::Prisma);
    let mut order: Vec<usize> = (0..history.files.len()).collect();
    order.sort_by(|a, b| history.files[*a].name.cmp(&history.files[*b].name));
    verdict.migrations = order
        .iter()
        .map(|f| Resolved {
            version: history.files[*f].name.clone(),
            description: history.files[*f]
                .name
                .split_once('_')
                .map_or("", |(_, d)| d)
                .to_owned(),
            file: *f,
        })
        .collect();
    let rows = history.applied.as_deref().unwrap_or_default();
    if let Some(failed) = rows.iter().find(|r| !r.success && !r.rolled_back) {
        let message = format!(
            "migrate found failed migrations in the target database, new migrations will not be applied. Read more about how to resolve migration issues in a production database: https://pris.ly/d/migrate-resolve\nThe `{}` migration started at {} failed",
            failed.version,
            failed.started_at.as_deref().unwrap_or("?")
        );
        let file = order
            .iter()
            .copied()
            .find(|f| history.files[*f].name == failed.version);
        verdict.push(
            Check::DatabaseState,
            Severity::Error,
            format!("_prisma_migrations records `{}` as failed", failed.version),
            file.into_iter().collect(),
        );
        verdict.note(format!("`prisma migrate deploy` fails (P3009): {message}"));
        verdict.help("fix the database, then `prisma migrate resolve --applied` or `--rolled-back` the migration");
        verdict.fail(message);
        return verdict;
    }
    let live = |name: &str| rows.iter().any(|r| r.version == name && !r.rolled_back);
    super::edits_and_deletions(
        history,
        &mut verdict,
        order.iter().map(|f| (history.files[*f].name.clone(), *f)),
        Severity::Warning,
    );
    for finding in &mut verdict.findings {
        if finding.check == Check::AppliedMigrationEdited.name() {
            finding.notes.push(
                "`prisma migrate dev` would stop: \"The migration `".to_owned()
                    + &history.files[finding.files[0]].name
                    + "` was modified after it was applied.\" and ask to reset the database",
            );
        }
    }
    let last_applied = order
        .iter()
        .rev()
        .find(|f| live(&history.files[**f].name))
        .map(|f| history.files[*f].name.clone());
    for f in &order {
        let name = &history.files[*f].name;
        if live(name) {
            continue;
        }
        if let Some(last) = last_applied.as_ref().filter(|last| name < *last) {
            verdict.push(
                Check::InsertedBelowDeployed,
                Severity::Warning,
                format!(
                    "`{name}` sorts before the applied migration `{last}` but is not applied: `prisma migrate deploy` runs it now, after newer ones"
                ),
                vec![*f],
            );
            verdict.help("rename its directory to a timestamp after the applied migrations, or make sure it does not depend on their order");
        }
        verdict.runs.push(*f);
    }
    verdict
}
