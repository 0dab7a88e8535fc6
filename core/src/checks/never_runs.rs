use super::{Context, Finding, Sink, declare_check, list};
use crate::graph::{RevIx, ancestors_of};
use crate::parse::Attr;

declare_check! {
    /// ## What it does
    /// With `--database-url`: reports each migration file
    /// that `alembic upgrade head` will never run on that database because
    /// its revision id is shadowed by another file (a duplicate id) at or
    /// below the database's revision. When the database sits exactly on a
    /// duplicated id, Alembic cannot tell which of the files ran.
    ///
    /// ## Why is this bad?
    /// Alembic keeps one file per id and counts everything at or below the
    /// database's revision as applied. The other copy is a phantom: its
    /// schema change never happens on this database and nothing says so
    /// (a read-only role, say, that then never exists in production).
    ///
    /// ## Example
    /// Two files declare `041`; the database is at `043`. Neither
    /// `041_add_contract_audit_log.py` nor
    /// `041_add_westside_streamlit_ro_role.py` will run there, yet only one
    /// of them ever did.
    ///
    /// ## Use instead
    /// Give the discarded file a new id on top of the head (`revguard fix`
    /// does this) so the next upgrade runs it.
    pub struct NeverRuns {
        name: "never-runs",
        code: "RG309",
        severity: Error,
        group: History,
    }
}

pub(super) fn run(cx: &Context<'_>, sink: &mut Sink<'_>) {
    let history = &cx.request.options.history;
    // Database only: `--deployed` keeps its established findings.
    if history.database.is_none() {
        return;
    }
    let Some(revisions) = history.deployed_revisions() else {
        return;
    };
    let at: Vec<_> = revisions.iter().filter_map(|d| cx.graph.get(d)).collect();
    let below = ancestors_of(cx.graph, &at);
    // Every file of each id, in load order: one pass, not one per winner.
    let mut copies_of: std::collections::HashMap<&str, Vec<RevIx>> =
        std::collections::HashMap::new();
    for ix in (0..cx.graph.revisions.len()).map(RevIx) {
        copies_of
            .entry(cx.graph.rev(ix).id.as_str())
            .or_default()
            .push(ix);
    }
    for &winner in &cx.graph.map {
        let id = cx.id(winner);
        let copies = copies_of.get(id).map_or(&[][..], Vec::as_slice);
        if copies.len() < 2 || !below.contains(&winner) {
            continue;
        }
        let on_it = revisions.contains(&id);
        let position = if on_it { "at" } else { "past" };
        let paths: Vec<String> = copies
            .iter()
            .map(|ix| cx.rev_path(*ix).to_owned())
            .collect();
        let labels = copies
            .iter()
            .map(|ix| {
                let message = if *ix == winner {
                    "Alembic keeps this copy, and counts it as applied"
                } else {
                    "a phantom copy: Alembic never runs it"
                };
                cx.attr_label(*ix, Attr::Revision, message, *ix != winner)
            })
            .collect();
        let mut finding = Finding::new(
            format!(
                "the database is {position} `{id}`, which {} files declare: `alembic upgrade head` will never run any of them here, so at most one ever ran",
                copies.len()
            ),
            labels,
        )
        .note(format!("will never run on this database: {}", list(&paths)))
        .note("Alembic keeps one file per id and counts every revision at or below the database's as applied");
        if on_it {
            finding = finding.note(format!(
                "the database is at a phantom duplicate: its version table says `{id}`, and nothing records which of the files ran"
            ));
        }
        finding = finding.help("keep the id on the copy this database really ran and give the other a new id on top of the head (`revguard fix --write --keep FILE`), so the next upgrade runs it");
        sink.emit(&NeverRuns::INFO, finding);
    }
}
