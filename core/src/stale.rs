//! Stale copies of a rebased migration.
//!
//! A rebase that re-dates a migration (a new file name with a later date or
//! number prefix, the same id and slug) sometimes leaves the old file behind:
//! both files then declare the same id. That is not two migrations sharing
//! an id by accident (which `revguard fix` resolves by giving one of them a
//! new id); it is one migration twice, and the stale copy must be deleted,
//! not renumbered: renumbering would run the same migration twice.
//!
//! Shared by the `duplicate-revision` check (to say so) and by `revguard
//! fix` (to delete the stale copy).
//!
//! Which copy is the live one, in order of evidence:
//! 1. the lock file records it (content hash, else path) as the applied copy;
//! 2. (fix only) `--keep FILE`;
//! 3. the graph: keeping exactly one of the copies gives the fewest cycles,
//!    then the fewest heads, then the fewest dangling parents (the copy the
//!    rest of the history was written against);
//! 4. the name: the copy with the latest prefix is the re-dated one.
//!
//! Git's "committed first" rule (used for unrelated duplicates) is not used:
//! the stale copy is always the one git saw first, so it says nothing.

use crate::graph::{Issue, RefKind, RevisionGraph};
use crate::history::{content_hash, parse_lock};
use crate::load::load;
use crate::request::{Content, InputFile, Request};

/// Suffix of the placeholder that stands for a deleted file in a trial
/// request (not a `.py` name, so the loader ignores it).
pub(crate) const DELETED_SUFFIX: &str = ".revguard-deleted";

/// A file that stands for `file` deleted: same index, ignored by the loader.
pub(crate) fn deleted(file: &InputFile) -> InputFile {
    InputFile {
        location: file.location,
        path: format!("{}{DELETED_SUFFIX}", file.path),
        real_path: None,
        content: Content::Text(String::new()),
    }
}

/// A file name's stem split into its leading date/number prefix (digits and
/// `_`, `-`, `.` separators) and the rest.
fn split_prefix(path: &str) -> (&str, &str) {
    let name = path.rsplit('/').next().unwrap_or(path);
    let stem = name
        .strip_suffix(".py")
        .or_else(|| name.strip_suffix(".pyc"))
        .unwrap_or(name);
    let end = stem
        .find(|c: char| !(c.is_ascii_digit() || matches!(c, '_' | '-' | '.')))
        .unwrap_or(stem.len());
    (&stem[..end], &stem[end..])
}

/// True when the paths name copies whose file names differ only in a date
/// or number prefix (same slug after it, every prefix different).
pub(crate) fn is_redated(paths: &[&str]) -> bool {
    let parts: Vec<(&str, &str)> = paths.iter().map(|p| split_prefix(p)).collect();
    let Some((_, slug)) = parts.first() else {
        return false;
    };
    parts.len() >= 2
        && slug.chars().any(char::is_alphabetic)
        && parts
            .iter()
            .all(|(prefix, rest)| rest == slug && prefix.bytes().any(|b| b.is_ascii_digit()))
        && parts
            .iter()
            .enumerate()
            .all(|(i, (p, _))| parts[..i].iter().all(|(q, _)| q != p))
}

/// The numbers of a file name's prefix, for ordering: `2024_01_05_` is
/// `[2024, 1, 5]`.
fn prefix_key(path: &str) -> Vec<u128> {
    split_prefix(path)
        .0
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().unwrap_or(u128::MAX))
        .collect()
}

/// The copy the lock file records as applied (content hash, else path).
pub(crate) fn by_lock(request: &Request, id: &str, files: &[usize]) -> Option<(usize, String)> {
    let input = request.options.history.lock.as_ref()?;
    let lock = parse_lock(&input.text).ok()?;
    let entry = lock.get(id)?;
    let bytes = |f: usize| request.files[f].content.bytes().unwrap_or_default();
    let by_hash: Vec<usize> = files
        .iter()
        .copied()
        .filter(|&f| content_hash(bytes(f)) == entry.hash)
        .collect();
    if let [f] = by_hash[..] {
        return Some((
            f,
            format!("{} records its content as the applied `{id}`", input.path),
        ));
    }
    let by_path: Vec<usize> = files
        .iter()
        .copied()
        .filter(|&f| request.files[f].path == entry.file)
        .collect();
    match by_path[..] {
        [f] => Some((
            f,
            format!("{} records it as the applied `{id}`", input.path),
        )),
        _ => None,
    }
}

/// How well the graph fits when only `keep` of `files` stays: (cycles,
/// heads, dangling parents), lower is better.
fn fit(request: &Request, files: &[usize], keep: usize) -> (usize, usize, usize) {
    let mut trial = request.clone();
    for &f in files.iter().filter(|&&f| f != keep) {
        trial.files[f] = deleted(&request.files[f]);
    }
    let graph = RevisionGraph::build(&load(&trial));
    let count = |pred: fn(&Issue) -> bool| graph.issues.iter().filter(|i| pred(i)).count();
    let cycles = count(|i| matches!(i, Issue::Cycle { .. } | Issue::SelfReference { .. }));
    let missing = count(|i| {
        matches!(
            i,
            Issue::MissingRef {
                kind: RefKind::Down,
                ..
            } | Issue::LabelAsParent { .. }
        )
    });
    (cycles, graph.heads.len(), missing)
}

/// The live copy among re-dated copies, from the graph, else the name.
pub(crate) fn by_history(request: &Request, files: &[usize]) -> Option<(usize, String)> {
    let scores: Vec<(usize, (usize, usize, usize))> =
        files.iter().map(|&f| (f, fit(request, files, f))).collect();
    let best = scores.iter().map(|(_, s)| *s).min()?;
    let winners: Vec<usize> = scores
        .iter()
        .filter(|(_, s)| *s == best)
        .map(|(f, _)| *f)
        .collect();
    if let [f] = winners[..] {
        let why = if best.0 == 0 {
            "the only copy the rest of the history fits: one head, no cycle"
        } else {
            "the copy the rest of the history fits best"
        };
        return Some((f, why.into()));
    }
    // The graph cannot tell them apart: the latest prefix is the re-dated copy.
    let key = |f: usize| prefix_key(&request.files[f].path);
    let latest = winners.iter().map(|&f| key(f)).max()?;
    match winners.iter().filter(|&&f| key(f) == latest).count() {
        1 => winners.iter().copied().find(|&f| key(f) == latest).map(|f| {
            (
                f,
                "the re-dated copy: the latest date/number prefix, and both copies fit the history equally"
                    .into(),
            )
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redated_names_differ_only_in_the_prefix() {
        assert!(is_redated(&[
            "v/2024_01_05_ab12_add_users.py",
            "v/2024_02_10_ab12_add_users.py"
        ]));
        assert!(is_redated(&["041_add_x.py", "043_add_x.py"]));
        assert!(is_redated(&["20240105-add_x.py", "20240210-add_x.py"]));
        assert!(!is_redated(&["041_add_x.py", "041_add_y.py"]));
        assert!(!is_redated(&["a/041_add_x.py", "b/041_add_x.py"]));
        assert!(!is_redated(&["add_x.py", "add_x2.py"]));
        assert!(!is_redated(&["041.py", "043.py"]));
        assert!(!is_redated(&["041_add_x.py"]));
        assert_eq!(prefix_key("v/2024_02_10_add.py"), [2024, 2, 10]);
    }
}
