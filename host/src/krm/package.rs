//! Which package a KRM run is about, and which repository bounds it.
//!
//! kpt runs exec functions in *its own* working directory, not in the
//! package's: `kpt fn eval k8s --exec "revguard krm"` from the repository
//! root runs revguard in the repository root. Paths in the function config
//! are meant relative to the package, so revguard finds the package:
//!
//! 1. `revguard krm --dir DIR` when given;
//! 2. `kpt fn render` marks every item with
//!    `internal.config.kubernetes.io/package-path` (absolute): the shortest
//!    one is the package whose Kptfile runs the function. An annotation is
//!    text inside a resource, which anyone who writes the package can also
//!    write (`kpt fn eval` passes it through untouched), so it may only
//!    narrow: each one is canonicalised (`..` and symlinks resolved) and must
//!    stay inside what the function was given (`--dir`, else the directory
//!    kpt ran it in), and must hold the file its item was read from;
//!    otherwise the run stops, naming the item and the annotation;
//! 3. `kpt fn eval` marks items only with their path relative to the
//!    package (`internal.config.kubernetes.io/path`): the package is the one
//!    directory, the working directory or below it, that holds every one of
//!    those files;
//! 4. otherwise (items without paths, e.g. piped in) the working directory.
//!
//! The repository is the nearest ancestor of the package that holds `.git`;
//! without one, the package directory itself. Nothing outside it is read.

use anyhow::{Context, Result, bail};
use serde_yaml_ng::Value;
use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};

const PATH_ANNOTATIONS: &[&str] = &[
    "internal.config.kubernetes.io/path",
    "config.kubernetes.io/path",
];
const PACKAGE_PATH: &str = "internal.config.kubernetes.io/package-path";

/// The most directories searched below the working directory (eval mode).
const MAX_SEARCHED_DIRS: usize = 5000;
/// How deep below the working directory the package may be (eval mode).
const MAX_DEPTH: usize = 8;

/// A located package.
#[derive(Debug)]
pub struct Package {
    /// The package directory (canonical).
    pub dir: PathBuf,
    /// The repository root bounding every read (canonical).
    pub root: PathBuf,
}

fn annotation<'a>(item: &'a Value, key: &str) -> Option<&'a str> {
    item.get("metadata")?.get("annotations")?.get(key)?.as_str()
}

/// An item's path relative to its package, if kpt annotated one.
pub fn item_path(item: &Value) -> Option<&str> {
    PATH_ANNOTATIONS
        .iter()
        .find_map(|key| annotation(item, key))
        .filter(|p| !p.is_empty())
}

fn items(list: &Value) -> &[Value] {
    list.get("items")
        .and_then(Value::as_sequence)
        .map_or(&[], Vec::as_slice)
}

/// Locate the package (see the module docs).
pub fn locate(explicit: Option<&Path>, cwd: &Path, list: &Value) -> Result<Package> {
    let given = explicit.unwrap_or(cwd);
    let given = given
        .canonicalize()
        .with_context(|| format!("cannot open the package directory {}", given.display()))?;
    let dir = match narrowed(&given, list)? {
        Some(dir) => dir,
        None if explicit.is_some() => given,
        None => from_items(&given, list)?,
    };
    let dir = dir
        .canonicalize()
        .with_context(|| format!("cannot open the package directory {}", dir.display()))?;
    let root = dir
        .ancestors()
        .find(|d| d.join(".git").exists())
        .unwrap_or(&dir)
        .to_path_buf();
    Ok(Package { dir, root })
}

/// True when `path` is relative and never climbs (`..`).
fn is_inner(path: &str) -> bool {
    let path = Path::new(path);
    !path.is_absolute() && !path.components().any(|c| c == Component::ParentDir)
}

/// A resource's identity for messages: `Kind/name`.
fn describe(item: &Value) -> String {
    let text = |v: Option<&Value>| v.and_then(Value::as_str).unwrap_or("?").to_string();
    let name = item.get("metadata").and_then(|m| m.get("name"));
    clean(&format!("{}/{}", text(item.get("kind")), text(name)))
}

fn clean(text: &str) -> String {
    crate::argocd::config::clean(text)
}

/// The package named by the items' `package-path` annotations, each
/// checked to stay inside `given` (canonical) and to hold its item's file;
/// the shortest wins, and every other must lie inside it. `None` when no
/// item carries one.
fn narrowed(given: &Path, list: &Value) -> Result<Option<PathBuf>> {
    let mut dirs = Vec::new();
    for item in items(list) {
        let Some(written) = annotation(item, PACKAGE_PATH) else {
            continue;
        };
        let what = || {
            format!(
                "resource {} has the annotation {PACKAGE_PATH}: '{}'",
                describe(item),
                clean(written)
            )
        };
        let dir = given
            .join(written)
            .canonicalize()
            .with_context(|| format!("{}, which is not a directory revguard can open", what()))?;
        if !dir.starts_with(given) {
            bail!(
                "{}, which is outside the package revguard was given ({}); an annotation may only narrow the package, never widen what revguard reads",
                what(),
                given.display()
            );
        }
        if let Some(file) = item_path(item)
            && (!is_inner(file) || !dir.join(file).is_file())
        {
            bail!(
                "{}, but that directory does not hold the resource's file '{}'; revguard does not trust a package path that does not match where kpt read the resource",
                what(),
                clean(file)
            );
        }
        dirs.push(dir);
    }
    let Some(shortest) = dirs.iter().min_by_key(|d| d.as_os_str().len()).cloned() else {
        return Ok(None);
    };
    if let Some(stray) = dirs.iter().find(|d| !d.starts_with(&shortest)) {
        bail!(
            "the resources' {PACKAGE_PATH} annotations name unrelated packages ({} and {}); run `revguard krm --dir <package>`",
            relative(&shortest, given),
            relative(stray, given)
        );
    }
    Ok(Some(shortest))
}

fn from_items(cwd: &Path, list: &Value) -> Result<PathBuf> {
    let paths: BTreeSet<&str> = items(list).iter().filter_map(item_path).collect();
    if paths.is_empty() {
        return Ok(cwd.to_path_buf());
    }
    for p in &paths {
        if !is_inner(p) {
            bail!("item path annotation '{p}' is not a path inside a package");
        }
    }
    let holds_all = |dir: &Path| paths.iter().all(|p| dir.join(p).is_file());
    if holds_all(cwd) {
        return Ok(cwd.to_path_buf());
    }
    let mut found = Vec::new();
    let mut queue = vec![(cwd.to_path_buf(), 0usize)];
    let mut seen = 0;
    while let Some((dir, depth)) = queue.pop() {
        seen += 1;
        if seen > MAX_SEARCHED_DIRS {
            break;
        }
        if depth > 0 && holds_all(&dir) {
            found.push(dir.clone());
        }
        if depth == MAX_DEPTH {
            continue;
        }
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let hidden = entry.file_name().to_string_lossy().starts_with('.');
            if !hidden && entry.file_type().is_ok_and(|t| t.is_dir()) {
                queue.push((entry.path(), depth + 1));
            }
        }
    }
    match found.len() {
        0 => Ok(cwd.to_path_buf()),
        1 => Ok(found.remove(0)),
        _ => {
            found.sort();
            let shown: Vec<String> = found.iter().take(5).map(|d| relative(d, cwd)).collect();
            bail!(
                "cannot tell which package kpt read: {} all hold its files; run `revguard krm --dir <package>`",
                shown.join(", ")
            )
        }
    }
}

/// `path` relative to `base` (both absolute), with `..` where needed.
pub fn relative(path: &Path, base: &Path) -> String {
    let path_parts: Vec<_> = path.components().collect();
    let base_parts: Vec<_> = base.components().collect();
    let common = path_parts
        .iter()
        .zip(&base_parts)
        .take_while(|(a, b)| a == b)
        .count();
    let mut out = PathBuf::new();
    for _ in common..base_parts.len() {
        out.push("..");
    }
    for part in &path_parts[common..] {
        out.push(part);
    }
    if out.as_os_str().is_empty() {
        ".".to_string()
    } else {
        out.display().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(yaml: &str) -> Value {
        serde_yaml_ng::from_str(yaml).unwrap()
    }

    #[test]
    fn finds_the_package_kpt_read() {
        let tmp = tempfile::tempdir().unwrap();
        let repo = tmp.path().canonicalize().unwrap();
        std::fs::create_dir_all(repo.join(".git")).unwrap();
        std::fs::create_dir_all(repo.join("deploy/k8s")).unwrap();
        std::fs::create_dir_all(repo.join("deploy/other")).unwrap();
        std::fs::write(repo.join("deploy/k8s/job.yaml"), "").unwrap();
        std::fs::write(repo.join("deploy/other/cm.yaml"), "").unwrap();
        let eval = list(
            "kind: ResourceList\nitems:\n- kind: Job\n  metadata:\n    annotations:\n      internal.config.kubernetes.io/path: job.yaml\n",
        );
        let pkg = locate(None, &repo, &eval).unwrap();
        assert_eq!(pkg.dir, repo.join("deploy/k8s"));
        assert_eq!(pkg.root, repo);
        // Ambiguous: two packages hold job.yaml.
        std::fs::write(repo.join("deploy/other/job.yaml"), "").unwrap();
        let err = locate(None, &repo, &eval).unwrap_err().to_string();
        assert!(err.contains("deploy/k8s") && err.contains("--dir"), "{err}");
        // render: the package path annotation decides.
        let render = list(&format!(
            "kind: ResourceList\nitems:\n- kind: Job\n  metadata:\n    annotations:\n      internal.config.kubernetes.io/package-path: {}\n",
            repo.join("deploy/other").display()
        ));
        assert_eq!(
            locate(None, &repo, &render).unwrap().dir,
            repo.join("deploy/other")
        );
        // No .git: the package bounds itself.
        let bare = tempfile::tempdir().unwrap();
        let pkg = locate(Some(bare.path()), &repo, &eval).unwrap();
        assert_eq!(pkg.root, pkg.dir);
    }

    /// A ResourceList of `(path, package-path)` items.
    fn marked(items: &[(&str, &str)]) -> Value {
        let mut yaml = String::from("kind: ResourceList\nitems:\n");
        for (i, (path, package)) in items.iter().enumerate() {
            yaml.push_str(&format!(
                "- kind: ConfigMap\n  metadata:\n    name: cm{i}\n    annotations:\n      internal.config.kubernetes.io/path: '{path}'\n      internal.config.kubernetes.io/package-path: '{package}'\n"
            ));
        }
        list(&yaml)
    }

    #[test]
    fn package_path_annotations_only_narrow() {
        let tmp = tempfile::tempdir().unwrap();
        let top = tmp.path().canonicalize().unwrap();
        let repo = top.join("repo");
        let decoy = top.join("decoy");
        for dir in [
            repo.join(".git"),
            repo.join("k8s/sub"),
            repo.join("other"),
            decoy.clone(),
        ] {
            std::fs::create_dir_all(dir).unwrap();
        }
        for file in ["k8s/cm.yaml", "k8s/sub/s.yaml", "other/cm.yaml"] {
            std::fs::write(repo.join(file), "").unwrap();
        }
        std::fs::write(decoy.join("cm.yaml"), "").unwrap();
        std::os::unix::fs::symlink(&decoy, repo.join("k8s/link")).unwrap();
        let pkg = repo.join("k8s");
        let shown = |p: &Path| p.display().to_string();

        // What kpt fn render sends: the package and its subpackage.
        let render = marked(&[
            ("cm.yaml", &shown(&pkg)),
            ("s.yaml", &shown(&pkg.join("sub"))),
        ]);
        assert_eq!(locate(None, &repo, &render).unwrap().dir, pkg);
        assert_eq!(locate(None, &pkg, &render).unwrap().dir, pkg);
        assert_eq!(locate(Some(&pkg), &top, &render).unwrap().dir, pkg);

        // Widening: elsewhere, through `..`, through a symlink, or above
        // what the function was given.
        let climbing = format!("{}/../../decoy", shown(&pkg));
        let escapes = [
            (shown(&decoy), &pkg),
            (climbing, &pkg),
            (shown(&pkg.join("link")), &pkg),
            ("..".to_string(), &pkg),
            (shown(&repo.join("other")), &pkg),
        ];
        for (annotation, given) in escapes {
            let err = locate(None, given, &marked(&[("cm.yaml", &annotation)]))
                .unwrap_err()
                .to_string();
            assert!(
                err.contains("outside the package revguard was given")
                    && err.contains("ConfigMap/cm0"),
                "{annotation}: {err}"
            );
        }
        let err = locate(Some(&pkg), &repo, &marked(&[("cm.yaml", &shown(&decoy))]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("outside the package"), "{err}");

        // Inside, but not where the item was read from.
        for (path, package) in [
            ("cm.yaml", pkg.join("sub")),
            ("../cm.yaml", pkg.join("sub")),
        ] {
            let err = locate(None, &repo, &marked(&[(path, &shown(&package))]))
                .unwrap_err()
                .to_string();
            assert!(err.contains("does not hold the resource's file"), "{err}");
        }
        // Two unrelated packages.
        let both = marked(&[
            ("cm.yaml", &shown(&pkg)),
            ("cm.yaml", &shown(&repo.join("other"))),
        ]);
        let err = locate(None, &repo, &both).unwrap_err().to_string();
        assert!(err.contains("unrelated packages"), "{err}");
    }

    #[test]
    fn relative_paths() {
        let base = Path::new("/r/deploy/k8s");
        assert_eq!(
            relative(Path::new("/r/migrations/v/1.py"), base),
            "../../migrations/v/1.py"
        );
        assert_eq!(relative(Path::new("/r/deploy/k8s/a.yaml"), base), "a.yaml");
        assert_eq!(relative(base, base), ".");
    }
}
