//! The check step of `generate` and `krm`: discover the Alembic project,
//! run the core in the wasm sandbox, and keep everything inside the root.

use anyhow::{Result, bail};
use revguard_core::safety::Mode;
use revguard_core::{Policy, Report};
use std::path::Path;

use crate::{engine, project, sandbox};

/// How and where the core runs: the sidecar admin's `REVGUARD_ENGINE`,
/// `REVGUARD_MAX_MEMORY` and `REVGUARD_TIMEOUT`.
#[derive(Debug, Clone)]
pub struct Run {
    /// wasm (default) or native.
    pub engine: engine::EngineKind,
    /// The sandbox's bounds.
    pub limits: sandbox::Limits,
}

/// What the check step is asked: the setting layers resolved.
#[derive(Debug, Clone, Copy, Default)]
pub struct Ask<'a> {
    /// The graph policy.
    pub policy: Policy,
    /// The revision databases are at (`--deployed`), if set.
    pub deployed: Option<&'a str>,
    /// The deploy-safety policy, when set; else the project's
    /// `[safety] blocking` decides.
    pub deploy_safety: Option<Mode>,
}

/// Check the Alembic project at `project_dir` (inside `root`) under
/// `ask.policy`, verifying its `revguard.lock` when present and, with
/// `ask.deployed`, what databases at that revision would (not) run. The
/// project's `[safety]` configuration applies; `ask.deploy_safety` wins over
/// its `blocking`.
pub fn check(project_dir: &Path, root: &Path, ask: Ask<'_>, run: &Run) -> Result<Report> {
    let Ask {
        policy,
        deployed,
        deploy_safety,
    } = ask;
    let options = project::DiscoverOptions {
        root: Some(root.to_path_buf()),
        ..project::DiscoverOptions::default()
    };
    let mut found = project::discover(project_dir, &options)?;
    found.request.options.policy = policy;
    if let Some(config) = crate::config::load(&found.root, &found.dir)? {
        config.safety.apply(&mut found.request.options);
    }
    if let Some(mode) = deploy_safety {
        mode.apply(&mut found.request.options.safety);
    }
    crate::history::attach_lock(&mut found)?;
    found.request.options.history.deployed = deployed.map(str::to_owned);
    for location in &found.locations {
        if !location.starts_with(root) {
            bail!(
                "the Alembic project's version location {} is outside the repository root",
                super::locate::display(root, location)
            );
        }
    }
    engine::Engine::new(run.engine, run.limits.clone()).run(&found.request)
}

/// A report path (relative to the project directory, or the config file's
/// directory when `migrations` names the file itself) made absolute.
pub fn absolute_path(path: &str, project_dir: &Path) -> std::path::PathBuf {
    let path = Path::new(path);
    let base = if project_dir.is_file() {
        project_dir.parent().unwrap_or(project_dir)
    } else {
        project_dir
    };
    if path.is_absolute() {
        path.to_path_buf()
    } else {
        base.join(path)
    }
}

/// A report path shown relative to the repository root.
pub fn display_path(path: &str, project_dir: &Path, root: &Path) -> String {
    super::locate::display(root, &absolute_path(path, project_dir))
}
