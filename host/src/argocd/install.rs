//! `revguard argocd install --to DIR`: the init-container step of the
//! stock-image install (`plugin/stock-image/`).
//!
//! The revguard image is `FROM scratch` (no shell, no `cp`), so the binary
//! copies itself: `DIR/revguard` (mode 0755) and `DIR/plugin.yaml` (the
//! `plugin.yaml` this binary was built with, optionally renamed). The
//! sidecar then runs the stock `quay.io/argoproj/argocd` image with both
//! files mounted from the shared volume, so its kustomize and helm are
//! always the installed Argo CD's own.

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};

/// The plugin config shipped with this build.
pub const PLUGIN_YAML: &str = include_str!("../../../plugin/plugin.yaml");

/// Arguments of `revguard argocd install`.
#[derive(Debug, clap::Args)]
pub struct InstallArgs {
    /// The shared volume to write `revguard` and `plugin.yaml` into.
    #[arg(long)]
    pub to: PathBuf,
    /// The plugin's `metadata.name` (Applications then use `<name>-v1`).
    #[arg(long, default_value = "revguard")]
    pub plugin_name: String,
}

/// `plugin.yaml` with `metadata.name` set to `name`.
pub fn plugin_yaml(name: &str) -> Result<String> {
    let valid = !name.is_empty()
        && name.len() <= 63
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !name.starts_with('-')
        && !name.ends_with('-');
    if !valid {
        bail!(
            "plugin name '{}' must be 1-63 lower-case letters, digits or '-' (it names the socket file and is what Applications write in plugin.name)",
            super::config::clean(name)
        );
    }
    let from = "\nmetadata:\n  name: revguard\n";
    if !PLUGIN_YAML.contains(from) {
        bail!("the embedded plugin.yaml has no `metadata: name: revguard` to rename");
    }
    Ok(PLUGIN_YAML.replacen(from, &format!("\nmetadata:\n  name: {name}\n"), 1))
}

/// Write `bytes` to `dest` atomically with `mode` (an `O_EXCL` temporary
/// with a random name, then a rename: see [`crate::atomic_write`]).
fn write_atomic(dest: &Path, bytes: &[u8], mode: u32) -> Result<()> {
    crate::atomic_write::replace_with_mode(dest, bytes, mode)
        .with_context(|| format!("cannot write {}", dest.display()))
}

/// Run the install step; returns the exit code.
pub fn run(args: &InstallArgs) -> Result<i32> {
    let config = plugin_yaml(&args.plugin_name)?;
    if !args.to.is_dir() {
        bail!(
            "--to {} is not a directory (mount the shared volume there)",
            args.to.display()
        );
    }
    let exe = std::env::current_exe().context("cannot find this binary")?;
    let bytes = std::fs::read(&exe).with_context(|| format!("cannot read {}", exe.display()))?;
    write_atomic(&args.to.join("revguard"), &bytes, 0o755)?;
    write_atomic(&args.to.join("plugin.yaml"), config.as_bytes(), 0o644)?;
    eprintln!(
        "revguard: installed {} ({} bytes) and plugin.yaml (plugin {}-v1) into {}",
        env!("CARGO_PKG_VERSION"),
        bytes.len(),
        args.plugin_name,
        args.to.display()
    );
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renames_the_plugin_only() {
        let text = plugin_yaml("migrations").unwrap();
        assert!(text.contains("\nmetadata:\n  name: migrations\n"));
        assert_eq!(
            text.len(),
            PLUGIN_YAML.len() + "migrations".len() - "revguard".len()
        );
        assert_eq!(plugin_yaml("revguard").unwrap(), PLUGIN_YAML);
        for bad in ["", "Rev", "a/b", "-x", "x".repeat(64).as_str()] {
            assert!(plugin_yaml(bad).is_err(), "{bad}");
        }
    }
}
