//! Differential tests: revguard's core against real Alembic.
//!
//! Alembic 1.20.1 (in a venv made by `tests/oracle/setup-venv.sh`) is the
//! oracle. `tests/oracle/oracle.py` runs as one long-lived process; each case
//! is a real Alembic project on disk (alembic.ini, env.py, version files),
//! loaded there by `ScriptDirectory.from_config`, and checked here by
//! `revguard_core::check` on the same files.
//!
//! * `random_projects`: seeded random graphs in random syntax
//!   ([`generate::project`]); `REVGUARD_DIFF_CASES` (default 2000),
//!   `REVGUARD_DIFF_SEED` (default fixed; `random` for a fresh one),
//!   `REVGUARD_DIFF_CASE_SEED` (run exactly one case, as printed by a
//!   mismatch), `REVGUARD_DIFF_KEEP=1` (keep every project directory).
//! * `spec_corpus`: the 41-row corpus of `docs/alembic-semantics.md`, checked against Alembic
//!   (proving the table) and against the core.
//!
//! Finding Python: `REVGUARD_PYTHON`, else `<repo>/.venv/bin/python`. When
//! neither works the tests are skipped with a loud notice, except under `CI`,
//! where a missing oracle is a failure.

mod corpus;
mod harness;

use revguard_test_support::generate;

use harness::{Oracle, compare_case, describe_mismatch, write_project};

fn env_u64(name: &str) -> Option<u64> {
    let value = std::env::var(name).ok()?;
    let value = value.trim();
    if let Some(hex) = value.strip_prefix("0x") {
        return u64::from_str_radix(hex, 16).ok();
    }
    match value.parse() {
        Ok(v) => Some(v),
        Err(_) => panic!("{name}={value:?} is not a number"),
    }
}

/// The run's seed: `REVGUARD_DIFF_SEED` (a number, or `random`), else the
/// fixed default.
fn run_seed() -> u64 {
    match std::env::var("REVGUARD_DIFF_SEED").ok().as_deref() {
        Some("random") => {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(1);
            generate::Rng::new(nanos).next_u64()
        }
        _ => env_u64("REVGUARD_DIFF_SEED").unwrap_or(DEFAULT_SEED),
    }
}

/// (case index, case seed) of every case to run: one case with `only`.
fn case_seeds(run_seed: u64, cases: u64, only: Option<u64>) -> Vec<(u64, u64)> {
    match only {
        Some(seed) => vec![(0, seed)],
        None => (0..cases)
            .map(|i| (i, generate::case_seed(run_seed, i)))
            .collect(),
    }
}

const DEFAULT_SEED: u64 = 0x5EED_A1E3_B1C0_0001;

#[test]
fn random_projects() {
    // Python's hash seed of the first oracle; worker i uses base + i.
    let hash_base = env_u64("REVGUARD_DIFF_HASHSEED").unwrap_or(0) as u32;
    let Some(first) = Oracle::spawn_or_skip_seeded("random_projects", hash_base) else {
        return;
    };
    let run_seed = run_seed();
    let cases = env_u64("REVGUARD_DIFF_CASES").unwrap_or(2000);
    let only = env_u64("REVGUARD_DIFF_CASE_SEED");
    let keep = std::env::var_os("REVGUARD_DIFF_KEEP").is_some();
    // Full descriptions for the first few mismatches, one line for the rest.
    let show = env_u64("REVGUARD_DIFF_SHOW").unwrap_or(10) as usize;
    // One oracle per worker; the machine has 2 cores.
    let jobs = env_u64("REVGUARD_DIFF_JOBS")
        .map(|j| j.max(1) as usize)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get().min(2)));
    let root = tempfile::Builder::new()
        .prefix("revguard-diff-")
        .tempdir()
        .expect("tempdir");

    let seeds = case_seeds(run_seed, cases, only);
    let started = std::time::Instant::now();
    let mut oracles = vec![first];
    for _ in 1..jobs.min(seeds.len().max(1)) {
        let hash_seed = hash_base + oracles.len() as u32;
        oracles.push(
            Oracle::spawn_or_skip_seeded("random_projects", hash_seed).expect("another oracle"),
        );
    }
    let workers = oracles.len();
    // Per worker: statistics and (case index, full description, one-liner).
    type Failure = (u64, String, String);
    let results: Vec<(harness::Stats, Vec<Failure>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = oracles
            .into_iter()
            .enumerate()
            .map(|(worker, mut oracle)| {
                let seeds = &seeds;
                let root = root.path();
                scope.spawn(move || {
                    let mut stats = harness::Stats::default();
                    let mut failures = Vec::new();
                    for &(index, seed) in seeds.iter().skip(worker).step_by(workers) {
                        let project = generate::project(seed);
                        let dir = root.join(format!("case-{index}-{seed:016x}"));
                        let request = write_project(&project, &dir, seed);
                        let actual = oracle.load(&dir.join("alembic.ini"));
                        let report = revguard_core::check(&request);
                        let verdict = compare_case(&report, &actual, project.dynamic_ok);
                        stats.record(&project, &actual, &verdict);
                        match verdict {
                            harness::Verdict::Mismatch(diffs) => {
                                let title = format!(
                                    "random case #{index}: REVGUARD_DIFF_CASE_SEED={seed:#018x} REVGUARD_DIFF_HASHSEED={} (run seed {run_seed:#018x}, tags {:?})",
                                    oracle.hash_seed,
                                    project.tags
                                );
                                let short = format!("{title}\n{}", diffs.iter().map(|d| format!("  * {d}\n")).collect::<String>());
                                let text = describe_mismatch(&title, &dir, &request, &actual, &report, &diffs);
                                failures.push((index, text, short));
                            }
                            _ if !keep => {
                                let _ = std::fs::remove_dir_all(&dir);
                            }
                            _ => {}
                        }
                    }
                    (stats, failures)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("worker panicked"))
            .collect()
    });
    let mut stats = harness::Stats::default();
    let mut failures: Vec<Failure> = Vec::new();
    for (s, f) in results {
        stats.merge(s);
        failures.extend(f);
    }
    failures.sort_by_key(|f| f.0);
    for (i, (_, text, short)) in failures.iter().enumerate() {
        eprintln!("{}", if i < show { text } else { short });
    }
    let elapsed = started.elapsed();
    eprintln!(
        "differential: {} cases in {:.1}s with {workers} oracle process(es) (run seed {run_seed:#018x}); {}",
        seeds.len(),
        elapsed.as_secs_f64(),
        stats.summary()
    );
    if !failures.is_empty() || keep {
        let kept = root.keep();
        eprintln!("differential: projects kept under {}", kept.display());
    }
    assert!(
        failures.is_empty(),
        "{} of {} generated cases disagree with Alembic (details above; rerun one with REVGUARD_DIFF_CASE_SEED=<seed>)",
        failures.len(),
        seeds.len()
    );
}

#[test]
fn spec_corpus() {
    let Some(mut oracle) = Oracle::spawn_or_skip("spec_corpus") else {
        return;
    };
    corpus::run(&mut oracle);
}

#[test]
fn generator_is_deterministic() {
    for i in 0..200 {
        let seed = generate::case_seed(DEFAULT_SEED, i);
        let a = generate::project(seed);
        let b = generate::project(seed);
        assert_eq!(a.files.len(), b.files.len());
        for (x, y) in a.files.iter().zip(&b.files) {
            assert_eq!(
                (x.location, &x.path, &x.bytes),
                (y.location, &y.path, &y.bytes)
            );
        }
    }
    let corpus = generate::linear_corpus(50, 7);
    assert_eq!(corpus.len(), 50);
    assert_eq!(corpus, generate::linear_corpus(50, 7));
}

/// `REVGUARD_DIFF_PROJECT=<dir>`: compare one existing project (its
/// `alembic.ini` and the files directly in `<dir>/alembic/versions`), e.g. a
/// minimised mismatch. Does nothing when the variable is unset.
#[test]
fn one_project() {
    let Some(dir) = std::env::var_os("REVGUARD_DIFF_PROJECT") else {
        return;
    };
    let Some(mut oracle) = Oracle::spawn_or_skip("one_project") else {
        return;
    };
    let dir = std::path::PathBuf::from(dir);
    let versions = dir.join("alembic/versions");
    let mut files = Vec::new();
    for entry in std::fs::read_dir(&versions).expect("read versions dir") {
        let entry = entry.expect("dir entry");
        if entry.file_type().expect("file type").is_dir() {
            continue;
        }
        let path = entry.path();
        let real = std::fs::canonicalize(&path).expect("canonicalize");
        files.push(revguard_core::InputFile {
            location: 0,
            path: entry.file_name().to_string_lossy().into_owned(),
            // Always the resolved path: the core cannot resolve anything itself.
            real_path: Some(real.to_string_lossy().into_owned()),
            content: revguard_core::Content::from_bytes(std::fs::read(&path).expect("read")),
        });
    }
    let request = revguard_core::Request {
        locations: vec![revguard_core::Location {
            path: "alembic/versions".into(),
        }],
        files,
        ..Default::default()
    };
    let actual = oracle.load(&dir.join("alembic.ini"));
    let report = revguard_core::check(&request);
    match compare_case(&report, &actual, false) {
        harness::Verdict::Mismatch(diffs) => {
            let text = describe_mismatch(
                &dir.display().to_string(),
                &dir,
                &request,
                &actual,
                &report,
                &diffs,
            );
            panic!("{text}");
        }
        verdict => eprintln!("{}: {verdict:?}", dir.display()),
    }
}

/// The benchmark corpus is a real Alembic history: one chain, one head.
#[test]
fn linear_corpus_matches_alembic() {
    let Some(mut oracle) = Oracle::spawn_or_skip("linear_corpus_matches_alembic") else {
        return;
    };
    let n = 300;
    let corpus = generate::linear_corpus(n, 11);
    let project = generate::Project {
        seed: 11,
        locations: vec!["alembic/versions".into()],
        recursive: false,
        explicit_locations: false,
        separator: "os",
        files: corpus
            .iter()
            .map(|(name, bytes)| generate::GenFile {
                location: 0,
                path: name.clone(),
                bytes: bytes.clone(),
                link_to: None,
            })
            .collect(),
        dynamic_ok: false,
        tags: Vec::new(),
    };
    let root = tempfile::Builder::new()
        .prefix("revguard-linear-")
        .tempdir()
        .expect("tempdir");
    let request = write_project(&project, root.path(), 11);
    let actual = oracle.load(&root.path().join("alembic.ini"));
    let first = corpus[0].0.split('_').next().unwrap().to_string();
    let last = corpus[n - 1].0.split('_').next().unwrap().to_string();
    assert_eq!(actual.heads, Some(vec![last]));
    assert_eq!(actual.bases, Some(vec![first]));
    assert_eq!(actual.upgrade_head.as_deref(), Some("ok"));
    let report = revguard_core::check(&request);
    if let harness::Verdict::Mismatch(diffs) = compare_case(&report, &actual, false) {
        panic!("core disagrees with Alembic on the linear corpus: {diffs:?}");
    }
}
