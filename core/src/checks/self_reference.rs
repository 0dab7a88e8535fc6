use super::{Context, Finding, Sink, declare_check};
use crate::graph::{Issue, RefKind};
use crate::parse::Attr;

declare_check! {
    /// ## What it does
    /// Reports a revision whose `down_revision` or `depends_on` names its own
    /// id, including inside a merge tuple.
    ///
    /// ## Why is this bad?
    /// Alembic raises "Self-loop is detected in revisions (<id>)" (or
    /// "Dependency self-loop ...") and no command works. It usually comes
    /// from copying a file and editing the wrong line.
    ///
    /// ## Example
    /// ```python
    /// revision = "041"
    /// down_revision = "041"
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// revision = "041"
    /// down_revision = "040"
    /// ```
    ///
    /// ## What `revguard fix` does
    /// Refuses: it does not guess the revision this one really follows.
    pub struct SelfReference {
        name: "self-reference",
        code: "RG106",
        severity: Error,
        group: Graph,
    }
}

pub(super) fn run(cx: &Context<'_>, sink: &mut Sink<'_>) {
    for issue in &cx.graph.issues {
        let Issue::SelfReference { rev, kind } = issue else {
            continue;
        };
        let id = cx.id(*rev);
        let (attr, alembic) = match kind {
            RefKind::Down => (
                Attr::DownRevision,
                format!("Self-loop is detected in revisions ({id})"),
            ),
            RefKind::Dep => (
                Attr::DependsOn,
                format!("Dependency self-loop is detected in revisions ({id})"),
            ),
        };
        sink.emit(
            &SelfReference::INFO,
            Finding::new(
                format!("`{id}` names itself in `{}`", attr.name()),
                vec![cx.attr_label(
                    *rev,
                    attr,
                    format!("`{id}` is this revision's own id"),
                    true,
                )],
            )
            .note(format!("Alembic raises \"{alembic}\""))
            .help(format!(
                "name the parent revision instead of `{id}` in `{}`",
                attr.name()
            )),
        );
    }
}
