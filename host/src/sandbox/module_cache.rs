//! The compiled-guest cache: the guest compiled once by cranelift and kept
//! as `guest-<hash>.cwasm` in the cache directory
//! ([`crate::engine::cache_dir`]), so later runs skip the compile.
//!
//! The file name is a hash of wasmtime's precompile-compatibility hash
//! (version, config, CPU features), of the guest's bytes and of revguard's
//! version, so a new build or another machine never picks up a stale entry.
//!
//! An entry is wasmtime's compiled image itself, so it can be mapped rather
//! than read and copied. Next to it, `guest-<hash>.verified` records the
//! SHA-256 of the image and the identity and times of the file it was last
//! verified as (device, inode, size, modification and change time). A run
//! whose entry still has exactly that identity maps it without reading it:
//! any change through the file system (a write, a truncation, a rename over
//! it) moves the change time, which no user can set. Anything else (no
//! record, another inode, another time) reads the entry into memory, checks
//! it against the recorded SHA-256 and deserialises that same copy, then
//! records the identity for the next run; a mismatch compiles the guest
//! again and replaces both files. So a damaged or truncated entry is never
//! run, and a warm run costs neither the read nor the hash. Both files are
//! written to an `O_EXCL` temporary with a random name and renamed into
//! place.

use std::fs;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use sha2::Digest as _;
use wasmtime::{Engine, Module};

use super::{GUEST_WASM, SandboxError, setup};

/// Set by [`disable`]: the compiled-guest cache is neither read nor written.
static OFF: AtomicBool = AtomicBool::new(false);

/// Compile the guest in memory for the rest of this process and never open
/// the compiled-guest cache (`--no-cache`). Call it before the first check
/// (or [`super::prewarm`]): a guest already loaded stays as it is.
pub(super) fn disable() {
    OFF.store(true, Ordering::Relaxed);
}

/// The compiled-guest cache directory, unless it is off for this process.
pub(super) fn dir() -> Option<PathBuf> {
    if OFF.load(Ordering::Relaxed) {
        return None;
    }
    crate::engine::cache_dir()
}

/// The cache file for `wasm` under this engine's configuration.
fn cache_file(engine: &Engine, wasm: &[u8], dir: &Path) -> PathBuf {
    // SipHash with fixed keys: stable for this binary, which is all a cache
    // key needs (a new build hashes its own way and compiles afresh).
    let mut hasher = DefaultHasher::new();
    engine.precompile_compatibility_hash().hash(&mut hasher);
    if std::ptr::eq(wasm, GUEST_WASM) {
        // The build script's hash of these very bytes: hashing 1.5 MB of
        // wasm on every run cost 5% of a warm 1,000-file check.
        env!("REVGUARD_GUEST_FINGERPRINT").hash(&mut hasher);
    } else {
        wasm.hash(&mut hasher);
    }
    env!("CARGO_PKG_VERSION").hash(&mut hasher);
    dir.join(format!("guest-{:016x}.cwasm", hasher.finish()))
}

/// The magic of a verification record.
const RECORD_MAGIC: &[u8; 8] = b"RGCWASM2";

/// A record: the magic, the SHA-256 of the image, then the [`Stamp`].
const RECORD_LEN: usize = 8 + 32 + 7 * 8;

/// The largest cache entry read back (the guest compiles to about 10 MB).
const MAX_CACHED_BYTES: u64 = 256 << 20;

/// Load the module from the cache, or compile it and try to cache it.
pub(super) fn load_module(
    engine: &Engine,
    wasm: &[u8],
    cache: Option<&Path>,
) -> Result<Module, SandboxError> {
    let Some(dir) = cache else {
        return Module::from_binary(engine, wasm)
            .map_err(|err| setup("cannot compile the guest", err));
    };
    let path = cache_file(engine, wasm, dir);
    if let Some(module) = load_cached(engine, dir, &path) {
        return Ok(module);
    }
    let compiled = engine
        .precompile_module(wasm)
        .map_err(|err| setup("cannot compile the guest", err))?;
    // Best effort: a damaged entry is replaced here; an unwritable cache only
    // costs the next run a compile.
    if write_cached(dir, &path, &compiled).is_ok() {
        prune_cache(dir, &path);
    }
    // SAFETY: these bytes were produced by `precompile_module` on this very
    // engine a moment ago.
    unsafe { Module::deserialize(engine, &compiled) }
        .map_err(|err| setup("cannot load the compiled guest", err))
}

/// Where the verification record of the entry at `path` lives.
fn record_file(path: &Path) -> PathBuf {
    path.with_extension("verified")
}

/// The identity and times of an entry when it was verified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp([u64; 7]);

impl Stamp {
    fn of(meta: &fs::Metadata) -> Stamp {
        use std::os::unix::fs::MetadataExt as _;
        // Times as raw bits: only equality matters.
        Stamp([
            meta.dev(),
            meta.ino(),
            meta.size(),
            meta.mtime() as u64,
            meta.mtime_nsec() as u64,
            meta.ctime() as u64,
            meta.ctime_nsec() as u64,
        ])
    }
}

/// The entry at `path` as a module, when it is whole: a regular file (not
/// a link) that is either exactly the file last verified, and then mapped,
/// or whose bytes match the recorded SHA-256, and then deserialised from
/// the copy that was checked. Anything else is `None`, and the caller
/// recompiles.
fn load_cached(engine: &Engine, dir: &Path, path: &Path) -> Option<Module> {
    use std::io::Read as _;
    let (digest, verified) = read_record(&record_file(path))?;
    let file = open_regular(path)?;
    let meta = file.metadata().ok()?;
    if meta.len() > MAX_CACHED_BYTES {
        return None;
    }
    let stamp = Stamp::of(&meta);
    if stamp == verified {
        // SAFETY: deserialising trusts the file to be machine code wasmtime
        // produced, and to stay unchanged while mapped. It is: its bytes
        // matched the SHA-256 this binary stored when it wrote the entry from
        // `precompile_module` of these wasm bytes (the name keys wasmtime's
        // compatibility hash, and wasmtime still checks the header), and it is
        // the same inode with the same change time as when they were checked,
        // so nothing has written to it since. The cache writes only by rename.
        return unsafe { Module::deserialize_open_file(engine, file) }.ok();
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(MAX_CACHED_BYTES).read_to_end(&mut bytes).ok()?;
    if sha2::Sha256::digest(&bytes).as_slice() != digest {
        return None;
    }
    // SAFETY: as above, for the bytes just checked; they are deserialised
    // from this copy, so a later change to the file cannot slip in between.
    let module = unsafe { Module::deserialize(engine, &bytes) }.ok()?;
    // The next run may map it (best effort).
    let _ = write_record(dir, path, &digest, stamp);
    Some(module)
}

/// Open `path` for reading when it is a regular file and not a link: the
/// link check and the open name the same inode, or nothing is opened.
fn open_regular(path: &Path) -> Option<fs::File> {
    use std::os::unix::fs::MetadataExt as _;
    let before = fs::symlink_metadata(path).ok()?;
    if !before.is_file() {
        return None;
    }
    let file = fs::File::open(path).ok()?;
    let after = file.metadata().ok()?;
    (after.is_file() && after.dev() == before.dev() && after.ino() == before.ino()).then_some(file)
}

/// A verification record's SHA-256 and stamp.
fn read_record(path: &Path) -> Option<([u8; 32], Stamp)> {
    use std::io::Read as _;
    // Only a regular file of exactly a record's length, never through a
    // link: a planted link to something endless is never read.
    let file = open_regular(path)?;
    if file.metadata().ok()?.len() != RECORD_LEN as u64 {
        return None;
    }
    let mut bytes = Vec::with_capacity(RECORD_LEN);
    file.take(RECORD_LEN as u64 + 1)
        .read_to_end(&mut bytes)
        .ok()?;
    if bytes.len() != RECORD_LEN {
        return None;
    }
    let body = bytes.strip_prefix(RECORD_MAGIC.as_slice())?;
    let digest: [u8; 32] = body[..32].try_into().ok()?;
    let mut stamp = [0u64; 7];
    for (field, chunk) in stamp.iter_mut().zip(body[32..].chunks_exact(8)) {
        *field = u64::from_le_bytes(chunk.try_into().ok()?);
    }
    Some((digest, Stamp(stamp)))
}

/// Write the verification record of the entry at `path`.
fn write_record(dir: &Path, path: &Path, digest: &[u8], stamp: Stamp) -> std::io::Result<()> {
    let mut record = Vec::with_capacity(RECORD_LEN);
    record.extend_from_slice(RECORD_MAGIC);
    record.extend_from_slice(digest);
    for field in stamp.0 {
        record.extend_from_slice(&field.to_le_bytes());
    }
    write_atomically(dir, &record_file(path), &record)
}

/// Store a compiled module, then its record (see [`load_cached`]).
fn write_cached(dir: &Path, path: &Path, compiled: &[u8]) -> std::io::Result<()> {
    write_atomically(dir, path, compiled)?;
    let written = open_regular(path)
        .ok_or_else(|| std::io::Error::other("the entry just written is gone"))?;
    let stamp = Stamp::of(&written.metadata()?);
    write_record(dir, path, &sha2::Sha256::digest(compiled), stamp)
}

/// Remove the artifacts of other builds (each rebuild of revguard, or an
/// upgrade, leaves one behind). A process still using one keeps its mapping.
fn prune_cache(dir: &Path, keep: &Path) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let keep_record = record_file(keep);
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let ours = name.ends_with(".cwasm") || name.ends_with(".verified");
        if path != keep && path != keep_record && name.starts_with("guest-") && ours {
            let _ = fs::remove_file(&path);
        }
    }
}

/// Create the cache directory and replace the entry (an `O_EXCL` temporary
/// with a random name: a link planted in the cache directory is never
/// written through, see [`crate::atomic_write`]).
fn write_atomically(dir: &Path, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    fs::create_dir_all(dir)?;
    crate::atomic_write::replace(path, bytes)
}

#[cfg(test)]
mod tests {
    use super::super::{Guest, Limits, Session, on_sandbox_thread, shared_engine};
    use super::*;
    use revguard_core::Request;
    use revguard_core::wire::{self, CheckHeader};

    /// The entry at `path`, when it is whole: a compiled image whose bytes
    /// match its record's SHA-256.
    fn whole_entry(path: &Path) -> Option<Vec<u8>> {
        let (digest, _) = read_record(&record_file(path))?;
        let bytes = fs::read(path).ok()?;
        (sha2::Sha256::digest(&bytes).as_slice() == digest).then_some(bytes)
    }

    /// Overwrite 4 KiB in the middle of `path` in place (same size, same
    /// inode), so that its change time moves (written again should the
    /// clock be too coarse to tell the two writes apart).
    fn damage_in_place(path: &Path) {
        let before = fs::metadata(path).expect("entry");
        let mut damaged = fs::read(path).expect("entry");
        let middle = damaged.len() / 2;
        damaged[middle..middle + 4096].fill(0xCC);
        loop {
            fs::write(path, &damaged).expect("damage");
            if Stamp::of(&fs::metadata(path).expect("entry")) != Stamp::of(&before) {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
    }

    #[test]
    fn compiled_guest_is_cached_and_reused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cache = dir.path().join("revguard");
        let engine = shared_engine().expect("engine");
        let first = load_module(engine, GUEST_WASM, Some(&cache)).expect("compiles");
        let artifacts: Vec<_> = fs::read_dir(&cache)
            .expect("cache dir created")
            .flatten()
            .collect();
        assert_eq!(
            artifacts.len(),
            2,
            "the entry and its record, no temp files left"
        );
        let path = cache_file(engine, GUEST_WASM, &cache);
        let compiled = whole_entry(&path).expect("a verified entry");
        assert!(Engine::detect_precompiled(&compiled).is_some());

        // A second load maps the artifact instead of compiling or verifying
        // it: same exports, and neither file is touched.
        let stamps = || {
            [path.clone(), record_file(&path)].map(|p| Stamp::of(&fs::metadata(p).expect("file")))
        };
        let before = stamps();
        let second = load_module(engine, GUEST_WASM, Some(&cache)).expect("loads");
        assert_eq!(stamps(), before);
        let names = |m: &Module| {
            m.exports()
                .map(|e| e.name().to_string())
                .collect::<Vec<_>>()
        };
        assert_eq!(names(&first), names(&second));
        let limits = Limits::default();
        let table = wire::encode_check(&CheckHeader::default(), &[]);
        let output = Guest::new(engine, &second)
            .and_then(|guest| {
                on_sandbox_thread(|| {
                    Session::open(&guest, &limits)?.call_with("revguard_check", &table)
                })
            })
            .expect("cached module runs");
        let native = revguard_core::to_json(&revguard_core::check(&Request::default()));
        assert_eq!(output, native);
    }

    #[test]
    fn artifacts_of_other_builds_are_pruned() {
        let dir = tempfile::tempdir().expect("tempdir");
        let stale = dir.path().join("guest-0000000000000000.cwasm");
        let stale_record = record_file(&stale);
        let unrelated = dir.path().join("notes.txt");
        fs::write(&stale, b"an older build's artifact").expect("write");
        fs::write(&stale_record, b"its record").expect("write");
        fs::write(&unrelated, b"kept").expect("write");
        let engine = shared_engine().expect("engine");
        load_module(engine, GUEST_WASM, Some(dir.path())).expect("compiles");
        assert!(!stale.exists());
        assert!(!stale_record.exists());
        assert!(unrelated.exists());
        assert!(cache_file(engine, GUEST_WASM, dir.path()).exists());
    }

    #[test]
    fn a_corrupt_cache_entry_is_replaced() {
        let dir = tempfile::tempdir().expect("tempdir");
        let engine = shared_engine().expect("engine");
        let path = cache_file(engine, GUEST_WASM, dir.path());
        fs::write(&path, b"not a compiled module").expect("write");
        let module = load_module(engine, GUEST_WASM, Some(dir.path())).expect("recompiles");
        assert!(module.exports().any(|e| e.name() == "revguard_check"));
        let compiled = whole_entry(&path).expect("replaced by a verified entry");
        assert!(Engine::detect_precompiled(&compiled).is_some());
    }

    #[test]
    fn a_record_planted_as_a_link_is_never_read() {
        use std::os::unix::fs::symlink;
        let dir = tempfile::tempdir().expect("tempdir");
        let engine = shared_engine().expect("engine");
        load_module(engine, GUEST_WASM, Some(dir.path())).expect("compiles");
        let path = cache_file(engine, GUEST_WASM, dir.path());
        let record = record_file(&path);
        let real = dir.path().join("elsewhere");
        fs::rename(&record, &real).expect("move the record away");
        symlink(&real, &record).expect("link");
        assert!(read_record(&record).is_none(), "not through the link");
        // The entry is verified again from its bytes and the record rewritten
        // as a regular file.
        assert!(load_cached(engine, dir.path(), &path).is_none());
        let module = load_module(engine, GUEST_WASM, Some(dir.path())).expect("loads");
        assert!(module.exports().any(|e| e.name() == "revguard_check"));
        assert!(read_record(&record).is_some());
    }

    #[test]
    fn a_moved_entry_is_verified_once_then_mapped() {
        let dir = tempfile::tempdir().expect("tempdir");
        let engine = shared_engine().expect("engine");
        load_module(engine, GUEST_WASM, Some(dir.path())).expect("compiles");
        let path = cache_file(engine, GUEST_WASM, dir.path());
        let good = fs::read(&path).expect("entry");
        // The same bytes under a new inode (a restored backup, say): read and
        // checked, then recorded, so the next run maps it.
        fs::remove_file(&path).expect("remove");
        fs::write(&path, &good).expect("restore");
        let (_, recorded) = read_record(&record_file(&path)).expect("record");
        let now = Stamp::of(&fs::metadata(&path).expect("entry"));
        assert_ne!(recorded, now);
        let module = load_cached(engine, dir.path(), &path).expect("verified");
        assert!(module.exports().any(|e| e.name() == "revguard_check"));
        let (_, recorded) = read_record(&record_file(&path)).expect("record");
        assert_eq!(recorded, now);
        assert_eq!(fs::read(&path).expect("entry"), good, "left as it was");
    }

    #[test]
    fn a_damaged_cache_entry_of_the_same_size_is_never_deserialised() {
        let dir = tempfile::tempdir().expect("tempdir");
        let engine = shared_engine().expect("engine");
        load_module(engine, GUEST_WASM, Some(dir.path())).expect("compiles");
        let path = cache_file(engine, GUEST_WASM, dir.path());
        let good = whole_entry(&path).expect("a verified entry");
        // 4 KiB of the machine code overwritten in place: wasmtime's own
        // header check still passes; the change time tells it is not the
        // file verified, and the checksum refuses it.
        damage_in_place(&path);
        assert!(load_cached(engine, dir.path(), &path).is_none());
        let module = load_module(engine, GUEST_WASM, Some(dir.path())).expect("recompiles");
        assert!(module.exports().any(|e| e.name() == "revguard_check"));
        assert_eq!(
            fs::read(&path).expect("healed"),
            good,
            "the entry is rewritten"
        );
    }

    #[test]
    fn links_planted_at_old_temporary_names_are_never_written_through() {
        use std::os::unix::fs::symlink;
        let dir = tempfile::tempdir().expect("tempdir");
        let cache = dir.path().join("cache");
        fs::create_dir_all(&cache).expect("mkdir");
        let victim = dir.path().join("victim");
        fs::write(&victim, b"precious").expect("write");
        // The names older builds staged the compiled guest under, for this
        // process and every thread id a test harness hands out.
        for thread in 1..=64 {
            let name = format!(".guest-{}-ThreadId({thread}).tmp", std::process::id());
            symlink(&victim, cache.join(name)).expect("symlink");
        }
        let engine = shared_engine().expect("engine");
        load_module(engine, GUEST_WASM, Some(&cache)).expect("compiles");
        assert_eq!(fs::read(&victim).expect("victim"), b"precious");
        let entry = cache_file(engine, GUEST_WASM, &cache);
        assert!(whole_entry(&entry).is_some(), "a whole entry was written");
        let links = fs::read_dir(&cache)
            .expect("list")
            .flatten()
            .filter(|e| e.file_type().is_ok_and(|t| t.is_symlink()))
            .count();
        assert_eq!(links, 64, "the planted links are left alone");
    }

    #[test]
    fn an_unwritable_cache_falls_back_to_memory() {
        let dir = tempfile::tempdir().expect("tempdir");
        // A cache "directory" below a regular file can never be created, like
        // a read-only root file system.
        let blocker = dir.path().join("file");
        fs::write(&blocker, b"").expect("write");
        let engine = shared_engine().expect("engine");
        let module = load_module(engine, GUEST_WASM, Some(&blocker.join("revguard")))
            .expect("compiles in memory");
        assert!(module.exports().any(|e| e.name() == "revguard_check"));
        assert_eq!(fs::read_dir(dir.path()).expect("listable").count(), 1);
    }
}
