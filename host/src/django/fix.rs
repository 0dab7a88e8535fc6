//! `revguard fix --dialect django`: for every app with several leaves, the
//! merge migration `makemigrations --merge --no-header` would write,
//! verified in memory first (no graph error, one leaf per app). A dry run
//! prints it as a diff; `--write` creates the files, never over an existing
//! one.

use std::path::Path;

use anyhow::{Result, bail};
use revguard_core::dialect::django::merge;

use super::Checked;

/// Plan (and with `write`, create) the merge migrations; the exit code is
/// 1 when something is refused or a dry run has changes pending.
pub fn fix(root: &Path, checked: &Checked, write: bool) -> Result<u8> {
    if checked.loaded.conflicts.is_empty() && checked.loaded.errors.is_empty() {
        eprintln!("revguard: nothing to fix");
        return Ok(0);
    }
    let project = checked.project();
    // `get_migration_name_timestamp()`: `%Y%m%d_%H%M` (UTC here).
    let now = crate::history::now();
    let timestamp = format!(
        "{}{}{}_{}{}",
        &now[0..4],
        &now[5..7],
        &now[8..10],
        &now[11..13],
        &now[14..16]
    );
    let merges = match merge::plan(&project, &checked.loaded, &timestamp) {
        Ok(merges) => merges,
        Err(why) => {
            eprintln!("revguard: not writing a merge migration: {why}");
            return Ok(1);
        }
    };
    let mut planned = Vec::new();
    for m in &merges {
        let Some(app) = checked.apps.iter().find(|a| a.label == m.app) else {
            bail!("app `{}` has no migrations package", m.app);
        };
        let shown = format!("{}/{}.py", app.path, m.name);
        let path = root.join(&shown);
        if crate::atomic_write::occupied(&path) {
            bail!("{}: already exists; not overwriting", path.display());
        }
        planned.push((shown, path, m));
    }
    if write {
        for (_, path, m) in &planned {
            let staged = crate::atomic_write::stage(path, m.content.as_bytes())?;
            if crate::atomic_write::occupied(path) {
                bail!(
                    "{}: appeared while writing; not overwriting",
                    path.display()
                );
            }
            staged.commit(path)?;
        }
        eprintln!(
            "revguard: verified before writing: one leaf per app, the graph loads\nrevguard: wrote {} file{}",
            planned.len(),
            if planned.len() == 1 { "" } else { "s" }
        );
        return Ok(0);
    }
    let mut diff = String::new();
    for (shown, _, m) in &planned {
        diff.push_str(&format!(
            "diff --git a/{shown} b/{shown}\nnew file mode 100644\n--- /dev/null\n+++ b/{shown}\n@@ -0,0 +1,{} @@\n",
            m.content.lines().count()
        ));
        for line in m.content.lines() {
            diff.push('+');
            diff.push_str(line);
            diff.push('\n');
        }
    }
    crate::output::print(&diff)?;
    eprintln!(
        "revguard: verified: after these changes every app has one leaf and the graph loads\nrevguard: dry run; apply with `revguard fix --write`"
    );
    Ok(1)
}
