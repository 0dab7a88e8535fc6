//! The host side of history and repair: where the lock file lives, reading
//! a `--base` git ref, git's first-commit times of migration files, the
//! random bytes and the clock the pure core may not touch (writes go through
//! [`crate::atomic_write`]).
//!
//! Git is always run as a separate `git` process with `-C <dir>` and fixed
//! arguments (`rev-parse`, `ls-tree`, `cat-file --batch`, `log`), never
//! through a shell.

use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};
use revguard_core::fix::Committed;
use revguard_core::history::{BaseSnapshot, LOCK_FILE_NAME, LockInput};
use revguard_core::{Content, InputFile};

use crate::project::Project;

/// The lock file of a project: `revguard.lock` in the Alembic script
/// directory (next to `env.py`).
pub fn lock_path(project: &Project) -> PathBuf {
    project.script_dir.join(LOCK_FILE_NAME)
}

/// A path as the user sees it: relative to the current directory when
/// inside it.
pub fn display(path: &Path) -> String {
    let cwd = std::env::current_dir()
        .ok()
        .and_then(|c| c.canonicalize().ok());
    let shown = match cwd.as_deref().and_then(|c| path.strip_prefix(c).ok()) {
        Some(rel) => rel.display().to_string(),
        None => path.display().to_string(),
    };
    shown.replace('\\', "/")
}

/// Put the project's lock file (when there is one) into its request.
pub fn attach_lock(project: &mut Project) -> Result<()> {
    let path = lock_path(project);
    // The script directory is inside the root (discovery checks it); the
    // lock itself may still be a symlink out of the repository.
    if crate::project::confined_file(&project.root, &path)?.is_none() {
        return Ok(());
    }
    match fs::read(&path) {
        Ok(bytes) => {
            let text = String::from_utf8(bytes)
                .with_context(|| format!("{}: the lock file is not UTF-8", path.display()))?;
            project.request.options.history.lock = Some(LockInput {
                path: display(&path),
                text,
            });
            Ok(())
        }
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(err) => Err(err).with_context(|| format!("{}: cannot read", path.display())),
    }
}

fn git(dir: &Path, args: &[&str]) -> Result<Vec<u8>> {
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .context("cannot run `git` (is it installed?)")?;
    if !output.status.success() {
        bail!(
            "`git {}` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(output.stdout)
}

/// The git work tree containing `dir`.
pub fn toplevel(dir: &Path) -> Result<PathBuf> {
    let out = git(dir, &["rev-parse", "--show-toplevel"])?;
    let top = PathBuf::from(String::from_utf8_lossy(&out).trim());
    Ok(top.canonicalize().unwrap_or(top))
}

/// Location paths relative to the work tree, `/`-separated.
fn relative_locations(project: &Project, top: &Path) -> Result<Vec<String>> {
    project
        .locations
        .iter()
        .map(|l| {
            let real = l.canonicalize().unwrap_or_else(|_| l.clone());
            let rel = real.strip_prefix(top).with_context(|| {
                format!(
                    "{}: the version location is outside the git work tree {}",
                    l.display(),
                    top.display()
                )
            })?;
            Ok(rel.display().to_string().replace('\\', "/"))
        })
        .collect()
}

/// `git ls-tree -r -z` of the directory `rel` (relative to `top`, `/`
/// separated; empty for the whole tree) at `git_ref`.
fn ls_tree(top: &Path, git_ref: &str, rel: &str) -> Result<Vec<u8>> {
    let spec = if rel.is_empty() { "." } else { rel };
    git(
        top,
        &["ls-tree", "-r", "-z", "--full-tree", git_ref, "--", spec],
    )
}

/// Refuse a `--base` that is not a commit of the repository at `top`.
fn verify_commit(top: &Path, git_ref: &str) -> Result<()> {
    let spec = format!("{git_ref}^{{commit}}");
    git(top, &["rev-parse", "--verify", "--quiet", &spec])
        .with_context(|| format!("--base {git_ref}: no such commit"))?;
    Ok(())
}

/// Read the version locations at `git_ref` into the request's base snapshot.
pub fn attach_base(project: &mut Project, git_ref: &str) -> Result<()> {
    if git_ref.starts_with('-') {
        bail!("--base {git_ref}: not a git ref");
    }
    let top = toplevel(&project.dir)?;
    verify_commit(&top, git_ref)?;
    let locations = relative_locations(project, &top)?;
    let mut wanted: Vec<(usize, String, String, bool)> = Vec::new(); // (location, path, oid, symlink)
    for (index, rel) in locations.iter().enumerate() {
        let out = ls_tree(&top, git_ref, rel)?;
        for record in out.split(|b| *b == 0).filter(|r| !r.is_empty()) {
            let record = String::from_utf8_lossy(record);
            let Some((meta, path)) = record.split_once('\t') else {
                continue;
            };
            let mut meta = meta.split(' ');
            let (Some(mode), Some(kind), Some(oid)) = (meta.next(), meta.next(), meta.next())
            else {
                continue;
            };
            if kind != "blob" {
                continue;
            }
            let inside = if rel.is_empty() {
                Some(path)
            } else {
                path.strip_prefix(rel.as_str())
                    .and_then(|p| p.strip_prefix('/'))
            };
            if let Some(inside) = inside {
                wanted.push((index, inside.to_owned(), oid.to_owned(), mode == "120000"));
            }
        }
    }
    let blobs = cat_blobs(&top, wanted.iter().filter(|w| !w.3).map(|w| w.2.as_str()))?;
    let mut blobs = blobs.into_iter();
    let mut files = Vec::with_capacity(wanted.len());
    for (location, path, _, symlink) in wanted {
        let content = if symlink {
            Content::Unread("a symlink (at the base ref)".into())
        } else {
            Content::from_bytes(blobs.next().unwrap_or_default())
        };
        files.push(InputFile {
            location,
            path,
            real_path: None,
            content,
        });
    }
    project.request.options.history.base = Some(BaseSnapshot {
        git_ref: git_ref.to_owned(),
        files,
    });
    Ok(())
}

/// Blob contents, in order, through one `git cat-file --batch`.
fn cat_blobs<'a>(top: &Path, oids: impl Iterator<Item = &'a str>) -> Result<Vec<Vec<u8>>> {
    let input: String = oids.map(|o| format!("{o}\n")).collect();
    if input.is_empty() {
        return Ok(Vec::new());
    }
    let mut child = Command::new("git")
        .arg("-C")
        .arg(top)
        .args(["cat-file", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("cannot run `git cat-file`")?;
    let mut stdin = child.stdin.take().context("git cat-file: no stdin")?;
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let mut out = Vec::new();
    child
        .stdout
        .take()
        .context("git cat-file: no stdout")?
        .read_to_end(&mut out)
        .context("git cat-file: cannot read")?;
    let status = child.wait().context("git cat-file")?;
    writer
        .join()
        .map_err(|_| anyhow::anyhow!("git cat-file: writer panicked"))?
        .context("git cat-file: cannot write")?;
    if !status.success() {
        bail!("`git cat-file --batch` failed");
    }
    let mut blobs = Vec::new();
    let mut rest = out.as_slice();
    while !rest.is_empty() {
        let nl = rest
            .iter()
            .position(|b| *b == b'\n')
            .context("git cat-file: truncated output")?;
        let header = String::from_utf8_lossy(&rest[..nl]).into_owned();
        let size: usize = header
            .rsplit(' ')
            .next()
            .and_then(|s| s.parse().ok())
            .with_context(|| format!("git cat-file: unexpected `{header}`"))?;
        let body = rest
            .get(nl + 1..nl + 1 + size)
            .context("git cat-file: truncated blob")?;
        blobs.push(body.to_vec());
        rest = rest.get(nl + 2 + size..).unwrap_or(&[]);
    }
    Ok(blobs)
}

/// When git first committed each request file (empty outside a work tree).
pub fn committed_times(project: &Project) -> Vec<Committed> {
    let Ok(top) = toplevel(&project.dir) else {
        return Vec::new();
    };
    let Ok(locations) = relative_locations(project, &top) else {
        return Vec::new();
    };
    let mut args = vec![
        "log",
        "--format=%x00%ct",
        "--name-only",
        "--diff-filter=A",
        "--no-renames",
        "--",
    ];
    let specs: Vec<String> = locations
        .iter()
        .map(|l| if l.is_empty() { ".".into() } else { l.clone() })
        .collect();
    args.extend(specs.iter().map(String::as_str));
    let Ok(out) = git(&top, &args) else {
        return Vec::new();
    };
    let text = String::from_utf8_lossy(&out);
    let mut first: std::collections::HashMap<String, i64> = std::collections::HashMap::new();
    let mut time = 0i64;
    for line in text.lines() {
        if let Some(t) = line.strip_prefix('\0') {
            time = t.trim().parse().unwrap_or(0);
        } else if !line.is_empty() {
            let entry = first.entry(line.to_owned()).or_insert(time);
            *entry = (*entry).min(time);
        }
    }
    project
        .request
        .files
        .iter()
        .map(|f| {
            let rel = &locations[f.location];
            let key = if rel.is_empty() {
                f.path.clone()
            } else {
                format!("{rel}/{}", f.path)
            };
            Committed {
                location: f.location,
                path: f.path.clone(),
                time: first.get(&key).copied(),
            }
        })
        .collect()
}

/// Random bytes for Alembic-style ids, as hex (the core has no randomness).
pub fn entropy() -> String {
    let mut bytes = [0u8; 16];
    let from_os = fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .is_ok();
    if !from_os {
        use std::hash::{BuildHasher, Hasher};
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        for (i, chunk) in bytes.chunks_mut(8).enumerate() {
            let mut h = std::collections::hash_map::RandomState::new().build_hasher();
            h.write_u128(nanos);
            h.write_u32(std::process::id());
            h.write_usize(i);
            chunk.copy_from_slice(&h.finish().to_le_bytes());
        }
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The current time (UTC) the way Alembic writes `Create Date:`.
pub fn now() -> String {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let secs = since.as_secs() as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}.{:06}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        since.subsec_micros()
    )
}

/// The Python files of a Django project (migration packages' modules and
/// `apps.py`) at `git_ref`: paths relative to `root`, `/`-separated, with
/// their bytes. Symlinks at the ref are not read.
pub fn files_at(root: &Path, git_ref: &str) -> Result<Vec<(String, Vec<u8>)>> {
    if git_ref.starts_with('-') {
        bail!("--base {git_ref}: not a git ref");
    }
    let real = root
        .canonicalize()
        .with_context(|| format!("{}: cannot resolve", root.display()))?;
    let top = toplevel(&real)?;
    verify_commit(&top, git_ref)?;
    let rel = real
        .strip_prefix(&top)
        .unwrap_or(Path::new(""))
        .display()
        .to_string()
        .replace('\\', "/");
    let out = ls_tree(&top, git_ref, &rel)?;
    let mut wanted: Vec<(String, String)> = Vec::new();
    for record in out.split(|b| *b == 0).filter(|r| !r.is_empty()) {
        let record = String::from_utf8_lossy(record);
        let Some((meta, path)) = record.split_once('\t') else {
            continue;
        };
        let fields: Vec<&str> = meta.split(' ').collect();
        let [mode, "blob", oid] = fields.as_slice() else {
            continue;
        };
        let inside = if rel.is_empty() {
            Some(path)
        } else {
            path.strip_prefix(rel.as_str())
                .and_then(|p| p.strip_prefix('/'))
        };
        let Some(inside) = inside else { continue };
        let wanted_file = inside.ends_with(".py")
            && (inside.contains("migrations/") || inside.rsplit('/').next() == Some("apps.py"));
        if wanted_file && *mode != "120000" {
            wanted.push((inside.to_owned(), (*oid).to_owned()));
        }
    }
    let blobs = cat_blobs(&top, wanted.iter().map(|w| w.1.as_str()))?;
    Ok(wanted.into_iter().map(|w| w.0).zip(blobs).collect())
}
