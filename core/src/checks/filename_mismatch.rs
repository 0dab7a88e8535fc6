use super::{Context, Finding, Sink, declare_check};
use crate::graph::RevIx;
use crate::parse::Attr;
use crate::template::Template;

declare_check! {
    /// ## What it does
    /// Reports a revision file whose name does not match its revision id
    /// under the project's `file_template` (default `%%(rev)s_%%(slug)s`):
    /// `041_add_audit_log.py` must declare `revision = "041"`.
    ///
    /// ## Why is this bad?
    /// Alembic ignores file names, but people and tools sort, review and
    /// grep by them. A file named `042_...` that declares `041` is how a
    /// duplicate id hides in review.
    ///
    /// ## Example
    /// `versions/042_add_index.py` containing `revision = "041"`.
    ///
    /// ## Use instead
    /// Rename the file to `041_add_index.py`, or fix the id.
    pub struct FilenameMismatch {
        name: "filename-mismatch",
        code: "RG202",
        severity: Warning,
        group: Hygiene,
    }
}

pub(super) fn run(cx: &Context<'_>, sink: &mut Sink<'_>) {
    let template = Template::of(&cx.request.options);
    if !template.names_rev() {
        return;
    }
    for (i, rev) in cx.graph.revisions.iter().enumerate() {
        let path = cx.rev_path(RevIx(i));
        let Some((_, tail)) = template.split(path) else {
            continue;
        };
        if tail == rev.id || template.matches(tail, &rev.id) || rev.id.is_empty() {
            continue;
        }
        let name = path.rsplit('/').next().unwrap_or(path);
        sink.emit(
            &FilenameMismatch::INFO,
            Finding::new(
                format!(
                    "file name `{name}` does not match revision `{}` (file_template `{}`)",
                    rev.id,
                    template.text()
                ),
                vec![cx.attr_label(
                    RevIx(i),
                    Attr::Revision,
                    format!("declares `{}`", rev.id),
                    true,
                )],
            )
            .help(format!(
                "rename the file so it starts with `{}`, or fix the id if the name is right",
                rev.id
            )),
        );
    }
}
