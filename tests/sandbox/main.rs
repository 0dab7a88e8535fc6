//! The sandbox, end to end: the embedded guest is what it claims to be, the
//! limits are real, and the wasm engine gives byte-identical output to the
//! native one.
//!
//! The tests drive the host library's sandbox (`revguard::sandbox`, the very
//! code the CLI runs) in process, and the CLI itself. The `.wat` guests under
//! `data/` are described in `data/README.md`.

mod cache;
mod cli;
/// The Django differential suite's project generator, reused to hold the
/// engines to the same bytes on Django projects.
#[allow(dead_code)]
#[path = "../django/generate.rs"]
mod django_generate;
mod equivalence;
mod limits;

use std::path::PathBuf;

use revguard_core::{Content, InputFile, Request};
use revguard_test_support as support;

/// The host library's sandbox, as this suite uses it: every in-process
/// check of the embedded guest goes through here, so the guest's compiled
/// form is cached in the suite's own directory (`support::cache`), never in
/// `~/.cache`. (`run_module` and `analyze_module` compile without a cache.)
/// The per-file phase's batching lives in the engine (`revguard::engine`).
mod sandbox {
    pub use revguard::sandbox::{
        ABI_VERSION, FUEL_PER_SECOND, FactsSource, GUEST_WASM, Guest, Limits, RunStats,
        SandboxError, run_module,
    };
    use revguard_core::Request;
    use revguard_core::python::PythonVersion;

    /// [`revguard::sandbox::check_request`] with the suite's guest cache.
    pub fn check_request(
        request: &Request,
        facts: impl FactsSource,
        limits: &Limits,
    ) -> Result<(Vec<u8>, RunStats), SandboxError> {
        crate::support::cache::isolate_this_process();
        revguard::sandbox::check_request(request, facts, limits)
    }

    /// [`revguard::engine::analyze_wasm`] with the suite's guest cache.
    pub fn analyze(
        files: &[&[u8]],
        version: PythonVersion,
        limits: &Limits,
        jobs: usize,
    ) -> Result<Vec<Vec<u8>>, SandboxError> {
        crate::support::cache::isolate_this_process();
        revguard::engine::analyze_wasm(files, &version.into(), limits, jobs)
    }

    /// [`revguard::engine::analyze_wasm_with`] a module compiled now (no
    /// cache): a hand-written `.wat` test guest, say.
    pub fn analyze_module(
        wasm: &[u8],
        files: &[&[u8]],
        version: PythonVersion,
        limits: &Limits,
        jobs: usize,
    ) -> Result<Vec<Vec<u8>>, SandboxError> {
        let guest = Guest::compile(wasm)?;
        revguard::engine::analyze_wasm_with(&guest, files, &version.into(), limits, jobs)
    }

    /// [`revguard::sandbox::check_json`] with the suite's guest cache.
    pub fn check_json(request: &[u8], limits: &Limits) -> Result<Vec<u8>, SandboxError> {
        crate::support::cache::isolate_this_process();
        revguard::sandbox::check_json(request, limits)
    }

    /// [`revguard::sandbox::check_json_with_stats`] with the suite's guest
    /// cache.
    pub fn check_json_with_stats(
        request: &[u8],
        limits: &Limits,
    ) -> Result<(Vec<u8>, RunStats), SandboxError> {
        crate::support::cache::isolate_this_process();
        revguard::sandbox::check_json_with_stats(request, limits)
    }
}

/// The repository root.
fn repo_root() -> PathBuf {
    support::repo()
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
