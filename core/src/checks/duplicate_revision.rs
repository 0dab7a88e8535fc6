use super::{Context, Finding, Sink, declare_check, list};
use crate::graph::alembic::MULTIPLE_HEADS;
use crate::graph::{Issue, RevIx};
use crate::parse::Attr;
use crate::stale;

declare_check! {
    /// ## What it does
    /// Reports a revision id declared by more than one file, naming every
    /// file, the one Alembic keeps (the last loaded) and the phantom head the
    /// others leave behind.
    ///
    /// ## Why is this bad?
    /// Alembic only *warns* ("Revision 041 is present more than once"), keeps
    /// the last-loaded file and forgets the others, except that each forgotten
    /// copy stays in its head list as a *phantom head*. `alembic upgrade head`
    /// then fails with "Multiple head revisions are present for given argument
    /// 'head'", even though the history looks linear, and the migration in the
    /// forgotten file never runs. Git merges two such files without a
    /// conflict, so this reaches main easily.
    ///
    /// ## Example
    /// `versions/041_add_contract_audit_log.py` and
    /// `versions/041_add_westside_streamlit_ro_role.py` both declare
    /// `revision = "041"` and `down_revision = "040"`.
    ///
    /// ## Use instead
    /// Keep the id on the copy already applied to your databases; give the
    /// other a new id on top of the current head (`revguard fix` does this):
    /// ```python
    /// revision = "044"
    /// down_revision = "043"
    /// ```
    ///
    /// ## What `revguard fix` does
    /// Keeps the copy your databases applied (the lock file's copy, else
    /// `--keep FILE`, else the file git committed first; otherwise it refuses and
    /// lists the `--keep` choices) and moves every other copy on top of the head
    /// under a new id, changing only the ids and the file name.
    ///
    /// Two copies with the same id and slug whose file names differ only in a date
    /// or number prefix are a *stale copy of a rebased migration*: one migration,
    /// not two. The check says so, and `fix` deletes the stale copy instead of
    /// renumbering it (a new id would run the migration twice). The live copy is
    /// the lock file's, else `--keep`'s, else the only one the rest of the history
    /// fits (no cycle, fewest heads), else the one with the latest prefix when both
    /// fit equally; otherwise `fix` refuses. Git's first commit is no evidence
    /// here: the stale file is always the older one.
    ///
    /// ## References
    /// Alembic `RevisionMap._revision_map`: duplicate ids warn and replace.
    pub struct DuplicateRevision {
        name: "duplicate-revision",
        code: "RG101",
        severity: Error,
        group: Graph,
    }
}

pub(super) fn run(cx: &Context<'_>, sink: &mut Sink<'_>) {
    for issue in &cx.graph.issues {
        let Issue::Duplicate { id, revisions } = issue else {
            continue;
        };
        let Some((&kept, shadowed)) = revisions.split_last() else {
            continue;
        };
        let mut labels = Vec::new();
        for (n, &copy) in shadowed.iter().enumerate() {
            labels.push(cx.attr_label(
                copy,
                Attr::Revision,
                format!(
                    "loaded {}: Alembic discards this copy; it stays behind as a phantom head",
                    ordinal(n)
                ),
                true,
            ));
        }
        labels.push(cx.attr_label(
            kept,
            Attr::Revision,
            "loaded last: Alembic keeps this one",
            true,
        ));
        let files: Vec<String> = revisions
            .iter()
            .map(|&r| cx.rev_path(r).to_owned())
            .collect();
        let mut finding = Finding::new(
            format!("revision `{id}` is declared by {} files: {}", revisions.len(), list(&files)),
            labels,
        )
        .note(format!(
            "Alembic warns \"Revision {id} is present more than once\", keeps {} (the last loaded) and never runs {}",
            cx.rev_path(kept),
            list(&shadowed.iter().map(|&r| cx.rev_path(r).to_owned()).collect::<Vec<_>>())
        ));
        let heads: Vec<String> = cx
            .graph
            .heads
            .iter()
            .map(|&h| cx.id(h).to_owned())
            .collect();
        // Through a cycle, Alembic stops at the cycle before any head matters.
        let in_cycle = cx.graph.issues.iter().any(
            |i| matches!(i, Issue::Cycle { path, .. } if path.iter().any(|&r| cx.id(r) == id)),
        );
        if heads.len() > 1 && !in_cycle {
            finding = finding.note(format!(
                "the discarded cop{} stay{} in Alembic's head list as phantom head `{id}`, so `alembic heads` lists {} and `alembic upgrade head` fails: \"{}\"",
                if shadowed.len() > 1 { "ies" } else { "y" },
                if shadowed.len() > 1 { "" } else { "s" },
                list(&heads),
                MULTIPLE_HEADS.split(';').next().unwrap_or(MULTIPLE_HEADS),
            ));
        }
        let kept_down = cx.graph.rev(kept).down().to_vec();
        for &copy in shadowed {
            let down = cx.graph.rev(copy).down();
            if down != kept_down.as_slice() {
                finding = finding.note(format!(
                    "the copies disagree: {} revises {}, {} revises {}",
                    cx.rev_path(copy),
                    describe(down),
                    cx.rev_path(kept),
                    describe(&kept_down)
                ));
            }
        }
        if let Some((note, help)) = stale_copy(cx, id, revisions) {
            sink.emit(&DuplicateRevision::INFO, finding.note(note).help(help));
            continue;
        }
        let (new_id, parent) = next_id(cx);
        let help = match (new_id, parent) {
            (Some(new_id), Some(parent)) => format!(
                "keep `{id}` on the copy already applied to your databases and move the other on top of the current head: `revision = \"{new_id}\"`, `down_revision = \"{parent}\"` (and rename the file); `revguard fix` does this"
            ),
            (_, Some(parent)) => format!(
                "keep `{id}` on the copy already applied to your databases and give the other a new id with `down_revision = \"{parent}\"` (`revguard fix` does this)"
            ),
            _ => format!(
                "keep `{id}` on the copy already applied to your databases and give the other a new id"
            ),
        };
        sink.emit(&DuplicateRevision::INFO, finding.help(help));
    }
}

/// The note and help for copies that are one migration re-dated by a
/// rebase (same id and slug, names differing only in the prefix).
fn stale_copy(cx: &Context<'_>, id: &str, revisions: &[RevIx]) -> Option<(String, String)> {
    let files: Vec<usize> = revisions.iter().map(|&r| cx.graph.rev(r).file).collect();
    let paths: Vec<&str> = files
        .iter()
        .map(|&f| cx.request.files[f].path.as_str())
        .collect();
    if !stale::is_redated(&paths) {
        return None;
    }
    let note = "the copies have the same id and slug and their names differ only in a date or number prefix: a stale copy of a rebased migration (one migration under a re-dated file name, with the other file left behind); they are one migration, not two".to_owned();
    let live =
        stale::by_lock(cx.request, id, &files).or_else(|| stale::by_history(cx.request, &files));
    let help = match live {
        Some((keep, why)) => {
            let stale: Vec<String> = files
                .iter()
                .filter(|&&f| f != keep)
                .map(|&f| cx.path(f).to_owned())
                .collect();
            format!(
                "delete the stale copy {} and keep `{}` ({why}); do not renumber it: a new id would run the same migration twice; `revguard fix` deletes it",
                list(&stale),
                cx.path(keep)
            )
        }
        None => "delete the stale copy (the file your databases did not run) instead of renumbering it: a new id would run the same migration twice; `revguard fix --keep FILE` deletes the other copies".to_owned(),
    };
    Some((note, help))
}

fn ordinal(n: usize) -> String {
    match n {
        0 => "first".into(),
        1 => "second".into(),
        2 => "third".into(),
        n => format!("{}th", n + 1),
    }
}

fn describe(down: &[String]) -> String {
    if down.is_empty() {
        "nothing (a base)".into()
    } else {
        list(down)
    }
}

/// The id the moved copy should get, and the head it should sit on: the
/// next zero-padded number when every id is numeric.
pub(crate) fn next_id(cx: &Context<'_>) -> (Option<String>, Option<String>) {
    let graph = cx.graph;
    let winners: Vec<RevIx> = graph
        .heads
        .iter()
        .copied()
        .filter(|&h| !graph.rev(h).shadowed)
        .collect();
    let parent = match winners[..] {
        [head] => Some(cx.id(head).to_owned()),
        _ => None,
    };
    let ids: Vec<&str> = graph.map.iter().map(|&ix| cx.id(ix)).collect();
    let numeric = !ids.is_empty()
        && ids
            .iter()
            .all(|id| !id.is_empty() && id.len() < 19 && id.bytes().all(|b| b.is_ascii_digit()));
    let new_id = numeric.then(|| {
        let width = ids.iter().map(|id| id.len()).max().unwrap_or(1);
        let next = ids
            .iter()
            .filter_map(|id| id.parse::<u64>().ok())
            .max()
            .unwrap_or(0)
            + 1;
        format!("{next:0width$}")
    });
    (new_id, parent)
}
