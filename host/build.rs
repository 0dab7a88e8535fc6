//! Builds the wasm guest (`wasm/guest`, crate `revguard-guest`) and hands it
//! to the host, which embeds it with `include_bytes!` (see `src/sandbox.rs`).
//!
//! The guest is built by a nested `cargo build --profile wasm-guest --target
//! wasm32-unknown-unknown` into its own target dir, `target/guest-wasm`, the
//! way substrate-wasm-builder does it, so `cargo build`, `cargo run` and
//! `cargo test` on a fresh clone just work. The pitfalls handled here (see
//! `docs/adr/0002-sandbox.md`):
//!
//! - **Deadlock**: the nested cargo must not share the outer build's target
//!   (or build) dir, whose lock the outer cargo holds while this script runs.
//!   It gets an explicit `--target-dir`, and `CARGO_TARGET_DIR` and friends
//!   are removed from its environment.
//! - **Leaking environment**: flags meant for the native build
//!   (`RUSTFLAGS` with `-C target-cpu=native`, coverage instrumentation,
//!   clippy's `RUSTC_WORKSPACE_WRAPPER`, the build-script-only `CARGO_CFG_*`,
//!   `CARGO_FEATURE_*`, `CARGO_PROFILE_*`, …) would break or skew the wasm
//!   build, so they are removed.
//! - **Missing target**: `wasm32-unknown-unknown` is installed with
//!   `rustup target add` when rustup is available; otherwise the build stops
//!   with a one-line instruction.
//! - **Escape hatch**: `REVGUARD_GUEST_WASM=/path/to/revguard_guest.wasm`
//!   embeds a prebuilt guest and skips the nested build (for IDEs, whose
//!   `cargo check` runs build scripts too, and for toolchains without the
//!   wasm target).

use std::env;
use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const TARGET: &str = "wasm32-unknown-unknown";
const PROFILE: &str = "wasm-guest";
const ARTIFACT: &str = "revguard_guest.wasm";
const ESCAPE_HATCH: &str = "REVGUARD_GUEST_WASM";

/// Environment variables the nested cargo must not inherit, by exact name.
const SCRUBBED: &[&str] = &[
    // Target and build dirs: sharing them deadlocks on the outer build's lock.
    "CARGO_TARGET_DIR",
    "CARGO_BUILD_TARGET_DIR",
    "CARGO_BUILD_BUILD_DIR",
    // Flags meant for the host target.
    "RUSTFLAGS",
    "CARGO_ENCODED_RUSTFLAGS",
    "CARGO_BUILD_RUSTFLAGS",
    "RUSTDOCFLAGS",
    "CARGO_ENCODED_RUSTDOCFLAGS",
    "CARGO_BUILD_TARGET",
    // `cargo clippy` wraps rustc with clippy-driver for workspace members.
    "RUSTC_WORKSPACE_WRAPPER",
    // Coverage (cargo-llvm-cov and plain `-C instrument-coverage`).
    "CARGO_LLVM_COV",
    "CARGO_LLVM_COV_SHOW_ENV",
    "CARGO_LLVM_COV_TARGET_DIR",
    "LLVM_PROFILE_FILE",
    // Set by cargo for this build script only; they describe the host build.
    "CARGO_MANIFEST_DIR",
    "CARGO_MANIFEST_PATH",
    "CARGO_MANIFEST_LINKS",
    "CARGO_PRIMARY_PACKAGE",
    "OUT_DIR",
    "TARGET",
    "HOST",
    "PROFILE",
    "OPT_LEVEL",
    "DEBUG",
    "RUSTC_LINKER",
];

/// Environment variable prefixes the nested cargo must not inherit.
const SCRUBBED_PREFIXES: &[&str] = &[
    "CARGO_FEATURE_",
    "CARGO_CFG_",
    "CARGO_PROFILE_",
    "CARGO_PKG_",
    "DEP_",
    "CARGO_LLVM_COV_",
];

fn main() {
    if let Err(message) = run() {
        // One line, so it is the first thing a user sees in cargo's output.
        eprintln!("error: {message}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), String> {
    let manifest_dir = PathBuf::from(env_var("CARGO_MANIFEST_DIR")?);
    let out_dir = PathBuf::from(env_var("OUT_DIR")?);
    let workspace = manifest_dir
        .parent()
        .ok_or("host crate has no parent directory")?
        .to_path_buf();
    let embedded = out_dir.join(ARTIFACT);

    println!("cargo:rerun-if-env-changed={ESCAPE_HATCH}");
    if let Some(prebuilt) = env::var_os(ESCAPE_HATCH).filter(|p| !p.is_empty()) {
        let prebuilt = PathBuf::from(prebuilt);
        println!("cargo:rerun-if-changed={}", prebuilt.display());
        copy(&prebuilt, &embedded)?;
        return fingerprint(&embedded);
    }

    for input in [
        "core/src",
        "core/Cargo.toml",
        "wasm/guest/src",
        "wasm/guest/Cargo.toml",
        "wasm/guest/build.rs",
        "Cargo.toml",
        "Cargo.lock",
    ] {
        println!("cargo:rerun-if-changed={}", workspace.join(input).display());
    }

    ensure_wasm_target()?;

    let target_dir = workspace.join("target").join("guest-wasm");
    let cargo = env::var_os("CARGO").unwrap_or_else(|| OsString::from("cargo"));
    let mut command = Command::new(&cargo);
    command
        .current_dir(&workspace)
        // --locked: the guest is built from the lock file the outer build
        // resolved (and, when that build was not locked, already updated).
        .args(["build", "--locked", "--package", "revguard-guest"])
        .args(["--profile", PROFILE])
        .args(["--target", TARGET])
        .arg("--target-dir")
        .arg(&target_dir)
        // This script's stdout carries `cargo:` directives, so the nested
        // build's output goes to stderr, which cargo shows on failure or
        // with `-vv`.
        .stdout(Stdio::from(std::io::stderr()))
        .stderr(Stdio::inherit());
    for (name, _) in env::vars_os() {
        let Some(name) = name.to_str() else { continue };
        if SCRUBBED.contains(&name) || SCRUBBED_PREFIXES.iter().any(|p| name.starts_with(p)) {
            command.env_remove(name);
        }
    }
    let status = command.status().map_err(|err| {
        format!(
            "cannot run {} to build the wasm guest: {err}",
            cargo.to_string_lossy()
        )
    })?;
    if !status.success() {
        return Err(format!(
            "building the wasm guest failed ({status}); see the cargo output above, or set {ESCAPE_HATCH}=/path/to/{ARTIFACT} to embed a prebuilt one"
        ));
    }

    let built = target_dir.join(TARGET).join(PROFILE).join(ARTIFACT);
    copy(&built, &embedded)?;
    fingerprint(&embedded)
}

/// Name the embedded guest's bytes (`REVGUARD_GUEST_FINGERPRINT`), so the
/// per-file result cache never serves facts computed by another build.
fn fingerprint(embedded: &Path) -> Result<(), String> {
    use std::hash::{Hash, Hasher};
    let bytes =
        fs::read(embedded).map_err(|err| format!("cannot read {}: {err}", embedded.display()))?;
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    bytes.hash(&mut hasher);
    println!(
        "cargo:rustc-env=REVGUARD_GUEST_FINGERPRINT={:016x}",
        hasher.finish()
    );
    Ok(())
}

fn env_var(name: &str) -> Result<String, String> {
    env::var(name).map_err(|_| format!("cargo did not set {name} for the build script"))
}

fn copy(from: &Path, to: &Path) -> Result<(), String> {
    let bytes = fs::read(from)
        .map_err(|err| format!("cannot read the wasm guest {}: {err}", from.display()))?;
    if !bytes.starts_with(b"\0asm") {
        return Err(format!("{} is not a wasm module", from.display()));
    }
    // Only rewrite when the bytes changed, so an unchanged guest does not
    // make cargo recompile the host.
    if fs::read(to).ok().as_deref() != Some(bytes.as_slice()) {
        // A new file renamed into place, never a write through an existing
        // one (which may be a hard link shared with another build tree).
        let temp = to.with_extension("wasm.tmp");
        fs::write(&temp, &bytes)
            .and_then(|()| fs::rename(&temp, to))
            .map_err(|err| format!("cannot write {}: {err}", to.display()))?;
    }
    Ok(())
}

/// Make sure the standard library for `wasm32-unknown-unknown` is installed.
fn ensure_wasm_target() -> Result<(), String> {
    if wasm_target_installed() {
        return Ok(());
    }
    let added = Command::new("rustup")
        .args(["target", "add", TARGET])
        .stdout(Stdio::null())
        .status();
    match added {
        Ok(status) if status.success() && wasm_target_installed() => Ok(()),
        Ok(status) => Err(format!(
            "`rustup target add {TARGET}` failed ({status}); install the target, or set {ESCAPE_HATCH}=/path/to/{ARTIFACT}"
        )),
        Err(_) => Err(format!(
            "the Rust standard library for {TARGET} is missing and rustup is not available: install it for this toolchain (e.g. `rustup target add {TARGET}`), or set {ESCAPE_HATCH}=/path/to/{ARTIFACT}"
        )),
    }
}

/// Whether the current toolchain's sysroot has the wasm target's std. Asking
/// rustc (not rustup) also covers toolchains installed without rustup.
fn wasm_target_installed() -> bool {
    let rustc = env::var_os("RUSTC").unwrap_or_else(|| OsString::from("rustc"));
    let Ok(output) = Command::new(rustc).args(["--print", "sysroot"]).output() else {
        return false;
    };
    if !output.status.success() {
        return false;
    }
    let sysroot = String::from_utf8_lossy(&output.stdout).trim().to_string();
    Path::new(&sysroot)
        .join("lib/rustlib")
        .join(TARGET)
        .join("lib")
        .is_dir()
}
