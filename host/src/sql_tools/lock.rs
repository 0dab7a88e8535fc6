//! The lock of a SQL-file tool's history, `revguard.lock` in the project
//! directory: per migration, the checksum the tool itself stores (Flyway's
//! CRC32, sqlx's SHA-384, Prisma's SHA-256; the SHA-256 of the bytes for
//! the tools that store none). Written at a deploy, it stands for the
//! deployed state: `check` reads it as the applied rows, so an edited
//! migration is reported with the numbers the tool will show.
//!
//! Format, one line each: `# comment`, `dialect <tool>`, then
//! `<version> <checksum>` in the tool's order.

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};
use revguard_core::dialect::sql::{AppliedRow, Tool};

use super::Checked;
use crate::atomic_write;

/// The lock file of a project directory.
pub fn path(root: &Path) -> PathBuf {
    root.join("revguard.lock")
}

/// The lock's text for a checked history.
pub fn render(checked: &Checked) -> String {
    let tool = checked.verdict.tool;
    let what = match tool {
        Tool::Flyway => "CRC32 of the lines (flyway_schema_history.checksum)",
        Tool::Sqlx => "SHA-384 of the bytes (_sqlx_migrations.checksum)",
        Tool::Prisma => "SHA-256 of migration.sql (_prisma_migrations.checksum)",
        _ => "SHA-256 of the bytes (the tool stores no checksum)",
    };
    let mut out = format!(
        "# revguard lock: {}'s migrations and their checksums, {what}.\n# Regenerate with `revguard lock --dialect {}` when a deploy applied new ones.\ndialect {}\n",
        tool.name(),
        tool.name(),
        tool.name()
    );
    for (version, checksum) in &checked.verdict.lock {
        out.push_str(&format!("{version} {checksum}\n"));
    }
    out
}

/// The lock's rows, when the project has a lock for `tool`.
pub fn read(root: &Path, tool: Tool) -> Result<Option<Vec<AppliedRow>>> {
    let path = path(root);
    let Ok(text) = std::fs::read_to_string(&path) else {
        return Ok(None);
    };
    revguard_core::dialect::sql::locate::parse_lock(&text, tool)
        .map_err(|(line, message)| anyhow::anyhow!("{}:{line}: {message}", path.display()))
}

/// `revguard lock` for a SQL-file tool: write (or with `check`, verify).
pub fn lock(root: &Path, checked: &Checked, check: bool) -> Result<u8> {
    if let Some(fails) = &checked.verdict.fails
        && checked
            .verdict
            .findings
            .iter()
            .any(|f| f.check == "duplicate-revision" || f.check == "invalid-revision-id")
    {
        bail!("cannot lock a broken history; fix it first (`revguard check`):\n  {fails}");
    }
    let text = render(checked);
    let path = path(root);
    let shown = path.display();
    let current = std::fs::read(&path)
        .ok()
        .map(|c| String::from_utf8_lossy(&c).replace("\r\n", "\n"));
    let count = checked.verdict.lock.len();
    if current.as_deref() == Some(text.as_str()) {
        println!("{shown} is up to date ({count} migrations)");
        return Ok(0);
    }
    if check {
        let state = if current.is_some() {
            "out of date"
        } else {
            "missing"
        };
        println!(
            "{shown} is {state}: run `revguard lock --dialect {}` and commit it",
            checked.dialect
        );
        return Ok(1);
    }
    atomic_write::refuse_symlink(&path, "the lock file")?;
    atomic_write::replace_file(&path, text.as_bytes())?;
    println!("wrote {shown} ({count} migrations)");
    Ok(0)
}
