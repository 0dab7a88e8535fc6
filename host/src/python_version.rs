//! Which Python the project's migrations are compiled by.
//!
//! In order, the first that says something wins:
//! 1. `--python-version` on the command line;
//! 2. `python-version` in `[tool.revguard]` (or `revguard.toml`);
//! 3. the lower bound of `[project] requires-python` in the `pyproject.toml`
//!    beside the Alembic configuration (the oldest Python the project
//!    promises to run on is the one whose grammar every file must satisfy);
//! 4. a `.python-version` file there (pyenv, uv);
//! 5. Python 3.10, the oldest CPython still supported upstream.
//!
//! The report carries the version and the sentence saying where it came from.

use std::path::Path;

use anyhow::{Context, Result};
use revguard_core::python::{PythonTarget, PythonVersion};

/// The target from the project directory alone (steps 3–5). Each file is
/// read only when its real path is inside `root` (the repository root), like
/// every other file revguard reads; one that resolves outside is an error.
pub fn from_project(root: &Path, dir: &Path) -> Result<PythonTarget> {
    let pyproject = dir.join("pyproject.toml");
    if crate::project::confined_file(root, &pyproject)?.is_some() && pyproject.is_file() {
        let text = std::fs::read_to_string(&pyproject)
            .with_context(|| format!("cannot read {}", pyproject.display()))?;
        if let Some(target) = from_requires_python(&text) {
            return Ok(target);
        }
    }
    let pinned = dir.join(".python-version");
    if crate::project::confined_file(root, &pinned)?.is_some() && pinned.is_file() {
        let text = std::fs::read_to_string(&pinned)
            .with_context(|| format!("cannot read {}", pinned.display()))?;
        return from_python_version_file(&text).with_context(|| {
            format!(
                "{}: no usable version (write e.g. 3.12, or pass --python-version)",
                pinned.display()
            )
        });
    }
    Ok(PythonTarget::default())
}

fn from_requires_python(pyproject: &str) -> Option<PythonTarget> {
    #[derive(serde::Deserialize)]
    struct File {
        project: Option<ProjectTable>,
    }
    #[derive(serde::Deserialize)]
    struct ProjectTable {
        #[serde(rename = "requires-python")]
        requires_python: Option<String>,
    }
    // A pyproject.toml that does not parse is reported by whoever reads it
    // for configuration; here it just says nothing about the version.
    let spec = toml::from_str::<File>(pyproject)
        .ok()?
        .project?
        .requires_python?;
    let lower = lower_bound(&spec)?;
    let version = lower.clamp(PythonVersion::OLDEST, PythonVersion::NEWEST);
    let mut source = format!("pyproject.toml [project] requires-python = \"{spec}\"");
    if version != lower {
        source.push_str(&format!(
            " (Python {lower} is outside what revguard validates; using {version})"
        ));
    }
    Some(PythonTarget { version, source })
}

/// The lowest version a PEP 440 specifier set admits: `>=3.9,<4` → 3.9,
/// `~=3.10` → 3.10, `>3.8` → 3.9, `==3.11.*` → 3.11. `None` when it sets no
/// lower bound (`<4`, `!=3.9`).
pub fn lower_bound(spec: &str) -> Option<PythonVersion> {
    let mut best: Option<PythonVersion> = None;
    for clause in spec.split(',') {
        let clause = clause.trim();
        let Some((op, rest)) = ["~=", "==", ">=", ">", "^"]
            .into_iter()
            .find_map(|op| clause.strip_prefix(op).map(|rest| (op, rest.trim())))
        else {
            continue;
        };
        let mut parts = rest.trim_end_matches(".*").split('.');
        let Some(Ok(major)) = parts.next().map(str::parse::<u8>) else {
            continue;
        };
        let Ok(minor) = parts.next().map_or(Ok(0), str::parse::<u8>) else {
            continue;
        };
        let patch_given = parts
            .next()
            .is_some_and(|p| p.parse::<u32>().is_ok_and(|p| p > 0));
        let minor = if op == ">" && !patch_given {
            minor.saturating_add(1)
        } else {
            minor
        };
        let version = PythonVersion::new(major, minor);
        best = Some(best.map_or(version, |b| b.max(version)));
    }
    best
}

fn from_python_version_file(text: &str) -> Option<PythonTarget> {
    // The first line that is not a comment; pyenv allows several versions,
    // one per line, the first being the default.
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))?;
    let version: PythonVersion = line.parse().ok()?;
    Some(PythonTarget {
        version,
        source: format!(".python-version ({line})"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(major: u8, minor: u8) -> Option<PythonVersion> {
        Some(PythonVersion::new(major, minor))
    }

    #[test]
    fn a_python_version_file_symlinked_out_of_the_root_is_refused() {
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join(".python-version"), "3.9\n").unwrap();
        let repo = tempfile::tempdir().unwrap();
        let root = repo.path().canonicalize().unwrap();
        std::os::unix::fs::symlink(
            outside.path().join(".python-version"),
            repo.path().join(".python-version"),
        )
        .unwrap();
        let err = format!("{:#}", from_project(&root, repo.path()).unwrap_err());
        assert!(err.contains("outside the repository root"), "{err}");
    }

    #[test]
    fn lower_bounds_of_common_specifiers() {
        assert_eq!(lower_bound(">=3.9"), v(3, 9));
        assert_eq!(lower_bound(">=3.9, <4"), v(3, 9));
        assert_eq!(lower_bound("~=3.10"), v(3, 10));
        assert_eq!(lower_bound(">3.8"), v(3, 9));
        assert_eq!(lower_bound(">3.8.1"), v(3, 8));
        assert_eq!(lower_bound("==3.11.*"), v(3, 11));
        assert_eq!(lower_bound(">=3.8,>=3.11"), v(3, 11));
        assert_eq!(lower_bound("<4"), None);
        assert_eq!(lower_bound("!=3.9"), None);
    }

    #[test]
    fn requires_python_names_its_source() {
        let target =
            from_requires_python("[project]\nname = 'x'\nrequires-python = \">=3.12\"\n").unwrap();
        assert_eq!(target.version, PythonVersion::new(3, 12));
        assert_eq!(
            target.source,
            "pyproject.toml [project] requires-python = \">=3.12\""
        );
        let old = from_requires_python("[project]\nrequires-python = \">=3.6\"\n").unwrap();
        assert_eq!(old.version, PythonVersion::OLDEST);
        assert!(old.source.contains("outside what revguard validates"));
        assert!(from_requires_python("[tool.x]\na = 1\n").is_none());
    }

    #[test]
    fn python_version_file_first_entry_wins() {
        let target = from_python_version_file("# pinned\n3.11.9\n3.12\n").unwrap();
        assert_eq!(target.version, PythonVersion::new(3, 11));
        assert_eq!(target.source, ".python-version (3.11.9)");
        assert!(from_python_version_file("system\n").is_none());
    }

    #[test]
    fn project_sources_in_order() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            from_project(&dir.path().canonicalize().unwrap(), dir.path()).unwrap(),
            PythonTarget::default()
        );
        std::fs::write(dir.path().join(".python-version"), "3.13\n").unwrap();
        assert_eq!(
            from_project(&dir.path().canonicalize().unwrap(), dir.path())
                .unwrap()
                .version,
            PythonVersion::new(3, 13)
        );
        std::fs::write(
            dir.path().join("pyproject.toml"),
            "[project]\nrequires-python = \">=3.9\"\n",
        )
        .unwrap();
        assert_eq!(
            from_project(&dir.path().canonicalize().unwrap(), dir.path())
                .unwrap()
                .version,
            PythonVersion::new(3, 9)
        );
    }
}
