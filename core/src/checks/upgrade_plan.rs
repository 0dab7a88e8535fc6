use super::{Context, Finding, Sink, declare_check};
use crate::graph::outcome::UpgradeVerdict;
use crate::graph::{ancestors_of, topological};
use crate::parse::Attr;

declare_check! {
    /// ## What it does
    /// With `--deployed REV` or `--database-url` (every row of the version
    /// table; an empty table is a fresh database): an informational line listing exactly which
    /// migrations `alembic upgrade head` will run on a database at `REV`,
    /// in order (parents before children; where branches interleave, in
    /// load order), or why it will fail.
    ///
    /// ## Why is this bad?
    /// It is not: it is the review checklist for a deploy. A migration you
    /// expected in the list but that is missing sits below the deployed
    /// revision (see `inserted-below-deployed`) or on another head.
    ///
    /// ## Example
    /// `revguard check --deployed 041` on a chain ending at `043`:
    /// "`alembic upgrade head` from `041` runs 2 migrations: `042`, `043`".
    ///
    /// ## Use instead
    /// Nothing to change; turn it off with `upgrade-plan = "off"`.
    pub struct UpgradePlan {
        name: "upgrade-plan",
        code: "RG307",
        severity: Info,
        group: History,
    }
}

pub(super) fn run(cx: &Context<'_>, sink: &mut Sink<'_>) {
    let Some(rows) = cx.request.options.history.deployed_revisions() else {
        return;
    };
    let mut at = Vec::with_capacity(rows.len());
    for row in &rows {
        match cx.graph.get(row) {
            Some(ix) => at.push(ix),
            None => return, // deployed-revision-missing
        }
    }
    let deployed = deployed_rows(&rows);
    let at_label = |message: &str| {
        at.first()
            .map(|ix| cx.attr_label(*ix, Attr::Revision, message, true))
            .into_iter()
            .collect::<Vec<_>>()
    };
    if let Some(why) = overlap(cx, &at) {
        sink.emit(
            &UpgradePlan::INFO,
            Finding::new(
                format!("`alembic upgrade head` from {deployed} cannot run: {why}"),
                at_label("the deployed revision"),
            )
            .help(
                "the version table holds a revision and one of its ancestors; see `database-state`",
            ),
        );
        return;
    }
    let outcome = crate::graph::alembic::predict(cx.loaded, cx.graph);
    if !outcome.upgrade_head.is_ok() || cx.incomplete() {
        let why = match outcome.upgrade_head.verdict() {
            UpgradeVerdict::Fails => outcome.upgrade_head.detail(),
            _ => outcome.upgrade_head.to_string(),
        };
        sink.emit(
            &UpgradePlan::INFO,
            Finding::new(
                format!("`alembic upgrade head` from {deployed} cannot run: {why}"),
                at_label("the deployed revision"),
            )
            .help("fix the errors above; then this line lists the migrations the deploy will run"),
        );
        return;
    }
    let Some(&head) = cx.graph.heads.first() else {
        return;
    };
    let target = ancestors_of(cx.graph, &[head]);
    let done = ancestors_of(cx.graph, &at);
    let order = topological(cx.graph).unwrap_or_default();
    let run: Vec<_> = order
        .into_iter()
        .filter(|ix| target.contains(ix) && !done.contains(ix))
        .collect();
    if run.is_empty() {
        let message = if done.contains(&head) {
            format!(
                "`alembic upgrade head` from {deployed} runs nothing: the database is at the head"
            )
        } else {
            format!("`alembic upgrade head` from {deployed} runs nothing")
        };
        sink.emit(
            &UpgradePlan::INFO,
            Finding::new(message, at_label("the deployed revision")),
        );
        return;
    }
    sink.emit(&UpgradePlan::INFO, plan(cx, &deployed, &run));
}

/// The finding that lists the migrations a deploy runs, in order.
fn plan(cx: &Context<'_>, deployed: &str, run: &[crate::graph::RevIx]) -> Finding {
    let ids: Vec<String> = run.iter().map(|ix| format!("`{}`", cx.id(*ix))).collect();
    let mut finding = Finding::new(
        format!(
            "`alembic upgrade head` from {deployed} runs {} migration{}, in order: {}",
            run.len(),
            if run.len() == 1 { "" } else { "s" },
            ids.join(", ")
        ),
        vec![cx.attr_label(run[0], Attr::Revision, "runs first", true)],
    );
    for (n, ix) in run.iter().enumerate() {
        let rev = cx.graph.rev(*ix);
        let doc = rev.doc.lines().next().unwrap_or("").trim();
        finding = finding.note(format!(
            "{}. `{}` {}{}",
            n + 1,
            rev.id,
            cx.rev_path(*ix),
            if doc.is_empty() {
                String::new()
            } else {
                format!(": {doc}")
            }
        ));
    }
    finding
}

/// The version table's rows as a message names them.
fn deployed_rows(rows: &[&str]) -> String {
    match rows {
        [] => "an empty version table (a fresh database)".to_owned(),
        [one] => format!("`{one}`"),
        many => many
            .iter()
            .map(|r| format!("`{r}`"))
            .collect::<Vec<_>>()
            .join(" + "),
    }
}

/// Alembic 1.20 refuses to start from two rows where one is below the other.
fn overlap(cx: &Context<'_>, at: &[crate::graph::RevIx]) -> Option<String> {
    for &upper in at {
        let below = ancestors_of(cx.graph, &[upper]);
        if let Some(&lower) = at.iter().find(|&&l| l != upper && below.contains(&l)) {
            return Some(format!(
                "Requested revision {} overlaps with other requested revisions {}",
                cx.id(upper),
                cx.id(lower)
            ));
        }
    }
    None
}
