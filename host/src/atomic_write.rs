//! The one way revguard writes a file: a fresh temporary sibling, then a
//! rename over the destination.
//!
//! Every temporary is created by `tempfile` in the destination's directory
//! with `O_CREAT | O_EXCL` (which never follows a symlink, dangling or not)
//! and a random name: a link planted at a predictable name (`.<name>.<pid>.tmp`
//! in a committed tree, or in a shared cache directory) can neither be
//! guessed nor written through. The rename then replaces the directory entry
//! itself, so a destination that is a symlink is replaced, never its target;
//! callers whose destination must be a regular file (a migration, the lock)
//! refuse a symlink before staging with [`refuse_symlink`].
//!
//! A staged [`Staged`] removes its temporary when dropped, so a failure at any
//! point leaves no stray file behind.

use std::fs;
use std::io::Write as _;
use std::path::Path;

use anyhow::{Context as _, Result, bail};

/// A flushed temporary sibling of a destination, waiting for its rename.
#[derive(Debug)]
pub struct Staged {
    temp: tempfile::TempPath,
}

impl Staged {
    /// The temporary's path (for messages and tests).
    pub fn path(&self) -> &Path {
        &self.temp
    }

    /// Rename the temporary over `dest` (the entry itself, never a link's
    /// target) and flush the directory entry.
    pub fn commit(self, dest: &Path) -> std::io::Result<()> {
        self.temp.persist(dest).map_err(|err| err.error)?;
        sync_dir(dest);
        Ok(())
    }
}

/// Write `bytes` to a new temporary in `dest`'s directory (named
/// `.<dest name>.revguard-<random>.tmp`) and flush it to disk. Its mode is
/// what `File::create` gives (0666 less the umask), not tempfile's
/// owner-only default: a rewritten migration or lock stays readable as
/// before.
pub fn stage(dest: &Path, bytes: &[u8]) -> std::io::Result<Staged> {
    stage_with(dest, bytes, None)
}

/// [`stage`], with the temporary's mode set to exactly `mode` (Unix; the
/// umask does not apply) before its bytes are written.
fn stage_with(dest: &Path, bytes: &[u8], mode: Option<u32>) -> std::io::Result<Staged> {
    let dir = match dest.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let name = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let prefix = format!(".{name}.revguard-");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp").rand_bytes(12);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        builder.permissions(fs::Permissions::from_mode(0o666));
    }
    let mut file = builder.tempfile_in(dir)?;
    #[cfg(unix)]
    if let Some(mode) = mode {
        use std::os::unix::fs::PermissionsExt as _;
        // On the open handle, so nothing else can be reached by path.
        file.as_file()
            .set_permissions(fs::Permissions::from_mode(mode))?;
    }
    #[cfg(not(unix))]
    let _ = mode;
    file.write_all(bytes)?;
    file.as_file().sync_all()?;
    Ok(Staged {
        temp: file.into_temp_path(),
    })
}

/// Replace `dest` atomically with `bytes`, its mode exactly `mode` (an
/// installed executable, a plugin configuration).
pub fn replace_with_mode(dest: &Path, bytes: &[u8], mode: u32) -> std::io::Result<()> {
    stage_with(dest, bytes, Some(mode))?.commit(dest)
}

/// Replace `dest` atomically with `bytes` (see the module docs).
pub fn replace(dest: &Path, bytes: &[u8]) -> std::io::Result<()> {
    stage(dest, bytes)?.commit(dest)
}

/// Refuse a destination that is a symlink: `what` (a migration, the lock
/// file) must be a regular file of the repository, and writing it would
/// either write through the link or silently turn it into a file.
pub fn refuse_symlink(path: &Path, what: &str) -> Result<()> {
    let is_link = fs::symlink_metadata(path)
        .map(|m| m.file_type().is_symlink())
        .unwrap_or(false);
    if is_link {
        let target = fs::read_link(path)
            .map(|t| format!(" (to {})", t.display()))
            .unwrap_or_default();
        bail!(
            "{}: {what} is a symlink{target}; revguard writes only regular files, never through or over a link",
            path.display()
        );
    }
    Ok(())
}

/// True when something (a file, a directory, or a symlink, even a dangling
/// one) already has this name.
pub fn occupied(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok()
}

/// Flush a directory entry change (best effort; not every platform can).
pub fn sync_dir(path: &Path) {
    if let Some(dir) = path.parent()
        && let Ok(dir) = fs::File::open(dir)
    {
        let _ = dir.sync_all();
    }
}

/// Write `bytes` to `dest` atomically, with the destination named in the
/// error.
pub fn replace_file(dest: &Path, bytes: &[u8]) -> Result<()> {
    replace(dest, bytes).with_context(|| format!("{}: cannot write", dest.display()))
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn a_link_at_the_destination_is_replaced_not_written_through() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        fs::write(&victim, b"precious").unwrap();
        let dest = dir.path().join("out");
        symlink(&victim, &dest).unwrap();
        replace(&dest, b"new").unwrap();
        assert_eq!(fs::read(&victim).unwrap(), b"precious");
        assert!(
            !fs::symlink_metadata(&dest)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(fs::read(&dest).unwrap(), b"new");
        assert!(refuse_symlink(&victim, "a file").is_ok());
    }

    #[test]
    fn temporaries_have_unguessable_names_and_are_cleaned_up() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("m.py");
        let a = stage(&dest, b"a").unwrap();
        let b = stage(&dest, b"b").unwrap();
        assert_ne!(a.path(), b.path());
        let name = a.path().file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            name.starts_with(".m.py.revguard-") && name.ends_with(".tmp"),
            "{name}"
        );
        assert!(!name.contains(&std::process::id().to_string()), "{name}");
        drop(a);
        b.commit(&dest).unwrap();
        let left: Vec<_> = fs::read_dir(dir.path()).unwrap().flatten().collect();
        assert_eq!(left.len(), 1, "only the destination is left");
        assert_eq!(fs::read(&dest).unwrap(), b"b");
    }

    #[test]
    fn a_symlinked_destination_is_refused_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("lock");
        symlink("/etc/passwd", &dest).unwrap();
        let err = refuse_symlink(&dest, "the lock file")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("lock: the lock file is a symlink (to /etc/passwd)"),
            "{err}"
        );
        assert!(occupied(&dest));
        assert!(!occupied(&dir.path().join("free")));
    }
}
