//! The per-file result cache: each file's facts (the per-file phase's output:
//! bindings, docstring, whole-file syntax verdict) keyed by the SHA-256 of
//! its bytes, so a warm run only hashes files and runs the graph step.
//!
//! - **Where:** `$REVGUARD_CACHE_DIR`, else `$XDG_CACHE_HOME/revguard`, else
//!   `~/.cache/revguard` (in the ArgoCD sidecar, `XDG_CACHE_HOME` points into
//!   the plugin's own tmp volume). `--no-cache` turns it off.
//! - **What a pack is:** one SQLite database per namespace (revguard's
//!   version, the ABI, the embedded guest's fingerprint, the engine and the
//!   target Python version are hashed into its name and stored inside it), a
//!   table of entries whose rowid is the key's first 8 bytes. A run looks up
//!   only its own keys, one B-tree descent each, so its cost follows its own
//!   files, not everything the cache has seen.
//! - **Never trusted blindly:** every entry carries a checksum of its key and
//!   payload; an entry that fails it is a miss, and a pack SQLite reports as
//!   damaged (or of another namespace or format) is replaced by a fresh one
//!   holding this run's entries. The facts decoder rejects anything that is
//!   not a whole, valid record.
//! - **Atomic and shared:** entries are added in SQLite transactions, so
//!   concurrent runs never see a torn entry and never drop each other's; a
//!   new or healed pack is built under a random temporary name and renamed
//!   into place. SQLite opens every file with `O_NOFOLLOW`, and links planted
//!   at the pack's names are removed before it is opened, so nothing is
//!   written through a link.
//! - **Bounded by use:** each entry records when it was last used (to the
//!   hour); when the entries pass the byte cap (`REVGUARD_CACHE_MAX_BYTES`,
//!   default [`DEFAULT_MAX_BYTES`]) the least recently used are evicted down
//!   to 90% of it. At most [`MAX_PACKS`] packs live in the directory; the
//!   least recently written are removed.
//!
//! The cache only saves work: it holds exactly what the per-file phase
//! returned for identical bytes under an identical build and version, so a
//! warm report is byte-identical to a cold one (tested, with damaged packs).

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, ErrorCode, OpenFlags, OptionalExtension, Transaction, params};
use sha2::{Digest, Sha256};

/// A file's content key.
pub type Key = [u8; 32];

/// The byte cap when `REVGUARD_CACHE_MAX_BYTES` is unset.
pub const DEFAULT_MAX_BYTES: u64 = 256 << 20;
/// The variable that sets the byte cap of a pack.
pub const MAX_BYTES_ENV: &str = "REVGUARD_CACHE_MAX_BYTES";
/// The most packs (namespaces) kept in the directory.
pub const MAX_PACKS: usize = 8;

/// What the cap counts for an entry besides its payload: key, checksum,
/// last use and size (88 bytes) plus SQLite's cell and index overhead.
const ENTRY_OVERHEAD: u64 = 128;
/// A hit refreshes an entry's last use only when it is older than this, so a
/// warm run a few minutes after the last one writes nothing.
const TOUCH_AFTER_SECS: i64 = 3600;
/// The pack format, stored in the pack next to the namespace.
const FORMAT: &str = "revguard facts 2 (sqlite)";
/// How long a writer waits for another process's transaction.
const BUSY_WAIT: Duration = Duration::from_secs(5);
const CHECK_LEN: usize = 16;
const SCHEMA: &str = "
    CREATE TABLE meta (name TEXT PRIMARY KEY, value ANY) STRICT;
    CREATE TABLE entries (
        id INTEGER PRIMARY KEY,
        key BLOB NOT NULL,
        used INTEGER NOT NULL,
        size INTEGER NOT NULL,
        checksum BLOB NOT NULL,
        payload BLOB NOT NULL
    ) STRICT;
    CREATE INDEX entries_by_use ON entries (used);
";

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

/// The entry's rowid: the key's first 8 bytes (a clash of two keys is a
/// miss, told apart by the stored key).
fn row_id(key: &Key) -> i64 {
    let mut first = [0; 8];
    first.copy_from_slice(&key[..8]);
    i64::from_le_bytes(first)
}

fn entry_size(payload: &[u8]) -> i64 {
    (payload.len() as u64 + ENTRY_OVERHEAD) as i64
}

/// The byte cap from `REVGUARD_CACHE_MAX_BYTES`: a number of bytes,
/// optionally with `K`, `M` or `G` (powers of 1024); unset means
/// [`DEFAULT_MAX_BYTES`]. Anything else is an error naming the variable.
pub fn max_bytes_from_env() -> Result<u64, String> {
    match std::env::var_os(MAX_BYTES_ENV) {
        None => Ok(DEFAULT_MAX_BYTES),
        Some(value) => parse_max_bytes(&value.to_string_lossy()),
    }
}

/// Parse a byte cap (see [`max_bytes_from_env`]).
pub fn parse_max_bytes(value: &str) -> Result<u64, String> {
    let text = value.trim();
    let (digits, shift) = match text.char_indices().last() {
        Some((at, 'k' | 'K')) => (&text[..at], 10),
        Some((at, 'm' | 'M')) => (&text[..at], 20),
        Some((at, 'g' | 'G')) => (&text[..at], 30),
        _ => (text, 0),
    };
    digits
        .parse::<u64>()
        .ok()
        .filter(|&n| n > 0)
        .and_then(|n| n.checked_mul(1 << shift))
        .filter(|&n| n <= i64::MAX as u64)
        .ok_or_else(|| {
            format!(
                "{MAX_BYTES_ENV}={value:?} is not a cache size: expected a positive number of \
                 bytes, optionally with K, M or G (powers of 1024), e.g. 256M"
            )
        })
}

/// How a pack is opened: its byte cap and the clock (seconds since the
/// epoch) its last-use times are written with.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// Evict the least recently used entries past this many bytes.
    pub max_bytes: u64,
    /// Now, in seconds since the Unix epoch.
    pub now: i64,
}

impl Settings {
    /// The given cap, at the current time.
    pub fn with_max_bytes(max_bytes: u64) -> Settings {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        Settings { max_bytes, now }
    }
}

/// Whether SQLite's error means the pack cannot be trusted (damaged, not a
/// database, of another schema, unreadable), as opposed to busy: another
/// process holds it, and this run simply goes without it.
fn is_damage(err: &rusqlite::Error) -> bool {
    !matches!(
        err.sqlite_error_code(),
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
    )
}

/// One namespace's pack, the entries this run read from it and the ones it
/// added.
pub struct ResultCache {
    dir: PathBuf,
    path: PathBuf,
    namespace: String,
    settings: Settings,
    /// The open pack; `None` when it is missing, busy or damaged.
    db: Option<Connection>,
    /// The pack exists but cannot be trusted: replace it when saving.
    damaged: bool,
    /// Intact entries read this run.
    found: HashMap<Key, Vec<u8>>,
    /// Hits whose last use should be refreshed.
    stale: Vec<Key>,
    fresh: HashMap<Key, Vec<u8>>,
    fresh_order: Vec<Key>,
}

impl ResultCache {
    /// Open the pack of `namespace` in `dir` with the default cap (missing,
    /// busy or unreadable: empty).
    pub fn open(dir: &Path, namespace: &str) -> ResultCache {
        ResultCache::open_with(dir, namespace, Settings::with_max_bytes(DEFAULT_MAX_BYTES))
    }

    /// Open the pack of `namespace` in `dir` with the given settings.
    pub fn open_with(dir: &Path, namespace: &str, settings: Settings) -> ResultCache {
        let digest = Sha256::digest(namespace.as_bytes());
        let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
        let path = dir.join(format!("facts-{hex}.pack"));
        let mut cache = ResultCache {
            dir: dir.to_path_buf(),
            path,
            namespace: namespace.to_owned(),
            settings,
            db: None,
            damaged: false,
            found: HashMap::new(),
            stale: Vec::new(),
            fresh: HashMap::new(),
            fresh_order: Vec::new(),
        };
        cache.connect();
        cache
    }

    /// The pack's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Open the existing pack and check that it is this namespace's.
    fn connect(&mut self) {
        remove_planted_links(&self.path);
        if fs::symlink_metadata(&self.path).is_err() {
            return;
        }
        match open_pack(&self.path).and_then(|db| {
            let ok = pack_is(&db, &self.namespace)?;
            Ok((db, ok))
        }) {
            Ok((db, true)) => self.db = Some(db),
            Ok((_, false)) => self.damaged = true,
            Err(err) => self.damaged = is_damage(&err),
        }
    }

    /// Look up every key in one read transaction, in rowid order (the pages
    /// a run needs are then read once each).
    pub fn load(&mut self, keys: &[Key]) {
        let mut sorted: Vec<Key> = keys
            .iter()
            .filter(|k| !self.found.contains_key(*k))
            .copied()
            .collect();
        sorted.sort_unstable_by_key(row_id);
        sorted.dedup();
        let Some(db) = self.db.as_mut() else {
            return;
        };
        let read = db.transaction().and_then(|tx| {
            let mut got = Vec::new();
            for key in &sorted {
                if let Some(entry) = read_entry(&tx, key)? {
                    got.push((*key, entry));
                }
            }
            Ok(got)
        });
        match read {
            Ok(got) => {
                for (key, (payload, used)) in got {
                    self.keep(key, payload, used);
                }
            }
            Err(err) => self.lost(&err),
        }
    }

    /// The pack failed under us: damaged (replace it) or busy (leave it).
    fn lost(&mut self, err: &rusqlite::Error) {
        self.db = None;
        self.damaged |= is_damage(err);
    }

    fn keep(&mut self, key: Key, payload: Vec<u8>, used: i64) {
        if used + TOUCH_AFTER_SECS <= self.settings.now {
            self.stale.push(key);
        }
        self.found.insert(key, payload);
    }

    /// Whether an intact entry for `key` exists (looked up when [`load`]
    /// did not already).
    ///
    /// [`load`]: ResultCache::load
    pub fn hit(&mut self, key: &Key) -> bool {
        if self.fresh.contains_key(key) || self.found.contains_key(key) {
            return true;
        }
        self.load(std::slice::from_ref(key));
        self.found.contains_key(key)
    }

    /// The entry for `key`: one of this run's, else one read from the pack.
    pub fn get(&self, key: &Key) -> Option<&[u8]> {
        self.fresh
            .get(key)
            .or_else(|| self.found.get(key))
            .map(Vec::as_slice)
    }

    /// Remember a new entry.
    pub fn insert(&mut self, key: Key, payload: Vec<u8>) {
        if self.fresh.insert(key, payload).is_none() {
            self.fresh_order.push(key);
        }
    }

    /// Whether [`save`](ResultCache::save) has anything to write: new
    /// entries, last uses to record, or a damaged pack to replace.
    pub fn has_changes(&self) -> bool {
        !(self.fresh.is_empty() && self.stale.is_empty()) || self.damaged
    }

    /// Write this run's new entries and last uses to the pack, evicting the
    /// least recently used past the cap; build a new pack when there is none
    /// or it is damaged. Best effort: a cache that cannot be written only
    /// costs the next run the work.
    pub fn save(&mut self) {
        if !self.has_changes() {
            return;
        }
        if let Some(written) = self.write_to_open_pack() {
            match written {
                Ok(()) => return prune_packs(&self.dir, &self.path),
                Err(err) => self.lost(&err),
            }
            if !self.damaged {
                return;
            }
        }
        if !self.create_pack() {
            return;
        }
        // Another run created the pack first: add this run's entries to it.
        if let Some(Err(err)) = self.write_to_open_pack() {
            self.lost(&err);
        }
        prune_packs(&self.dir, &self.path);
    }

    /// Add this run's entries and last uses to the open pack, in one write
    /// transaction; `None` when no pack is open.
    fn write_to_open_pack(&mut self) -> Option<rusqlite::Result<()>> {
        let db = self.db.as_mut()?;
        Some(write_entries(
            db,
            &self.fresh_order,
            &self.fresh,
            &self.stale,
            self.settings,
        ))
    }

    /// Build a pack holding this run's entries under a temporary name and
    /// rename it into place: over a damaged pack, or where none is (when
    /// another run created one meanwhile, that one is opened instead and
    /// `self.db` is set). False when nothing could be written.
    fn create_pack(&mut self) -> bool {
        if fs::create_dir_all(&self.dir).is_err() {
            return false;
        }
        let Ok(temp) = tempfile::Builder::new()
            .prefix(".facts-")
            .suffix(".tmp")
            .tempfile_in(&self.dir)
        else {
            return false;
        };
        let built = open_pack(temp.path()).and_then(|mut db| {
            db.execute_batch("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;")?;
            db.execute_batch(SCHEMA)?;
            db.execute(
                "INSERT INTO meta VALUES ('format', ?1), ('namespace', ?2), ('bytes', 0)",
                params![FORMAT, self.namespace],
            )?;
            let mut order = self.fresh_order.clone();
            order.extend(self.found.keys().filter(|k| !self.fresh.contains_key(*k)));
            let mut all = self.fresh.clone();
            all.extend(self.found.iter().map(|(k, v)| (*k, v.clone())));
            write_entries(&mut db, &order, &all, &[], self.settings)?;
            db.close().map_err(|(_, err)| err)
        });
        if built.is_err() {
            return false;
        }
        remove_planted_links(&self.path);
        if self.damaged {
            self.damaged = false;
            return temp.persist(&self.path).is_ok();
        }
        match temp.persist_noclobber(&self.path) {
            Ok(_) => true,
            Err(_) => {
                self.connect();
                self.db.is_some()
            }
        }
    }
}

/// Open a pack for reading and writing, never following a link and never
/// creating it (packs are created under a temporary name).
fn open_pack(path: &Path) -> rusqlite::Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_NOFOLLOW
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let db = Connection::open_with_flags(path, flags)?;
    db.busy_timeout(BUSY_WAIT)?;
    Ok(db)
}

/// Whether `db` is a pack of this format and namespace.
fn pack_is(db: &Connection, namespace: &str) -> rusqlite::Result<bool> {
    let mut stmt =
        db.prepare("SELECT name, value FROM meta WHERE name IN ('format', 'namespace')")?;
    let rows: Vec<(String, String)> = stmt
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let value = |name: &str| rows.iter().find(|r| r.0 == name).map(|r| r.1.as_str());
    Ok(value("format") == Some(FORMAT) && value("namespace") == Some(namespace))
}

/// The intact entry for `key` and its last use, if any.
fn read_entry(tx: &Transaction<'_>, key: &Key) -> rusqlite::Result<Option<(Vec<u8>, i64)>> {
    let mut stmt =
        tx.prepare_cached("SELECT key, checksum, payload, used FROM entries WHERE id = ?1")?;
    let row = stmt
        .query_row([row_id(key)], |row| {
            let stored: Vec<u8> = row.get(0)?;
            let check: Vec<u8> = row.get(1)?;
            let payload: Vec<u8> = row.get(2)?;
            Ok((stored, check, payload, row.get::<_, i64>(3)?))
        })
        .optional()?;
    Ok(row.and_then(|(stored, check, payload, used)| {
        let intact = stored == key && check == checksum(key, &payload);
        intact.then_some((payload, used))
    }))
}

/// Add `order`'s entries (from `payloads`) and refresh `stale`'s last use
/// in one write transaction, then evict past the cap.
fn write_entries(
    db: &mut Connection,
    order: &[Key],
    payloads: &HashMap<Key, Vec<u8>>,
    stale: &[Key],
    settings: Settings,
) -> rusqlite::Result<()> {
    let tx = db.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let mut bytes: i64 = tx.query_row("SELECT value FROM meta WHERE name = 'bytes'", [], |r| {
        r.get(0)
    })?;
    {
        let mut touch = tx.prepare_cached("UPDATE entries SET used = ?1 WHERE id = ?2")?;
        for key in stale {
            touch.execute(params![settings.now, row_id(key)])?;
        }
        let mut drop_old = tx.prepare_cached("DELETE FROM entries WHERE id = ?1 RETURNING size")?;
        let mut add = tx.prepare_cached("INSERT INTO entries VALUES (?1, ?2, ?3, ?4, ?5, ?6)")?;
        for key in order {
            let Some(payload) = payloads.get(key) else {
                continue;
            };
            let old: Option<i64> = drop_old.query_row([row_id(key)], |r| r.get(0)).optional()?;
            let size = entry_size(payload);
            let check = checksum(key, payload);
            add.execute(params![
                row_id(key),
                key,
                settings.now,
                size,
                check,
                payload
            ])?;
            bytes += size - old.unwrap_or(0);
        }
    }
    let bytes = evict(&tx, bytes.max(0), settings.max_bytes as i64)?;
    tx.execute("UPDATE meta SET value = ?1 WHERE name = 'bytes'", [bytes])?;
    tx.commit()
}

/// Past `max` bytes, delete the least recently used entries down to 90% of
/// it (so a cache at its cap does not evict on every run); the bytes left.
fn evict(tx: &Transaction<'_>, bytes: i64, max: i64) -> rusqlite::Result<i64> {
    if bytes <= max {
        return Ok(bytes);
    }
    let goal = max - max / 10;
    let mut victims = Vec::new();
    let mut left = bytes;
    {
        let mut oldest = tx.prepare("SELECT id, size FROM entries ORDER BY used, id")?;
        let mut rows = oldest.query([])?;
        while left > goal {
            let Some(row) = rows.next()? else {
                break;
            };
            victims.push(row.get::<_, i64>(0)?);
            left -= row.get::<_, i64>(1)?;
        }
    }
    let mut delete = tx.prepare_cached("DELETE FROM entries WHERE id = ?1")?;
    for id in victims {
        delete.execute([id])?;
    }
    Ok(left.max(0))
}

/// Remove symbolic links planted at the pack's name or at the names SQLite
/// gives its journal: only the link itself goes, never its target.
fn remove_planted_links(pack: &Path) {
    let mut names = vec![pack.to_path_buf()];
    for suffix in ["-journal", "-wal", "-shm"] {
        let mut name = pack.as_os_str().to_owned();
        name.push(suffix);
        names.push(PathBuf::from(name));
    }
    for name in names {
        if fs::symlink_metadata(&name).is_ok_and(|m| m.file_type().is_symlink()) {
            let _ = fs::remove_file(&name);
        }
    }
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
            let _ = fs::remove_file(&path);
            let mut journal = path.into_os_string();
            journal.push("-journal");
            let _ = fs::remove_file(journal);
        }
    }
}

#[cfg(test)]
mod tests;
