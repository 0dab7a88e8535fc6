use super::{Context, Finding, Sink, declare_check};
use crate::graph::RevIx;
use crate::parse::{Attr, Value};

declare_check! {
    /// ## What it does
    /// Reports revision ids Alembic rejects (containing `@`, `-`, `+` or `:`),
    /// empty ids, and references that are not strings (`down_revision = 1234`,
    /// `down_revision = ""`).
    ///
    /// ## Why is this bad?
    /// Alembic raises "Character(s) '-' not allowed in revision identifier"
    /// for the first three (`:` since 1.17.1, so upgrading Alembic breaks
    /// such histories); an empty string is not a base but a reference to a
    /// revision called "", and a number crashes with a `TypeError`.
    ///
    /// ## Example
    /// ```python
    /// revision = "b-1"
    /// down_revision = ""
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// revision = "b_1"
    /// down_revision = None
    /// ```
    pub struct InvalidRevisionId {
        name: "invalid-revision-id",
        code: "RG108",
        severity: Error,
        group: Graph,
    }
}

pub(super) fn run(cx: &Context<'_>, sink: &mut Sink<'_>) {
    for (i, rev) in cx.graph.revisions.iter().enumerate() {
        let ix = RevIx(i);
        let mut illegal: Vec<char> = rev
            .id
            .chars()
            .filter(|c| matches!(c, '@' | '-' | '+' | ':'))
            .collect();
        illegal.sort();
        illegal.dedup();
        if !illegal.is_empty() {
            let chars: Vec<String> = illegal.iter().map(|c| format!("'{c}'")).collect();
            let fixed: String = rev
                .id
                .chars()
                .map(|c| {
                    if matches!(c, '@' | '-' | '+' | ':') {
                        '_'
                    } else {
                        c
                    }
                })
                .collect();
            sink.emit(
                &InvalidRevisionId::INFO,
                Finding::new(
                    format!("revision id `{}` contains {}", rev.id, chars.join(", ")),
                    vec![cx.attr_label(ix, Attr::Revision, "not allowed in a revision id", true)],
                )
                .note("Alembic raises: Character(s) not allowed in revision identifier (`:` since Alembic 1.17.1)")
                .help(format!("use letters, digits and `_`, e.g. `{fixed}`, and update every `down_revision` that names it")),
            );
        } else if rev.id == "base" && !rev.shadowed {
            sink.emit(
                &InvalidRevisionId::INFO,
                Finding::new(
                    "revision id `base` is reserved",
                    vec![cx.attr_label(
                        ix,
                        Attr::Revision,
                        "`base` names the empty database",
                        true,
                    )],
                )
                .note("Alembic loads it, but `alembic upgrade head` crashes with an AssertionError")
                .help("rename the revision (and every `down_revision` that names it)"),
            );
        } else if rev.id.is_empty() {
            sink.emit(
                &InvalidRevisionId::INFO,
                Finding::new(
                    format!("{} declares an empty revision id", cx.rev_path(ix)),
                    vec![cx.attr_label(ix, Attr::Revision, "empty id", true)],
                )
                .help("give the revision a real id"),
            );
        }
        if rev.down().iter().any(String::is_empty) {
            sink.emit(
                &InvalidRevisionId::INFO,
                Finding::new(
                    format!("`{}` has `down_revision = \"\"`", rev.id),
                    vec![cx.attr_label(ix, Attr::DownRevision, "an empty string is not a base", true)],
                )
                .note("Alembic treats \"\" as a reference to a revision named \"\" and crashes with KeyError: ''")
                .help("use `down_revision = None` for a base revision"),
            );
        }
    }
    non_string_references(cx, sink);
}

/// Non-string items in references (`down_revision = 1`).
fn non_string_references(cx: &Context<'_>, sink: &mut Sink<'_>) {
    for (index, file) in cx.loaded.files.iter().enumerate() {
        let Some(module) = &file.module else { continue };
        if !matches!(file.status, crate::load::Status::Loaded(_)) {
            continue;
        }
        for attr in [Attr::DownRevision, Attr::BranchLabels, Attr::DependsOn] {
            let Some(binding) = module.facts.get(attr) else {
                continue;
            };
            if let Some((what, span)) = invalid_part(&binding.value) {
                sink.emit(
                    &InvalidRevisionId::INFO,
                    Finding::new(
                        format!(
                            "`{}` in {} is {what}, not a string",
                            attr.name(),
                            file.display
                        ),
                        vec![cx.label(
                            index,
                            span,
                            format!("{what}: Alembic needs strings here"),
                            true,
                        )],
                    )
                    .help(format!(
                        "write revision ids as strings: `{} = \"...\"`",
                        attr.name()
                    )),
                );
            }
        }
    }
}

fn invalid_part(value: &Value) -> Option<(String, crate::report::Span)> {
    match value {
        Value::Invalid { what, span } => Some((what.clone(), *span)),
        Value::Seq { items, .. } => items.iter().find_map(|item| match item {
            Value::Invalid { what, span } => Some((what.clone(), *span)),
            Value::Seq { span, .. } => Some(("a nested sequence".into(), *span)),
            Value::None { span } => Some(("None inside a sequence".into(), *span)),
            _ => None,
        }),
        _ => None,
    }
}
