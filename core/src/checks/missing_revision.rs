use super::{Context, Finding, Sink, declare_check};
use crate::graph::IdProblem;
use crate::parse::Attr;
use crate::report::Span;

declare_check! {
    /// ## What it does
    /// Reports a revision file with no `revision` binding whose name is not a
    /// legacy `<lowercase hex>.py` name, and a `revision` that is `None` or
    /// not a string.
    ///
    /// ## Why is this bad?
    /// Alembic falls back to the file name only for hex names; otherwise it
    /// stops every command with "Could not determine revision id from
    /// filename". `revision = None` crashes with a `TypeError`. A bare
    /// annotation (`revision: str`) binds nothing.
    ///
    /// ## Example
    /// ```python
    /// revision: str
    /// down_revision = "040"
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// revision: str = "041"
    /// down_revision = "040"
    /// ```
    pub struct MissingRevision {
        name: "missing-revision",
        code: "RG109",
        severity: Error,
        group: Graph,
    }
}

pub(super) fn run(cx: &Context<'_>, sink: &mut Sink<'_>) {
    for (file, problem) in &cx.graph.unknown_ids {
        let module = cx.loaded.files[*file].module.as_ref();
        let binding = module.and_then(|m| m.facts.get(Attr::Revision));
        let span = binding.map_or(Span::default(), |b| b.statement);
        let path = cx.path(*file);
        let finding = match problem {
            IdProblem::Missing => {
                let bare = module.and_then(|m| {
                    m.facts
                        .bare_annotations
                        .iter()
                        .find(|(a, _)| *a == Attr::Revision)
                });
                let (label, note) = match bare {
                    Some((_, span)) => (
                        cx.label(
                            *file,
                            *span,
                            "an annotation without a value binds nothing",
                            true,
                        ),
                        "`revision: str` without `= \"...\"` does not create the attribute",
                    ),
                    None => (
                        cx.label(
                            *file,
                            Span::default(),
                            "no `revision = ...` at module level",
                            true,
                        ),
                        "Alembic derives the id from the file name only for names like `1975ea83b712.py`",
                    ),
                };
                Finding::new(format!("{path} does not declare `revision`"), vec![label])
                    .note(format!(
                        "Alembic stops with \"Could not determine revision id from filename {}\"",
                        path.rsplit('/').next().unwrap_or(path)
                    ))
                    .note(note)
                    .help("add `revision = \"<id>\"` at module level")
            }
            IdProblem::NoneValue => Finding::new(
                format!("{path} sets `revision = None`"),
                vec![cx.label(*file, span, "a revision id must be a string", true)],
            )
            .note("Alembic crashes with TypeError: 'NoneType' object is not iterable")
            .help("set `revision` to the file's id string"),
            IdProblem::Invalid(what) => Finding::new(
                format!("{path} sets `revision` to {what}"),
                vec![cx.label(*file, span, "a revision id must be a string", true)],
            )
            .help("quote the id: `revision = \"...\"`"),
            // Dynamic, syntax and unread files are reported by their own checks.
            _ => continue,
        };
        sink.emit(&MissingRevision::INFO, finding);
    }
}
