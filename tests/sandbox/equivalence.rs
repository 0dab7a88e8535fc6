//! Engine equivalence: the wasm guest and the native core give byte-identical
//! JSON for every fixture, for long histories and for a generated batch of
//! odd requests.

use std::fs;
use std::path::Path;

use revguard_core::{Content, InputFile, Location, Request};

use crate::{both_engines, linear_chain, repo_root, sandbox, support};

#[test]
fn a_long_linear_history_runs_in_the_guest() {
    // Alembic histories with tens of thousands of revisions exist; a
    // recursive graph walk would overflow the wasm stack long before this.
    let n = 50_000;
    let request = serde_json::to_vec(&linear_chain(n)).expect("serialises");
    let (native, wasm) = both_engines(&request);
    assert!(native == wasm, "engines disagree on a {n}-revision chain");
    let report: serde_json::Value = serde_json::from_slice(&wasm).expect("JSON");
    assert!(report.get("error").is_none(), "{}", report["error"]);
    assert_eq!(report["heads"], serde_json::json!([format!("r{}", n - 1)]));
    assert_eq!(report["bases"], serde_json::json!(["r0"]));
    assert_eq!(report["revisions"].as_array().map(Vec::len), Some(n));
}

#[test]
fn every_catalogue_fixture_and_example_gives_identical_json() {
    let fixtures = support::catalogue::fixtures();
    let mut examples = Vec::new();
    collect_dirs(&repo_root().join("examples"), &mut examples);
    let mut compared = 0;
    for dir in fixtures.iter().chain(&examples) {
        let request = request_for_dir(dir);
        if request.files.is_empty() {
            continue;
        }
        let bytes = serde_json::to_vec(&request).expect("serialises");
        let (native, wasm) = both_engines(&bytes);
        assert!(
            native == wasm,
            "engines disagree on {}:\nnative: {}\nwasm:   {}",
            dir.display(),
            String::from_utf8_lossy(&native),
            String::from_utf8_lossy(&wasm)
        );
        compared += 1;
    }
    let minimum = support::catalogue::minimum(revguard_core::checks::registry().count());
    assert!(
        compared >= minimum,
        "only {compared} fixture directories held migrations; the catalogue alone has at least {minimum}"
    );
    assert!(
        examples
            .iter()
            .any(|d| d.ends_with("incident-443/migrations/versions")),
        "the bundled example is compared: {examples:?}"
    );
}

#[test]
fn generated_requests_give_identical_json() {
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    let mut reports = 0;
    for case in 0..300 {
        let request = random_request(&mut rng);
        let bytes = serde_json::to_vec(&request).expect("serialises");
        let (native, wasm) = both_engines(&bytes);
        assert!(
            native == wasm,
            "engines disagree on generated case {case}:\nrequest: {}\nnative: {}\nwasm:   {}",
            String::from_utf8_lossy(&bytes),
            String::from_utf8_lossy(&native),
            String::from_utf8_lossy(&wasm)
        );
        let value: serde_json::Value = serde_json::from_slice(&wasm).expect("JSON");
        if value.get("error").is_none() && value.get("schema_version").is_some() {
            reports += 1;
        }
    }
    assert_eq!(
        reports, 300,
        "every generated request is valid, so each gives a report"
    );
}

#[test]
fn malformed_requests_give_identical_errors() {
    for request in [
        &b""[..],
        b"not json",
        b"{\"files\": 3}",
        b"{\"unknown\": true}",
        b"[1, 2",
        b"{\"files\":[{\"path\":\"a.py\",\"content\":{\"text\":\"\xff\"}}]}",
    ] {
        let (native, wasm) = both_engines(request);
        assert_eq!(
            native,
            wasm,
            "request {:?}",
            String::from_utf8_lossy(request)
        );
        let value: serde_json::Value = serde_json::from_slice(&wasm).expect("JSON out");
        assert!(
            value.get("error").is_some(),
            "expected an error object: {value}"
        );
    }
}

/// Every directory under `dir` (itself included) that directly holds files.
fn collect_dirs(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    if entries.iter().any(|p| p.is_file()) {
        out.push(dir.to_path_buf());
    }
    for path in entries {
        if path.is_dir() {
            collect_dirs(&path, out);
        }
    }
}

/// A request with every `.py` file under `dir` (recursively), or the
/// directory's `request.json` when it has one.
fn request_for_dir(dir: &Path) -> Request {
    if let Ok(bytes) = fs::read(dir.join("request.json"))
        && let Ok(request) = serde_json::from_slice(&bytes)
    {
        return request;
    }
    let mut files = Vec::new();
    collect_py(dir, dir, &mut files);
    Request {
        locations: vec![Location {
            path: dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
        }],
        files,
        ..Request::default()
    }
}

fn collect_py(root: &Path, dir: &Path, out: &mut Vec<InputFile>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            // A catalogue fixture's `base/` is an older commit of the
            // project, not part of it.
            if dir == root && path.ends_with("base") {
                continue;
            }
            collect_py(root, &path, out);
        } else if path.extension().is_some_and(|e| e == "py")
            && let Ok(bytes) = fs::read(&path)
        {
            let relative = path.strip_prefix(root).unwrap_or(&path);
            out.push(InputFile {
                location: 0,
                path: relative.to_string_lossy().replace('\\', "/"),
                real_path: None,
                content: Content::from_bytes(bytes),
            });
        }
    }
}

/// xorshift64*: small, deterministic, good enough to shuffle fixtures.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// A request of up to 25 files drawn from a small pool of revision ids, so
/// duplicates, cycles, missing parents, merges, labels and dependencies all
/// come up, mixed with syntax Alembic would choke on.
fn random_request(rng: &mut Rng) -> Request {
    const IDS: &[&str] = &[
        "a1",
        "b2",
        "c3",
        "d4",
        "e5",
        "f6",
        "ae1027a6acf",
        "3f2c1b0a9e8d",
        "head",
        "base",
        "x y",
        "",
    ];
    const NAMES: &[&str] = &[
        "{i}_add_users.py",
        "{i}_merge.py",
        "__init__.py",
        "{i}.pyc",
        "sub/{i}_nested.py",
        "{i}_UPPER.PY",
        "{i}_x.py",
        ".#{i}.py",
    ];
    let locations = 1 + rng.below(2);
    let count = rng.below(26);
    let mut files = Vec::with_capacity(count);
    for i in 0..count {
        let name = rng.pick(NAMES).replace("{i}", &format!("{i:03}"));
        let mut text = String::new();
        if rng.below(3) == 0 {
            let id = rng.pick(IDS);
            let parent = rng.pick(IDS);
            text.push_str(&format!(
                "\"\"\"generated\n\nRevision ID: {id}\nRevises: {parent}\nCreate Date: 2024-01-01\n\n\"\"\"\n"
            ));
        }
        for _ in 0..rng.below(7) {
            let a = rng.pick(IDS);
            let b = rng.pick(IDS);
            let line = match rng.below(16) {
                0 | 1 => format!("revision = '{a}'"),
                2 => format!("revision: str = \"{a}\""),
                3 | 4 => format!("down_revision = '{a}'"),
                5 => "down_revision = None".to_string(),
                6 => format!("down_revision = ('{a}', '{b}')"),
                7 => format!("down_revision: Union[str, Sequence[str], None] = '{a}'"),
                8 => format!("branch_labels = ('{a}',)"),
                9 => format!("depends_on = '{b}'"),
                10 => "depends_on = None".to_string(),
                11 => "revision = make_id()".to_string(),
                12 => format!("if DEBUG:\n    down_revision = '{a}'"),
                13 => format!("revision = '{a}"),
                14 => "def upgrade():\n    op.create_table('t')\n".to_string(),
                _ => "import sqlalchemy as sa\r".to_string(),
            };
            text.push_str(&line);
            text.push('\n');
        }
        let content = match rng.below(20) {
            0 => Content::Bytes({
                let mut bytes = text.into_bytes();
                bytes.push(0xff);
                bytes
            }),
            1 => Content::Unread("larger than the 1 MiB file cap".into()),
            _ => Content::Text(text),
        };
        files.push(InputFile {
            location: rng.below(locations),
            path: name,
            real_path: None,
            content,
        });
    }
    Request {
        locations: (0..locations)
            .map(|l| Location {
                path: format!("migrations/versions{l}"),
            })
            .collect(),
        files,
        ..Request::default()
    }
}

/// Odd files for the per-file phase: syntax errors (from the binding reader
/// and from the whole-file parse), encodings, a BOM, bytes that are not UTF-8.
fn odd_files() -> Vec<InputFile> {
    let texts: [&[u8]; 8] = [
        b"revision = 'a'\ndown_revision = None\n",
        b"revision = 'b'\ndown_revision = 'a'\ndef f(:\n    pass\n",
        b"revision = 'c'\ndown_revision = 'b'\nx = (\n",
        b"\xEF\xBB\xBFrevision = 'd'\ndown_revision = 'c'\n",
        b"# -*- coding: latin-1 -*-\nrevision = 'e'\ndown_revision = 'd'\n# caf\xe9\n",
        b"revision = 'f'\ndown_revision = 'e'\n# \xff\xfe in a comment\n",
        b"revision = 'g'\ndown_revision = 'f'\nmatch x:\n    case 1:\n        pass\n",
        b"",
    ];
    texts
        .iter()
        .enumerate()
        .map(|(i, bytes)| InputFile {
            location: 0,
            path: format!("{i:03}_odd.py"),
            real_path: None,
            content: Content::from_bytes(bytes.to_vec()),
        })
        .collect()
}

#[test]
fn facts_from_parallel_guests_equal_the_native_ones() {
    use revguard_core::python::PythonVersion;
    let files = odd_files();
    let bytes: Vec<&[u8]> = files
        .iter()
        .map(|f| f.content.bytes().unwrap_or_default())
        .collect();
    for version in [
        PythonVersion::OLDEST,
        PythonVersion::DEFAULT,
        PythonVersion::NEWEST,
    ] {
        let native: Vec<Vec<u8>> = bytes
            .iter()
            .map(|b| revguard_core::wire::encode_facts(&revguard_core::parse::analyze(b, version)))
            .collect();
        for jobs in [1, 3] {
            let wasm = sandbox::analyze(&bytes, version, &sandbox::Limits::default(), jobs)
                .expect("the guest analyzes");
            assert_eq!(wasm, native, "{version} --jobs {jobs}");
        }
    }
}

#[test]
fn a_check_with_facts_equals_one_without() {
    let mut request = Request {
        files: odd_files(),
        ..Request::default()
    };
    request.files.push(InputFile {
        location: 0,
        path: "big.pyc".into(),
        real_path: None,
        content: Content::Unread("compiled bytecode".into()),
    });
    let version = request.options.python.version;
    let facts: Vec<Option<Vec<u8>>> = request
        .files
        .iter()
        .map(|f| {
            let bytes = f.content.bytes()?;
            Some(revguard_core::wire::encode_facts(
                &revguard_core::parse::analyze(bytes, version),
            ))
        })
        .collect();
    let given: Vec<Option<&[u8]>> = facts.iter().map(Option::as_deref).collect();
    let native = revguard_core::to_json(&revguard_core::check(&request));
    let limits = sandbox::Limits::default();
    let (with, _) = sandbox::check_request(&request, &given[..], &limits).expect("with facts");
    let (without, _) = sandbox::check_request(&request, &[][..], &limits).expect("without");
    // Facts that do not decode are recomputed, never trusted.
    let garbage: Vec<Option<&[u8]>> = request
        .files
        .iter()
        .map(|_| Some(&b"\xff\x01"[..]))
        .collect();
    let (forged, _) =
        sandbox::check_request(&request, &garbage[..], &limits).expect("garbage facts");
    assert!(with == native, "{}", String::from_utf8_lossy(&with));
    assert!(without == native);
    assert!(forged == native);
    assert!(String::from_utf8_lossy(&native).contains("syntax-error"));
}

/// `request` with every file's bytes left out (its facts stand in).
fn without_bytes(request: &Request) -> Request {
    Request {
        files: request
            .files
            .iter()
            .map(|f| InputFile {
                content: Content::Bytes(Vec::new()),
                ..f.clone()
            })
            .collect(),
        ..request.clone()
    }
}

/// Encoded facts, decoded for [`revguard_core::check_without`].
fn decoded(facts: &[Option<Vec<u8>>]) -> Vec<Option<revguard_core::parse::FileFacts>> {
    facts
        .iter()
        .map(|f| f.as_deref().and_then(revguard_core::wire::decode_facts))
        .collect()
}

/// With deploy safety off, files with facts reach the guest without their
/// bytes (labels from the facts' line tables); a check that quotes a text
/// after all (an integer `down_revision`) is run again with the bytes.
/// Either way the report is the native one, byte for byte.
#[test]
fn a_check_without_the_bytes_equals_one_with_them() {
    let mut request = Request {
        files: odd_files(),
        ..Request::default()
    };
    request.options.safety.enabled = false;
    assert!(revguard_core::may_omit_bytes(&request.options));
    let version = request.options.python.version;
    let facts_of = |request: &Request| -> Vec<Option<Vec<u8>>> {
        request
            .files
            .iter()
            .map(|f| {
                Some(revguard_core::wire::encode_facts(
                    &revguard_core::parse::analyze(f.content.bytes()?, version),
                ))
            })
            .collect()
    };
    let limits = sandbox::Limits::default();
    let facts = facts_of(&request);
    let given: Vec<Option<&[u8]>> = facts.iter().map(Option::as_deref).collect();
    let native = revguard_core::to_json(&revguard_core::check(&request));
    let (wasm, _) = sandbox::check_request(&request, &given[..], &limits).expect("wasm");
    assert!(wasm == native, "{}", String::from_utf8_lossy(&wasm));
    assert!(String::from_utf8_lossy(&native).contains("line"));

    // The core alone: nothing needed a text here, so no retry.
    let stripped = without_bytes(&request);
    let omitted = vec![true; request.files.len()];
    let report = revguard_core::check_without(&stripped, decoded(&facts), &omitted);
    assert!(report.is_some_and(|r| revguard_core::to_json(&r) == native));

    // An integer parent is quoted from the text: the core asks for the
    // bytes, and the sandbox sends them.
    request.files.push(InputFile {
        location: 0,
        path: "zz_int.py".into(),
        real_path: None,
        content: Content::Text("revision = 'zz'\ndown_revision = 123\n".into()),
    });
    let facts = facts_of(&request);
    let given: Vec<Option<&[u8]>> = facts.iter().map(Option::as_deref).collect();
    let native = revguard_core::to_json(&revguard_core::check(&request));
    assert!(String::from_utf8_lossy(&native).contains("is a number"));
    let omitted = vec![true; request.files.len()];
    let mut stripped = stripped;
    stripped.files.push(InputFile {
        content: Content::Bytes(Vec::new()),
        ..request.files.last().expect("pushed").clone()
    });
    assert!(revguard_core::check_without(&stripped, decoded(&facts), &omitted).is_none());
    let (wasm, _) = sandbox::check_request(&request, &given[..], &limits).expect("wasm");
    assert!(wasm == native, "{}", String::from_utf8_lossy(&wasm));
}

/// With deploy safety on, the per-file phase lints each file and its
/// findings travel in the facts: the check needs no file's bytes, and the
/// report is the native one, byte for byte. Facts linted under other
/// settings are not trusted: the check asks for the bytes and lints again.
#[test]
fn the_lint_travels_in_the_facts() {
    let migration = |rev: &str, down: &str, body: &str| InputFile {
        location: 0,
        path: format!("{rev}.py"),
        real_path: None,
        content: Content::Text(format!(
            "revision = '{rev}'\ndown_revision = {down}\n\ndef upgrade():\n    {body}\n"
        )),
    };
    let request = Request {
        locations: vec![Location {
            path: "versions".into(),
        }],
        files: vec![
            migration("a1", "None", "op.create_index('ix_a', 't', ['a'])"),
            migration("b2", "'a1'", "op.execute(\"DROP TABLE t\")"),
            migration("c3", "'b2'", "op.create_index(name, 't', ['a'])"),
        ],
        ..Request::default()
    };
    assert!(request.options.safety.enabled);
    assert!(revguard_core::may_omit_bytes(&request.options));
    let version = request.options.python.version;
    let lint_under = |settings: &revguard_core::safety::SafetySettings| -> Vec<Option<Vec<u8>>> {
        request
            .files
            .iter()
            .map(|f| {
                let facts =
                    revguard_core::parse::analyze_with(f.content.bytes()?, version, Some(settings));
                Some(revguard_core::wire::encode_facts(&facts))
            })
            .collect()
    };
    let native = revguard_core::to_json(&revguard_core::check(&request));
    let text = String::from_utf8_lossy(&native);
    assert!(text.contains("require-concurrent-index-creation"), "{text}");
    assert!(text.contains("ban-drop-table"), "{text}");
    assert!(text.contains("not checked for deploy safety"), "{text}");

    let stripped = without_bytes(&request);
    let omitted = vec![true; request.files.len()];
    let facts = lint_under(&request.options.safety);
    let report = revguard_core::check_without(&stripped, decoded(&facts), &omitted);
    assert!(report.is_some_and(|r| revguard_core::to_json(&r) == native));
    let limits = sandbox::Limits::default();
    let given: Vec<Option<&[u8]>> = facts.iter().map(Option::as_deref).collect();
    let (wasm, _) = sandbox::check_request(&request, &given[..], &limits).expect("wasm");
    assert!(wasm == native, "{}", String::from_utf8_lossy(&wasm));

    // Linted with a rule excluded: another fingerprint, so the core asks
    // for the texts, and the sandbox sends them.
    let mut other = request.options.safety.clone();
    other.excluded_rules = vec!["ban-drop-table".into()];
    assert_ne!(other.fingerprint(), request.options.safety.fingerprint());
    let stale = lint_under(&other);
    assert!(revguard_core::check_without(&stripped, decoded(&stale), &omitted).is_none());
    let given: Vec<Option<&[u8]>> = stale.iter().map(Option::as_deref).collect();
    let (wasm, _) = sandbox::check_request(&request, &given[..], &limits).expect("wasm");
    assert!(wasm == native, "{}", String::from_utf8_lossy(&wasm));
}
