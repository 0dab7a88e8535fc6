//! The lock file (`revguard.lock`, format v1): parsing and rendering.
//!
//!
//! ```text
//! # revguard-lock v1
//! # Written by `revguard lock`; verified by `revguard check`. Do not edit by hand.
//! # <revision> <down_revision: comma-separated, or -> sha256:<CRLF-normalised content hash> <file>
//! 038 - sha256:5b0c…e1 038_baseline.py
//! 039 038 sha256:0f7a…9c 039_add_customer_email_index.py
//! 040 039 sha256:a1d2…40 040_create_contracts_table.py
//! head 040
//! ```
//!
//! - Line 1 is the format marker; other `#` lines and blank lines are
//!   comments.
//! - One line per revision Alembic keeps (shadowed duplicates never), in
//!   topological order (every parent before its children; ties in Alembic's
//!   load order), so a linear history reads top to bottom and a new migration
//!   is always a new line at the end.
//! - `down_revision` as written (a merge lists several ids, comma-separated;
//!   `-` for a base). Alembic forbids `-` in ids, so `-` cannot be an id.
//! - The hash is SHA-256 of the file's bytes with every CRLF turned into LF,
//!   so a Windows checkout (`core.autocrlf`) and a Linux one agree. Any other
//!   byte change, comments and whitespace included, is an edit.
//! - The file is the path relative to its version location, for people and
//!   for `revguard fix` (which copy of a duplicated id was applied); the
//!   revision is identified by its id and hash, never by its path, so a
//!   rename alone is not a finding.
//! - The last line names the head(s), space-separated (`head -` when empty).
//!
//! **Why two branches conflict.** A branch that adds a migration appends its
//! line after the current last revision line and rewrites the `head` line.
//! Two branches that each add one change the same two lines differently, so
//! git's three-way merge stops with a conflict on `revguard.lock` instead of
//! merging two heads into production (the idea of django-linear-migrations'
//! `max_migration.txt` and Atlas's `atlas.sum`). Resolve it by re-pointing one
//! migration onto the other and running `revguard lock` again; a lock that
//! still carries conflict markers is reported by `invalid-lock-file`.

use std::collections::HashSet;

use sha2::{Digest, Sha256};

use crate::graph::{Known, RevisionGraph, topological};
use crate::load::Loaded;
use crate::request::Request;
use crate::text::list;

/// The file name of the lock, in the Alembic script directory.
pub const LOCK_FILE_NAME: &str = "revguard.lock";

/// The first line of every lock file.
pub const LOCK_HEADER: &str = "# revguard-lock v1";

/// The CRLF-normalised SHA-256 of a file's bytes, as `sha256:<hex>`.
///
/// Pure and deterministic (no platform, locale or time input), so the wasm
/// guest, the browser and the native host all agree.
pub fn content_hash(bytes: &[u8]) -> String {
    let mut hasher = Sha256::new();
    let mut rest = bytes;
    while let Some(at) = rest.windows(2).position(|w| w == b"\r\n") {
        hasher.update(&rest[..at]);
        hasher.update(b"\n");
        rest = &rest[at + 2..];
    }
    hasher.update(rest);
    let digest = hasher.finalize();
    let mut out = String::with_capacity(7 + 64);
    out.push_str("sha256:");
    for byte in digest {
        out.push(char::from(HEX[usize::from(byte >> 4)]));
        out.push(char::from(HEX[usize::from(byte & 15)]));
    }
    out
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// One revision line of a lock file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockEntry {
    /// The revision id.
    pub id: String,
    /// `down_revision`, as written.
    pub down: Vec<String>,
    /// `sha256:<hex>`.
    pub hash: String,
    /// Path relative to the version location.
    pub file: String,
    /// 1-based line in the lock file.
    pub line: usize,
}

/// A parsed lock file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Lock {
    /// Revision lines in file order.
    pub entries: Vec<LockEntry>,
    /// The `head` line's ids.
    pub heads: Vec<String>,
}

impl Lock {
    /// The entry for an id.
    pub fn get(&self, id: &str) -> Option<&LockEntry> {
        self.entries.iter().find(|e| e.id == id)
    }
}

/// Why a lock file could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockError {
    /// 1-based line (0: the file as a whole).
    pub line: usize,
    /// What is wrong.
    pub message: String,
    /// The file still has git conflict markers.
    pub conflict: bool,
}

impl LockError {
    /// A malformed line (not a conflict).
    fn at(line: usize, message: String) -> LockError {
        LockError {
            line,
            message,
            conflict: false,
        }
    }
}

/// Parse a lock file.
pub fn parse_lock(text: &str) -> Result<Lock, LockError> {
    conflict_markers(text, "head")?;
    let mut lines = text.lines().enumerate();
    header(lines.next().map(|(_, first)| first))?;
    let mut lock = Lock::default();
    let mut head_line = None;
    let mut seen = HashSet::new();
    for (i, raw) in lines {
        let line = raw.trim_end_matches('\r');
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let number = i + 1;
        if let Some(at) = head_line {
            return Err(LockError::at(
                number,
                format!("the `head` line (line {at}) must be the last line"),
            ));
        }
        if line.split(' ').next() == Some("head") {
            lock.heads = head_ids(line, number)?;
            head_line = Some(number);
            continue;
        }
        let entry = entry(line, number)?;
        if !seen.insert(entry.id.clone()) {
            return Err(LockError::at(
                number,
                format!("revision `{}` is listed twice", entry.id),
            ));
        }
        lock.entries.push(entry);
    }
    let Some(at) = head_line else {
        return Err(LockError::at(
            0,
            "the lock file has no `head` line (truncated?)".into(),
        ));
    };
    heads_agree(&lock, at)?;
    Ok(lock)
}

/// A lock still carrying git's conflict markers; `tip` names what both
/// branches built on (`head` for Alembic, `leaf` for Django).
pub(crate) fn conflict_markers(text: &str, tip: &str) -> Result<(), LockError> {
    for (i, line) in text.lines().enumerate() {
        if ["<<<<<<<", "=======", ">>>>>>>", "|||||||"]
            .iter()
            .any(|m| line.starts_with(m))
        {
            return Err(LockError {
                line: i + 1,
                message: format!(
                    "the lock file has git conflict markers: two branches each added a migration on top of the same {tip}"
                ),
                conflict: true,
            });
        }
    }
    Ok(())
}

/// The format marker on line 1.
fn header(first: Option<&str>) -> Result<(), LockError> {
    match first {
        Some(first) if first.trim_end() == LOCK_HEADER => Ok(()),
        Some(first) if first.starts_with("# revguard-lock ") => Err(LockError::at(
            1,
            format!(
                "unsupported lock format `{}`; this revguard reads `{LOCK_HEADER}`",
                first.trim()
            ),
        )),
        _ => Err(LockError::at(
            1,
            format!("not a revguard lock file (the first line must be `{LOCK_HEADER}`)"),
        )),
    }
}

/// The ids of the `head` line (`head -`: none).
fn head_ids(line: &str, number: usize) -> Result<Vec<String>, LockError> {
    let rest: Vec<&str> = line[4..].split_whitespace().collect();
    match rest.as_slice() {
        [] => Err(LockError::at(
            number,
            "the `head` line names no revision".into(),
        )),
        ["-"] => Ok(Vec::new()),
        ids => Ok(ids.iter().map(|s| (*s).to_owned()).collect()),
    }
}

/// One revision line: `<revision> <down_revision> sha256:<hash> <file>`.
fn entry(line: &str, number: usize) -> Result<LockEntry, LockError> {
    let mut fields = line.splitn(4, ' ');
    let id = fields.next().unwrap_or("");
    let (Some(down), Some(hash), Some(file)) = (fields.next(), fields.next(), fields.next()) else {
        return Err(LockError::at(
            number,
            format!("expected `<revision> <down_revision> sha256:<hash> <file>`, found `{line}`"),
        ));
    };
    if !hash.starts_with("sha256:")
        || hash.len() != 7 + 64
        || !hash[7..].bytes().all(|b| HEX.contains(&b))
    {
        return Err(LockError::at(
            number,
            format!("`{hash}` is not a `sha256:<64 hex digits>` hash"),
        ));
    }
    let down = if down == "-" {
        Vec::new()
    } else {
        down.split(',').map(str::to_owned).collect()
    };
    Ok(LockEntry {
        id: id.to_owned(),
        down,
        hash: hash.to_owned(),
        file: file.to_owned(),
        line: number,
    })
}

/// The head line must agree with the entries: a hand-merged lock that kept
/// both sides of a conflict fails here.
fn heads_agree(lock: &Lock, at: usize) -> Result<(), LockError> {
    let named: HashSet<&str> = lock
        .entries
        .iter()
        .flat_map(|e| e.down.iter().map(String::as_str))
        .collect();
    let computed: Vec<&str> = lock
        .entries
        .iter()
        .map(|e| e.id.as_str())
        .filter(|id| !named.contains(id))
        .collect();
    let mut written: Vec<&str> = lock.heads.iter().map(String::as_str).collect();
    let mut sorted = computed.clone();
    sorted.sort_unstable();
    written.sort_unstable();
    if sorted == written {
        return Ok(());
    }
    Err(LockError::at(
        at,
        format!(
            "the `head` line says {} but the revision lines end at {} (edited or merged by hand?)",
            show(&lock.heads),
            show(&computed.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>())
        ),
    ))
}

fn show(ids: &[String]) -> String {
    if ids.is_empty() {
        "nothing".into()
    } else {
        list(ids)
    }
}

/// Why the files cannot be locked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockRefusal(pub String);

/// Render the lock file for a request's files (the graph as Alembic loads it).
pub fn render_lock(request: &Request) -> Result<String, LockRefusal> {
    let loaded = crate::load::load(request);
    let graph = RevisionGraph::build(&loaded);
    render_lock_for(request, &loaded, &graph)
}

fn render_lock_for(
    request: &Request,
    loaded: &Loaded,
    graph: &RevisionGraph,
) -> Result<String, LockRefusal> {
    if let Some((file, _)) = graph.unknown_ids.first() {
        return Err(LockRefusal(format!(
            "{}: the revision id is not statically known; fix it before locking",
            loaded.files[*file].display
        )));
    }
    let mut dups: Vec<&str> = graph
        .revisions
        .iter()
        .filter(|r| r.shadowed)
        .map(|r| r.id.as_str())
        .collect();
    dups.dedup();
    if let Some(id) = dups.first() {
        return Err(LockRefusal(format!(
            "revision `{id}` is declared by several files; run `revguard fix` (or fix it by hand) before locking"
        )));
    }
    for &ix in &graph.map {
        let rev = graph.rev(ix);
        let display = &loaded.files[rev.file].display;
        if matches!(rev.down, Known::Unknown) {
            return Err(LockRefusal(format!(
                "{display}: `down_revision` is not statically known; fix it before locking"
            )));
        }
        let bad = |s: &str| {
            s.is_empty() || s == "-" || s == "head" || s.contains([',', ' ', '\t', '\n', '\r'])
        };
        if bad(&rev.id) || rev.down().iter().any(|d| bad(d)) {
            return Err(LockRefusal(format!(
                "{display}: revision `{}` (or its down_revision) cannot be written to a lock file",
                rev.id
            )));
        }
        if let Some(missing) = rev.down().iter().find(|d| graph.get(d).is_none()) {
            return Err(LockRefusal(format!(
                "{display}: `down_revision` names `{missing}`, which no file declares; fix the graph before locking"
            )));
        }
    }
    let order = topological(graph).ok_or_else(|| {
        LockRefusal("the revision graph has a cycle; fix it before locking".into())
    })?;
    let mut out = String::new();
    out.push_str(LOCK_HEADER);
    out.push('\n');
    out.push_str(
        "# Written by `revguard lock`; verified by `revguard check`. Do not edit by hand.\n",
    );
    out.push_str("# <revision> <down_revision: comma-separated, or -> sha256:<CRLF-normalised content hash> <file>\n");
    for ix in &order {
        let rev = graph.rev(*ix);
        let down = if rev.down().is_empty() {
            "-".to_owned()
        } else {
            rev.down().join(",")
        };
        let input = &request.files[rev.file];
        let hash = content_hash(input.content.bytes().unwrap_or_default());
        out.push_str(&format!("{} {down} {hash} {}\n", rev.id, input.path));
    }
    let mut heads: Vec<&str> = graph
        .heads
        .iter()
        .filter(|h| !graph.rev(**h).shadowed)
        .map(|h| graph.rev(*h).id.as_str())
        .collect();
    if heads.is_empty() {
        heads.push("-");
    }
    out.push_str(&format!("head {}\n", heads.join(" ")));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crlf_hash_matches_lf() {
        assert_eq!(content_hash(b"a\r\nb\r\n"), content_hash(b"a\nb\n"));
        assert_ne!(content_hash(b"a\rb"), content_hash(b"a\nb"));
        assert_eq!(
            content_hash(b""),
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn parse_round_trip_and_errors() {
        let h = format!("sha256:{}", "0".repeat(64));
        let text = format!("{LOCK_HEADER}\n# c\na - {h} a.py\nb a {h} b x.py\nhead b\n");
        let lock = parse_lock(&text).unwrap();
        assert_eq!(lock.entries.len(), 2);
        assert_eq!(lock.entries[1].file, "b x.py");
        assert_eq!(lock.heads, ["b"]);
        let bad = format!("{LOCK_HEADER}\na - {h} a.py\nhead a\nb a {h} b.py\n");
        assert!(parse_lock(&bad).is_err());
        let wrong_head = format!("{LOCK_HEADER}\na - {h} a.py\nb a {h} b.py\nhead a\n");
        assert!(parse_lock(&wrong_head).is_err());
        let conflict = format!("{LOCK_HEADER}\na - {h} a.py\n<<<<<<< HEAD\nhead a\n");
        assert!(parse_lock(&conflict).unwrap_err().conflict);
    }
}
