use std::collections::HashSet;

use super::{Context, Finding, Sink, declare_check, list};
use crate::graph::Known;
use crate::parse::Attr;

declare_check! {
    /// ## What it does
    /// Reports a recorded revision that vanished, or whose `down_revision`
    /// changed: against `revguard.lock`, and against `--base REF` (the
    /// graph at a git ref, so CI can check a merge result without a lock).
    ///
    /// ## Why is this bad?
    /// Databases store only the id they are at. Deleting or renumbering an
    /// applied revision makes `upgrade head` fail with "Can't locate
    /// revision"; re-parenting one changes what Alembic thinks is below the
    /// deployed head, so migrations are skipped or the graph no longer
    /// matches any real database.
    ///
    /// ## Example
    /// `042` said `down_revision = "041"` when it was locked and now says
    /// `down_revision = "041a"`.
    ///
    /// ## Use instead
    /// Restore the recorded revision and its `down_revision`; add new
    /// migrations on top of the head. If the rewrite is deliberate (a
    /// squash that every database has passed), re-lock with `revguard lock`.
    pub struct HistoryRewritten {
        name: "history-rewritten",
        code: "RG304",
        severity: Error,
        group: History,
    }
}

pub(super) fn run(cx: &Context<'_>, sink: &mut Sink<'_>) {
    let history = &cx.request.options.history;
    if history.lock.is_none() && history.base.is_none() {
        return;
    }
    if !cx.graph.unknown_ids.is_empty() {
        // An unreadable id might be the "vanished" one; never guess.
        return;
    }
    let state = cx.history();
    let mut seen: HashSet<String> = HashSet::new();
    let mut recorded: Vec<(String, Vec<String>, String, String)> = Vec::new();
    if let Some((path, lock)) = state.lock() {
        for e in &lock.entries {
            seen.insert(e.id.clone());
            recorded.push((
                e.id.clone(),
                e.down.clone(),
                format!("{path}:{}", e.line),
                e.file.clone(),
            ));
        }
    }
    if let Some(base) = &state.base {
        for &ix in &base.graph.map {
            let rev = base.graph.rev(ix);
            if seen.contains(&rev.id) || matches!(rev.down, Known::Unknown) {
                continue;
            }
            recorded.push((
                rev.id.clone(),
                rev.down().to_vec(),
                format!("`{}`", base.git_ref),
                base.loaded.files[rev.file].display.clone(),
            ));
        }
    }
    for (id, down, source, file) in recorded {
        match cx.graph.get(&id) {
            None => {
                sink.emit(
                    &HistoryRewritten::INFO,
                    Finding::new(
                        format!("recorded revision `{id}` ({file}) is gone (recorded in {source})"),
                        Vec::new(),
                    )
                    .note(format!(
                        "databases at `{id}` fail at boot: \"Can't locate revision identified by '{id}'\"; children that named it now dangle"
                    ))
                    .help(format!(
                        "restore the file that declares `{id}`; if removing it is deliberate (every database is past it), re-lock with `revguard lock`"
                    )),
                );
            }
            Some(ix) => {
                let rev = cx.graph.rev(ix);
                let Known::Yes(now) = &rev.down else {
                    continue;
                };
                if *now == down {
                    continue;
                }
                let shown = |d: &[String]| {
                    if d.is_empty() {
                        "nothing (a base)".to_owned()
                    } else {
                        list(d)
                    }
                };
                let restore = down_revision_line(&down);
                sink.emit(
                    &HistoryRewritten::INFO,
                    Finding::new(
                        format!(
                            "recorded revision `{id}` changed its parents from {} to {} (recorded in {source})",
                            shown(&down),
                            shown(now)
                        ),
                        vec![cx.attr_label(
                            ix,
                            Attr::DownRevision,
                            format!("was {}", shown(&down)),
                            true,
                        )],
                    )
                    .note("databases past this point already ran the old chain; Alembic now believes a different set of migrations is below them")
                    .help(format!(
                        "restore `{restore}` and put new migrations on top of the head; if the rewrite is deliberate, re-lock with `revguard lock`"
                    )),
                );
            }
        }
    }
}

/// The `down_revision = ...` line that names these parents.
fn down_revision_line(down: &[String]) -> String {
    match down {
        [] => "down_revision = None".to_owned(),
        [one] => format!("down_revision = \"{one}\""),
        many => format!(
            "down_revision = ({})",
            many.iter()
                .map(|d| format!("\"{d}\""))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}
