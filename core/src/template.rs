//! Alembic's `file_template` (`%%(rev)s_%%(slug)s`), shared by the
//! `filename-mismatch` check and `revguard fix` (which renames files).

/// A piece of a `file_template`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Piece {
    /// Text copied as is.
    Literal(String),
    /// `%(rev)s`.
    Rev,
    /// `%(slug)s`.
    Slug,
    /// A date field (`%(year)d`, `%(month).2d`...): its key and zero-pad width.
    Number(String, usize),
    /// Anything else.
    Other,
}

/// Split a template (ini `%%` escapes allowed) into pieces.
pub(crate) fn pieces(template: &str) -> Vec<Piece> {
    let template = template.replace("%%", "%");
    let mut out = Vec::new();
    let mut rest = template.as_str();
    while let Some(at) = rest.find("%(") {
        if at > 0 {
            out.push(Piece::Literal(rest[..at].to_owned()));
        }
        let after = &rest[at + 2..];
        let Some(close) = after.find(')') else {
            out.push(Piece::Literal(rest[at..].to_owned()));
            return out;
        };
        let key = &after[..close];
        let spec_end = after[close + 1..]
            .find(|c: char| c.is_ascii_alphabetic())
            .map_or(after.len(), |i| close + 1 + i + 1);
        let spec = &after[close + 1..spec_end.min(after.len())];
        out.push(match key {
            "rev" => Piece::Rev,
            "slug" => Piece::Slug,
            "year" | "month" | "day" | "hour" | "minute" | "second" | "epoch" => {
                let width = spec
                    .trim_start_matches('.')
                    .trim_end_matches(|c: char| c.is_ascii_alphabetic())
                    .parse()
                    .unwrap_or(0);
                Piece::Number(key.to_owned(), width)
            }
            _ => Piece::Other,
        });
        rest = &after[spec_end.min(after.len())..];
    }
    if !rest.is_empty() {
        out.push(Piece::Literal(rest.to_owned()));
    }
    out
}
