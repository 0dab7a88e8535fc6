//! Step 2, duplicate ids: keep the applied copy, move the others on top of the head
//! (or delete a stale re-dated copy).

use super::*;
use crate::stale;
use crate::template::Template;

/// One duplicated id in the working copy.
struct Dup<'r> {
    id: String,
    request: &'r Request,
    loaded: &'r Loaded,
    graph: &'r RevisionGraph,
    /// The copies' file indices, in load order.
    files: Vec<usize>,
}

impl Dup<'_> {
    fn display(&self, f: usize) -> String {
        self.loaded.files[f].display.clone()
    }
}

pub(super) fn duplicates(work: &mut Work<'_>, out: &mut FixPlan) {
    let (_, graph) = build(&work.request());
    let ids: Vec<String> = graph
        .issues
        .iter()
        .filter_map(|i| match i {
            Issue::Duplicate { id, .. } => Some(id.clone()),
            _ => None,
        })
        .collect();
    for id in ids {
        let request = work.request();
        let (loaded, graph) = build(&request);
        let Some(copies) = graph.issues.iter().find_map(|i| match i {
            Issue::Duplicate { id: d, revisions } if *d == id => Some(revisions.clone()),
            _ => None,
        }) else {
            continue;
        };
        let dup = Dup {
            files: copies.iter().map(|ix| graph.rev(*ix).file).collect(),
            id,
            request: &request,
            loaded: &loaded,
            graph: &graph,
        };
        let paths: Vec<&str> = dup.files.iter().map(|&f| work.paths[f].as_str()).collect();
        if stale::is_redated(&paths) {
            delete_stale(work, out, &dup);
            continue;
        }
        // Which copy was applied?
        let keep = stale::by_lock(&work.verify_request(), &dup.id, &dup.files)
            .or_else(|| by_keep_flag(work, &dup))
            .or_else(|| by_git(work, &dup));
        let Some((kept, why)) = keep else {
            out.refused.push(FixNote {
                check: "duplicate-revision".into(),
                message: format!(
                    "cannot tell which copy of `{}` was applied (no lock file entry, no --keep, no git history that decides)",
                    dup.id
                ),
                choices: dup
                    .files
                    .iter()
                    .map(|&f| format!("--keep {}", dup.display(f)))
                    .collect(),
            });
            continue;
        };
        move_copies(work, out, &dup, kept, &why);
    }
}

/// `--keep FILE` names exactly one copy.
fn by_keep_flag(work: &Work<'_>, dup: &Dup<'_>) -> Option<(usize, String)> {
    let named: Vec<usize> = dup
        .files
        .iter()
        .copied()
        .filter(|&f| {
            work.input.keep.iter().any(|k| {
                let k = k.strip_prefix("./").unwrap_or(k);
                let shown = dup.display(f);
                let name = work.paths[f].rsplit('/').next().unwrap_or("");
                shown == k || shown.ends_with(&format!("/{k}")) || work.paths[f] == k || name == k
            })
        })
        .collect();
    match named[..] {
        [f] => Some((f, "named by --keep".into())),
        _ => None,
    }
}

/// The copy git committed first (an uncommitted file is the newest).
fn by_git(work: &Work<'_>, dup: &Dup<'_>) -> Option<(usize, String)> {
    let request = dup.request;
    let time = |f: usize| {
        work.input
            .committed
            .iter()
            .find(|c| c.location == request.files[f].location && c.path == request.files[f].path)
            .map(|c| c.time)
    };
    let times: Vec<Option<i64>> = dup.files.iter().map(|&f| time(f)).collect::<Option<_>>()?;
    let key = |t: Option<i64>| t.unwrap_or(i64::MAX);
    let oldest = times.iter().map(|t| key(*t)).min().unwrap_or(i64::MAX);
    let at: Vec<usize> = (0..dup.files.len())
        .filter(|&i| key(times[i]) == oldest)
        .collect();
    match at[..] {
        [i] if oldest != i64::MAX => Some((dup.files[i], "committed to git first".into())),
        _ => None,
    }
}

/// A stale copy of a rebased migration: delete every copy but the live one.
fn delete_stale(work: &mut Work<'_>, out: &mut FixPlan, dup: &Dup<'_>) {
    let id = &dup.id;
    let live = stale::by_lock(&work.verify_request(), id, &dup.files)
        .or_else(|| by_keep_flag(work, dup))
        .or_else(|| stale::by_history(dup.request, &dup.files));
    let Some((kept, why)) = live else {
        out.refused.push(FixNote {
            check: "duplicate-revision".into(),
            message: format!(
                "the copies of `{id}` are one migration re-dated by a rebase (same slug, names differ only in the date/number prefix), but nothing tells which copy is stale (no lock file entry, no --keep, and they fit the history equally); the stale copy must be deleted, not renumbered"
            ),
            choices: dup
                .files
                .iter()
                .map(|&f| format!("--keep {}", dup.display(f)))
                .collect(),
        });
        return;
    };
    for &f in dup.files.iter().filter(|&&f| f != kept) {
        work.delete(f);
        out.fixed.push(FixNote {
            check: "duplicate-revision".into(),
            message: format!(
                "deleted `{}`: a stale copy of `{id}` left behind by a rebase (same slug, re-dated file name); kept `{}` ({why})",
                dup.display(f),
                dup.display(kept)
            ),
            choices: Vec::new(),
        });
    }
}

/// The head the moved copies go on: the graph without them.
fn parent_for_moved(dup: &Dup<'_>, moved: &[usize]) -> Result<Vec<String>, usize> {
    let mut without = dup.request.clone();
    without.files = dup
        .request
        .files
        .iter()
        .enumerate()
        .filter(|(i, _)| !moved.contains(i))
        .map(|(_, f)| f.clone())
        .collect();
    let (_, rest) = build(&without);
    match real_heads(&rest).as_slice() {
        [] => Ok(Vec::new()),
        [one] => Ok(vec![rest.rev(*one).id.clone()]),
        many => Err(many.len()),
    }
}

/// Give every copy but `kept` a new id on top of the head.
fn move_copies(work: &mut Work<'_>, out: &mut FixPlan, dup: &Dup<'_>, kept: usize, why: &str) {
    let id = &dup.id;
    let moved: Vec<usize> = dup.files.iter().copied().filter(|&f| f != kept).collect();
    let mut parent = match parent_for_moved(dup, &moved) {
        Ok(parent) => parent,
        Err(heads) => {
            out.refused.push(FixNote {
                check: "duplicate-revision".into(),
                message: format!(
                    "kept `{}` as `{id}` ({why}), but cannot move the other copy: the rest of the graph has {heads} heads; fix multiple-heads first",
                    dup.display(kept),
                ),
                choices: Vec::new(),
            });
            return;
        }
    };
    let template = Template::of(&dup.request.options);
    let mut taken: HashSet<String> = HashSet::new();
    for f in moved {
        let Some(module) = module(dup.loaded, f) else {
            continue;
        };
        let new_id = work.new_id(dup.graph, &taken);
        taken.insert(new_id.clone());
        let Some(edits) = metadata_edits(module, Some(&new_id), &parent) else {
            out.refused.push(FixNote {
                check: "duplicate-revision".into(),
                message: format!(
                    "{}: `revision`/`down_revision` are not plain literals; move it by hand",
                    dup.display(f)
                ),
                choices: Vec::new(),
            });
            continue;
        };
        let old_path = dup.display(f);
        apply_edits(work, f, edits);
        let mut renamed_note = String::new();
        if let Some(path) = template.renamed(&work.paths[f], id, &new_id)
            && !work.paths.contains(&path)
        {
            let name = path.rsplit('/').next().unwrap_or(&path).to_owned();
            work.rename(f, path);
            renamed_note = format!(", renamed to `{name}`");
        }
        out.fixed.push(FixNote {
            check: "duplicate-revision".into(),
            message: format!(
                "kept `{}` as `{id}` ({why}); moved `{old_path}` to `{new_id}` on top of {}{renamed_note}",
                dup.display(kept),
                if parent.is_empty() {
                    "nothing (a new base)".to_owned()
                } else {
                    format!("`{}`", parent.join("`, `"))
                }
            ),
            choices: Vec::new(),
        });
        parent = vec![new_id];
    }
}
