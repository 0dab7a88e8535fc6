//! The check step of `generate` and `krm`: discover the Alembic project,
//! run the core in the wasm sandbox, and keep everything inside the root.

use anyhow::{Result, bail};
use revguard_core::{Policy, Report};
use std::path::Path;

use crate::{engine, project, sandbox};

/// Check the Alembic project at `project_dir` (inside `root`) under `policy`.
pub fn check(project_dir: &Path, root: &Path, policy: Policy) -> Result<Report> {
    let mut found = project::discover(project_dir, &project::DiscoverOptions::default())?;
    found.request.options.policy = policy;
    for location in &found.locations {
        if !location.starts_with(root) {
            bail!(
                "the Alembic project's version location {} is outside the repository root",
                location.display()
            );
        }
    }
    engine::run(engine::EngineKind::Wasm, &found.request, &sandbox::Limits::default())
}

/// A report path shown relative to the repository root.
pub fn display_path(path: &str, project_dir: &Path, root: &Path) -> String {
    let path = Path::new(path);
    let full = if path.is_absolute() { path.to_path_buf() } else { project_dir.join(path) };
    super::locate::display(root, &full)
}
