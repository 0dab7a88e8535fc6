use super::suggest::candidates;
use super::{Context, Finding, Sink, declare_check, list};
use crate::graph::{Issue, RefKind};
use crate::parse::Attr;

declare_check! {
    /// ## What it does
    /// Reports every `down_revision` entry that names no loaded revision,
    /// with a "did you mean" when one id fits (a file name or a branch label
    /// written instead of an id, a partial id, a typo).
    ///
    /// ## Why is this bad?
    /// Alembic warns "Revision z referenced from ... is not present" and then
    /// crashes with a bare `KeyError: 'z'`, and only ever reports the first
    /// one. A branch label in `down_revision` passes linking but crashes the
    /// same way later.
    ///
    /// ## Example
    /// ```python
    /// revision = "042"
    /// down_revision = "041_add_contract_audit_log"
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// revision = "042"
    /// down_revision = "041"
    /// ```
    ///
    /// ## What `revguard fix` does
    /// Writes the one "did you mean" candidate, or the parent you pick with
    /// `revguard fix --parent ID` (`--parent MISSING=ID` when several parents are
    /// missing). With no candidate or several, it refuses, names the missing
    /// parent and lists the candidates. It never merges the false head such a
    /// fragment creates: that would keep Alembic's `KeyError` and add a junk
    /// migration.
    pub struct MissingParent {
        name: "missing-parent",
        code: "RG103",
        severity: Error,
        group: Graph,
    }
}

/// Whether some loaded file's revision id is computed at import time: it
/// may be the id a dangling `down_revision` names.
fn dynamic_id(cx: &Context<'_>) -> bool {
    cx.graph
        .unknown_ids
        .iter()
        .any(|(_, problem)| matches!(problem, crate::graph::IdProblem::Dynamic))
}

/// The `down_revision` targets no literal revision declares, in order.
pub(super) fn unresolved_refs(cx: &Context<'_>) -> Vec<String> {
    let mut refs: Vec<String> = Vec::new();
    for issue in &cx.graph.issues {
        if let Issue::MissingRef {
            target,
            kind: RefKind::Down,
            ..
        } = issue
            && !target.is_empty()
            && !refs.contains(target)
        {
            refs.push(target.clone());
        }
    }
    refs
}

pub(super) fn run(cx: &Context<'_>, sink: &mut Sink<'_>) {
    // A file whose id is computed may declare the missing parent: the
    // dynamic-value finding on that file says so, instead of a second
    // error here that may be false.
    let dynamic = dynamic_id(cx);
    for issue in &cx.graph.issues {
        let (from, target, label_owner) = match issue {
            Issue::MissingRef {
                from,
                target,
                kind: RefKind::Down,
            } if !target.is_empty() && !dynamic => (*from, target, None),
            Issue::LabelAsParent { from, label, owner } => (*from, label, Some(*owner)),
            _ => continue,
        };
        let id = cx.id(from);
        let message = match label_owner {
            Some(owner) => format!(
                "`{id}` names branch label `{target}` (of `{}`) in `down_revision`",
                cx.id(owner)
            ),
            None => format!(
                "`{id}` names `{target}` in `down_revision`, but no revision file declares `{target}`"
            ),
        };
        let mut finding = Finding::new(
            message,
            vec![cx.attr_label(
                from,
                Attr::DownRevision,
                format!("`{target}` is not a revision id here"),
                true,
            )],
        );
        finding = match label_owner {
            Some(_) => finding.note(format!(
                "branch labels are not allowed in `down_revision`; Alembic crashes with KeyError: '{target}'"
            )),
            None => finding.note(format!(
                "Alembic warns \"Revision {target} referenced from ... is not present\" and crashes with KeyError: '{target}'"
            )),
        };
        if cx.graph.rev(from).shadowed {
            finding = finding.note(format!(
                "this file is a shadowed duplicate of `{id}`; see duplicate-revision"
            ));
        }
        let found = candidates(cx, target);
        finding = match &found[..] {
            [s] => finding.help(format!("did you mean `{}`? {}", s.id, s.why)),
            [] => finding.help(format!(
                "point `down_revision` at an existing revision, or restore the file that declares `{target}`"
            )),
            many => {
                let ids: Vec<String> = many.iter().map(|s| s.id.clone()).collect();
                finding.help(format!(
                    "did you mean one of {}? {}; pick one with `revguard fix --parent ID`",
                    list(&ids),
                    many[0].why
                ))
            }
        };
        sink.emit(&MissingParent::INFO, finding);
    }
}
