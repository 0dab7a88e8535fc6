use super::{Context, Finding, Sink, declare_check};
use crate::load::Status;

declare_check! {
    /// ## What it does
    /// Reports a migration file Python cannot compile: invalid UTF-8, an
    /// unterminated string, unbalanced brackets, an unexpected indent, or an
    /// encoding revguard cannot read statically.
    ///
    /// ## Why is this bad?
    /// Alembic imports every revision file; one that does not compile makes
    /// every Alembic command crash with a traceback, and revguard cannot see
    /// the bindings after the error.
    ///
    /// ## Example
    /// ```python
    /// revision = "041
    /// down_revision = "040"
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// revision = "041"
    /// down_revision = "040"
    /// ```
    pub struct SyntaxErrorCheck {
        name: "syntax-error",
        code: "RG112",
        severity: Error,
        group: Graph,
    }
}

pub(super) fn run(cx: &Context<'_>, sink: &mut Sink<'_>) {
    for (index, file) in cx.loaded.files.iter().enumerate() {
        if !matches!(file.status, Status::Loaded(_)) {
            continue;
        }
        let Some(err) = file.module.as_ref().and_then(|m| m.syntax_error.as_ref()) else {
            continue;
        };
        let label = cx.label(index, err.span, err.message.clone(), true);
        sink.emit(
            &SyntaxErrorCheck::INFO,
            Finding::new(
                format!("{} cannot be compiled: {}", file.display, err.message),
                vec![label],
            )
            .help("fix the syntax; Alembic imports this file and every command would crash on it")
            .note(
                "revguard reads the file without running it; bindings after the error are unknown",
            ),
        );
    }
}
