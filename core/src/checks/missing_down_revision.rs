use super::{Context, Finding, Sink, declare_check};
use crate::load::Status;
use crate::parse::Attr;
use crate::report::Span;

declare_check! {
    /// ## What it does
    /// Reports a revision file with no module-level `down_revision` binding.
    ///
    /// ## Why is this bad?
    /// Alembic reads `down_revision` unconditionally; without it every
    /// command crashes with `AttributeError: module ... has no attribute
    /// 'down_revision'`. A bare annotation (`down_revision: str`) binds
    /// nothing.
    ///
    /// ## Example
    /// ```python
    /// revision = "041"
    /// down_revision: Union[str, None]
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// revision = "041"
    /// down_revision: Union[str, None] = "040"   # or None for a base
    /// ```
    pub struct MissingDownRevision {
        name: "missing-down-revision",
        code: "RG110",
        severity: Error,
        group: Graph,
    }
}

pub(super) fn run(cx: &Context<'_>, sink: &mut Sink<'_>) {
    for (index, file) in cx.loaded.files.iter().enumerate() {
        if !matches!(file.status, Status::Loaded(_)) {
            continue;
        }
        let Some(module) = &file.module else { continue };
        if module.facts.syntax_error.is_some() || module.facts.get(Attr::DownRevision).is_some() {
            continue;
        }
        let bare = module
            .facts
            .bare_annotations
            .iter()
            .find(|(a, _)| *a == Attr::DownRevision);
        let label = match bare {
            Some((_, span)) => cx.label(
                index,
                *span,
                "an annotation without a value binds nothing",
                true,
            ),
            None => {
                let span = module
                    .facts
                    .get(Attr::Revision)
                    .map_or(Span::default(), |b| b.statement);
                cx.label(index, span, "no `down_revision` after this", true)
            }
        };
        let module_name = crate::graph::alembic::module_name(&file.name);
        sink.emit(
            &MissingDownRevision::INFO,
            Finding::new(format!("{} does not declare `down_revision`", file.display), vec![label])
                .note(format!(
                    "Alembic crashes with AttributeError: module '{module_name}' has no attribute 'down_revision'"
                ))
                .help("add `down_revision = \"<parent id>\"`, or `down_revision = None` for a base"),
        );
    }
}
