//! The compiled-guest cache: the guest compiled once by cranelift and kept
//! as `guest-<hash>.cwasm` in the cache directory
//! ([`crate::engine::cache_dir`]), so later runs skip the compile.
//!
//! The file name is a hash of wasmtime's precompile-compatibility hash
//! (version, config, CPU features), of the guest's bytes and of revguard's
//! version, so a new build or another machine never picks up a stale entry.
//! An entry is the magic `RGCWASM1`, the SHA-256 of the compiled module, then
//! the module; it is read into memory and its checksum verified before
//! wasmtime deserialises that same copy, so a damaged entry is compiled again
//! and replaced, never run. Entries are written to an `O_EXCL` temporary with
//! a random name and renamed into place.

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

/// The header of a cache entry: this magic, then the SHA-256 of the
/// compiled module that follows it.
const CACHE_MAGIC: &[u8; 8] = b"RGCWASM1";

/// The largest cache entry read back (the guest compiles to about 5 MB).
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
    if let Some(compiled) = read_cached(&path) {
        // SAFETY: deserialising trusts the bytes to be machine code wasmtime
        // produced. These are: they match the SHA-256 this binary stored next
        // to them when it wrote the entry from `precompile_module` of these
        // wasm bytes (the name keys wasmtime's compatibility hash, and
        // wasmtime still checks the header), so a damaged or truncated entry
        // is never run. They are checked in memory and deserialised from that
        // same copy, so a later change to the file cannot slip in between.
        if let Ok(module) = unsafe { Module::deserialize(engine, &compiled) } {
            return Ok(module);
        }
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

/// The compiled module of a cache entry, when the entry is whole: a regular
/// file (not followed through a symlink), with the magic and a SHA-256 that
/// matches its bytes. Anything else is `None`, and the caller recompiles.
fn read_cached(path: &Path) -> Option<Vec<u8>> {
    use std::io::Read as _;
    let meta = fs::symlink_metadata(path).ok()?;
    if !meta.is_file() || meta.len() > MAX_CACHED_BYTES {
        return None;
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    fs::File::open(path)
        .ok()?
        .take(MAX_CACHED_BYTES)
        .read_to_end(&mut bytes)
        .ok()?;
    let header = CACHE_MAGIC.len() + 32;
    if bytes.len() < header || &bytes[..CACHE_MAGIC.len()] != CACHE_MAGIC {
        return None;
    }
    let stored = &bytes[CACHE_MAGIC.len()..header];
    if sha2::Sha256::digest(&bytes[header..]).as_slice() != stored {
        return None;
    }
    bytes.drain(..header);
    Some(bytes)
}

/// Store a compiled module with its checksum (see [`read_cached`]).
fn write_cached(dir: &Path, path: &Path, compiled: &[u8]) -> std::io::Result<()> {
    let mut entry = Vec::with_capacity(CACHE_MAGIC.len() + 32 + compiled.len());
    entry.extend_from_slice(CACHE_MAGIC);
    entry.extend_from_slice(&sha2::Sha256::digest(compiled));
    entry.extend_from_slice(compiled);
    write_atomically(dir, path, &entry)
}

/// Remove the artifacts of other builds (each rebuild of revguard, or an
/// upgrade, leaves one behind). A process still using one keeps its mapping.
fn prune_cache(dir: &Path, keep: &Path) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if path != keep && name.starts_with("guest-") && name.ends_with(".cwasm") {
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
        assert_eq!(artifacts.len(), 1, "one artifact, no temp files left");
        let path = artifacts[0].path();
        assert_eq!(path, cache_file(engine, GUEST_WASM, &cache));
        let compiled = read_cached(&path).expect("a checksummed entry");
        assert!(Engine::detect_precompiled(&compiled).is_some());

        // A second load maps the artifact instead of compiling: same exports,
        // and the file is left as it was.
        let before = fs::metadata(&path)
            .and_then(|m| m.modified())
            .expect("mtime");
        let second = load_module(engine, GUEST_WASM, Some(&cache)).expect("loads");
        assert_eq!(
            fs::metadata(&path)
                .and_then(|m| m.modified())
                .expect("mtime"),
            before
        );
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
        let unrelated = dir.path().join("notes.txt");
        fs::write(&stale, b"an older build's artifact").expect("write");
        fs::write(&unrelated, b"kept").expect("write");
        let engine = shared_engine().expect("engine");
        load_module(engine, GUEST_WASM, Some(dir.path())).expect("compiles");
        assert!(!stale.exists());
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
        let compiled = read_cached(&path).expect("replaced by a checksummed entry");
        assert!(Engine::detect_precompiled(&compiled).is_some());
    }

    #[test]
    fn a_damaged_cache_entry_of_the_same_size_is_never_deserialised() {
        let dir = tempfile::tempdir().expect("tempdir");
        let engine = shared_engine().expect("engine");
        load_module(engine, GUEST_WASM, Some(dir.path())).expect("compiles");
        let path = cache_file(engine, GUEST_WASM, dir.path());
        let good = fs::read(&path).expect("entry");
        assert_eq!(&good[..CACHE_MAGIC.len()], CACHE_MAGIC);
        // 4 KiB of the machine code overwritten in place: wasmtime's own
        // header check still passes, only the checksum can tell.
        let mut damaged = good.clone();
        let middle = damaged.len() / 2;
        damaged[middle..middle + 4096].fill(0xCC);
        fs::write(&path, &damaged).expect("damage");
        assert!(read_cached(&path).is_none(), "the checksum refuses it");
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
        assert!(read_cached(&entry).is_some(), "a whole entry was written");
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
