use super::suggest::did_you_mean;
use super::{Context, Finding, Sink, declare_check};
use crate::graph::{Issue, RefKind};
use crate::parse::Attr;

declare_check! {
    /// ## What it does
    /// Reports every `depends_on` entry that is neither a loaded revision id
    /// nor a branch label.
    ///
    /// ## Why is this bad?
    /// Alembic crashes with a bare `KeyError` and no message at all, naming
    /// only one of the missing entries (which one varies between runs).
    /// Partial ids are not resolved inside files.
    ///
    /// ## Example
    /// ```python
    /// depends_on = "bbbb"      # the id is bbbb2222
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// depends_on = "bbbb2222"
    /// ```
    pub struct MissingDependency {
        name: "missing-dependency",
        code: "RG104",
        severity: Error,
        group: Graph,
    }
}

pub(super) fn run(cx: &Context<'_>, sink: &mut Sink<'_>) {
    for issue in &cx.graph.issues {
        let Issue::MissingRef {
            from,
            target,
            kind: RefKind::Dep,
        } = issue
        else {
            continue;
        };
        let id = cx.id(*from);
        let mut finding = Finding::new(
            format!(
                "`{id}` depends on `{target}`, which is neither a revision id nor a branch label"
            ),
            vec![cx.attr_label(
                *from,
                Attr::DependsOn,
                format!("`{target}` not found"),
                true,
            )],
        )
        .note(format!("Alembic crashes with a bare KeyError: '{target}'"));
        finding = match did_you_mean(cx, target) {
            Some(s) => finding.help(format!("did you mean `{}`? {}", s.id, s.why)),
            None => finding.help("name the full id of an existing revision, or a branch label"),
        };
        sink.emit(&MissingDependency::INFO, finding);
    }
}
