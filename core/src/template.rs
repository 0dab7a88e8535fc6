//! Alembic's `file_template` (`%%(rev)s_%%(slug)s`), shared by the
//! `filename-mismatch` check (does a file's name carry its id?) and by
//! `revguard fix` (rename a file whose id changes, name a new merge file).
//!
//! One matcher serves both: [`Template::rev_offset`] matches a name against
//! the template with `%(rev)s` fixed to an id, backtracking over the free
//! pieces (slug, date fields, unknown keys), and says where the id sits.

use crate::request::Options;

/// The template Alembic uses when `file_template` is not set.
pub(crate) const DEFAULT: &str = "%(rev)s_%(slug)s";

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

impl Piece {
    /// Can a free piece's text contain `c`? (`%(rev)s` and literals are
    /// matched exactly, never through this.)
    fn admits(&self, c: char) -> bool {
        match self {
            Piece::Number(..) => c.is_ascii_digit(),
            Piece::Slug => c.is_alphanumeric() || c == '_',
            _ => c != '/',
        }
    }
}

/// A parsed `file_template`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Template {
    /// As configured (for messages).
    text: String,
    pieces: Vec<Piece>,
    /// How many directories the template itself spans (`/` in literals).
    depth: usize,
}

impl Template {
    /// Parse a template (ini `%%` escapes allowed).
    pub(crate) fn new(text: &str) -> Template {
        let pieces = pieces(text);
        let depth = pieces
            .iter()
            .map(|p| match p {
                Piece::Literal(l) => l.matches('/').count(),
                _ => 0,
            })
            .sum();
        Template {
            text: text.to_owned(),
            pieces,
            depth,
        }
    }

    /// The project's template, or Alembic's default.
    pub(crate) fn of(options: &Options) -> Template {
        Template::new(options.file_template.as_deref().unwrap_or(DEFAULT))
    }

    /// The template as configured.
    pub(crate) fn text(&self) -> &str {
        &self.text
    }

    /// True when file names carry the revision id.
    pub(crate) fn names_rev(&self) -> bool {
        self.pieces.contains(&Piece::Rev)
    }

    /// Split a `.py` path into the directories above what the template names
    /// and the part it names (the last `depth + 1` components of the stem).
    pub(crate) fn split<'p>(&self, path: &'p str) -> Option<(&'p str, &'p str)> {
        let stem = path.strip_suffix(".py")?;
        let mut at = stem.len();
        for _ in 0..=self.depth {
            match stem[..at].rfind('/') {
                Some(slash) => at = slash,
                None => return Some(("", stem)),
            }
        }
        Some((&stem[..at], &stem[at + 1..]))
    }

    /// Match `name` (the part of a path the template names) with `%(rev)s`
    /// = `id`: `None` when it does not match; otherwise where the first
    /// `%(rev)s` sits (`Some(None)` for a template without one).
    pub(crate) fn rev_offset(&self, name: &str, id: &str) -> Option<Option<usize>> {
        match_from(&self.pieces, name, id, 0)
    }

    /// Does `name` (from [`Template::split`]) carry `id` where the
    /// template puts it?
    pub(crate) fn matches(&self, name: &str, id: &str) -> bool {
        self.rev_offset(name, id).is_some()
    }

    /// The path of a file renamed from id `old` to `new`, when its name
    /// carries `old` under the template.
    pub(crate) fn renamed(&self, path: &str, old: &str, new: &str) -> Option<String> {
        let (head, name) = self.split(path)?;
        let at = self.rev_offset(name, old).flatten()?;
        let new_name = format!("{}{new}{}", &name[..at], &name[at + old.len()..]);
        Some(if head.is_empty() {
            format!("{new_name}.py")
        } else {
            format!("{head}/{new_name}.py")
        })
    }

    /// A new file's path (`rev`, `slug` and the date keys, the date taken
    /// from `now` as Alembic writes `Create Date:`); `None` when the
    /// template uses a key revguard cannot fill.
    pub(crate) fn new_path(&self, id: &str, slug: &str, now: &str) -> Option<String> {
        let digits: Vec<i64> = now
            .split(|c: char| !c.is_ascii_digit())
            .filter(|s| !s.is_empty())
            .filter_map(|s| s.parse().ok())
            .collect();
        let mut out = String::new();
        for piece in &self.pieces {
            match piece {
                Piece::Literal(l) => out.push_str(l),
                Piece::Rev => out.push_str(id),
                Piece::Slug => out.push_str(slug),
                Piece::Number(key, width) => {
                    let index = ["year", "month", "day", "hour", "minute", "second"]
                        .iter()
                        .position(|k| k == key)?;
                    let value = *digits.get(index)?;
                    out.push_str(&format!("{value:0width$}"));
                }
                Piece::Other => return None,
            }
        }
        Some(format!("{out}.py"))
    }
}

/// The backtracking matcher: `pieces` against `name`, which starts at byte
/// `at` of the whole name. A free piece takes the shortest text that lets
/// the rest match, so the first `%(rev)s` found is the leftmost one.
fn match_from(pieces: &[Piece], name: &str, id: &str, at: usize) -> Option<Option<usize>> {
    match pieces.split_first() {
        None => name.is_empty().then_some(None),
        Some((Piece::Literal(lit), rest)) => {
            let name = name.strip_prefix(lit.as_str())?;
            match_from(rest, name, id, at + lit.len())
        }
        Some((Piece::Rev, rest)) => {
            let name = name.strip_prefix(id)?;
            match_from(rest, name, id, at + id.len()).map(|_| Some(at))
        }
        Some((piece, rest)) => {
            let mut end = 0;
            loop {
                if let Some(found) = match_from(rest, &name[end..], id, at + end) {
                    return Some(found);
                }
                match name[end..].chars().next() {
                    Some(c) if piece.admits(c) => end += c.len_utf8(),
                    _ => return None,
                }
            }
        }
    }
}

/// Split a template (ini `%%` escapes allowed) into pieces.
fn pieces(template: &str) -> Vec<Piece> {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn offset(template: &str, name: &str, id: &str) -> Option<Option<usize>> {
        Template::new(template).rev_offset(name, id)
    }

    #[test]
    fn default_template() {
        let t = Template::new("%%(rev)s_%%(slug)s");
        assert_eq!(
            t.pieces,
            [Piece::Rev, Piece::Literal("_".into()), Piece::Slug]
        );
        assert!(t.matches("041_add_audit", "041"));
        assert!(t.matches("041_", "041"));
        assert!(!t.matches("042_add_audit", "041"));
        assert!(!t.matches("0411_add", "041"));
        // Only `.py` files have a name to match.
        assert_eq!(t.split("041_add_audit.txt"), None);
        // Directories above the template are not part of the name.
        assert_eq!(t.split("sub/dir/041_add.py"), Some(("sub/dir", "041_add")));
    }

    #[test]
    fn dated_template() {
        let t = Template::new("%(year)d_%(month).2d_%(day).2d_%(rev)s_%(slug)s");
        assert!(t.matches("2024_01_31_ab12_msg", "ab12"));
        assert!(!t.matches("2024_01_31_cd34_msg", "ab12"));
        assert_eq!(t.rev_offset("2024_01_31_ab12_msg", "ab12"), Some(Some(11)));
    }

    #[test]
    fn free_pieces_backtrack_to_the_first_fit() {
        // The slug comes first and may itself contain the id and `_`.
        assert_eq!(
            offset("%(slug)s_%(rev)s", "add_041_x_041", "041"),
            Some(Some(10))
        );
        assert_eq!(offset("%(slug)s_%(rev)s", "add_041_x", "041"), None);
        // A date field admits digits only.
        assert_eq!(offset("%(year)d%(rev)s", "2024ab", "ab"), Some(Some(4)));
        assert_eq!(offset("%(year)d%(rev)s", "20x4ab", "ab"), None);
        // An unknown key admits anything but `/`.
        assert_eq!(offset("%(what)s-%(rev)s", "a.b-ab", "ab"), Some(Some(4)));
        assert_eq!(offset("%(what)s-%(rev)s", "a/b-ab", "ab"), None);
    }

    #[test]
    fn templates_without_rev_match_but_carry_no_id() {
        let t = Template::new("%(slug)s");
        assert!(!t.names_rev());
        assert_eq!(t.rev_offset("add_x", "041"), Some(None));
        assert_eq!(t.renamed("add_x.py", "041", "044"), None);
    }

    #[test]
    fn templates_with_directories_name_the_last_components() {
        let t = Template::new("%(year)d/%(rev)s_%(slug)s");
        assert_eq!(
            t.split("versions/2024/ab_x.py"),
            Some(("versions", "2024/ab_x"))
        );
        assert_eq!(t.split("2024/ab_x.py"), Some(("", "2024/ab_x")));
        assert!(t.matches("2024/ab_x", "ab"));
        assert_eq!(
            t.renamed("versions/2024/ab_x.py", "ab", "cd").as_deref(),
            Some("versions/2024/cd_x.py")
        );
    }

    #[test]
    fn renames_and_new_paths() {
        let t = Template::new("%%(rev)s_%%(slug)s");
        assert_eq!(
            t.renamed("041_add_x.py", "041", "044").as_deref(),
            Some("044_add_x.py")
        );
        assert_eq!(t.renamed("zz_x.py", "041", "044"), None);
        let dated = Template::new("%%(year)d_%%(month).2d_%%(rev)s_%%(slug)s");
        assert_eq!(
            dated.renamed("sub/2024_01_ab_x.py", "ab", "cd").as_deref(),
            Some("sub/2024_01_cd_x.py")
        );
        let t = Template::new("%(year)d_%(month).2d_%(rev)s_%(slug)s");
        assert_eq!(
            t.new_path("ab", "merge_heads", "2026-01-05 10:00:00")
                .as_deref(),
            Some("2026_01_ab_merge_heads.py")
        );
        assert_eq!(
            Template::new("%(epoch)d_%(rev)s").new_path("ab", "m", "2026-01-05 10:00:00"),
            None
        );
        assert_eq!(
            Template::new("%(hash)s_%(rev)s").new_path("ab", "m", "2026-01-05 10:00:00"),
            None
        );
    }
}
