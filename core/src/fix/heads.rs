//! Step 4, several heads: a merge revision (`single-head`) or a re-pointed branch
//! (`linear`), unless a head is a symptom or a labelled branch.

use super::*;
use crate::template::Template;

/// Nothing under `branches` or while a cycle, a duplicate or an unknown
/// value remains; a refusal when a head is a symptom or a labelled branch;
/// else a merge (`single-head`) or a re-pointed branch (`linear`).
pub(super) fn multiple_heads(work: &mut Work<'_>, out: &mut FixPlan) {
    let policy = work.input.request.options.policy;
    if policy == Policy::Branches {
        return;
    }
    let request = work.request();
    let (loaded, graph) = build(&request);
    let heads = real_heads(&graph);
    if heads.len() < 2
        || graph.revisions.iter().any(|r| r.shadowed)
        || !graph.unknown_ids.is_empty()
        || graph
            .revisions
            .iter()
            .any(|r| matches!(r.down, Known::Unknown))
        || graph
            .issues
            .iter()
            .any(|i| matches!(i, Issue::Cycle { .. } | Issue::SelfReference { .. }))
    {
        return;
    }
    if let Some(note) = symptom(&graph, &heads).or_else(|| labelled(&loaded, &graph, &heads)) {
        out.refused.push(note);
        return;
    }
    if policy == Policy::SingleHead {
        merge(work, out, &request, &graph, &heads);
    } else {
        repoint(work, out, &request, (&loaded, &graph), &heads);
    }
}

// ------------------------------------------------------------ refusals

/// A head that exists only because a revision on its branch names a
/// missing parent: merging it would leave Alembic's `KeyError` in place.
fn symptom(graph: &RevisionGraph, heads: &[RevIx]) -> Option<FixNote> {
    for &head in heads {
        let mut lineage: Vec<RevIx> = ancestors_of(graph, &[head]).into_iter().collect();
        lineage.sort();
        for ix in lineage {
            let rev = graph.rev(ix);
            let Some(missing) = rev.down().iter().find(|d| graph.get(d).is_none()) else {
                continue;
            };
            return Some(FixNote {
                check: "multiple-heads".into(),
                message: format!(
                    "not merging head `{}`: it exists only because `{}` revises `{missing}`, which no file declares (see missing-parent); a merge would keep Alembic's KeyError: '{missing}'",
                    rev_id(graph, head),
                    rev.id
                ),
                choices: vec![
                    format!("restore the file that declares `{missing}`"),
                    format!("--parent ID  (the revision `{}` really follows)", rev.id),
                ],
            });
        }
    }
    None
}

/// Heads whose own branches carry a branch label, or may carry one through
/// a `branch_labels` that is not a literal: separate by design.
fn labelled(loaded: &Loaded, graph: &RevisionGraph, heads: &[RevIx]) -> Option<FixNote> {
    let reach: Vec<HashSet<RevIx>> = heads.iter().map(|&h| ancestors_of(graph, &[h])).collect();
    let mut described = Vec::new();
    let mut any = false;
    for (k, &head) in heads.iter().enumerate() {
        let mut labels: Vec<String> = Vec::new();
        let mut dynamic: Option<String> = None;
        let mut own: Vec<RevIx> = reach[k]
            .iter()
            .copied()
            .filter(|ix| {
                reach
                    .iter()
                    .enumerate()
                    .all(|(j, r)| j == k || !r.contains(ix))
            })
            .collect();
        // Load order, so the note is the same on every run.
        own.sort();
        for ix in own {
            let rev = graph.rev(ix);
            labels.extend(rev.labels.iter().cloned());
            let written = module(loaded, rev.file).and_then(|m| {
                let binding = m.facts.get(Attr::BranchLabels)?;
                crate::graph::strings_of(&binding.value)
                    .is_none()
                    .then(|| m.slice(binding.value.span()).to_owned())
            });
            dynamic = dynamic.or(written);
        }
        labels.sort();
        labels.dedup();
        let known = labels
            .iter()
            .map(|l| format!("`{l}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let what = match (&labels[..], &dynamic) {
            ([], None) => "no label".to_owned(),
            ([], Some(written)) => format!("branch_labels = {written}, not statically known"),
            (_, None) => format!("branch label {known}"),
            (_, Some(written)) => {
                format!("branch label {known}; branch_labels = {written}, not statically known")
            }
        };
        any |= dynamic.is_some() || !labels.is_empty();
        described.push(format!("`{}` ({what})", rev_id(graph, head)));
    }
    any.then(|| FixNote {
        check: "multiple-heads".into(),
        message: format!(
            "not merging heads {}: a labelled branch is separate by design (e.g. expand/contract), and a merge would break the project's own workflow",
            described.join(", ")
        ),
        choices: vec![
            "--policy branches  (several labelled heads are intended; deploy with `alembic upgrade heads`)".to_owned(),
            "alembic merge heads  (only if these branches really must be joined)".to_owned(),
        ],
    })
}

fn rev_id(graph: &RevisionGraph, ix: RevIx) -> &str {
    &graph.rev(ix).id
}

// ------------------------------------------------ single-head: a merge

/// Single-head: a merge revision joining the heads.
fn merge(
    work: &mut Work<'_>,
    out: &mut FixPlan,
    request: &Request,
    graph: &RevisionGraph,
    heads: &[RevIx],
) {
    let names: Vec<String> = heads.iter().map(|h| graph.rev(*h).id.clone()).collect();
    let taken = HashSet::new();
    let id = work.new_id(graph, &taken);
    let template = Template::of(&request.options);
    let Some(path) = template.new_path(&id, "merge_heads", &work.input.now) else {
        out.refused.push(FixNote {
            check: "multiple-heads".into(),
            message: format!(
                "cannot name a merge revision with file_template `{}`; run `alembic merge heads`",
                template.text()
            ),
            choices: Vec::new(),
        });
        return;
    };
    let location = request.files[graph.rev(heads[0]).file].location;
    if request
        .files
        .iter()
        .any(|f| f.location == location && f.path == path)
    {
        return;
    }
    let content = merge_file(&id, &names, &work.input.now);
    work.create(location, path.clone(), content);
    out.fixed.push(FixNote {
        check: "multiple-heads".into(),
        message: format!(
            "wrote merge revision `{id}` ({path}) with down_revision = ({})",
            names.join(", ")
        ),
        choices: Vec::new(),
    });
}

/// A merge revision in Alembic's current generic template (1.16.2+).
fn merge_file(id: &str, heads: &[String], now: &str) -> String {
    let down = down_literal('\'', heads);
    format!(
        r#""""merge heads

Revision ID: {id}
Revises: {revises}
Create Date: {now}

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '{id}'
down_revision: Union[str, Sequence[str], None] = {down}
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    pass


def downgrade() -> None:
    """Downgrade schema."""
    pass
"#,
        revises = heads.join(", ")
    )
}

// ------------------------------------------- linear: a re-pointed branch

/// Linear: re-point the newer branch onto the other head.
fn repoint(
    work: &mut Work<'_>,
    out: &mut FixPlan,
    request: &Request,
    (loaded, graph): (&Loaded, &RevisionGraph),
    heads: &[RevIx],
) {
    let names: Vec<String> = heads.iter().map(|h| graph.rev(*h).id.clone()).collect();
    if heads.len() != 2 {
        out.refused.push(FixNote {
            check: "multiple-heads".into(),
            message: format!(
                "{} heads ({}); re-point them one at a time",
                heads.len(),
                names.join(", ")
            ),
            choices: Vec::new(),
        });
        return;
    }
    let a = ancestors_of(graph, &[heads[0]]);
    let b = ancestors_of(graph, &[heads[1]]);
    let branch = |own: &HashSet<RevIx>, other: &HashSet<RevIx>| -> Vec<RevIx> {
        let mut v: Vec<RevIx> = own.difference(other).copied().collect();
        v.sort();
        v
    };
    let branches = [branch(&a, &b), branch(&b, &a)];
    let base_of = |members: &[RevIx]| -> Option<RevIx> {
        let set: HashSet<RevIx> = members.iter().copied().collect();
        let bases: Vec<RevIx> = members
            .iter()
            .copied()
            .filter(|ix| {
                graph
                    .rev(*ix)
                    .down()
                    .iter()
                    .all(|d| graph.get(d).is_none_or(|p| !set.contains(&p)))
            })
            .collect();
        match bases[..] {
            [one] if graph.rev(one).down().len() <= 1 => Some(one),
            _ => None,
        }
    };
    let (Some(base0), Some(base1)) = (base_of(&branches[0]), base_of(&branches[1])) else {
        out.refused.push(FixNote {
            check: "multiple-heads".into(),
            message: format!(
                "heads {} do not each sit on a simple chain; re-point by hand",
                names.join(", ")
            ),
            choices: Vec::new(),
        });
        return;
    };
    let bases = [base0, base1];
    let newer = newer_branch(work, request, (loaded, graph), &branches, bases);
    let Some((k, why)) = newer else {
        out.refused.push(FixNote {
            check: "multiple-heads".into(),
            message: format!(
                "cannot tell which of the heads {} is newer; re-point one branch onto the other by hand",
                names.join(", ")
            ),
            choices: names.iter().map(|n| format!("re-point onto `{n}`")).collect(),
        });
        return;
    };
    let base = bases[k];
    let onto = graph.rev(heads[1 - k]).id.clone();
    let file = graph.rev(base).file;
    let Some(edits) =
        module(loaded, file).and_then(|m| metadata_edits(m, None, std::slice::from_ref(&onto)))
    else {
        return;
    };
    apply_edits(work, file, edits);
    out.fixed.push(FixNote {
        check: "multiple-heads".into(),
        message: format!(
            "re-pointed `{}` ({}; {why}) onto the other head `{onto}`",
            graph.rev(base).id,
            loaded.files[file].display
        ),
        choices: Vec::new(),
    });
}

/// Which of two branches is newer (0 or 1), and why: not in the lock file,
/// else committed later, else a later `Create Date:`.
fn newer_branch(
    work: &Work<'_>,
    request: &Request,
    (loaded, graph): (&Loaded, &RevisionGraph),
    branches: &[Vec<RevIx>; 2],
    bases: [RevIx; 2],
) -> Option<(usize, String)> {
    let recorded: Option<HashSet<String>> = work
        .input
        .request
        .options
        .history
        .lock
        .as_ref()
        .and_then(|l| parse_lock(&l.text).ok())
        .map(|lock| lock.entries.into_iter().map(|e| e.id).collect());
    let mut newer: Option<(usize, String)> = None;
    if let Some(recorded) = &recorded {
        let new = |k: usize| {
            branches[k]
                .iter()
                .any(|ix| !recorded.contains(&graph.rev(*ix).id))
        };
        match (new(0), new(1)) {
            (true, false) => newer = Some((0, "not in the lock file".into())),
            (false, true) => newer = Some((1, "not in the lock file".into())),
            _ => {}
        }
    }
    if newer.is_none() {
        let time = |ix: RevIx| {
            let f = &request.files[graph.rev(ix).file];
            work.input
                .committed
                .iter()
                .find(|c| c.location == f.location && c.path == f.path)
                .map(|c| c.time.unwrap_or(i64::MAX))
        };
        if let (Some(t0), Some(t1)) = (time(bases[0]), time(bases[1]))
            && t0 != t1
        {
            newer = Some((usize::from(t1 > t0), "committed later".into()));
        }
    }
    if newer.is_none() {
        let date = |ix: RevIx| module(loaded, graph.rev(ix).file).and_then(create_date);
        if let (Some(d0), Some(d1)) = (date(bases[0]), date(bases[1]))
            && d0 != d1
        {
            newer = Some((usize::from(d1 > d0), "a later Create Date".into()));
        }
    }
    newer
}

fn create_date(module: &ParsedModule) -> Option<String> {
    let doc = module.facts.docstring.as_ref()?;
    doc.text
        .lines()
        .find_map(|l| l.trim_start().strip_prefix("Create Date:"))
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
}
