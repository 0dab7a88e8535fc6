use super::{Context, Finding, Sink, declare_check};
use crate::load::Status;
use crate::severity::Severity;

declare_check! {
    /// ## What it does
    /// Reports a migration file CPython cannot compile, wherever the slip is.
    ///
    /// It finds a lost `:` or `)` inside `upgrade()`, a Python 2 `print "x"`, a bad
    /// dedent or a tab that only lines up at width 8, a repeated keyword
    /// argument, `return`/`await`/`yield`/`break`/`nonlocal` out of place,
    /// an assignment to a literal, NUL bytes, invalid UTF-8 outside comments,
    /// an unknown coding cookie, and syntax newer than the project's Python.
    ///
    /// The whole file is parsed for the target Python version: the first of
    /// `--python-version`, `python-version` in `[tool.revguard]`, the lower
    /// bound of `[project] requires-python` in the pyproject.toml beside the
    /// Alembic configuration, a `.python-version` file there, else 3.10 (the
    /// oldest CPython still supported). A file valid only on a newer Python
    /// fails with a message naming the version that introduced the syntax.
    /// Versions 3.8 to 3.14 are validated; an older project is checked as 3.8.
    ///
    /// ## Why is this bad?
    /// Alembic imports every revision file before any command runs; one that
    /// does not compile makes `alembic upgrade head` crash with a
    /// `SyntaxError` at pod start, a crash loop just like a broken graph.
    ///
    /// ## Example
    /// ```python
    /// def upgrade():
    ///     op.add_column("users", sa.Column("email", sa.String())
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// def upgrade():
    ///     op.add_column("users", sa.Column("email", sa.String()))
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
        let Some(err) = file
            .module
            .as_ref()
            .and_then(|m| m.facts.syntax_error.as_ref())
        else {
            continue;
        };
        let label = cx.label(index, err.span, err.message.clone(), true);
        let note = format!(
            "compiled as Python {} ({})",
            cx.request.options.python.version, cx.request.options.python.source
        );
        if err.unsupported {
            // CPython's own verdict is unknown here (it depends on the
            // importer's stack, or on a codec revguard does not decode): say
            // so, as a warning, rather than guess either way.
            sink.emit(
                &SyntaxErrorCheck::INFO,
                Finding::new(
                    format!(
                        "{} was not validated statically: {}",
                        file.display, err.message
                    ),
                    vec![label],
                )
                .severity(Severity::Warning)
                .help("check that `alembic heads` imports this file with the project's Python")
                .note(note),
            );
            continue;
        }
        sink.emit(
            &SyntaxErrorCheck::INFO,
            Finding::new(
                format!("{} cannot be compiled: {}", file.display, err.message),
                vec![label],
            )
            .help("fix the syntax; Alembic imports this file and every command would crash on it")
            .note(note),
        );
    }
}
