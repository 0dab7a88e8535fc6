//! `revguard fix --dialect TOOL`: give each extra copy of a duplicated
//! version the next free version in the tool's convention (same digit
//! width: a timestamp stays a timestamp, `0003` stays four digits; Flyway's
//! next major version), keeping the copy that was applied (`--keep FILE`,
//! else the one the applied rows or lock name, else the first by name).
//! The renamed history is judged again before anything is written; with
//! `--write` the files are renamed, never over an existing name.

use std::path::Path;

use anyhow::{Result, bail};
use revguard_core::dialect::sql::{FlywayConfig, Tool, flyway};

use super::Checked;
use crate::atomic_write;

/// One rename: old and new path, relative to the project.
type Rename = (String, String);

/// Plan (and with `write`, apply) the renames; the exit code.
pub fn fix(
    root: &Path,
    checked: &Checked,
    engine: &crate::engine::Engine,
    keep: &[String],
    write: bool,
) -> Result<u8> {
    let tool = checked.verdict.tool;
    let flyway_config = &checked.history.flyway;
    if tool == Tool::Prisma {
        bail!("Prisma migrations are named by their directories; there is nothing to renumber");
    }
    let mut taken: Vec<String> = checked
        .verdict
        .migrations
        .iter()
        .map(|m| m.version.clone())
        .collect();
    let mut renames: Vec<Rename> = Vec::new();
    for finding in checked
        .verdict
        .findings
        .iter()
        .filter(|f| f.check == "duplicate-revision")
    {
        let files: Vec<usize> = finding.files.clone();
        let kept = files
            .iter()
            .copied()
            .find(|f| keep.iter().any(|k| checked.files[*f].ends_with(k.as_str())))
            .or_else(|| files.iter().copied().find(|f| applied_copy(checked, *f)))
            .unwrap_or(files[0]);
        for file in files.into_iter().filter(|f| *f != kept) {
            let path = &checked.files[file];
            let name = path.rsplit('/').next().unwrap_or(path);
            let Some(renamed) = next_name(tool, name, &taken, flyway_config) else {
                bail!("{path}: cannot find the version in its name to renumber it");
            };
            taken.push(renamed.1.clone());
            let dir = &path[..path.len() - name.len()];
            renames.push((path.clone(), format!("{dir}{}", renamed.0)));
        }
    }
    if renames.is_empty() {
        println!("nothing to fix: no duplicated versions");
        return Ok(0);
    }
    verify(checked, engine, &renames)?;
    for (from, to) in &renames {
        if atomic_write::occupied(&root.join(to)) {
            bail!("{to} already exists; not renaming {from}");
        }
        println!("rename {from} -> {to}");
    }
    if !write {
        println!("(dry run: `revguard fix --write` renames them)");
        return Ok(1);
    }
    for (from, to) in &renames {
        atomic_write::refuse_symlink(&root.join(from), "a migration")?;
        std::fs::rename(root.join(from), root.join(to))
            .map_err(|e| anyhow::anyhow!("renaming {from} to {to}: {e}"))?;
    }
    println!(
        "renamed {} file(s); run `revguard check` again",
        renames.len()
    );
    Ok(0)
}

/// Whether the applied rows (database or lock) record exactly this file's
/// checksum: the copy that was deployed.
fn applied_copy(checked: &Checked, file: usize) -> bool {
    let history = &checked.history;
    let local = history.tool.checksum(&history.files[file].facts);
    history
        .applied
        .iter()
        .flatten()
        .any(|row| row.checksum.as_deref() == Some(local.as_str()))
}

/// Judge the renamed history before writing: no version may be left
/// duplicated.
fn verify(checked: &Checked, engine: &crate::engine::Engine, renames: &[Rename]) -> Result<()> {
    let mut history = checked.history.clone();
    for file in &mut history.files {
        if let Some((_, to)) = renames.iter().find(|(from, _)| *from == file.path) {
            file.path.clone_from(to);
            file.name = to.rsplit('/').next().unwrap_or(to).to_owned();
        }
    }
    let verdict = engine.sql_judge(&history)?;
    if let Some(left) = verdict
        .findings
        .iter()
        .find(|f| f.check == "duplicate-revision")
    {
        bail!(
            "the renamed history still has a duplicate, nothing written: {}",
            left.message
        );
    }
    Ok(())
}

/// The file's new name and its new version, in the tool's convention.
fn next_name(
    tool: Tool,
    name: &str,
    taken: &[String],
    config: &FlywayConfig,
) -> Option<(String, String)> {
    if tool == Tool::Flyway {
        let prefix = &config.sql_migration_prefix;
        let rest = name.strip_prefix(prefix.as_str())?;
        let cut = rest
            .find(config.sql_migration_separator.as_str())
            .unwrap_or(rest.len());
        let max = taken
            .iter()
            .filter_map(|v| v.split('.').next()?.parse::<u128>().ok())
            .max()
            .unwrap_or(0);
        let version = (max + 1).to_string();
        let fresh = flyway::Version::parse(&version)?;
        if taken
            .iter()
            .filter_map(|t| flyway::Version::parse(t))
            .any(|t| t == fresh)
        {
            return None;
        }
        return Some((format!("{prefix}{version}{}", &rest[cut..]), version));
    }
    let digits = name.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return None;
    }
    let width = digits;
    let max = taken
        .iter()
        .filter_map(|v| v.parse::<u128>().ok())
        .max()
        .unwrap_or(0);
    let mut next = max + 1;
    loop {
        let version = format!("{next:0width$}");
        if !taken.contains(&version) && !taken.iter().any(|t| t.parse::<u128>().ok() == Some(next))
        {
            return Some((format!("{version}{}", &name[digits..]), version));
        }
        next += 1;
    }
}
