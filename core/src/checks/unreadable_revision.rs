use super::{Context, Finding, Sink, declare_check};
use crate::graph::IdProblem;
use crate::report::Span;

declare_check! {
    /// ## What it does
    /// Reports a file Alembic would load whose contents revguard did not read:
    /// compiled bytecode (`.pyc`/`.pyo` under `sourceless = true`), a symlink
    /// revguard does not follow (broken, or pointing outside the repository),
    /// or something that is not a regular file (a FIFO or a device). A file
    /// over the size cap (`--max-file-size`) is not skipped: `revguard check`
    /// stops with an error naming it.
    ///
    /// ## Why is this bad?
    /// Alembic imports it and sees its revision; revguard never decodes
    /// bytecode, so the graph it checks is missing a revision, and references
    /// to it may look missing.
    ///
    /// ## Example
    /// `versions/ab12cd34ef56.pyc` with no `ab12cd34ef56.py` next to it.
    ///
    /// ## Use instead
    /// Ship the `.py` source of every migration, as a regular file.
    pub struct UnreadableRevision {
        name: "unreadable-revision",
        code: "RG113",
        severity: Warning,
        group: Graph,
    }
}

pub(super) fn run(cx: &Context<'_>, sink: &mut Sink<'_>) {
    for (file, problem) in &cx.graph.unknown_ids {
        let IdProblem::Unread(reason) = problem else {
            continue;
        };
        sink.emit(
            &UnreadableRevision::INFO,
            Finding::new(
                format!("{} is a revision file Alembic loads, but revguard did not read it ({reason})", cx.path(*file)),
                vec![cx.label(*file, Span::default(), reason.clone(), true)],
            )
            .note("its revision is present for Alembic but unknown to revguard; the graph checked here is incomplete")
            .help("keep the `.py` source of every migration, as a regular file inside the repository"),
        );
    }
}
