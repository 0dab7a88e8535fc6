//! Differential test: "does this file compile?" against every CPython here.
//!
//! Realistic migration modules ([`corpus`]) get realistic slips ([`slips`]);
//! each file is compiled by `tests/oracle/compile_oracle.py` under every
//! CPython found (`python3.8` … `python3.14` on PATH or under pyenv, and the
//! machine's `python3`) exactly as Alembic's import compiles it, and checked
//! by revguard's core with the same target version. Any disagreement is a
//! defect: a miss lets a crash loop deploy, a false alarm blocks a good one.
//!
//! `REVGUARD_SYNTAX_CASES` (default 2000 files), `REVGUARD_SYNTAX_SEED`,
//! `REVGUARD_SYNTAX_SHOW` (disagreements printed in full, default 12). No
//! Python at all: a loud skip, or a failure under `CI`.

mod corpus;
mod nesting;
mod slips;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use revguard_core::python::PythonVersion;
use revguard_test_support::{generate, tools};

/// One interpreter and the feature version it reports.
struct Python {
    version: PythonVersion,
    path: PathBuf,
}

fn version_of(path: &Path) -> Option<PythonVersion> {
    let out = Command::new(path)
        .args(["-c", "import sys; print('%d.%d' % sys.version_info[:2])"])
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    String::from_utf8_lossy(&out.stdout).trim().parse().ok()
}

/// Every CPython 3.7+ on this machine, one per feature version.
fn pythons() -> Vec<Python> {
    let mut candidates: Vec<PathBuf> = Vec::new();
    let pyenv = std::env::var_os("PYENV_ROOT")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".pyenv")));
    for minor in 7..=14 {
        candidates.push(PathBuf::from(format!("python3.{minor}")));
        if let Some(root) = &pyenv
            && let Ok(entries) = std::fs::read_dir(root.join("versions"))
        {
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                if name.starts_with(&format!("3.{minor}.")) {
                    candidates.push(entry.path().join(format!("bin/python3.{minor}")));
                }
            }
        }
    }
    candidates.push(PathBuf::from("python3"));
    let mut found: BTreeMap<PythonVersion, PathBuf> = BTreeMap::new();
    for path in candidates {
        if let Some(version) = version_of(&path) {
            found.entry(version).or_insert(path);
        }
    }
    found
        .into_iter()
        .map(|(version, path)| Python { version, path })
        .collect()
}

/// The files under test: name, slip and bytes.
fn cases(count: usize, seed: u64) -> Vec<(String, &'static str, Vec<u8>)> {
    let mut rng = generate::Rng::new(seed);
    let mut out = Vec::with_capacity(count);
    let example =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/incident-443/migrations/versions");
    let mut bases: Vec<String> = std::fs::read_dir(&example)
        .map(|entries| {
            entries
                .flatten()
                .filter(|e| e.path().extension().is_some_and(|x| x == "py"))
                .filter_map(|e| std::fs::read_to_string(e.path()).ok())
                .collect()
        })
        .unwrap_or_default();
    bases.sort();
    for index in 0..count {
        let base = if !bases.is_empty() && rng.pct(10) {
            rng.pick(&bases).clone()
        } else {
            corpus::module(&mut rng, index)
        };
        // A quarter stay healthy: false alarms matter as much as misses.
        let slip = if rng.pct(25) {
            &slips::SLIPS[0]
        } else {
            &slips::SLIPS[1 + rng.below(slips::SLIPS.len() - 1)]
        };
        let bytes = (slip.apply)(&mut rng, &base);
        out.push((format!("case_{index:05}.py"), slip.name, bytes));
    }
    out
}

fn oracle(python: &Python, dir: &Path) -> BTreeMap<String, (bool, String)> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/oracle/compile_oracle.py");
    let out = Command::new(&python.path)
        .arg(&script)
        .arg(dir)
        .output()
        .expect("run the compile oracle");
    assert!(
        out.status.success(),
        "compile oracle under {} failed: {}",
        python.path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Vec<(String, bool, String)> =
        serde_json::from_slice(&out.stdout).expect("oracle output is JSON");
    rows.into_iter().map(|(n, ok, m)| (n, (ok, m))).collect()
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default)
}

#[test]
fn compiles_exactly_when_cpython_does() {
    let pythons = pythons();
    if !tools::require(
        "a CPython",
        "compiles_exactly_when_cpython_does",
        !pythons.is_empty(),
        "no python3 (or python3.N) on this machine",
    ) {
        return;
    }
    let count = env_number("REVGUARD_SYNTAX_CASES", 2000) as usize;
    let seed = env_number("REVGUARD_SYNTAX_SEED", 0x5EED_5747_A401);
    let show = env_number("REVGUARD_SYNTAX_SHOW", 12) as usize;
    let files = cases(count, seed);
    let dir = tempfile::Builder::new()
        .prefix("revguard-syntax-")
        .tempdir()
        .expect("tempdir");
    for (name, _, bytes) in &files {
        std::fs::write(dir.path().join(name), bytes).expect("write case");
    }
    let mut disagreements = Vec::new();
    let mut compared = 0usize;
    let mut refused = 0usize;
    let mut unreadable = 0usize;
    for python in &pythons {
        let verdicts = oracle(python, dir.path());
        for (name, slip, bytes) in &files {
            let (ok, cpython) = verdicts.get(name).cloned().expect("oracle saw every file");
            let module = revguard_core::parse::compile_module(bytes, python.version);
            if module
                .facts
                .syntax_error
                .as_ref()
                .is_some_and(|e| e.unsupported)
            {
                // An encoding revguard does not decode: reported as "cannot
                // be read statically", a verdict of its own, not compared.
                unreadable += 1;
                continue;
            }
            let ours = module
                .facts
                .syntax_error
                .as_ref()
                .map(|e| e.message.clone());
            compared += 1;
            refused += usize::from(!ok);
            if ok == ours.is_none() {
                continue;
            }
            disagreements.push((
                format!(
                    "{name} [{slip}] under Python {}: CPython {}, revguard {}",
                    python.version,
                    if ok {
                        "compiles it".to_string()
                    } else {
                        cpython
                    },
                    ours.map_or_else(|| "accepts it".to_string(), |m| format!("says: {m}")),
                ),
                String::from_utf8_lossy(bytes).into_owned(),
            ));
        }
    }
    let versions: Vec<String> = pythons.iter().map(|p| p.version.to_string()).collect();
    eprintln!(
        "syntax differential: {} files x Python {} = {compared} verdicts compared ({refused} refused by CPython; {unreadable} in encodings revguard does not decode, not compared), {} disagreements",
        files.len(),
        versions.join(", "),
        disagreements.len()
    );
    assert!(
        unreadable * 100 <= compared,
        "over 1% of the files were not compared ({unreadable})"
    );
    if !disagreements.is_empty() {
        let kept = dir.keep();
        for (line, text) in disagreements.iter().take(show) {
            eprintln!("---- {line}\n{text}");
        }
        for (line, _) in disagreements.iter().skip(show).take(300) {
            eprintln!("- {line}");
        }
        panic!(
            "{} disagreements with CPython (files kept in {})",
            disagreements.len(),
            kept.display()
        );
    }
}

/// revguard's verdict on one file: `None` when it compiles, else whether
/// revguard declined to decide and its message. Run on a thread with a
/// known stack, as the native engine's workers are.
fn verdict(bytes: &[u8], version: PythonVersion) -> Option<(bool, String)> {
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .stack_size(64 << 20)
            .spawn_scoped(scope, || {
                revguard_core::parse::compile_module(bytes, version)
                    .facts
                    .syntax_error
                    .as_ref()
                    .map(|e| (e.unsupported, e.message.clone()))
            })
            .expect("spawn")
            .join()
            .expect("the core panicked")
    })
}

/// Nesting at and around CPython's limits, and breadth that is not nesting:
/// where revguard says "compiles", every CPython compiles it; where it says
/// "refused", every CPython refuses it; "not validated statically" is
/// counted, and allowed only past the safe depth of `docs/syntax.md`.
#[test]
fn nesting_agrees_with_cpython() {
    let pythons = pythons();
    if !tools::require(
        "a CPython",
        "nesting_agrees_with_cpython",
        !pythons.is_empty(),
        "no python3 (or python3.N) on this machine",
    ) {
        return;
    }
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    for (index, (kind, make)) in nesting::DEEP.iter().enumerate() {
        for &n in nesting::DEPTHS {
            files.push((
                format!("deep_{index:02}_{n:06}.py|{kind} x {n}"),
                make(n).into_bytes(),
            ));
        }
    }
    for &n in nesting::BRACKETS {
        let text = format!("x = {}1{}\n", "(".repeat(n), ")".repeat(n));
        files.push((
            format!("brackets_{n:03}.py|{n} brackets"),
            text.into_bytes(),
        ));
    }
    for (index, (kind, text)) in nesting::wide().into_iter().enumerate() {
        files.push((format!("wide_{index:02}.py|{kind}"), text.into_bytes()));
    }
    let dir = tempfile::Builder::new()
        .prefix("revguard-nesting-")
        .tempdir()
        .expect("tempdir");
    for (name, bytes) in &files {
        let file = name.split('|').next().unwrap_or(name);
        std::fs::write(dir.path().join(file), bytes).expect("write case");
    }
    let mut wrong = Vec::new();
    let (mut agreed, mut unknown) = (0usize, 0usize);
    for python in &pythons {
        if python.version < PythonVersion::OLDEST {
            continue;
        }
        let verdicts = oracle(python, dir.path());
        for (name, bytes) in &files {
            let (file, shape) = name.split_once('|').unwrap_or((name, name));
            let (ok, cpython) = verdicts.get(file).cloned().expect("oracle saw every file");
            match verdict(bytes, python.version) {
                Some((true, _)) => unknown += 1,
                ours if ours.is_none() == ok => agreed += 1,
                ours => wrong.push(format!(
                    "{shape} under Python {}: CPython {}, revguard {}",
                    python.version,
                    if ok { "compiles it".into() } else { cpython },
                    ours.map_or_else(|| "accepts it".into(), |(_, m)| format!("says: {m}")),
                )),
            }
        }
    }
    eprintln!(
        "nesting differential: {} shapes x {} Pythons: {agreed} verdicts agree, {unknown} not validated statically, {} disagree",
        files.len(),
        pythons.len(),
        wrong.len()
    );
    assert!(agreed > unknown, "most shapes must get a verdict");
    assert!(
        wrong.is_empty(),
        "{} disagreements:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}
