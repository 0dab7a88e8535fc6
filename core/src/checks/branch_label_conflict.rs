use super::{Context, Finding, Sink, declare_check};
use crate::graph::Issue;
use crate::parse::Attr;

declare_check! {
    /// ## What it does
    /// Reports a branch label used by two revisions (or twice by one), or a
    /// label equal to a revision id.
    ///
    /// ## Why is this bad?
    /// Labels and ids share one namespace; Alembic raises "Branch name 'x' in
    /// revision a already used by revision b" and no command works. Which pair
    /// Alembic names varies between runs; revguard reports every clash.
    ///
    /// ## Example
    /// ```python
    /// branch_labels = ("billing",)   # in two files
    /// ```
    ///
    /// ## Use instead
    /// Label only the first revision of a branch; descendants inherit it.
    pub struct BranchLabelConflict {
        name: "branch-label-conflict",
        code: "RG107",
        severity: Error,
        group: Graph,
    }
}

pub(super) fn run(cx: &Context<'_>, sink: &mut Sink<'_>) {
    for issue in &cx.graph.issues {
        let Issue::LabelConflict {
            label,
            first,
            second,
            with_id,
        } = issue
        else {
            continue;
        };
        let (message, first_label) = if *with_id {
            (
                format!(
                    "branch label `{label}` of `{}` is also a revision id",
                    cx.id(*second)
                ),
                cx.attr_label(
                    *first,
                    Attr::Revision,
                    format!("revision `{label}` declared here"),
                    false,
                ),
            )
        } else if first == second {
            (
                format!("`{}` lists branch label `{label}` twice", cx.id(*second)),
                cx.attr_label(*first, Attr::BranchLabels, "listed twice here", false),
            )
        } else {
            (
                format!(
                    "branch label `{label}` is used by both `{}` and `{}`",
                    cx.id(*first),
                    cx.id(*second)
                ),
                cx.attr_label(
                    *first,
                    Attr::BranchLabels,
                    format!("first used by `{}`", cx.id(*first)),
                    false,
                ),
            )
        };
        let mut labels = vec![cx.attr_label(
            *second,
            Attr::BranchLabels,
            format!("`{label}` clashes"),
            true,
        )];
        if first != second || *with_id {
            labels.push(first_label);
        }
        sink.emit(
            &BranchLabelConflict::INFO,
            Finding::new(message, labels)
                .note(format!(
                    "Alembic raises \"Branch name '{label}' in revision {} already used by revision {}\"",
                    cx.id(*second),
                    cx.id(*first)
                ))
                .help("give each branch a unique label that is not a revision id; label only a branch's first revision"),
        );
    }
}
