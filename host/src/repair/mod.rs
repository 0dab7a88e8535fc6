//! `revguard lock` and `revguard fix`: the host applies what the core decided.
//!
//! Both compute their result with the core linked in (pure functions:
//! [`revguard_core::history::render_lock`] and [`revguard_core::fix::plan`]);
//! the host only adds what the core may not produce itself (git history,
//! random bytes, the clock) and does the writing, all or nothing
//! (`transaction.rs`).

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use revguard_core::fix::{FileChange, FixInput, FixPlan, apply};
use revguard_core::history::render_lock;

mod transaction;

use crate::atomic_write::{self, occupied, refuse_symlink};
use crate::history::{self, display};
use crate::project::Project;
use transaction::commit;

/// `revguard lock`: write (or with `check`, verify) the lock file.
pub fn lock(project: &Project, check: bool) -> Result<u8> {
    let text = render_lock(&project.request)
        .map_err(|refusal| anyhow::anyhow!("cannot lock: {}", refusal.0))?;
    let path = history::lock_path(project);
    let shown = display(&path);
    let current = fs::read(&path).ok();
    let revisions = text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with("head "))
        .count();
    let head = text
        .lines()
        .last()
        .and_then(|l| l.strip_prefix("head "))
        .unwrap_or("-")
        .to_owned();
    // A CRLF checkout of the same lock (core.autocrlf) is up to date too.
    let normalised = current
        .as_deref()
        .map(|c| String::from_utf8_lossy(c).replace("\r\n", "\n"));
    if normalised.as_deref() == Some(text.as_str()) {
        println!("{shown} is up to date ({revisions} revisions, head {head})");
        return Ok(0);
    }
    if check {
        println!(
            "{shown} is {}: run `revguard lock` and commit it",
            if current.is_some() {
                "out of date"
            } else {
                "missing"
            }
        );
        return Ok(1);
    }
    refuse_symlink(&path, "the lock file")?;
    atomic_write::replace_file(&path, text.as_bytes())?;
    println!("wrote {shown} ({revisions} revisions, head {head})");
    Ok(0)
}

/// Options of `revguard fix`.
pub struct FixOptions {
    /// Apply the changes (default: print a diff).
    pub write: bool,
    /// `--keep FILE`.
    pub keep: Vec<String>,
    /// `--parent ID` or `--parent MISSING=ID`.
    pub parent: Vec<String>,
}

/// `revguard fix`: print the diff, or apply it, once the core's verdict on
/// the fixed copy accepts it.
pub fn fix(project: &Project, options: &FixOptions) -> Result<u8> {
    let keep = options
        .keep
        .iter()
        .map(|k| keep_path(project, k))
        .collect::<Result<Vec<_>>>()?;
    let input = FixInput {
        request: project.request.clone(),
        keep,
        committed: history::committed_times(project),
        entropy: history::entropy(),
        now: history::now(),
        parent: options.parent.clone(),
    };
    let plan = revguard_core::fix::plan(&input);
    let mut stderr = notes(&plan);
    let verdict = &plan.verdict;
    if !verdict.accepted {
        stderr.push_str(&refusal(&plan));
        eprint!("{stderr}");
        return Ok(1);
    }
    let planned = prepare(project, &plan)?;
    if options.write {
        commit(&planned)?;
        if !planned.is_empty() {
            stderr.push_str(&format!(
                "revguard: verified before writing: no graph error left, `alembic upgrade head` predicted: {}\n",
                verdict.upgrade_head
            ));
            let deleted = planned.iter().filter(|p| p.delete).count();
            let written = planned.len() - deleted;
            let files = |n: usize| format!("{n} file{}", if n == 1 { "" } else { "s" });
            stderr.push_str(&match (written, deleted) {
                (w, 0) => format!("revguard: wrote {}\n", files(w)),
                (0, d) => format!("revguard: deleted {}\n", files(d)),
                (w, d) => format!("revguard: wrote {}, deleted {}\n", files(w), files(d)),
            });
        }
    } else {
        let mut diff = String::new();
        for p in &planned {
            diff.push_str(&unified(p));
        }
        crate::output::print(&diff)?;
        if !planned.is_empty() {
            stderr.push_str(&format!(
                "revguard: verified: after these changes no graph error is left and `alembic upgrade head` is predicted: {}\n",
                verdict.upgrade_head
            ));
            stderr.push_str("revguard: dry run; apply with `revguard fix --write`\n");
        }
    }
    if planned.is_empty() && plan.refused.is_empty() {
        stderr.push_str("revguard: nothing to fix\n");
    }
    eprint!("{stderr}");
    let pending = !options.write && !planned.is_empty();
    Ok(u8::from(pending || !plan.refused.is_empty()))
}

/// The fixes made and refused, one `revguard:` line each.
fn notes(plan: &FixPlan) -> String {
    let mut out = String::new();
    for note in &plan.fixed {
        out.push_str(&format!(
            "revguard: fix[{}]: {}\n",
            note.check, note.message
        ));
    }
    for note in &plan.refused {
        out.push_str(&format!(
            "revguard: not fixed[{}]: {}\n",
            note.check, note.message
        ));
        for choice in &note.choices {
            out.push_str(&format!("    {choice}\n"));
        }
    }
    out
}

/// Why nothing is written: what the check still finds after the changes.
fn refusal(plan: &FixPlan) -> String {
    let mut out = if plan.changes.is_empty() {
        String::from("revguard: fix has no repair that makes this tree pass; still failing:\n")
    } else {
        String::from(
            "revguard: refusing to write: after these changes the tree would still fail:\n",
        )
    };
    for reason in &plan.verdict.reasons {
        out.push_str(&format!("    {reason}\n"));
    }
    out.push_str("revguard: nothing was written\n");
    out
}

/// `--keep FILE` as the user wrote it, made comparable to display paths.
fn keep_path(project: &Project, keep: &str) -> Result<String> {
    let path = Path::new(keep);
    if path.exists() {
        let real = path
            .canonicalize()
            .with_context(|| format!("--keep {keep}: cannot resolve"))?;
        if !project
            .locations
            .iter()
            .any(|l| l.canonicalize().is_ok_and(|l| real.starts_with(&l)))
        {
            bail!("--keep {keep}: not under a version location of this project");
        }
        return Ok(display(&real));
    }
    Ok(keep.to_owned())
}

/// One file operation, with everything needed to do and undo it.
struct Planned {
    /// The existing file (None for a new file).
    from: Option<PathBuf>,
    /// Where the new content goes.
    to: PathBuf,
    /// The bytes before (for the diff and for rollback).
    old: Vec<u8>,
    /// The bytes after.
    new: Vec<u8>,
    /// Display paths.
    shown_from: String,
    shown_to: String,
    /// The file is deleted (`to` == `from`, `new` empty).
    delete: bool,
}

fn prepare(project: &Project, plan: &FixPlan) -> Result<Vec<Planned>> {
    let mut out = Vec::new();
    for change in &plan.changes {
        out.push(planned(project, change)?);
    }
    Ok(out)
}

fn planned(project: &Project, change: &FileChange) -> Result<Planned> {
    let location = project
        .locations
        .get(change.location)
        .context("the fix names an unknown version location")?;
    let join = |rel: &str| -> Result<PathBuf> {
        if rel.split('/').any(|p| p == ".." || p.is_empty()) || rel.starts_with('/') {
            bail!("the fix names an unsafe path `{rel}`");
        }
        Ok(location.join(rel))
    };
    let path = join(&change.path)?;
    if let Some(content) = &change.create {
        // `exists` follows links: a dangling symlink would pass it.
        if occupied(&path) {
            bail!("{}: already exists; not overwriting", path.display());
        }
        return Ok(Planned {
            from: None,
            shown_from: display(&path),
            shown_to: display(&path),
            to: path,
            old: Vec::new(),
            new: content.clone().into_bytes(),
            delete: false,
        });
    }
    let old = project
        .request
        .files
        .iter()
        .find(|f| f.location == change.location && f.path == change.path)
        .and_then(|f| f.content.bytes())
        .map(<[u8]>::to_vec)
        .with_context(|| format!("{}: not read", path.display()))?;
    // A migration read through a symlink is never rewritten: the rename
    // would turn the link into a file, and writing through it would change
    // whatever it points at.
    refuse_symlink(&path, "this migration")?;
    if fs::read(&path).ok().as_deref() != Some(old.as_slice()) {
        bail!(
            "{}: changed on disk since it was read; run revguard fix again",
            path.display()
        );
    }
    if change.delete {
        return Ok(Planned {
            shown_from: display(&path),
            shown_to: display(&path),
            from: Some(path.clone()),
            to: path,
            old,
            new: Vec::new(),
            delete: true,
        });
    }
    let new = apply(&old, &change.edits);
    let to = match &change.rename_to {
        Some(rel) => {
            let to = join(rel)?;
            if occupied(&to) {
                bail!("{}: already exists; not overwriting", to.display());
            }
            to
        }
        None => path.clone(),
    };
    Ok(Planned {
        shown_from: display(&path),
        shown_to: display(&to),
        from: Some(path),
        to,
        old,
        new,
        delete: false,
    })
}

/// A git-style unified diff of one planned change.
fn unified(p: &Planned) -> String {
    let old = String::from_utf8_lossy(&p.old);
    let new = String::from_utf8_lossy(&p.new);
    let mut out = format!("diff --git a/{} b/{}\n", p.shown_from, p.shown_to);
    match &p.from {
        None => out.push_str("new file mode 100644\n"),
        Some(_) if p.delete => out.push_str("deleted file mode 100644\n"),
        Some(_) if p.shown_from != p.shown_to => {
            out.push_str(&format!(
                "rename from {}\nrename to {}\n",
                p.shown_from, p.shown_to
            ));
        }
        Some(_) => {}
    }
    if p.old == p.new {
        return out;
    }
    if p.from.is_none() {
        out.push_str("--- /dev/null\n");
    } else {
        out.push_str(&format!("--- a/{}\n", p.shown_from));
    }
    if p.delete {
        out.push_str("+++ /dev/null\n");
    } else {
        out.push_str(&format!("+++ b/{}\n", p.shown_to));
    }
    let diff = similar::TextDiff::from_lines(old.as_ref(), new.as_ref());
    for hunk in diff.unified_diff().context_radius(3).iter_hunks() {
        out.push_str(&hunk.to_string());
    }
    out
}
