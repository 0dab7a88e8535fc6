use super::{Context, Finding, Sink, declare_check};
use crate::graph::RevIx;
use crate::history::{base_hashes, hash_of};
use crate::parse::Attr;
use crate::severity::Severity;

declare_check! {
    /// ## What it does
    /// Reports a revision whose file content differs from what was recorded:
    /// its SHA-256 (CRLF-normalised) no longer matches `revguard.lock`, or
    /// Alembic now loads the id from a different file than the locked one
    /// (a duplicated id whose last-loaded copy is not the applied one). With
    /// `--base REF` (and no lock entry for the id) a change against the base
    /// is reported as a warning. A changed `down_revision` is left to
    /// `history-rewritten`.
    ///
    /// ## Why is this bad?
    /// Alembic never runs a migration twice: a database that has applied
    /// `041` will never see an edit to `041`, while a fresh database will.
    /// Environments drift apart silently. When a second file reuses an
    /// applied id and is loaded last, Alembic runs the new file only on
    /// fresh databases and treats it as done everywhere else.
    ///
    /// ## Example
    /// `041_add_contract_audit_log.py` gains an index after it was deployed.
    ///
    /// ## Use instead
    /// Revert the edit and put the change in a new migration on top of the
    /// head. If the edit is deliberate and changes nothing that runs (a
    /// comment, formatting), re-lock with `revguard lock`.
    pub struct AppliedMigrationEdited {
        name: "applied-migration-edited",
        code: "RG303",
        severity: Error,
        group: History,
    }
}

pub(super) fn run(cx: &Context<'_>, sink: &mut Sink<'_>) {
    let history = &cx.request.options.history;
    if history.lock.is_none() && history.base.is_none() {
        return;
    }
    let state = cx.history();
    let mut locked_ids = std::collections::HashSet::new();
    if let Some((path, lock)) = state.lock() {
        for entry in &lock.entries {
            locked_ids.insert(entry.id.as_str());
            let Some(winner) = cx.graph.get(&entry.id) else {
                continue;
            };
            if cx.graph.rev(winner).down() != entry.down.as_slice() {
                continue; // history-rewritten says it
            }
            let Some(hash) = hash_of(cx.request, cx.graph, winner) else {
                continue;
            };
            if hash == entry.hash {
                continue;
            }
            let id = &entry.id;
            // Another copy of the same id that still matches the lock?
            let applied_copy = cx.graph.revisions.iter().enumerate().find(|(i, r)| {
                r.id == *id
                    && RevIx(*i) != winner
                    && hash_of(cx.request, cx.graph, RevIx(*i)).as_deref()
                        == Some(entry.hash.as_str())
            });
            let finding = match applied_copy {
                Some((i, _)) => Finding::new(
                    format!(
                        "Alembic now loads applied revision `{id}` from `{}`, not from the locked `{}`",
                        cx.rev_path(winner),
                        cx.rev_path(RevIx(i))
                    ),
                    vec![
                        cx.attr_label(winner, Attr::Revision, format!("a new file reusing the applied id `{id}`; loaded last, so Alembic keeps it"), true),
                        cx.attr_label(RevIx(i), Attr::Revision, format!("the applied `{id}` ({path}:{})", entry.line), false),
                    ],
                )
                .note(format!(
                    "databases already at or past `{id}` will never run `{}`; fresh databases will run it instead of `{}`",
                    cx.rev_path(winner),
                    cx.rev_path(RevIx(i))
                ))
                .help(format!(
                    "keep `{id}` on `{}` and move the new file on top of the head with a new id; `revguard fix` does this",
                    cx.rev_path(RevIx(i))
                )),
                None => Finding::new(
                    format!(
                        "applied revision `{id}` was edited after it was locked ({path}:{})",
                        entry.line
                    ),
                    vec![cx.attr_label(winner, Attr::Revision, "content differs from the locked hash", true)],
                )
                .note(format!(
                    "databases already at or past `{id}` will never run the edit; fresh databases will, so environments drift apart"
                ))
                .note(format!("locked {}, now {hash}", entry.hash))
                .help("revert the edit and put the change in a new migration on top of the head; if it is deliberate and changes nothing that runs (a comment, formatting), re-lock with `revguard lock`"),
            };
            sink.emit(&AppliedMigrationEdited::INFO, finding);
        }
    }
    if let Some(base) = &state.base {
        let hashes = base_hashes(base);
        for (id, base_hash) in &hashes {
            if locked_ids.contains(id.as_str()) {
                continue;
            }
            let Some(winner) = cx.graph.get(id) else {
                continue;
            };
            let base_down = base.graph.get(id).map(|b| base.graph.rev(b).down());
            if base_down != Some(cx.graph.rev(winner).down()) {
                continue; // history-rewritten says it
            }
            let Some(hash) = hash_of(cx.request, cx.graph, winner) else {
                continue;
            };
            if &hash == base_hash {
                continue;
            }
            sink.emit(
                &AppliedMigrationEdited::INFO,
                Finding::new(
                    format!("revision `{id}` was changed since `{}`", base.git_ref),
                    vec![cx.attr_label(winner, Attr::Revision, format!("content differs from `{}`", base.git_ref), true)],
                )
                .note(format!(
                    "if `{id}` has been applied anywhere, the change never runs there"
                ))
                .help(format!("put the change in a new migration on top of the head, unless `{id}` has never been deployed"))
                .severity(Severity::Warning),
            );
        }
    }
}
