//! The check step of `generate` and `krm`: discover the Alembic project,
//! run the core in the wasm sandbox, and keep everything inside the root.

use anyhow::{Result, bail};
use revguard_core::{Policy, Report};
use std::path::Path;

use crate::{engine, project, sandbox};

/// Check the Alembic project at `project_dir` (inside `root`) under `policy`,
/// verifying its `revguard.lock` when present and, with `deployed`, what
/// databases at that revision would (not) run.
pub fn check(
    project_dir: &Path,
    root: &Path,
    policy: Policy,
    deployed: Option<&str>,
) -> Result<Report> {
    let options = project::DiscoverOptions {
        root: Some(root.to_path_buf()),
        ..project::DiscoverOptions::default()
    };
    let mut found = project::discover(project_dir, &options)?;
    found.request.options.policy = policy;
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
    engine::run(
        engine::EngineKind::Wasm,
        &found.request,
        &sandbox::Limits::default(),
    )
}

/// A report path shown relative to the repository root.
pub fn display_path(path: &str, project_dir: &Path, root: &Path) -> String {
    let path = Path::new(path);
    // Report paths are relative to the project directory (the config file's
    // directory when `migrations` names the file itself).
    let base = if project_dir.is_file() {
        project_dir.parent().unwrap_or(project_dir)
    } else {
        project_dir
    };
    let full = if path.is_absolute() {
        path.to_path_buf()
    } else {
        base.join(path)
    };
    super::locate::display(root, &full)
}
