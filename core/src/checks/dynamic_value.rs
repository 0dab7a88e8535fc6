use super::{Context, Finding, Sink, declare_check};
use crate::load::Status;
use crate::parse::{Attr, Value};
use crate::severity::Severity;

declare_check! {
    /// ## What it does
    /// Reports a `revision`, `down_revision`, `branch_labels` or `depends_on`
    /// binding whose value cannot be known without running the file:
    /// computed (`"bb" + "bb"`, a call), conditional (inside a module-level
    /// `if`/`try`), imported, a name reference, an f-string.
    ///
    /// ## Why is this bad?
    /// Alembic executes the file and sees *some* value; revguard never runs
    /// code, so it refuses to guess. For `revision`, `down_revision` and
    /// `depends_on` the graph cannot be checked (error); for `branch_labels`,
    /// whose absence changes no head, it is a warning (projects such as
    /// OpenStack's take labels from imported constants).
    ///
    /// ## Example
    /// ```python
    /// import os
    /// revision = os.environ.get("REV", "041")
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// revision = "041"
    /// ```
    pub struct DynamicValue {
        name: "dynamic-value",
        code: "RG111",
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
        for attr in Attr::ALL {
            let Some(binding) = module.facts.get(attr) else {
                continue;
            };
            let Some((reason, span)) = dynamic_part(&binding.value) else {
                continue;
            };
            let severity = if attr == Attr::BranchLabels {
                Severity::Warning
            } else {
                Severity::Error
            };
            let mut finding = Finding::new(
                format!(
                    "`{}` in {} is not statically known: {reason}",
                    attr.name(),
                    file.display
                ),
                vec![cx.label(index, span, reason.clone(), true)],
            )
            .severity(severity)
            .help(format!(
                "write `{}` as a literal (a string, a tuple of strings, or None)",
                attr.name()
            ));
            if attr != Attr::BranchLabels {
                finding = finding.note("revguard never runs migration code, so it cannot check the graph around this revision");
            }
            if attr == Attr::Revision {
                let refs = super::missing_parent::unresolved_refs(cx);
                if !refs.is_empty() {
                    finding = finding.note(format!(
                        "this file may declare {}, which other files name in `down_revision` and no literal revision declares; revguard does not report those as missing",
                        refs.iter().map(|r| format!("`{r}`")).collect::<Vec<_>>().join(", ")
                    ));
                }
            }
            sink.emit(&DynamicValue::INFO, finding);
        }
    }
}

fn dynamic_part(value: &Value) -> Option<(String, crate::report::Span)> {
    match value {
        Value::Dynamic { reason, span } => Some((reason.clone(), *span)),
        Value::Seq { items, .. } => items.iter().find_map(dynamic_part),
        _ => None,
    }
}
