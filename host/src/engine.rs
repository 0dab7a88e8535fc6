//! Running the core: in the wasmtime sandbox (default) or in-process.
//!
//! Both engines go through the same JSON contract (`check_json`), so their
//! reports are byte-identical; the tests hold them to it.

use anyhow::{Context, Result, bail};
use revguard_core::{Report, Request};

use crate::sandbox;

/// Where the core runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum EngineKind {
    /// The core compiled to WebAssembly, run by wasmtime with no imports,
    /// a CPU budget and a memory cap.
    #[default]
    Wasm,
    /// The core linked into this binary.
    Native,
}

/// Check a request and return the parsed report.
pub fn run(kind: EngineKind, request: &Request, limits: &sandbox::Limits) -> Result<Report> {
    let input = serde_json::to_vec(request).context("cannot serialise the request")?;
    let output = match kind {
        EngineKind::Wasm => sandbox::check_json(&input, limits)?,
        EngineKind::Native => revguard_core::check_json(&input),
    };
    // Straight into a Report (no serde_json::Value in between: at 100,000
    // revisions the report is 29 MB and the tree cost ~0.3 s); only when
    // that fails, see whether it is the core's `{"error": ...}`.
    match serde_json::from_slice::<Report>(&output) {
        Ok(report) => Ok(report),
        Err(err) => {
            #[derive(serde::Deserialize)]
            struct Refusal {
                error: String,
            }
            if let Ok(Refusal { error }) = serde_json::from_slice::<Refusal>(&output) {
                bail!("the core refused the request: {error}");
            }
            if serde_json::from_slice::<serde::de::IgnoredAny>(&output).is_err() {
                return Err(err).context("the core returned invalid JSON");
            }
            Err(err).context("the core returned a report this build cannot read")
        }
    }
}
