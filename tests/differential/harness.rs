//! The oracle process, project writing and the comparison rules.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use revguard_core::report::{AlembicErrorKind, Report, UpgradeVerdict};
use revguard_core::{Content, InputFile, Location, Options, Request};
use serde::Deserialize;

use crate::generate::{Project, Rng};

use revguard_test_support::tools;

fn repo_root() -> PathBuf {
    revguard_test_support::repo()
}

/// What Alembic did with one project (see tests/oracle/oracle.py).
#[derive(Debug, Clone, Deserialize)]
pub struct Actual {
    pub heads: Option<Vec<String>>,
    pub real_heads: Option<Vec<String>>,
    pub bases: Option<Vec<String>>,
    pub real_bases: Option<Vec<String>>,
    pub warnings: Vec<String>,
    pub error: Option<ActualError>,
    pub upgrade_head: Option<String>,
    pub upgrade_heads: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ActualError {
    pub kind: String,
    pub message: String,
}

/// The long-lived Python process.
pub struct Oracle {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    next_id: u64,
    /// The `PYTHONHASHSEED` it runs with.
    pub hash_seed: u32,
}

impl Oracle {
    /// Start the oracle, or explain loudly why not (and fail under CI).
    pub fn spawn_or_skip(test: &str) -> Option<Oracle> {
        Oracle::spawn_or_skip_seeded(test, 0)
    }

    /// As [`Oracle::spawn_or_skip`], with Python's `PYTHONHASHSEED`: Alembic's
    /// choices that depend on hash-set order (which label clash or missing
    /// dependency it names) differ between seeds, and the core must list
    /// every one of them.
    pub fn spawn_or_skip_seeded(test: &str, hash_seed: u32) -> Option<Oracle> {
        let (python, origin) = tools::oracle_python();
        match Oracle::spawn(&python, hash_seed) {
            Ok(oracle) => Some(oracle),
            Err(why) => {
                let why = format!(
                    "{origin} = {}: {why}; run tests/oracle/setup-venv.sh, or set REVGUARD_PYTHON to a venv python",
                    python.display()
                );
                tools::require("Python with alembic==1.20.1", test, false, &why);
                None
            }
        }
    }

    fn spawn(python: &Path, hash_seed: u32) -> Result<Oracle, String> {
        let script = repo_root().join("tests/oracle/oracle.py");
        let mut child = Command::new(python)
            .arg("-X")
            .arg("utf8")
            .arg(&script)
            .env("PYTHONHASHSEED", hash_seed.to_string())
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .env_remove("PYTHONPATH")
            .env_remove("ALEMBIC_CONFIG")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start: {e}"))?;
        let stdin = child.stdin.take().expect("piped stdin");
        let stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
        let mut oracle = Oracle {
            child,
            stdin,
            stdout,
            next_id: 1,
            hash_seed,
        };
        let hello = oracle
            .roundtrip(serde_json::json!({"op": "version"}))
            .map_err(|e| format!("no handshake: {e}"))?;
        if let Some(fatal) = hello.get("fatal") {
            return Err(fatal.to_string());
        }
        let version = hello.get("alembic").and_then(|v| v.as_str()).unwrap_or("?");
        if version != "1.20.1" {
            return Err(format!("found alembic {version}, need 1.20.1"));
        }
        Ok(oracle)
    }

    fn roundtrip(&mut self, mut request: serde_json::Value) -> Result<serde_json::Value, String> {
        let id = self.next_id;
        self.next_id += 1;
        request["id"] = id.into();
        let mut line = serde_json::to_string(&request).expect("json");
        line.push('\n');
        self.stdin
            .write_all(line.as_bytes())
            .map_err(|e| e.to_string())?;
        self.stdin.flush().map_err(|e| e.to_string())?;
        let mut answer = String::new();
        let n = self
            .stdout
            .read_line(&mut answer)
            .map_err(|e| e.to_string())?;
        if n == 0 {
            return Err("oracle exited".into());
        }
        let value: serde_json::Value = serde_json::from_str(&answer)
            .map_err(|e| format!("bad oracle line {answer:?}: {e}"))?;
        if value.get("id").and_then(|v| v.as_u64()) != Some(id) {
            return Err(format!("out of step: sent {id}, got {answer}"));
        }
        Ok(value)
    }

    /// Load the project whose ini file is `ini`.
    pub fn load(&mut self, ini: &Path) -> Actual {
        let value = self
            .roundtrip(serde_json::json!({"ini": ini.to_str().expect("utf-8 temp path")}))
            .unwrap_or_else(|e| panic!("oracle failed: {e}"));
        if let Some(err) = value.get("oracle_error") {
            panic!(
                "oracle crashed on {}: {}",
                ini.display(),
                err.as_str().unwrap_or_default()
            );
        }
        serde_json::from_value(value).expect("oracle answer shape")
    }
}

impl Drop for Oracle {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Write `project` under `dir` as a real Alembic project and build the
/// request the host would send for it.
pub fn write_project(project: &Project, dir: &Path, seed: u64) -> Request {
    std::fs::create_dir_all(dir.join("alembic/versions")).expect("mkdir");
    std::fs::write(dir.join("alembic.ini"), project.ini()).expect("write ini");
    for (path, text) in Project::scaffold() {
        std::fs::write(dir.join(path), text).expect("write scaffold");
    }
    for loc in &project.locations {
        std::fs::create_dir_all(dir.join(loc)).expect("mkdir location");
    }
    // Regular files first, then symlinks to them.
    let mut ordered: Vec<_> = project.files.iter().collect();
    ordered.sort_by_key(|f| f.link_to.is_some());
    for file in ordered {
        let path = dir.join(&project.locations[file.location]).join(&file.path);
        if path.symlink_metadata().is_ok() {
            continue; // the same directory listed twice
        }
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        match &file.link_to {
            None => std::fs::write(&path, &file.bytes).expect("write file"),
            Some((loc, target)) => {
                let target = dir.join(&project.locations[*loc]).join(target);
                #[cfg(unix)]
                std::os::unix::fs::symlink(&target, &path).expect("symlink");
                #[cfg(not(unix))]
                std::fs::copy(&target, &path).expect("copy");
            }
        }
    }

    // The host passes resolved paths where they differ (symlinks, a location
    // listed twice); sometimes pass them for every file: it must not matter.
    let needs_real = project.files.iter().any(|f| f.link_to.is_some())
        || project.tags.contains(&"location-listed-twice")
        || project.tags.contains(&"overlapping-recursive");
    let all_real = needs_real || Rng::new(seed ^ 0x5151).pct(30);
    let files = project
        .files
        .iter()
        .map(|file| {
            let path = dir.join(&project.locations[file.location]).join(&file.path);
            let real_path = if all_real {
                let real = std::fs::canonicalize(&path).expect("canonicalize");
                Some(real.to_str().expect("utf-8 path").to_string())
            } else {
                None
            };
            InputFile {
                location: file.location,
                path: file.path.clone(),
                real_path,
                content: Content::from_bytes(file.bytes.clone()),
            }
        })
        .collect();
    Request {
        locations: project
            .locations
            .iter()
            .map(|p| Location { path: p.clone() })
            .collect(),
        files,
        options: Options {
            recursive: project.recursive,
            ..Options::default()
        },
    }
}

/// The outcome of comparing one case.
#[derive(Debug)]
pub enum Verdict {
    Agree,
    /// The core said it could not read everything statically, in a case
    /// that contains constructs where that is an acceptable answer.
    Dynamic,
    Mismatch(Vec<String>),
}

fn fmt_list(list: &[String]) -> String {
    format!(
        "({})",
        list.iter()
            .map(|s| format!("{s:?}"))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// Compare the core's prediction with what Alembic did.
///
/// Errors: same exception class, and Alembic's message is one of the
/// messages the core lists (it lists every possibility where Alembic's
/// choice depends on hash-set order). Otherwise: heads, real heads, bases
/// and real bases as ordered lists (Alembic builds them in load order,
/// deterministically), warnings as sets, and whether `upgrade head` works.
///
/// Cases with constructs a static reader may decline (`dynamic_ok`: tuple
/// unpacking, `"a" + "b"`, `\N{...}`) are skipped when the core says so
/// (an incomplete report, or an error of kind `Unknown`). In every other
/// case a `dynamic-value` finding is itself a mismatch: all bindings are
/// literals.
pub fn compare_case(report: &Report, actual: &Actual, dynamic_ok: bool) -> Verdict {
    let mut diffs = Vec::new();
    let predicted = &report.alembic;
    if dynamic_ok
        && predicted
            .error
            .as_ref()
            .is_some_and(|e| e.kind == AlembicErrorKind::Unknown)
    {
        return Verdict::Dynamic;
    }
    if !dynamic_ok {
        for diag in report
            .diagnostics
            .iter()
            .filter(|d| d.check == "dynamic-value")
        {
            diffs.push(format!(
                "core calls a literal not statically known: {}",
                diag.message
            ));
        }
    }
    match (&actual.error, &predicted.error) {
        (Some(a), Some(p)) => {
            if a.kind != p.kind.as_str() {
                diffs.push(format!("error kind: alembic {} vs core {}", a.kind, p.kind));
            }
            if !p.messages.contains(&a.message) {
                diffs.push(format!(
                    "error message: alembic {:?} not among core's {:?}",
                    a.message, p.messages
                ));
            }
        }
        (Some(a), None) => diffs.push(format!(
            "alembic raised {}: {} but core predicts a clean load",
            a.kind, a.message
        )),
        (None, Some(p)) => diffs.push(format!(
            "core predicts {}: {:?} but alembic loaded fine",
            p.kind, p.messages
        )),
        (None, None) => {
            type Pair<'a> = (&'a str, &'a Option<Vec<String>>, &'a Vec<String>);
            let pairs: [Pair; 4] = [
                ("heads", &actual.heads, &report.heads),
                ("real_heads", &actual.real_heads, &report.real_heads),
                ("bases", &actual.bases, &report.bases),
                ("real_bases", &actual.real_bases, &report.real_bases),
            ];
            for (name, a, p) in pairs {
                let a = a.as_deref().unwrap_or_default();
                if a != p.as_slice() {
                    diffs.push(format!(
                        "{name}: alembic {} vs core {}",
                        fmt_list(a),
                        fmt_list(p)
                    ));
                }
            }
            let a_ok = actual.upgrade_head.as_deref() == Some("ok");
            let p_ok = predicted.upgrade_head.is_ok();
            // The core declines to predict `upgrade head` through a cycle
            // Alembic does not detect (whether its walk ends depends on
            // traversal details); the `cycle` check reports it regardless.
            let declined = predicted.upgrade_head.verdict() == UpgradeVerdict::Unknown;
            if a_ok != p_ok && !declined {
                diffs.push(format!(
                    "upgrade head: alembic {:?} vs core {:?}",
                    actual.upgrade_head.as_deref().unwrap_or("?"),
                    predicted.upgrade_head.to_string()
                ));
            }
        }
    }
    let mut a_w = actual.warnings.clone();
    let mut p_w = predicted.warnings.clone();
    a_w.sort();
    a_w.dedup();
    p_w.sort();
    p_w.dedup();
    if a_w != p_w {
        diffs.push(format!("warnings: alembic {a_w:?} vs core {p_w:?}"));
    }
    if diffs.is_empty() {
        Verdict::Agree
    } else if dynamic_ok && !report.complete {
        Verdict::Dynamic
    } else {
        Verdict::Mismatch(diffs)
    }
}

/// What is unusual about a file's bytes: a BOM, CR line ends, not UTF-8.
fn file_notes(file: &InputFile) -> Vec<&'static str> {
    let bytes = file.content.bytes().unwrap_or_default();
    let mut notes = Vec::new();
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        notes.push("BOM");
    }
    if bytes.windows(2).any(|w| w == b"\r\n") {
        notes.push("CRLF");
    } else if bytes.contains(&b'\r') {
        notes.push("CR");
    }
    if matches!(file.content, Content::Bytes(_)) {
        notes.push("not UTF-8");
    }
    notes
}

/// A full, reproducible description of a mismatch.
pub fn describe_mismatch(
    title: &str,
    dir: &Path,
    request: &Request,
    actual: &Actual,
    report: &Report,
    diffs: &[String],
) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "==================== MISMATCH: {title}");
    let _ = writeln!(
        out,
        "project: {} (alembic.ini there; `alembic heads` reproduces)",
        dir.display()
    );
    for d in diffs {
        let _ = writeln!(out, "  * {d}");
    }
    let _ = writeln!(
        out,
        "locations: {:?}; recursive: {}",
        request
            .locations
            .iter()
            .map(|l| &l.path)
            .collect::<Vec<_>>(),
        request.options.recursive
    );
    let mut files: Vec<&InputFile> = request.files.iter().collect();
    files.sort_by(|a, b| (a.location, &a.path).cmp(&(b.location, &b.path)));
    for file in files {
        let bytes = file.content.bytes().unwrap_or_default();
        let notes = file_notes(file);
        let _ = writeln!(
            out,
            "----- [{}] {}{}{}",
            file.location,
            file.path,
            file.real_path
                .as_deref()
                .map(|r| format!(" (real {r})"))
                .unwrap_or_default(),
            if notes.is_empty() {
                String::new()
            } else {
                format!(" [{}]", notes.join(", "))
            }
        );
        let text = String::from_utf8_lossy(bytes)
            .replace("\r\n", "\n")
            .replace('\r', "\n");
        for line in text.lines() {
            let _ = writeln!(out, "    {line}");
        }
    }
    // The core's reading problems, with the text they point at: usually the
    // quickest way to the cause of a mismatch.
    for diag in &report.diagnostics {
        if !matches!(
            diag.check.as_str(),
            "syntax-error" | "dynamic-value" | "unreadable-revision"
        ) {
            continue;
        }
        let _ = writeln!(out, "core {}: {}", diag.check, diag.message);
        for label in diag.labels.iter().take(2) {
            let snippet = report
                .files
                .get(label.file)
                .and_then(|entry| request.files.iter().find(|f| entry.path.ends_with(&f.path)))
                .and_then(|f| f.content.bytes())
                .and_then(|b| b.get(label.span.start..label.span.end.min(b.len())))
                .map(|b| String::from_utf8_lossy(b).into_owned())
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "    at {}:{}:{} {:?} ({})",
                label.path, label.start.line, label.start.column, snippet, label.message
            );
        }
    }
    let _ = writeln!(
        out,
        "alembic: heads {:?} real_heads {:?} bases {:?} real_bases {:?} warnings {:?} error {:?} upgrade head {:?}",
        actual.heads,
        actual.real_heads,
        actual.bases,
        actual.real_bases,
        actual.warnings,
        actual.error,
        actual.upgrade_head
    );
    let _ = writeln!(
        out,
        "core:    heads {:?} real_heads {:?} bases {:?} real_bases {:?} warnings {:?} error {:?} upgrade head {:?} complete {}",
        report.heads,
        report.real_heads,
        report.bases,
        report.real_bases,
        report.alembic.warnings,
        report.alembic.error,
        report.alembic.upgrade_head.to_string(),
        report.complete
    );
    out
}

/// Counts of what the run exercised, so a generator regression that stops
/// producing some shape is visible.
#[derive(Default)]
pub struct Stats {
    pub cases: usize,
    pub agree: usize,
    pub dynamic: usize,
    pub mismatches: usize,
    pub errors: BTreeMap<String, usize>,
    pub tags: BTreeMap<&'static str, usize>,
    pub with_warnings: usize,
    pub multi_head: usize,
}

impl Stats {
    pub fn record(&mut self, project: &Project, actual: &Actual, verdict: &Verdict) {
        self.cases += 1;
        match verdict {
            Verdict::Agree => self.agree += 1,
            Verdict::Dynamic => self.dynamic += 1,
            Verdict::Mismatch(_) => self.mismatches += 1,
        }
        let outcome = match &actual.error {
            Some(e) => e.kind.clone(),
            None => "ok".into(),
        };
        *self.errors.entry(outcome).or_default() += 1;
        for tag in &project.tags {
            *self.tags.entry(tag).or_default() += 1;
        }
        if !actual.warnings.is_empty() {
            self.with_warnings += 1;
        }
        if actual.heads.as_ref().is_some_and(|h| h.len() > 1) {
            self.multi_head += 1;
        }
    }

    pub fn merge(&mut self, other: Stats) {
        self.cases += other.cases;
        self.agree += other.agree;
        self.dynamic += other.dynamic;
        self.mismatches += other.mismatches;
        self.with_warnings += other.with_warnings;
        self.multi_head += other.multi_head;
        for (k, v) in other.errors {
            *self.errors.entry(k).or_default() += v;
        }
        for (k, v) in other.tags {
            *self.tags.entry(k).or_default() += v;
        }
    }

    pub fn summary(&self) -> String {
        format!(
            "{} agree, {} dynamic (skipped), {} mismatches; alembic outcomes {:?}; {} with warnings, {} with several heads; tags {:?}",
            self.agree,
            self.dynamic,
            self.mismatches,
            self.errors,
            self.with_warnings,
            self.multi_head,
            self.tags
        )
    }
}
