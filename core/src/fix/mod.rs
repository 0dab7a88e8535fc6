//! Repairs as data: what `revguard fix` would change, computed purely.
//!
//! [`plan`] takes the same files as [`check`](crate::check) plus what only
//! the host knows (which file `--keep` names, which parent `--parent` picks,
//! when git first saw each file, some random bytes, the current time) and
//! returns a [`FixPlan`]: byte-range replacements, renames, deletions and new
//! files, plus the [`Verdict`] on the result. The host prints them as a
//! unified diff or applies them atomically; it never decides anything itself.
//!
//! Root causes first: `fix` repairs a graph only where it can tell what the
//! project meant, and never papers over a symptom. Rules, applied in this
//! order on a working copy (each step sees the result of the previous one):
//!
//! 1. **`missing-parent`**: replace the `down_revision` entry (and the
//!    `Revises:` value) with `--parent ID` (or `--parent MISSING=ID` when
//!    several parents are missing), else with the check's one "did you mean"
//!    candidate (a file name, a branch label, a partial id or a typo of an
//!    existing id). With no candidate, or several, it refuses, names the
//!    missing parent and lists the candidates as `--parent` choices. First,
//!    because a missing parent makes a false head that no merge can repair.
//! 2. **`duplicate-revision`**: keep the copy that was applied, known from
//!    the lock file (the copy whose content hash, else whose path, the lock
//!    records), else from `--keep FILE`, else from git history (the file
//!    committed first; an uncommitted file is the newest), otherwise refuse
//!    and list the choices. Every other copy moves to the top of the chain:
//!    a new id following the project's convention (the next zero-padded
//!    number when every id is a number, else 12 hex digits derived from the
//!    host's random bytes, like Alembic's), `down_revision` = the current
//!    head, the docstring's `Revision ID:`/`Revises:` values updated, and
//!    the file renamed where its name carries the id under `file_template`.
//!    Only the literal values and the file name change: every other byte
//!    stays identical.
//!    **Stale copies** (same id and slug, file names that differ only in a
//!    date or number prefix: one migration re-dated by a rebase, the old file
//!    left behind) are deleted instead of renumbered, which would run the
//!    migration twice. The live copy comes from the lock file, else
//!    `--keep`, else the history (the only copy that leaves no cycle and the
//!    fewest heads), else the name (the latest prefix, when both copies fit
//!    equally); otherwise refuse. Git's first commit is not evidence here:
//!    the stale file is always the older one.
//! 3. **`cycle`** and **`self-reference`** are never repaired: which edge
//!    is wrong is a decision about the project's history, so `fix` refuses
//!    and says so (a cycle caused by a stale copy goes away with step 2).
//! 4. **`multiple-heads`** (two heads): under `linear`, re-point the base of
//!    the newer branch onto the other head (newer: not in the lock, else
//!    committed later, else a later `Create Date:`; otherwise refuse); under
//!    `single-head`, write a merge revision in Alembic's current template
//!    format (1.16.2+). Nothing under `branches`. Never when a head exists
//!    only because a parent is missing (it names the parent), nor when a
//!    head's branch carries a branch label, or may carry one through a
//!    `branch_labels` that is not a literal: labelled branches are separate
//!    by design (expand/contract), so it suggests `--policy branches`.
//!
//! **Verify before writing.** The edits are applied to an in-memory copy of
//! the request and the full check runs again on it with the same core. The
//! plan is [`Verdict::accepted`] only when the result has no error-level
//! graph finding and the predicted `alembic upgrade head` succeeds (under
//! `branches`, several heads are fine); otherwise the host writes nothing
//! and prints why.
//!
//! A tree with nothing to fix gives an empty plan, so fixing a fixed tree is
//! a no-op.

use std::collections::{BTreeMap, HashSet};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::graph::{Issue, Known, RefKind, RevIx, RevisionGraph, ancestors_of};
use crate::history::parse_lock;
use crate::load::{Loaded, load};
use crate::parse::{Attr, ParsedModule, Value};
use crate::policy::Policy;
use crate::report::Span;
use crate::request::{Content, InputFile, Request};

// One module per step, in the order `plan` runs them.

/// Step 1: `missing-parent`.
mod parents;

/// Step 2: `duplicate-revision`, stale copies included.
mod duplicates;

/// Step 3: `cycle` and `self-reference`, refused.
mod cycles;

/// Step 4: `multiple-heads`.
mod heads;

/// Then the verdict on the result.
mod verify;

#[cfg(test)]
mod tests_plan;

/// What `revguard fix` will and will not do (`revguard explain fix`).
pub const DOCS: &str = r#"# revguard fix

Prints the repair as a unified diff; `--write` applies it atomically (every
file staged, then renamed; rolled back on error).

## Verify before writing
`fix` applies its edits to an in-memory copy of the project and runs the full
check again with the same core. It writes nothing, and exits 1 with the
reasons, unless the result has no error-level graph finding and the predicted
`alembic upgrade head` succeeds (under `--policy branches`, several heads are
fine). The dry run prints the same verdict, and no diff when it refuses.

## What it repairs
- `missing-parent`: writes the one "did you mean" candidate (a file name, a
  branch label, a partial id or a typo of an existing id), or the parent you
  pick with `--parent ID` (`--parent MISSING=ID` when several are missing).
- `duplicate-revision`: keeps the copy your databases applied (lock file, else
  `--keep FILE`, else the file git committed first) and moves the others on
  top of the head under a new id; only the ids and the file name change.
- A stale copy of a rebased migration (same id and slug, file names differing
  only in a date or number prefix) is deleted, never renumbered. The live copy
  comes from the lock file, else `--keep`, else the only copy the rest of the
  history fits (no cycle, fewest heads), else the latest prefix when both fit
  equally.
- `multiple-heads`: a merge revision (`single-head`) or the newer branch
  re-pointed onto the other head (`linear`).

## What it will not do
- Merge a head that exists only because a parent is missing: it names the
  missing parent and offers the candidates as `--parent` choices.
- Merge or re-point heads whose branches carry branch labels, or may carry
  them through a `branch_labels` that is not a literal (an imported constant,
  as in expand/contract projects): it suggests `--policy branches`.
- Break a cycle or a self-reference, or merge it away: which edge is wrong is
  a decision about your history.
- Guess which copy of a duplicated id was applied, or which re-dated copy is
  stale, when nothing tells: it lists the `--keep` choices.
- Touch anything but `revision`/`down_revision` values, the docstring's
  `Revision ID:`/`Revises:` values and file names (plus the merge revision it
  adds and the stale copy it deletes).
"#;

/// What the fixer needs besides the files.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FixInput {
    /// The files and options (history included), as for a check.
    pub request: Request,
    /// `--keep FILE`: display paths, location-relative paths or file names
    /// of the copies to keep.
    #[serde(default)]
    pub keep: Vec<String>,
    /// When git first committed each file (seconds since the epoch); `None`
    /// for a file git does not know yet.
    #[serde(default)]
    pub committed: Vec<Committed>,
    /// Random bytes from the host (hex), for Alembic-style random ids.
    #[serde(default)]
    pub entropy: String,
    /// The current time as Alembic writes `Create Date:`
    /// (`2026-10-03 09:47:55.610384`), for a merge revision.
    #[serde(default)]
    pub now: String,
    /// `--parent ID` or `--parent MISSING=ID`: the parent to write instead
    /// of a missing one.
    #[serde(default)]
    pub parent: Vec<String>,
}

/// Git's first commit of one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Committed {
    /// Location index.
    pub location: usize,
    /// Path relative to the location.
    pub path: String,
    /// Commit time, or `None` when the file is not committed.
    pub time: Option<i64>,
}

/// A byte-range replacement in a file's original bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Edit {
    /// The replaced range.
    pub span: Span,
    /// The new text.
    pub text: String,
}

/// One file changed or created by a fix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileChange {
    /// Location index.
    pub location: usize,
    /// Path relative to the location (for a new file, its path).
    pub path: String,
    /// Replacements in the original bytes, sorted and disjoint.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub edits: Vec<Edit>,
    /// The new path relative to the location, when the file is renamed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rename_to: Option<String>,
    /// The whole content of a new file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create: Option<String>,
    /// The file is deleted (a stale copy).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub delete: bool,
}

/// A fix made or refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FixNote {
    /// The check it answers, e.g. `duplicate-revision`.
    pub check: String,
    /// What was done, or why not.
    pub message: String,
    /// For a refusal: the ways to decide (e.g. `--keep <file>`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub choices: Vec<String>,
}

/// Everything `revguard fix` would do.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FixPlan {
    /// File changes, in input order, then new files.
    pub changes: Vec<FileChange>,
    /// Fixes made.
    pub fixed: Vec<FixNote>,
    /// Problems left alone, with why.
    pub refused: Vec<FixNote>,
    /// The full check, re-run on the fixed copy.
    #[serde(default)]
    pub verdict: Verdict,
}

pub use verify::Verdict;

/// Apply sorted, disjoint edits to bytes.
pub fn apply(original: &[u8], edits: &[Edit]) -> Vec<u8> {
    let mut out = Vec::with_capacity(original.len() + 64);
    let mut at = 0;
    for edit in edits {
        let start = edit.span.start.clamp(at, original.len());
        let end = edit.span.end.clamp(start, original.len());
        out.extend_from_slice(&original[at..start]);
        out.extend_from_slice(edit.text.as_bytes());
        at = end;
    }
    out.extend_from_slice(&original[at..]);
    out
}

/// The JSON entry point (a serialized [`FixInput`] in, a [`FixPlan`] out, or
/// `{"error": ...}`), for the sandbox and the browser.
pub fn plan_json(input: &[u8]) -> Vec<u8> {
    match serde_json::from_slice::<FixInput>(input) {
        Ok(input) => serde_json::to_vec(&plan(&input)).unwrap_or_default(),
        Err(err) => {
            let error = serde_json::json!({ "error": format!("invalid fix input: {err}") });
            serde_json::to_vec(&error).unwrap_or_default()
        }
    }
}

/// Compute the fixes.
pub fn plan(input: &FixInput) -> FixPlan {
    let mut work = Work::new(input);
    let mut out = FixPlan::default();
    // Mistyped parents first: each one makes a false head that would stop
    // the other two repairs.
    parents::missing_parents(&mut work, &mut out);
    duplicates::duplicates(&mut work, &mut out);
    cycles::unrepairable(&mut work, &mut out);
    heads::multiple_heads(&mut work, &mut out);
    out.changes = work.changes();
    out.verdict = verify::verdict(&work.verify_request(), !out.changes.is_empty());
    out
}

/// The working copy: original files plus edits, renames and new files.
struct Work<'a> {
    input: &'a FixInput,
    /// Current bytes of every file (originals, then created ones).
    current: Vec<Vec<u8>>,
    /// Edits in original coordinates, per original file.
    edits: Vec<Vec<Edit>>,
    /// Current path of every file.
    paths: Vec<String>,
    /// Created files: (location, index into `current`).
    created: Vec<(usize, usize)>,
    /// Salt for random ids.
    counter: u64,
    /// Deleted original files.
    deleted: Vec<bool>,
}

impl<'a> Work<'a> {
    fn new(input: &'a FixInput) -> Self {
        let files = &input.request.files;
        Work {
            input,
            current: files
                .iter()
                .map(|f| f.content.bytes().map(<[u8]>::to_vec).unwrap_or_default())
                .collect(),
            edits: vec![Vec::new(); files.len()],
            paths: files.iter().map(|f| f.path.clone()).collect(),
            created: Vec::new(),
            counter: 0,
            deleted: vec![false; files.len()],
        }
    }

    fn originals(&self) -> usize {
        self.input.request.files.len()
    }

    /// The working request (without history: the fixer reads that itself).
    fn request(&self) -> Request {
        let base = &self.input.request;
        let mut files: Vec<InputFile> = Vec::with_capacity(self.current.len());
        for (i, bytes) in self.current.iter().enumerate() {
            let (location, real_path, content) = if i < self.originals() {
                let f = &base.files[i];
                let content = match &f.content {
                    Content::Unread(why) => Content::Unread(why.clone()),
                    _ => Content::from_bytes(bytes.clone()),
                };
                let real = if self.paths[i] == f.path {
                    f.real_path.clone()
                } else {
                    None
                };
                (f.location, real, content)
            } else {
                let location = self
                    .created
                    .iter()
                    .find(|(_, ix)| *ix == i)
                    .map_or(0, |(l, _)| *l);
                (location, None, Content::from_bytes(bytes.clone()))
            };
            let file = InputFile {
                location,
                path: self.paths[i].clone(),
                real_path,
                content,
            };
            // A deleted file keeps its index (the rules refer to files by
            // index) as a placeholder the loader ignores.
            let deleted = self.deleted.get(i).copied().unwrap_or(false);
            files.push(if deleted {
                crate::stale::deleted(&file)
            } else {
                file
            });
        }
        let mut options = base.options.clone();
        options.history = Default::default();
        Request {
            locations: base.locations.clone(),
            files,
            options,
        }
    }

    /// Replace a span of the current bytes of a file.
    fn edit(&mut self, file: usize, span: Span, text: &str) {
        let current = &self.current[file];
        if current.get(span.start..span.end) == Some(text.as_bytes()) {
            return;
        }
        let mut next = current[..span.start].to_vec();
        next.extend_from_slice(text.as_bytes());
        next.extend_from_slice(&current[span.end..]);
        self.current[file] = next;
        if file >= self.originals() {
            return;
        }
        // Map the span to original coordinates through earlier edits.
        let edits = &mut self.edits[file];
        let mut delta: isize = 0;
        let mut overlap = false;
        let mut insert_at = edits.len();
        for (k, e) in edits.iter().enumerate() {
            let start_w = (e.span.start as isize + delta) as usize;
            let end_w = start_w + e.text.len();
            if span.end < start_w || (span.end == start_w && span.start < span.end) {
                insert_at = k;
                break;
            }
            if span.start > end_w || (span.start == end_w && span.start < span.end) {
                delta += e.text.len() as isize - (e.span.end - e.span.start) as isize;
                continue;
            }
            overlap = true;
            break;
        }
        if overlap {
            // Collapse every edit of this file into one covering edit.
            let original = self.input.request.files[file]
                .content
                .bytes()
                .unwrap_or_default();
            let now = &self.current[file];
            let prefix = original
                .iter()
                .zip(now.iter())
                .take_while(|(a, b)| a == b)
                .count();
            let max_suffix = original.len().min(now.len()) - prefix;
            let suffix = original
                .iter()
                .rev()
                .zip(now.iter().rev())
                .take(max_suffix)
                .take_while(|(a, b)| a == b)
                .count();
            *edits = vec![Edit {
                span: Span::new(prefix, original.len() - suffix),
                text: String::from_utf8_lossy(&now[prefix..now.len() - suffix]).into_owned(),
            }];
            return;
        }
        let start = (span.start as isize - delta) as usize;
        let end = (span.end as isize - delta) as usize;
        edits.insert(
            insert_at,
            Edit {
                span: Span::new(start, end),
                text: text.to_owned(),
            },
        );
    }

    /// The working request with the original history inputs, for the
    /// verdict.
    fn verify_request(&self) -> Request {
        let mut request = self.request();
        request.options.history = self.input.request.options.history.clone();
        request
    }

    fn delete(&mut self, file: usize) {
        if let Some(d) = self.deleted.get_mut(file) {
            *d = true;
        }
    }

    fn rename(&mut self, file: usize, path: String) {
        self.paths[file] = path;
    }

    fn create(&mut self, location: usize, path: String, content: String) {
        self.current.push(content.into_bytes());
        self.paths.push(path);
        self.edits.push(Vec::new());
        self.created.push((location, self.current.len() - 1));
    }

    fn changes(&self) -> Vec<FileChange> {
        let mut out = Vec::new();
        for (i, f) in self.input.request.files.iter().enumerate() {
            let renamed = self.paths[i] != f.path;
            let delete = self.deleted[i];
            if self.edits[i].is_empty() && !renamed && !delete {
                continue;
            }
            out.push(FileChange {
                location: f.location,
                path: f.path.clone(),
                edits: if delete {
                    Vec::new()
                } else {
                    self.edits[i].clone()
                },
                rename_to: (renamed && !delete).then(|| self.paths[i].clone()),
                create: None,
                delete,
            });
        }
        for &(location, ix) in &self.created {
            out.push(FileChange {
                location,
                path: self.paths[ix].clone(),
                edits: Vec::new(),
                rename_to: None,
                create: Some(String::from_utf8_lossy(&self.current[ix]).into_owned()),
                delete: false,
            });
        }
        out
    }

    /// A fresh revision id following the project's convention.
    fn new_id(&mut self, graph: &RevisionGraph, taken: &HashSet<String>) -> String {
        let ids: Vec<&str> = graph.revisions.iter().map(|r| r.id.as_str()).collect();
        let numeric = !ids.is_empty()
            && ids.iter().all(|id| {
                !id.is_empty() && id.len() <= 30 && id.bytes().all(|b| b.is_ascii_digit())
            });
        if numeric {
            let (max, width) = ids
                .iter()
                .copied()
                .chain(taken.iter().map(String::as_str))
                .filter(|id| id.bytes().all(|b| b.is_ascii_digit()) && !id.is_empty())
                .filter_map(|id| id.parse::<u128>().ok().map(|n| (n, id.len())))
                .max()
                .unwrap_or((0, 1));
            return format!("{:0width$}", max + 1, width = width);
        }
        loop {
            self.counter += 1;
            let mut hasher = Sha256::new();
            hasher.update(self.input.entropy.as_bytes());
            hasher.update(b":");
            hasher.update(self.counter.to_le_bytes());
            let hex: String = hasher
                .finalize()
                .iter()
                .take(6)
                .map(|b| format!("{b:02x}"))
                .collect();
            if !ids.contains(&hex.as_str()) && !taken.contains(&hex) {
                return hex;
            }
        }
    }
}

/// Load and build the graph of a request.
fn build(request: &Request) -> (Loaded<'_>, RevisionGraph) {
    let loaded = load(request);
    let graph = RevisionGraph::build(&loaded);
    (loaded, graph)
}

/// Distinct versioned heads of the winning objects, in load order.
fn real_heads(graph: &RevisionGraph) -> Vec<RevIx> {
    let mut seen = HashSet::new();
    graph
        .heads
        .iter()
        .copied()
        .filter(|h| !graph.rev(*h).shadowed && seen.insert(graph.rev(*h).id.clone()))
        .collect()
}

fn module<'l>(loaded: &'l Loaded<'_>, file: usize) -> Option<&'l ParsedModule<'l>> {
    loaded.files[file].module.as_ref()
}

/// The quote character the file uses for its `revision` literal.
fn quote_of(module: &ParsedModule) -> char {
    match module.facts.get(Attr::Revision).map(|b| &b.value) {
        Some(Value::Str { span, .. }) => {
            let text = module.slice(*span);
            if text.starts_with("\"\"\"") || text.starts_with("'''") {
                '\''
            } else if text.starts_with('"') {
                '"'
            } else {
                '\''
            }
        }
        _ => '\'',
    }
}

fn literal(q: char, id: &str) -> String {
    format!("{q}{id}{q}")
}

/// The Python literal of a `down_revision` value.
fn down_literal(q: char, down: &[String]) -> String {
    match down {
        [] => "None".into(),
        [one] => literal(q, one),
        many => format!(
            "({})",
            many.iter()
                .map(|d| literal(q, d))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// Edits that set a file's `revision` (optional) and `down_revision`, and
/// the docstring's header values. `None` when a binding is not a plain
/// literal that can be replaced safely.
fn metadata_edits(
    module: &ParsedModule,
    new_id: Option<&str>,
    down: &[String],
) -> Option<Vec<(Span, String)>> {
    let q = quote_of(module);
    let mut edits = Vec::new();
    if let Some(id) = new_id {
        let binding = module.facts.get(Attr::Revision)?;
        let Value::Str { span, .. } = &binding.value else {
            return None;
        };
        edits.push((*span, literal(q, id)));
    }
    let binding = module.facts.get(Attr::DownRevision)?;
    match &binding.value {
        Value::Str { .. } | Value::None { .. } | Value::Seq { .. } => {}
        _ => return None,
    }
    edits.push((binding.value.span(), down_literal(q, down)));
    if let Some(doc) = &module.facts.docstring {
        let usable =
            |span: Span, value: &str| span != Span::default() && module.slice(span) == value;
        if let (Some(id), Some(line)) = (new_id, &doc.revision_id)
            && usable(line.span, &line.value)
        {
            edits.push((line.span, id.to_owned()));
        }
        if let Some(line) = &doc.revises
            && usable(line.span, &line.value)
        {
            edits.push((line.span, down.join(", ")));
        }
    }
    edits.sort_by_key(|(span, _)| std::cmp::Reverse(span.start));
    Some(edits)
}

/// Apply span edits (sorted from the end) to a working file.
fn apply_edits(work: &mut Work<'_>, file: usize, offset_edits: Vec<(Span, String)>) {
    for (span, text) in offset_edits {
        work.edit(file, span, &text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_map_to_original_coordinates() {
        let input = FixInput {
            request: Request {
                files: vec![InputFile {
                    location: 0,
                    path: "a.py".into(),
                    real_path: None,
                    content: Content::Text("0123456789".into()),
                }],
                ..Request::default()
            },
            ..FixInput::default()
        };
        let mut work = Work::new(&input);
        work.edit(0, Span::new(2, 4), "abcd"); // 01abcd456789
        work.edit(0, Span::new(8, 9), "Z"); // original 6 -> Z
        let edits = &work.edits[0];
        assert_eq!(apply(b"0123456789", edits), work.current[0]);
        assert_eq!(edits[1].span, Span::new(6, 7));
        work.edit(0, Span::new(3, 5), "!!"); // overlaps the first edit
        assert_eq!(apply(b"0123456789", &work.edits[0]), work.current[0]);
    }
}
