//! `cache-fill`: add synthetic entries to every result pack in a cache
//! directory, for `tests/bench/cache.sh` (a warm check in a cache that has
//! seen many other files).
//!
//! ```text
//! cargo run --release --example cache-fill -- CACHE_DIR N [--seed S]
//! ```
//!
//! Run `revguard check` once first: it creates the pack of its namespace
//! (build, engine, Python version). Each pack then gets `N` entries whose
//! keys no file has (SHA-256 of the seed and a counter) and whose payloads
//! are copies of the pack's own real ones, so sizes and pages are what
//! checking `N` other files would leave. It goes through the same code as
//! a check (`revguard::result_cache`), in batches of 50,000 entries, one
//! transaction each; the cap (`REVGUARD_CACHE_MAX_BYTES`) applies. Prints
//! each pack's entry count and byte total afterwards.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use revguard::result_cache::{self, ResultCache, Settings};

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("cache-fill: {message}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (dir, n, seed) = match &args[..] {
        [dir, n] => (dir, n, "1"),
        [dir, n, flag, seed] if flag == "--seed" => (dir, n, seed.as_str()),
        _ => return Err("usage: cache-fill CACHE_DIR N [--seed S]".into()),
    };
    let n: u64 = n.parse().map_err(|e| format!("N: {e}"))?;
    let max_bytes = result_cache::max_bytes_from_env()?;
    let packs = packs(Path::new(dir))?;
    if packs.is_empty() {
        return Err(format!(
            "no facts-*.pack in {dir}: run revguard check first"
        ));
    }
    for pack in packs {
        let (namespace, samples) = read_pack(&pack)?;
        let mut done = 0;
        while done < n {
            let batch = (n - done).min(50_000);
            let settings = Settings::with_max_bytes(max_bytes);
            let mut cache = ResultCache::open_with(Path::new(dir), &namespace, settings);
            for i in done..done + batch {
                let key = result_cache::key(format!("cache-fill {seed} {i}").as_bytes());
                cache.insert(key, samples[i as usize % samples.len()].clone());
            }
            cache.save();
            done += batch;
        }
        let (entries, bytes) = totals(&pack)?;
        println!("{}: {entries} entries, {bytes} bytes", pack.display());
    }
    Ok(())
}

fn packs(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let read = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut found: Vec<PathBuf> = read
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            let name = p.file_name().unwrap_or_default().to_string_lossy();
            name.starts_with("facts-") && name.ends_with(".pack")
        })
        .collect();
    found.sort();
    Ok(found)
}

/// The pack's namespace and up to 1,000 of its real payloads.
fn read_pack(pack: &Path) -> Result<(String, Vec<Vec<u8>>), String> {
    let cx = |e: rusqlite::Error| format!("{}: {e}", pack.display());
    let db = rusqlite::Connection::open(pack).map_err(cx)?;
    let namespace: String = db
        .query_row("SELECT value FROM meta WHERE name = 'namespace'", [], |r| {
            r.get(0)
        })
        .map_err(cx)?;
    let mut stmt = db
        .prepare("SELECT payload FROM entries LIMIT 1000")
        .map_err(cx)?;
    let samples: Vec<Vec<u8>> = stmt
        .query_map([], |r| r.get(0))
        .map_err(cx)?
        .collect::<Result<_, _>>()
        .map_err(cx)?;
    if samples.is_empty() {
        return Err(format!("{}: no entries to copy", pack.display()));
    }
    Ok((namespace, samples))
}

fn totals(pack: &Path) -> Result<(i64, i64), String> {
    let cx = |e: rusqlite::Error| format!("{}: {e}", pack.display());
    let db = rusqlite::Connection::open(pack).map_err(cx)?;
    let entries = db
        .query_row("SELECT count(*) FROM entries", [], |r| r.get(0))
        .map_err(cx)?;
    let bytes = db
        .query_row("SELECT value FROM meta WHERE name = 'bytes'", [], |r| {
            r.get(0)
        })
        .map_err(cx)?;
    Ok((entries, bytes))
}
