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
    let history = &cx.request.options.history;
    let Some(revisions) = history.deployed_revisions() else {
        return;
    };
    if cx.incomplete() {
        return;
    }
    let state = cx.history();
    for deployed in revisions {
        if cx.graph.get(deployed).is_none() {
            sink.emit(&DeployedRevisionMissing::INFO, finding(cx, state, deployed));
        }
    }
}

fn finding(cx: &Context<'_>, state: &State, deployed: &str) -> Finding {
    let database = cx.request.options.history.database.as_ref();
    let subject = match database {
        Some(_) => format!("the database's revision `{deployed}`"),
        None => format!("the deployed revision `{deployed}`"),
    };
    let mut finding = Finding::new(
        format!("{subject} is not declared by any migration file"),
        Vec::new(),
    )
    .note(format!(
        "`alembic upgrade head` on a database at `{deployed}` fails at boot: \"Can't locate revision identified by '{deployed}'\""
    ));
    if let Some(db) = database {
        finding = finding.note(format!("read from `{}` in {}", db.table, db.url));
    }
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
    finding.help(format!(
        "restore the migration file that declares `{deployed}` unchanged (applied migrations keep their id); move only migrations no database has run"
    ))
}
