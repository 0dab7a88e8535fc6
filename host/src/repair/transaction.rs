//! Writing the planned changes all or nothing, as far as a file system
//! allows:
//! 1. every new content is written to a temporary sibling and flushed
//!    (`sync_all`); any failure removes the temporaries and leaves the tree
//!    untouched. Temporaries are created with `O_EXCL` under random names
//!    ([`crate::atomic_write`]), so a symlink committed at a temporary's
//!    name is never written through;
//! 2. the temporaries are renamed over their targets (atomic per file) and
//!    renamed-away files removed; a failure here rolls the finished steps
//!    back from the bytes read before (again temp + rename).
//!
//! A crash (power loss, `kill -9`) inside step 2 can still leave some files
//! renamed; every file is then either entirely old or entirely new, never
//! half-written.

use std::fs;

use anyhow::{Context, Result};

use super::Planned;
use crate::atomic_write::{self, Staged, sync_dir};

/// The test hook's environment variable: `stage:N` fails the N-th
/// temporary write, `commit:N` fails before the N-th rename (1-based), to
/// prove that an interrupted write leaves the old files intact.
///
/// Only debug builds (`debug_assertions`, which plain `cargo build` and
/// `cargo test` have) read it; a release build has no hook, so nothing in
/// the environment can make a shipped `revguard fix --write` fail on
/// purpose.
#[cfg(debug_assertions)]
pub const FAULT_INJECT_ENV: &str = "REVGUARD_FAULT_INJECT";

/// The test hook ([`FAULT_INJECT_ENV`]): fail step `n` of `phase` when asked.
#[cfg(debug_assertions)]
fn fault(phase: &str, n: usize) -> Result<()> {
    if let Ok(spec) = std::env::var(FAULT_INJECT_ENV)
        && spec == format!("{phase}:{n}")
    {
        anyhow::bail!("injected fault ({spec})");
    }
    Ok(())
}

/// Release builds: no hook.
#[cfg(not(debug_assertions))]
fn fault(_phase: &str, _n: usize) -> Result<()> {
    Ok(())
}

/// Apply every planned change, or none.
pub(super) fn commit(planned: &[Planned]) -> Result<()> {
    // 1. Stage: every new content in a flushed temporary sibling (nothing
    // for a deletion).
    // A staged temporary removes itself when dropped, on every early return.
    let mut temps: Vec<Option<Staged>> = Vec::new();
    for (i, p) in planned.iter().enumerate() {
        let staged = fault("stage", i + 1).and_then(|()| {
            if p.delete {
                Ok(None)
            } else {
                atomic_write::stage(&p.to, &p.new)
                    .map(Some)
                    .with_context(|| format!("{}: cannot write", p.to.display()))
            }
        });
        match staged {
            Ok(temp) => temps.push(temp),
            Err(err) => return Err(err.context("nothing was changed")),
        }
    }
    // 2. Commit: renames and deletions, then removal of renamed-away files.
    let mut done = 0;
    let mut failure = None;
    let mut temps = temps.into_iter();
    for (i, p) in planned.iter().enumerate() {
        let temp = temps.next().flatten();
        let step = fault("commit", i + 1).and_then(|()| {
            let Some(temp) = temp else {
                fs::remove_file(&p.to)
                    .with_context(|| format!("{}: cannot delete", p.to.display()))?;
                sync_dir(&p.to);
                return Ok(());
            };
            temp.commit(&p.to)
                .with_context(|| format!("{}: cannot replace", p.to.display()))?;
            if let Some(from) = &p.from
                && from != &p.to
                && let Err(err) = fs::remove_file(from)
            {
                let _ = fs::remove_file(&p.to);
                return Err(err).with_context(|| format!("{}: cannot remove", from.display()));
            }
            sync_dir(&p.to);
            Ok(())
        });
        match step {
            Ok(()) => done += 1,
            Err(err) => {
                failure = Some(err);
                break;
            }
        }
    }
    let Some(err) = failure else {
        return Ok(());
    };
    // Roll back the finished steps from the bytes read before (the
    // temporaries not renamed yet remove themselves).
    drop(temps);
    let mut problems = Vec::new();
    for p in planned[..done].iter().rev() {
        let undo = match &p.from {
            None => fs::remove_file(&p.to).map_err(anyhow::Error::from),
            Some(from) if from == &p.to => atomic_write::replace_file(from, &p.old),
            Some(from) => atomic_write::replace_file(from, &p.old)
                .and_then(|()| fs::remove_file(&p.to).map_err(anyhow::Error::from)),
        };
        if let Err(e) = undo {
            problems.push(format!("{}: {e:#}", p.to.display()));
        }
    }
    if problems.is_empty() {
        Err(err.context("rolled back; nothing was changed"))
    } else {
        Err(err.context(format!(
            "rollback incomplete, check these files: {}",
            problems.join("; ")
        )))
    }
}
