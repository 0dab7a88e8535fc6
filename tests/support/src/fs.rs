//! The repository, temporary projects and whole-tree comparisons.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The repository root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("tests/support is two levels below the repository root")
        .to_path_buf()
}

/// Copy a directory tree: directories, regular files, and symbolic links
/// as links (never followed).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap_or_else(|e| panic!("mkdir {}: {e}", to.display()));
    let entries =
        std::fs::read_dir(from).unwrap_or_else(|e| panic!("read_dir {}: {e}", from.display()));
    for entry in entries {
        let entry = entry.expect("directory entry");
        let target = to.join(entry.file_name());
        let kind = entry.file_type().expect("file type");
        if kind.is_dir() {
            copy_dir(&entry.path(), &target);
        } else if kind.is_symlink() {
            let link = std::fs::read_link(entry.path()).expect("read link");
            std::os::unix::fs::symlink(&link, &target)
                .unwrap_or_else(|e| panic!("symlink {}: {e}", target.display()));
        } else {
            std::fs::copy(entry.path(), &target)
                .unwrap_or_else(|e| panic!("copy {}: {e}", entry.path().display()));
        }
    }
}

/// Write `files` (relative `/` paths and their text) under `dir`, creating
/// directories as needed.
pub fn write_files<S: AsRef<str>>(dir: &Path, files: &[(&str, S)]) {
    for (path, text) in files {
        let full = dir.join(path);
        std::fs::create_dir_all(full.parent().expect("parent"))
            .unwrap_or_else(|e| panic!("mkdir for {}: {e}", full.display()));
        std::fs::write(&full, text.as_ref())
            .unwrap_or_else(|e| panic!("write {}: {e}", full.display()));
    }
}

/// A fresh temporary directory holding `files`.
pub fn temp_tree<S: AsRef<str>>(files: &[(&str, S)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    write_files(dir.path(), files);
    dir
}

/// A copy of `<repo>/<path>` in a fresh temporary directory.
pub fn temp_copy(path: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_dir(&repo().join(path), dir.path());
    dir
}

/// Every file under `dir` with its bytes, by relative `/` path (`.git`
/// left out), to assert that a command changed nothing, or exactly what.
pub fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(current) = stack.pop() {
        for entry in std::fs::read_dir(&current).expect("read_dir") {
            let entry = entry.expect("entry");
            let path = entry.path();
            if path.file_name().is_some_and(|n| n == ".git") {
                continue;
            }
            if entry.file_type().expect("type").is_dir() {
                stack.push(path);
            } else {
                let rel = path
                    .strip_prefix(dir)
                    .expect("inside")
                    .display()
                    .to_string()
                    .replace('\\', "/");
                out.insert(rel, std::fs::read(&path).expect("read"));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repo_is_the_workspace_root() {
        assert!(repo().join("Cargo.lock").is_file());
        assert!(repo().join("tests/support/Cargo.toml").is_file());
    }

    #[test]
    fn written_files_come_back_in_the_tree_and_in_a_copy() {
        let dir = temp_tree(&[("a/b.py", "x = 1\n"), ("c.txt", "c")]);
        std::fs::create_dir_all(dir.path().join(".git")).expect("mkdir");
        std::fs::write(dir.path().join(".git/HEAD"), "ref").expect("write");
        let tree = tree(dir.path());
        assert_eq!(tree.keys().collect::<Vec<_>>(), ["a/b.py", "c.txt"]);
        assert_eq!(tree["a/b.py"], b"x = 1\n");
        let copy = tempfile::tempdir().expect("tempdir");
        copy_dir(dir.path(), copy.path());
        assert_eq!(super::tree(copy.path()), tree);
    }
}
