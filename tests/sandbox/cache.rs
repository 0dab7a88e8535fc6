//! The per-file phase and its result cache, through the real CLI: the report
//! is byte-identical for every `--jobs`, cold or warm, with a poisoned or
//! truncated cache, under concurrent runs, and `--no-cache` writes nothing.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A project of `n` revisions with what makes the per-file phase interesting:
/// a syntax error far from the bindings, a duplicated id, a Latin-1 file, a
/// BOM, a file whose bindings only a whole-file parse can judge.
fn project(dir: &Path, n: usize) -> PathBuf {
    let versions = dir.join("migrations/versions");
    std::fs::create_dir_all(&versions).expect("mkdir");
    std::fs::write(
        dir.join("alembic.ini"),
        "[alembic]\nscript_location = %(here)s/migrations\n",
    )
    .expect("write ini");
    for i in 0..n {
        let parent = match i {
            0 => "None".to_owned(),
            _ => format!("'{:04}'", i - 1),
        };
        let mut body = format!(
            "\"\"\"step {i}\n\nRevision ID: {i:04}\nRevises: \n\"\"\"\nfrom alembic import op\n\
             import sqlalchemy as sa\n\nrevision = '{i:04}'\ndown_revision = {parent}\n\n\n\
             def upgrade():\n    op.create_table('t{i}', sa.Column('id', sa.Integer(), primary_key=True))\n\n\n\
             def downgrade():\n    op.drop_table('t{i}')\n"
        );
        let mut bytes = Vec::new();
        match i % 97 {
            13 => body.push_str("\ndef broken(:\n    pass\n"),
            29 => body.push_str("\nmatch x:\n    case 1:\n        pass\n"),
            41 => bytes.extend_from_slice(b"\xEF\xBB\xBF"),
            53 => {
                body = format!("# -*- coding: latin-1 -*-\n{body}# caf\u{e9}\n");
                let latin1: Vec<u8> = body.chars().map(|c| c as u32 as u8).collect();
                bytes.extend_from_slice(&latin1);
                body.clear();
            }
            _ => {}
        }
        bytes.extend_from_slice(body.as_bytes());
        std::fs::write(versions.join(format!("{i:04}_step.py")), bytes).expect("write");
    }
    // A second file claiming an existing id: the incident's shape.
    std::fs::write(
        versions.join("9999_dup.py"),
        format!(
            "revision = '{:04}'\ndown_revision = '{:04}'\n",
            n / 2,
            n / 2 - 1
        ),
    )
    .expect("write dup");
    dir.to_path_buf()
}

fn revguard(cache: &Path, project: &Path, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_revguard"))
        .env("REVGUARD_CACHE_DIR", cache)
        .env("NO_COLOR", "1")
        .args(["check", "--format", "json"])
        .args(extra)
        .arg(project)
        .output()
        .expect("revguard runs")
}

fn report(output: &Output) -> Vec<u8> {
    assert_eq!(
        output.status.code(),
        Some(1),
        "the project has findings: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout.clone()
}

fn packs(cache: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(cache)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    found.retain(|p| p.extension().is_some_and(|e| e == "pack"));
    found.sort();
    found
}

#[test]
fn every_job_count_cold_and_warm_gives_the_same_bytes() {
    let work = tempfile::tempdir().expect("tempdir");
    let project = project(&work.path().join("p"), 1200);
    let cache = work.path().join("cache");
    let reference = report(&revguard(&cache, &project, &["--no-cache", "--jobs", "1"]));
    assert!(packs(&cache).is_empty(), "--no-cache writes no result pack");
    let text = String::from_utf8_lossy(&reference);
    for expected in ["duplicate-revision", "syntax-error"] {
        assert!(text.contains(expected), "{expected} in {text:.400}");
    }
    for engine in ["wasm", "native"] {
        for jobs in ["1", "4", "0"] {
            let cold = revguard(
                &cache,
                &project,
                &["--engine", engine, "--jobs", jobs, "--no-cache"],
            );
            assert_eq!(report(&cold), reference, "{engine} --jobs {jobs} cold");
        }
        // First run fills the cache, the second reads it.
        for round in ["filling", "warm"] {
            let run = revguard(&cache, &project, &["--engine", engine, "--jobs", "4"]);
            assert_eq!(report(&run), reference, "{engine} {round}");
        }
    }
    assert_eq!(packs(&cache).len(), 2, "one pack per engine");
}

#[test]
fn a_poisoned_or_truncated_cache_is_never_trusted() {
    let work = tempfile::tempdir().expect("tempdir");
    let project = project(&work.path().join("p"), 300);
    let cache = work.path().join("cache");
    let cold = report(&revguard(&cache, &project, &[]));
    let found = packs(&cache);
    let [pack] = &found[..] else {
        panic!("one pack: {found:?}");
    };
    let pristine = std::fs::read(pack).expect("read pack");
    // Flip bytes all over the pack (keys, checksums, payloads): every
    // damaged entry must be dropped and its file analyzed again.
    let mut poisoned = pristine.clone();
    for at in (64..poisoned.len()).step_by(331) {
        poisoned[at] ^= 0x5a;
    }
    for damaged in [
        poisoned,
        pristine[..pristine.len() * 2 / 3].to_vec(),
        b"garbage".to_vec(),
    ] {
        std::fs::write(pack, &damaged).expect("poison");
        assert_eq!(report(&revguard(&cache, &project, &[])), cold);
        // The run rewrote the pack with intact entries: the next one is warm.
        assert_eq!(report(&revguard(&cache, &project, &[])), cold);
    }
    // A syntax error "fixed" in the cache only: a forged entry for a broken
    // file, with a valid checksum, cannot be made without the file's own
    // bytes hashing to the key, so editing the file is the only way to change
    // its verdict.
    let broken = project.join("migrations/versions/0013_step.py");
    let bytes = std::fs::read(&broken).expect("read");
    std::fs::write(
        &broken,
        String::from_utf8_lossy(&bytes).replace("def broken(:", "def broken():"),
    )
    .expect("fix");
    let fixed = report(&revguard(&cache, &project, &[]));
    assert_ne!(fixed, cold, "the edited file is analyzed again");
    assert_eq!(fixed, report(&revguard(&cache, &project, &["--no-cache"])));
}

#[test]
fn concurrent_runs_share_the_cache_safely() {
    let work = tempfile::tempdir().expect("tempdir");
    let project = project(&work.path().join("p"), 600);
    let cache = work.path().join("cache");
    let reference = report(&revguard(&cache, &project, &["--no-cache"]));
    let children: Vec<_> = (0..4)
        .map(|_| {
            Command::new(env!("CARGO_BIN_EXE_revguard"))
                .env("REVGUARD_CACHE_DIR", &cache)
                .args(["check", "--format", "json", "--jobs", "1"])
                .arg(&project)
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("spawn")
        })
        .collect();
    for child in children {
        let output = child.wait_with_output().expect("wait");
        assert_eq!(report(&output), reference);
    }
    let leftovers: Vec<_> = std::fs::read_dir(&cache)
        .expect("cache dir")
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(
        leftovers.is_empty(),
        "no temporary files left: {leftovers:?}"
    );
    assert_eq!(report(&revguard(&cache, &project, &[])), reference);
}

/// The compiled-guest entry in `cache` (`guest-*.cwasm`).
fn guest_entry(cache: &Path) -> PathBuf {
    let found: Vec<PathBuf> = std::fs::read_dir(cache)
        .expect("cache dir")
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            let name = p.file_name().unwrap_or_default().to_string_lossy();
            name.starts_with("guest-") && name.ends_with(".cwasm")
        })
        .collect();
    let [entry] = &found[..] else {
        panic!("one compiled guest: {found:?}");
    };
    entry.clone()
}

/// Overwrite 4 KiB in the middle of `path` in place (same size): the file
/// still looks like a compiled module to wasmtime's header check. Written
/// until its change time moves, should the clock be too coarse to tell this
/// write from the cache's own.
fn damage(path: &Path) -> Vec<u8> {
    use std::os::unix::fs::MetadataExt as _;
    let changed = |m: &std::fs::Metadata| (m.ctime(), m.ctime_nsec());
    let before = changed(&std::fs::metadata(path).expect("entry"));
    let mut bytes = std::fs::read(path).expect("read entry");
    let middle = bytes.len() / 2;
    bytes[middle..middle + 4096].fill(0xCC);
    loop {
        std::fs::write(path, &bytes).expect("damage");
        if changed(&std::fs::metadata(path).expect("entry")) != before {
            return bytes;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}

/// `revguard argocd generate` for `project` (its own repository, a plain
/// manifest directory as the app), with the compiled-guest cache in `cache`.
fn argocd_generate(cache: &Path, project: &Path) -> Output {
    let app = project.join("deploy");
    std::fs::create_dir_all(&app).expect("mkdir app");
    std::fs::write(
        app.join("cm.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n",
    )
    .expect("write manifest");
    std::fs::create_dir_all(project.join(".git")).expect("mkdir .git");
    Command::new(env!("CARGO_BIN_EXE_revguard"))
        .env_clear()
        .env("REVGUARD_CACHE_DIR", cache)
        .env("PATH", "/usr/bin:/bin")
        .env("ARGOCD_APP_NAME", "billing")
        .current_dir(&app)
        .args(["argocd", "generate"])
        .output()
        .expect("revguard runs")
}

#[test]
fn a_damaged_compiled_guest_is_never_run_and_heals() {
    let work = tempfile::tempdir().expect("tempdir");
    let project = project(&work.path().join("p"), 20);
    let cache = work.path().join("cache");
    let reference = report(&revguard(&cache, &project, &["--no-cache"]));
    assert!(
        !cache.exists() || std::fs::read_dir(&cache).expect("list").next().is_none(),
        "--no-cache neither writes a result pack nor a compiled guest"
    );
    report(&revguard(&cache, &project, &[]));
    let entry = guest_entry(&cache);
    let pristine = std::fs::read(&entry).expect("read entry");

    // `--no-cache` never opens the entry: the damage stays as it was.
    let damaged = damage(&entry);
    assert_eq!(
        report(&revguard(&cache, &project, &["--no-cache"])),
        reference
    );
    assert_eq!(
        std::fs::read(&entry).expect("read"),
        damaged,
        "--no-cache left it"
    );

    // A cached run sees the checksum fail, recompiles and heals the entry.
    assert_eq!(report(&revguard(&cache, &project, &[])), reference);
    assert_eq!(std::fs::read(&entry).expect("read"), pristine, "healed");
    assert_eq!(report(&revguard(&cache, &project, &[])), reference);

    // The plugin, on the same damaged cache: the right verdict, no crash.
    damage(&entry);
    let generated = argocd_generate(&cache, &project);
    let stderr = String::from_utf8_lossy(&generated.stderr);
    assert_eq!(generated.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("duplicate-revision"), "{stderr}");
    assert_eq!(std::fs::read(&entry).expect("read"), pristine, "healed");
}

/// `revguard check` with `REVGUARD_TRACE=1`: the report, and how many files'
/// facts came from the cache and how many were computed.
fn traced(cache: &Path, project: &Path, env: &[(&str, &str)]) -> (Vec<u8>, usize, usize) {
    let output = Command::new(env!("CARGO_BIN_EXE_revguard"))
        .env("REVGUARD_CACHE_DIR", cache)
        .env("REVGUARD_TRACE", "1")
        .envs(env.iter().copied())
        .args(["check", "--format", "json"])
        .arg(project)
        .output()
        .expect("revguard runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let line = stderr
        .lines()
        .find_map(|l| l.strip_prefix("revguard: trace: facts: "))
        .unwrap_or_else(|| panic!("no facts trace in {stderr}"));
    let numbers: Vec<usize> = line.split(' ').filter_map(|w| w.parse().ok()).collect();
    let [cached, computed] = numbers[..] else {
        panic!("{line}");
    };
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    (output.stdout, cached, computed)
}

/// [`project`] with every file made unique to project `tag` (so projects
/// share no cache entry).
fn tagged_project(dir: &Path, n: usize, tag: usize) -> PathBuf {
    let project = project(dir, n);
    let versions = project.join("migrations/versions");
    for entry in std::fs::read_dir(&versions).expect("versions").flatten() {
        let mut bytes = std::fs::read(entry.path()).expect("read");
        bytes.extend_from_slice(format!("# project {tag}\n").as_bytes());
        std::fs::write(entry.path(), bytes).expect("write");
    }
    project
}

#[test]
fn concurrent_runs_of_different_projects_lose_no_entry() {
    let work = tempfile::tempdir().expect("tempdir");
    let cache = work.path().join("cache");
    let projects: Vec<PathBuf> = (0..4)
        .map(|i| tagged_project(&work.path().join(format!("p{i}")), 150, i))
        .collect();
    let children: Vec<_> = projects
        .iter()
        .map(|project| {
            Command::new(env!("CARGO_BIN_EXE_revguard"))
                .env("REVGUARD_CACHE_DIR", &cache)
                .args(["check", "--format", "json", "--jobs", "1"])
                .arg(project)
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("spawn")
        })
        .collect();
    let reports: Vec<Vec<u8>> = children
        .into_iter()
        .map(|child| report(&child.wait_with_output().expect("wait")))
        .collect();
    // Every project's every entry survived the others' writes.
    for (project, cold) in projects.iter().zip(&reports) {
        let (warm, cached, computed) = traced(&cache, project, &[]);
        assert_eq!((cached, computed), (151, 0), "{}", project.display());
        assert_eq!(&warm, cold);
    }
}

#[test]
fn the_cache_is_capped_by_use_and_the_cap_is_validated() {
    let work = tempfile::tempdir().expect("tempdir");
    let cache = work.path().join("cache");
    let (a, b) = (
        tagged_project(&work.path().join("a"), 200, 0),
        tagged_project(&work.path().join("b"), 200, 1),
    );
    let cold_a = report(&revguard(&cache, &a, &["--no-cache"]));
    // A cap that holds one project's entries, not two.
    let cap = [("REVGUARD_CACHE_MAX_BYTES", "192K")];
    assert_eq!(traced(&cache, &a, &cap), (cold_a.clone(), 0, 201));
    assert_eq!(traced(&cache, &a, &cap), (cold_a.clone(), 201, 0));
    let (_, _, computed_b) = traced(&cache, &b, &cap);
    assert_eq!(computed_b, 201);
    // B's entries pushed out A's least recently used ones: A is computed
    // again (partly), with the same report.
    let (again, cached, computed) = traced(&cache, &a, &cap);
    assert_eq!(again, cold_a);
    assert!(
        computed > 0 && cached + computed == 201,
        "{cached} + {computed}"
    );
    for bad in ["lots", "0", "12MB"] {
        let output = Command::new(env!("CARGO_BIN_EXE_revguard"))
            .env("REVGUARD_CACHE_DIR", &cache)
            .env("REVGUARD_CACHE_MAX_BYTES", bad)
            .args(["check"])
            .arg(&a)
            .output()
            .expect("revguard runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{bad}: {stderr}");
        assert!(
            stderr.contains(&format!("REVGUARD_CACHE_MAX_BYTES=\"{bad}\"")),
            "{stderr}"
        );
        assert!(output.stdout.is_empty());
    }
}

#[test]
fn a_link_planted_in_the_cache_is_never_written_through() {
    let work = tempfile::tempdir().expect("tempdir");
    let project = project(&work.path().join("p"), 100);
    let cache = work.path().join("cache");
    let cold = report(&revguard(&cache, &project, &[]));
    let found = packs(&cache);
    let [pack] = &found[..] else {
        panic!("one pack: {found:?}");
    };
    std::fs::remove_file(pack).expect("remove pack");
    let target = work.path().join("precious");
    std::fs::write(&target, b"precious").expect("write");
    let mut names = Vec::new();
    for suffix in ["", "-journal", "-wal", "-shm"] {
        let mut name = pack.clone().into_os_string();
        name.push(suffix);
        std::os::unix::fs::symlink(&target, &name).expect("plant");
        names.push(PathBuf::from(name));
    }
    assert_eq!(report(&revguard(&cache, &project, &[])), cold);
    assert_eq!(std::fs::read(&target).expect("read"), b"precious");
    for name in &names {
        let kind = std::fs::symlink_metadata(name).map(|m| m.file_type().is_symlink());
        assert!(!kind.unwrap_or(false), "{} is still a link", name.display());
    }
    // The pack was rebuilt as a file of its own: the next run is warm.
    let (warm, cached, computed) = traced(&cache, &project, &[]);
    assert_eq!((warm, cached, computed), (cold, 101, 0));
}

/// `revguard check` on `project` with `REVGUARD_TRACE=1`: the exit code, the
/// report, and whether the semantics step (`namespace`'s trace line) was
/// answered from the result cache.
fn traced_verdict(cache: &Path, project: &Path, namespace: &str) -> (Option<i32>, Vec<u8>, bool) {
    let output = Command::new(env!("CARGO_BIN_EXE_revguard"))
        .env("REVGUARD_CACHE_DIR", cache)
        .env("REVGUARD_TRACE", "1")
        .args(["check", "--format", "json"])
        .arg(project)
        .output()
        .expect("revguard runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let cached = stderr.contains(&format!("revguard: trace: {namespace}: from the cache"));
    (output.status.code(), output.stdout, cached)
}

/// The whole-project step of Django and the SQL tools (the graph, the
/// history) is cached by its exact input: an unchanged project is answered
/// from the cache with a byte-identical report; a changed dependency or file
/// is judged anew and gives the new verdict.
#[test]
fn semantics_verdicts_are_cached_by_their_whole_input() {
    let work = tempfile::tempdir().expect("tempdir");
    let cache = work.path().join("cache");
    let cases = [
        (
            "django-leaf-conflict",
            "verdict django",
            "billing/migrations/0003_invoice_due_date.py",
        ),
        (
            "sqlx-duplicate-version",
            "verdict sql",
            "migrations/20240201000000_refunds.sql",
        ),
    ];
    for (example, namespace, to_move) in cases {
        let project = work.path().join(example);
        crate::support::fs::copy_dir(
            &crate::support::fs::repo().join("examples").join(example),
            &project,
        );
        let (code, cold, cached) = traced_verdict(&cache, &project, namespace);
        assert_eq!(code, Some(1), "{example}: the example fails");
        assert!(!cached, "{example}: the first run has nothing cached");
        let (code, warm, cached) = traced_verdict(&cache, &project, namespace);
        assert_eq!(code, Some(1), "{example}");
        assert!(
            cached,
            "{example}: the second run is answered from the cache"
        );
        assert_eq!(
            warm, cold,
            "{example}: a cached verdict gives the same report"
        );

        // Remove the second copy: a new input, judged anew, and healthy.
        std::fs::remove_file(project.join(to_move)).expect("remove");
        let (code, fixed, cached) = traced_verdict(&cache, &project, namespace);
        assert!(!cached, "{example}: a changed project is judged anew");
        assert_eq!(
            code,
            Some(0),
            "{example}: {}",
            String::from_utf8_lossy(&fixed)
        );
    }
}
