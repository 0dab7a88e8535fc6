use super::{Context, Finding, Sink, declare_check};
use crate::graph::RevIx;
use crate::parse::Attr;
use crate::template::{Piece, pieces};

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

/// Does `name` match the template with `%(rev)s` = `id`?
fn matches(pieces: &[Piece], name: &str, id: &str) -> bool {
    match pieces.split_first() {
        None => name.is_empty(),
        Some((Piece::Literal(lit), rest)) => name
            .strip_prefix(lit.as_str())
            .is_some_and(|n| matches(rest, n, id)),
        Some((Piece::Rev, rest)) => name.strip_prefix(id).is_some_and(|n| matches(rest, n, id)),
        Some((piece, rest)) => {
            let ok = |c: char| match piece {
                Piece::Number(..) => c.is_ascii_digit(),
                Piece::Slug => c.is_alphanumeric() || c == '_',
                _ => c != '/',
            };
            let mut end = 0;
            loop {
                if matches(rest, &name[end..], id) {
                    return true;
                }
                match name[end..].chars().next() {
                    Some(c) if ok(c) => end += c.len_utf8(),
                    _ => return false,
                }
            }
        }
    }
}

pub(super) fn run(cx: &Context<'_>, sink: &mut Sink<'_>) {
    let template = cx
        .request
        .options
        .file_template
        .as_deref()
        .unwrap_or("%(rev)s_%(slug)s");
    let pieces = pieces(template);
    if !pieces.contains(&Piece::Rev) {
        return;
    }
    let depth = pieces
        .iter()
        .map(|p| match p {
            Piece::Literal(l) => l.matches('/').count(),
            _ => 0,
        })
        .sum::<usize>();
    for (i, rev) in cx.graph.revisions.iter().enumerate() {
        let path = cx.rev_path(RevIx(i));
        let Some(stem) = path.strip_suffix(".py") else {
            continue;
        };
        let mut parts: Vec<&str> = stem.rsplit('/').take(depth + 1).collect();
        parts.reverse();
        let tail = parts.join("/");
        if tail == rev.id || matches(&pieces, &tail, &rev.id) || rev.id.is_empty() {
            continue;
        }
        let name = path.rsplit('/').next().unwrap_or(path);
        sink.emit(
            &FilenameMismatch::INFO,
            Finding::new(
                format!(
                    "file name `{name}` does not match revision `{}` (file_template `{template}`)",
                    rev.id
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_template() {
        let p = pieces("%%(rev)s_%%(slug)s");
        assert_eq!(p, [Piece::Rev, Piece::Literal("_".into()), Piece::Slug]);
        assert!(matches(&p, "041_add_audit", "041"));
        assert!(matches(&p, "041_", "041"));
        assert!(!matches(&p, "042_add_audit", "041"));
        assert!(!matches(&p, "0411_add", "041"));
    }

    #[test]
    fn dated_template() {
        let p = pieces("%(year)d_%(month).2d_%(day).2d_%(rev)s_%(slug)s");
        assert!(matches(&p, "2024_01_31_ab12_msg", "ab12"));
        assert!(!matches(&p, "2024_01_31_cd34_msg", "ab12"));
    }
}
