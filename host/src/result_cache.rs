//! The per-file result cache: each file's facts (the per-file phase's output:
//! bindings, docstring, whole-file syntax verdict) keyed by the SHA-256 of
//! its bytes, so a warm run only hashes files and runs the graph step.
//!
//! - **Where:** `$REVGUARD_CACHE_DIR`, else `$XDG_CACHE_HOME/revguard`, else
//!   `~/.cache/revguard` (in the ArgoCD sidecar, `XDG_CACHE_HOME` points into
//!   the plugin's own tmp volume). `--no-cache` turns it off.
//! - **What a pack is:** one file per namespace: revguard's version, the ABI,
//!   the embedded guest's fingerprint, the engine and the target Python
//!   version are hashed into its name, and repeated in its header. Entries of
//!   another build are therefore never even read.
//! - **Never trusted blindly:** every entry carries a checksum of its key and
//!   payload; a corrupt, truncated or foreign entry is skipped (the file is
//!   then analyzed again), and the facts decoder rejects anything that is not
//!   a whole, valid record.
//! - **Atomic and bounded:** a pack is rewritten to a temporary file and
//!   renamed into place, so concurrent runs never see half a pack (the last
//!   writer wins; the loser's new entries are simply computed again next
//!   time). It keeps at most [`MAX_ENTRIES`] entries and [`MAX_BYTES`] bytes:
//!   this run's entries first, then older ones; at most [`MAX_PACKS`] packs
//!   live in the directory, the least recently written are removed.
//!
//! The cache only saves work: it holds exactly what the per-file phase
//! returned for identical bytes under an identical build and version, so a
//! warm report is byte-identical to a cold one (tested, with a poisoned entry
//! too).

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// A file's content key.
pub type Key = [u8; 32];

/// The most entries a pack keeps.
pub const MAX_ENTRIES: usize = 400_000;
/// The most payload bytes a pack keeps.
pub const MAX_BYTES: usize = 256 << 20;
/// The most packs (namespaces) kept in the directory.
pub const MAX_PACKS: usize = 8;

const MAGIC: &[u8; 8] = b"RGFACTS1";
const CHECK_LEN: usize = 16;

/// The content key of a file's bytes.
pub fn key(bytes: &[u8]) -> Key {
    Sha256::digest(bytes).into()
}

fn checksum(key: &Key, payload: &[u8]) -> [u8; CHECK_LEN] {
    let mut hasher = Sha256::new();
    hasher.update(key);
    hasher.update((payload.len() as u64).to_le_bytes());
    hasher.update(payload);
    let digest = hasher.finalize();
    let mut out = [0; CHECK_LEN];
    out.copy_from_slice(&digest[..CHECK_LEN]);
    out
}

/// One namespace's entries, loaded from disk, plus what this run added.
///
/// The pack is read into one buffer and indexed by key (no allocation per
/// entry): at 100,000 files that is 32 MB instead of twice that.
pub struct ResultCache {
    dir: PathBuf,
    path: PathBuf,
    namespace: String,
    pack: Vec<u8>,
    /// Intact entries of the pack: key -> payload range in `pack`.
    old: HashMap<Key, std::ops::Range<usize>>,
    /// Keys read from the pack, in its order (for eviction).
    old_order: Vec<Key>,
    used: Vec<Key>,
    fresh: HashMap<Key, Vec<u8>>,
    fresh_order: Vec<Key>,
}

impl ResultCache {
    /// Open the pack of `namespace` in `dir` (missing or unreadable: empty).
    pub fn open(dir: &Path, namespace: &str) -> ResultCache {
        let name = {
            let digest = Sha256::digest(namespace.as_bytes());
            let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
            format!("facts-{hex}.pack")
        };
        let path = dir.join(name);
        let mut cache = ResultCache {
            dir: dir.to_path_buf(),
            path,
            namespace: namespace.to_owned(),
            pack: Vec::new(),
            old: HashMap::new(),
            old_order: Vec::new(),
            used: Vec::new(),
            fresh: HashMap::new(),
            fresh_order: Vec::new(),
        };
        if let Ok(bytes) = fs::read(&cache.path) {
            cache.pack = bytes;
            cache.index_pack();
        }
        cache
    }

    /// Index the pack, keeping every intact entry and stopping at truncation.
    fn index_pack(&mut self) {
        let bytes = self.pack.as_slice();
        let Some(rest) = bytes.strip_prefix(MAGIC.as_slice()) else {
            return;
        };
        let Some((header, mut rest)) = split_run(rest) else {
            return;
        };
        if header != self.namespace.as_bytes() {
            return;
        }
        while rest.len() >= 32 + CHECK_LEN + 4 {
            let (key, tail) = rest.split_at(32);
            let (check, tail) = tail.split_at(CHECK_LEN);
            let Some((payload, tail)) = split_run(tail) else {
                return;
            };
            rest = tail;
            let key: Key = key.try_into().unwrap_or([0; 32]);
            if checksum(&key, payload) == check && !self.old.contains_key(&key) {
                let start = bytes.len() - rest.len() - payload.len();
                self.old.insert(key, start..start + payload.len());
                self.old_order.push(key);
            }
        }
    }

    /// Whether an intact entry for `key` exists (counted as used).
    pub fn hit(&mut self, key: &Key) -> bool {
        let found = self.old.contains_key(key) || self.fresh.contains_key(key);
        if found {
            self.used.push(*key);
        }
        found
    }

    /// The entry for `key`: one of this run's, else an intact one of the pack.
    pub fn get(&self, key: &Key) -> Option<&[u8]> {
        if let Some(fresh) = self.fresh.get(key) {
            return Some(fresh);
        }
        self.old.get(key).map(|range| &self.pack[range.clone()])
    }

    /// Remember a new entry.
    pub fn insert(&mut self, key: Key, payload: Vec<u8>) {
        if self.fresh.insert(key, payload).is_none() {
            self.fresh_order.push(key);
        }
    }

    /// Write the pack back when this run added entries (best effort: a cache
    /// that cannot be written only costs the next run the work).
    pub fn save(&self) {
        if self.fresh.is_empty() {
            return;
        }
        let mut out = MAGIC.to_vec();
        put_run(&mut out, self.namespace.as_bytes());
        let (mut entries, mut bytes) = (0, 0);
        let mut written: std::collections::HashSet<Key> = std::collections::HashSet::new();
        let order = self
            .fresh_order
            .iter()
            .chain(&self.used)
            .chain(&self.old_order);
        for key in order {
            let Some(payload) = self.get(key) else {
                continue;
            };
            if entries == MAX_ENTRIES || bytes + payload.len() > MAX_BYTES {
                break;
            }
            if !written.insert(*key) {
                continue;
            }
            out.extend_from_slice(key);
            out.extend_from_slice(&checksum(key, payload));
            put_run(&mut out, payload);
            entries += 1;
            bytes += payload.len();
        }
        if write_atomically(&self.dir, &self.path, &out).is_ok() {
            prune_packs(&self.dir, &self.path);
        }
    }
}

fn put_run(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
    out.extend_from_slice(bytes);
}

fn split_run(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    let len = u32::from_le_bytes(bytes.get(..4)?.try_into().ok()?) as usize;
    let rest = &bytes[4..];
    (rest.len() >= len).then(|| rest.split_at(len))
}

/// Create the cache directory and replace the pack (an `O_EXCL` temporary
/// with a random name: a link planted in a shared cache directory is never
/// written through, see [`crate::atomic_write`]).
fn write_atomically(dir: &Path, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    fs::create_dir_all(dir)?;
    crate::atomic_write::replace(path, bytes)
}

/// Keep the [`MAX_PACKS`] most recently written packs.
fn prune_packs(dir: &Path, keep: &Path) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let mut packs: Vec<(std::time::SystemTime, PathBuf)> = entries
        .flatten()
        .filter(|e| {
            let name = e.file_name();
            let name = name.to_string_lossy();
            name.starts_with("facts-") && name.ends_with(".pack")
        })
        .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
        .collect();
    packs.sort_by_key(|p| std::cmp::Reverse(p.0));
    for (_, path) in packs.into_iter().skip(MAX_PACKS) {
        if path != keep {
            let _ = fs::remove_file(path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(dir: &Path, ns: &str, keys: &[Key]) -> Vec<Option<Vec<u8>>> {
        let mut cache = ResultCache::open(dir, ns);
        keys.iter()
            .map(|k| {
                let hit = cache.hit(k);
                let found = cache.get(k).map(<[u8]>::to_vec);
                assert_eq!(hit, found.is_some());
                found
            })
            .collect()
    }

    #[test]
    fn entries_round_trip_and_namespaces_are_separate() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (key(b"a"), key(b"b"));
        let mut cache = ResultCache::open(dir.path(), "v1");
        assert!(!cache.hit(&a));
        cache.insert(a, b"facts of a".to_vec());
        cache.insert(b, Vec::new());
        cache.save();
        assert_eq!(
            entries(dir.path(), "v1", &[a, b]),
            [Some(b"facts of a".to_vec()), Some(Vec::new())]
        );
        assert_eq!(entries(dir.path(), "v2", &[a]), [None]);
    }

    #[test]
    fn corrupt_and_truncated_entries_are_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let keys: Vec<Key> = (0..3u8).map(|i| key(&[i])).collect();
        let mut cache = ResultCache::open(dir.path(), "ns");
        for (i, k) in keys.iter().enumerate() {
            cache.insert(*k, vec![i as u8; 10]);
        }
        let path = cache.path.clone();
        cache.save();
        let mut pack = fs::read(&path).unwrap();
        // Flip a payload byte of the first entry written, cut the last short.
        let first_payload = MAGIC.len() + 4 + 2 + 32 + CHECK_LEN + 4;
        pack[first_payload] ^= 0xff;
        pack.truncate(pack.len() - 3);
        fs::write(&path, &pack).unwrap();
        assert_eq!(
            entries(dir.path(), "ns", &keys),
            [None, Some(vec![1; 10]), None]
        );
        fs::write(&path, b"garbage").unwrap();
        assert_eq!(entries(dir.path(), "ns", &keys[..1]), [None]);
    }
}
