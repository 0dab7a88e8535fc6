use super::{Context, Finding, Sink, declare_check};
use crate::history::State;

declare_check! {
    /// ## What it does
    /// With `--deployed REV`: reports that no migration file declares the
    /// revision the database is at.
    ///
    /// ## Why is this bad?
    /// On boot, `alembic upgrade head` reads the version table, looks the
    /// revision up and fails with "Can't locate revision identified by
    /// 'REV'": the pod crash-loops. This happens when a migration that was
    /// already applied is deleted, renumbered or squashed away, or when a
    /// branch is deployed before its migrations are merged.
    ///
    /// ## Example
    /// The database is at `041`, and `041_add_contract_audit_log.py` was
    /// renamed to `044_...` with `revision = "044"`.
    ///
    /// ## Use instead
    /// Restore the file that declares the deployed revision (its id and
    /// content must stay as applied); move only unapplied migrations.
    pub struct DeployedRevisionMissing {
        name: "deployed-revision-missing",
        code: "RG302",
        severity: Error,
        group: History,
    }
}

pub(super) fn run(cx: &Context<'_>, sink: &mut Sink<'_>) {
    let Some(deployed) = cx.request.options.history.deployed.as_deref() else {
        return;
    };
    if cx.graph.get(deployed).is_some() || cx.incomplete() {
        return;
    }
    let state = State::new(cx.request);
    let mut finding = Finding::new(
        format!("the deployed revision `{deployed}` is not declared by any migration file"),
        Vec::new(),
    )
    .note(format!(
        "`alembic upgrade head` on a database at `{deployed}` fails at boot: \"Can't locate revision identified by '{deployed}'\""
    ));
    if let Some((path, lock)) = state.lock()
        && let Some(entry) = lock.get(deployed)
    {
        finding = finding.note(format!(
            "{path}:{} records `{deployed}` as `{}`",
            entry.line, entry.file
        ));
    }
    let prefixed: Vec<String> = cx
        .graph
        .map
        .iter()
        .map(|ix| cx.id(*ix).to_owned())
        .filter(|id| id.starts_with(deployed))
        .collect();
    if let [id] = prefixed.as_slice() {
        finding = finding.note(format!(
            "`{deployed}` is a prefix of `{id}`; the version table stores full ids, so pass `--deployed {id}` if that is what the database says"
        ));
    }
    finding = finding.help(format!(
        "restore the migration file that declares `{deployed}` unchanged (applied migrations keep their id); move only migrations no database has run"
    ));
    sink.emit(&DeployedRevisionMissing::INFO, finding);
}
