use super::{Context, Finding, Sink, declare_check, list};
use crate::graph::ancestors_of;
use crate::parse::Attr;
use crate::severity::Severity;

declare_check! {
    /// ## What it does
    /// With `--database-url`: states what the live database's version table
    /// (`alembic_version`) holds and which files declare those revisions. An
    /// empty table is a fresh database (the whole history will run). Several
    /// rows are reported as a warning: one row per head means someone ran
    /// `alembic upgrade heads` or deployed two branches; when one row sits
    /// below another, the table is inconsistent (an error).
    ///
    /// ## Why is this bad?
    /// The one-line summary is not: it is the database side of the deploy
    /// checklist. Several rows are: `alembic upgrade head` then starts from
    /// every row, and a row below another one means the table was edited
    /// by hand or a downgrade went wrong.
    ///
    /// ## Example
    /// `revguard check --database-url sqlite:///app.db` on a database whose
    /// version table holds `043`: "the database is at `043`".
    ///
    /// ## Use instead
    /// With several rows, merge the heads (`alembic merge heads`) so the
    /// next upgrade leaves one row; delete a row that sits below another only
    /// after checking which migrations really ran.
    pub struct DatabaseState {
        name: "database-state",
        code: "RG308",
        severity: Info,
        group: History,
    }
}

pub(super) fn run(cx: &Context<'_>, sink: &mut Sink<'_>) {
    let Some(db) = cx.request.options.history.database.as_ref() else {
        return;
    };
    let source = format!("`{}` in {}", db.table, db.url);
    if db.rows.is_empty() {
        let finding = Finding::new(
            format!("the version table {source} is empty: a fresh database"),
            Vec::new(),
        )
        .note("`alembic upgrade head` runs the whole history from the base");
        sink.emit(&DatabaseState::INFO, finding);
        return;
    }
    let ids: Vec<String> = db.rows.clone();
    let mut finding = Finding::new(
        format!("the database is at {} ({source})", list(&ids)),
        ids.iter()
            .filter_map(|id| cx.graph.get(id))
            .map(|ix| cx.attr_label(ix, Attr::Revision, "the database is here", true))
            .collect(),
    );
    for id in &ids {
        let declared = match cx.graph.get(id) {
            Some(ix) => format!("declared by {}", cx.rev_path(ix)),
            None => "declared by no migration file".to_owned(),
        };
        finding = finding.note(format!("`{id}`: {declared}"));
    }
    if ids.len() > 1 {
        finding = several_rows(cx, finding, &ids);
    }
    sink.emit(&DatabaseState::INFO, finding);
}

fn several_rows(cx: &Context<'_>, finding: Finding, ids: &[String]) -> Finding {
    let count = ids.len();
    let mut finding = Finding {
        message: format!("the version table has {count} rows: {}", list(ids)),
        ..finding
    }
    .severity(Severity::Warning)
    .note("a version table holds one row per deployed head: `alembic upgrade heads` was run, or two branches were deployed");
    let known: Vec<_> = ids.iter().filter_map(|id| cx.graph.get(id)).collect();
    for &a in &known {
        for &b in &known {
            if a != b && ancestors_of(cx.graph, &[b]).contains(&a) {
                finding = finding.severity(Severity::Error).note(format!(
                    "`{}` is below `{}`: one database cannot be at both (edited by hand, or a failed downgrade); `alembic upgrade head` fails: \"Requested revision {} overlaps with other requested revisions {}\"",
                    cx.id(a),
                    cx.id(b),
                    cx.id(b),
                    cx.id(a)
                ));
            }
        }
    }
    finding.help("merge the heads (`alembic merge heads`) so the next upgrade leaves one row; remove a row that sits below another only after checking which migrations ran")
}
