//! `just fuzz SECONDS`: every fuzz target for SECONDS each on the stable
//! toolchain, with inputs from the mutation engine (`mutate.rs`).
//!
//! A panic (a broken promise) or an input that runs over 10 seconds (a hang)
//! is written to `tests/fuzz/regressions/<prefix>-<hash>`, replayed by the
//! crate's `regressions` test from then on, and makes the run exit 1. The
//! last lines are the executions per target.
//!
//! Usage: `fuzz-stable [SECONDS] [TARGET...]` (default 60 seconds, all targets).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use revguard_fuzz_targets::mutate::{self, Rng};
use revguard_fuzz_targets::{TARGETS, Target};

/// How long one input may run before it counts as a hang.
const HANG: Duration = Duration::from_secs(10);

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let seconds: u64 = match args.first().map(|a| a.parse()) {
        Some(Ok(s)) => s,
        Some(Err(_)) | None => 60,
    };
    let names: Vec<&str> = args
        .iter()
        .skip(1)
        .map(String::as_str)
        .chain(
            args.first()
                .filter(|a| a.parse::<u64>().is_err())
                .map(String::as_str),
        )
        .collect();
    let targets: Vec<&Target> = TARGETS
        .iter()
        .filter(|t| names.is_empty() || names.contains(&t.name))
        .collect();
    if targets.is_empty() {
        eprintln!(
            "fuzz-stable: no such target among {:?}",
            TARGETS.iter().map(|t| t.name).collect::<Vec<_>>()
        );
        std::process::exit(2);
    }
    let repo = repo();
    let seeds = mutate::seeds(&repo);
    eprintln!(
        "fuzz-stable: {} seed inputs, {seconds}s per target",
        seeds.len()
    );
    // Panics are what we look for; their messages are reported per input.
    std::panic::set_hook(Box::new(|_| {}));
    let mut summary = Vec::new();
    let mut failed = false;
    for target in targets {
        let (runs, failures) = fuzz(target, &seeds, Duration::from_secs(seconds), &repo);
        failed |= failures > 0;
        summary.push(format!(
            "{:<10} {runs:>10} executions  {:>8.0}/s  {failures} failing inputs",
            target.name,
            runs as f64 / seconds.max(1) as f64
        ));
    }
    println!("==> executions per target");
    for line in summary {
        println!("  {line}");
    }
    std::process::exit(i32::from(failed));
}

/// Run one target until `budget` is spent; the executions and the failing
/// inputs found.
fn fuzz(target: &Target, seeds: &[Vec<u8>], budget: Duration, repo: &Path) -> (u64, u64) {
    let current = Arc::new(Mutex::new(Vec::new()));
    let started = Arc::new(AtomicU64::new(0));
    let clock = Instant::now();
    watchdog(
        target,
        Arc::clone(&current),
        Arc::clone(&started),
        clock,
        repo.to_path_buf(),
    );
    let mut rng =
        Rng::new(0x5eed_0000 ^ target.name.len() as u64 ^ clock.elapsed().as_nanos() as u64);
    let (mut runs, mut failures) = (0, 0);
    while clock.elapsed() < budget {
        let input = mutate::input(&mut rng, seeds);
        current.lock().expect("input lock").clone_from(&input);
        started.store(clock.elapsed().as_millis() as u64 + 1, Ordering::SeqCst);
        let outcome = std::panic::catch_unwind(|| (target.run)(&input));
        started.store(0, Ordering::SeqCst);
        runs += 1;
        if let Err(panic) = outcome {
            failures += 1;
            let message = panic
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| panic.downcast_ref::<&str>().copied())
                .unwrap_or("(no message)");
            let kept = keep(repo, target, &input);
            eprintln!(
                "!! {}: panicked: {message} -> {}",
                target.name,
                kept.display()
            );
        }
    }
    (runs, failures)
}

/// A thread that saves the running input and ends the process when one
/// input runs longer than [`HANG`].
fn watchdog(
    target: &Target,
    current: Arc<Mutex<Vec<u8>>>,
    started: Arc<AtomicU64>,
    clock: Instant,
    repo: PathBuf,
) {
    let (name, prefix) = (target.name, target.prefix);
    std::thread::spawn(move || {
        loop {
            std::thread::sleep(Duration::from_millis(500));
            let since = started.load(Ordering::SeqCst);
            if since == 0 {
                continue;
            }
            let now = clock.elapsed().as_millis() as u64 + 1;
            if now.saturating_sub(since) > HANG.as_millis() as u64 {
                let input = current.lock().map(|i| i.clone()).unwrap_or_default();
                let kept = keep_as(&repo, prefix, &input);
                eprintln!(
                    "!! {name}: an input ran over {HANG:?} -> {}",
                    kept.display()
                );
                std::process::exit(1);
            }
        }
    });
}

fn keep(repo: &Path, target: &Target, input: &[u8]) -> PathBuf {
    keep_as(repo, target.prefix, input)
}

/// Write a failing input to the regressions folder, named by its hash.
fn keep_as(repo: &Path, prefix: &str, input: &[u8]) -> PathBuf {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &byte in input {
        hash = (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3);
    }
    let path = repo
        .join("tests/fuzz/regressions")
        .join(format!("{prefix}-{hash:016x}"));
    if let Err(err) = std::fs::write(&path, input) {
        eprintln!("!! cannot write {}: {err}", path.display());
    }
    path
}

/// The repository root (this crate lives in `tests/fuzz`).
fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("tests/fuzz is two levels below the root")
        .to_path_buf()
}
