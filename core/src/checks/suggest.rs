//! "Did you mean" candidates for a reference that names nothing.

use crate::checks::Context;
use crate::text::levenshtein;

/// Why a candidate is suggested.
pub(crate) struct Suggestion {
    /// The id to write instead.
    pub id: String,
    /// Why, e.g. "declared in versions/041_x.py".
    pub why: String,
}

/// The one candidate for a missing reference, when exactly one fits.
pub(crate) fn did_you_mean(cx: &Context<'_>, target: &str) -> Option<Suggestion> {
    let mut all = candidates(cx, target);
    match all.len() {
        1 => all.pop(),
        _ => None,
    }
}

/// Candidates for a missing reference: every revision of the most specific
/// rule that matches any (a branch label, a file name, a partial id, a
/// one-edit typo).
pub(crate) fn candidates(cx: &Context<'_>, target: &str) -> Vec<Suggestion> {
    let graph = cx.graph;
    // A branch label written where an id is needed.
    if let Some(owner) = graph.label(target) {
        return vec![Suggestion {
            id: cx.id(owner).to_owned(),
            why: format!("`{target}` is a branch label of `{}`", cx.id(owner)),
        }];
    }
    let winners = || graph.map.iter().copied();
    // A file name (with or without `.py`) written instead of the id.
    let stem = target.strip_suffix(".py").unwrap_or(target);
    let by_file: Vec<Suggestion> = winners()
        .filter(|&ix| {
            let path = cx.rev_path(ix);
            let name = path.rsplit('/').next().unwrap_or(path);
            name.strip_suffix(".py") == Some(stem)
        })
        .map(|ix| Suggestion {
            id: cx.id(ix).to_owned(),
            why: format!(
                "`{target}` is the file name of {}, whose id is `{}`",
                cx.rev_path(ix),
                cx.id(ix)
            ),
        })
        .collect();
    if !by_file.is_empty() {
        return by_file;
    }
    // A partial id (Alembic resolves prefixes on the command line, never in files).
    let prefixed: Vec<Suggestion> = winners()
        .filter(|&ix| target.len() >= 3 && cx.id(ix).starts_with(target))
        .map(|ix| Suggestion {
            id: cx.id(ix).to_owned(),
            why: format!(
                "`{target}` is a prefix of `{}`; files need the full id",
                cx.id(ix)
            ),
        })
        .collect();
    if !prefixed.is_empty() {
        return prefixed;
    }
    // A typo: one edit away, case differences included.
    winners()
        .filter(|&ix| {
            let id = cx.id(ix);
            id.eq_ignore_ascii_case(target) || (target.len() > 3 && edit_distance(id, target) == 1)
        })
        .map(|ix| Suggestion {
            id: cx.id(ix).to_owned(),
            why: format!("`{}` is the closest id", cx.id(ix)),
        })
        .collect()
}

/// [`levenshtein`], bounded to short ids of nearly the same length (the
/// ids are short; anything else is no near miss).
fn edit_distance(a: &str, b: &str) -> usize {
    let (chars_a, chars_b) = (a.chars().count(), b.chars().count());
    if chars_a.abs_diff(chars_b) > 1 || chars_a > 64 || chars_b > 64 {
        return usize::MAX;
    }
    levenshtein(a, b)
}

#[cfg(test)]
mod tests {
    #[test]
    fn edit_distance_counts_single_edits() {
        assert_eq!(super::edit_distance("abcd", "abed"), 1);
        assert_eq!(super::edit_distance("abcd", "abcde"), 1);
        assert_eq!(super::edit_distance("abcd", "abcd"), 0);
        assert_eq!(super::edit_distance("ab", "abcd"), usize::MAX);
    }
}
