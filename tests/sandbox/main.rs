//! The sandbox, end to end: the embedded guest is what it claims to be, the
//! limits are real, and the wasm engine gives byte-identical output to the
//! native one.
//!
//! `host/src/sandbox.rs` is compiled into this test binary as a module (the
//! host is a binary crate with no library), so the tests drive the very code
//! the CLI runs. The `.wat` guests under `data/` are described in
//! `data/README.md`.

#[path = "../../host/src/sandbox.rs"]
#[allow(dead_code)]
mod sandbox;

#[path = "../../host/src/parallel.rs"]
#[allow(dead_code)]
mod parallel;

mod cache;
mod cli;
mod equivalence;
mod limits;

use std::path::{Path, PathBuf};

use revguard_core::{Content, InputFile, Request};

/// The repository root.
fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("host/ has a parent")
        .to_path_buf()
}

/// A `.wat` fixture from `tests/sandbox/data`, assembled to wasm.
fn wat_fixture(name: &str) -> Vec<u8> {
    let path = repo_root().join("tests/sandbox/data").join(name);
    wat::parse_file(&path).unwrap_or_else(|err| panic!("{}: {err}", path.display()))
}

/// An in-memory migration file under location 0.
fn text_file(path: &str, text: &str) -> InputFile {
    InputFile {
        location: 0,
        path: path.into(),
        real_path: None,
        content: Content::Text(text.into()),
    }
}

/// A linear history `r0 <- r1 <- ... <- r{n-1}`, one file per revision.
fn linear_chain(n: usize) -> Request {
    let files = (0..n)
        .map(|i| {
            let parent = if i == 0 {
                "None".to_string()
            } else {
                format!("\"r{}\"", i - 1)
            };
            text_file(
                &format!("{i:06}_step.py"),
                &format!("revision = \"r{i}\"\ndown_revision = {parent}\n"),
            )
        })
        .collect();
    Request {
        files,
        ..Request::default()
    }
}

/// Native and wasm output for one request; panics on a sandbox error.
fn both_engines(request: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let native = revguard_core::check_json(request);
    let wasm = sandbox::check_json(request, &sandbox::Limits::default())
        .unwrap_or_else(|err| panic!("wasm engine failed: {err}"));
    (native, wasm)
}
