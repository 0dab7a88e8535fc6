use super::{Context, Finding, Sink, declare_check};
use crate::graph::RevIx;
use crate::load::Status;

declare_check! {
    /// ## What it does
    /// Reports a header docstring whose `Revision ID:` or `Revises:` line
    /// disagrees with the `revision` / `down_revision` bindings.
    ///
    /// ## Why is this bad?
    /// Alembic never reads these lines, so a mismatch changes nothing at run
    /// time, but reviewers do read them: a file copied from another and
    /// half-edited is exactly how duplicate ids and wrong parents get in.
    ///
    /// ## Example
    /// ```python
    /// """add audit log
    ///
    /// Revision ID: 041
    /// Revises: 039
    /// """
    /// revision = "041"
    /// down_revision = "040"
    /// ```
    ///
    /// ## Use instead
    /// Make `Revises: 040` match `down_revision`.
    pub struct DocstringMismatch {
        name: "docstring-mismatch",
        code: "RG201",
        severity: Warning,
        group: Hygiene,
    }
}

pub(super) fn run(cx: &Context<'_>, sink: &mut Sink<'_>) {
    for (i, rev) in cx.graph.revisions.iter().enumerate() {
        let file = &cx.loaded.files[rev.file];
        if !matches!(file.status, Status::Loaded(_)) {
            continue;
        }
        let Some(doc) = file
            .module
            .as_ref()
            .and_then(|m| m.facts.docstring.as_ref())
        else {
            continue;
        };
        let ix = RevIx(i);
        if let Some(line) = &doc.revision_id
            && line.value != rev.id
        {
            sink.emit(
                &DocstringMismatch::INFO,
                Finding::new(
                    format!(
                        "docstring says `Revision ID: {}` but `revision = \"{}\"`",
                        line.value, rev.id
                    ),
                    vec![cx.label(rev.file, line.span, format!("should be `{}`", rev.id), true)],
                )
                .help(format!("update the header to `Revision ID: {}`", rev.id)),
            );
        }
        if let Some(line) = &doc.revises {
            let written: Vec<&str> = line
                .value
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .collect();
            let down: Vec<&str> = rev.down().iter().map(String::as_str).collect();
            if matches!(rev.down, crate::graph::Known::Yes(_)) && written != down {
                let expected = down.join(", ");
                sink.emit(
                    &DocstringMismatch::INFO,
                    Finding::new(
                        format!(
                            "docstring says `Revises: {}` but `down_revision` is {}",
                            line.value,
                            if down.is_empty() {
                                "None".to_owned()
                            } else {
                                format!("`{expected}`")
                            }
                        ),
                        vec![cx.label(
                            rev.file,
                            line.span,
                            format!("should be `{expected}`"),
                            true,
                        )],
                    )
                    .help(format!("update the header to `Revises: {expected}`"))
                    .note(format!(
                        "Alembic ignores this line; `{}` really revises what `down_revision` says",
                        cx.id(ix)
                    )),
                );
            }
        }
    }
}
