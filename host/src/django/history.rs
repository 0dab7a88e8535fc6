//! Django's history inputs on the host: the lock file (`revguard.lock` at
//! the project root), `--deployed app.name[,app.name…]`, and `--base REF`
//! (the apps' migration packages read from git). The core judges them
//! (`revguard_core::dialect::django::history`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use revguard_core::dialect::django::lock::parse_key;
use revguard_core::dialect::django::{App, BaseInput, HistoryInput, Key, Migration};
use revguard_core::history::{LOCK_FILE_NAME, LockInput};
use revguard_core::python::PythonVersion;

use super::Checked;
use crate::atomic_write;
use crate::history::display;

/// The lock file of a Django project: `revguard.lock` at its root.
pub fn lock_path(root: &Path) -> PathBuf {
    root.join(LOCK_FILE_NAME)
}

/// The lock file's content, when there is one inside the project.
pub fn read_lock(root: &Path) -> Result<Option<LockInput>> {
    let root = root
        .canonicalize()
        .with_context(|| format!("{}: cannot resolve", root.display()))?;
    let path = lock_path(&root);
    let Some(real) = crate::project::confined_file(&root, &path)? else {
        return Ok(None);
    };
    let bytes = std::fs::read(&real).with_context(|| format!("{}: cannot read", path.display()))?;
    let text = String::from_utf8(bytes)
        .with_context(|| format!("{}: the lock file is not UTF-8", path.display()))?;
    Ok(Some(LockInput {
        path: display(&path),
        text,
    }))
}

/// `--deployed`: `app.name` keys, separated by commas or spaces.
pub fn parse_deployed(value: &str) -> Result<Vec<Key>> {
    let keys: Vec<Key> = value
        .split([',', ' '])
        .filter(|s| !s.is_empty())
        .map(|s| {
            parse_key(s).with_context(|| {
                format!("--deployed {s}: give Django migrations as `app.name` (e.g. `billing.0042_invoice_total`)")
            })
        })
        .collect::<Result<_>>()?;
    if keys.is_empty() {
        bail!("--deployed: no migration given");
    }
    Ok(keys)
}

/// `revguard lock --dialect django`: write (or with `check`, verify) the
/// lock of a project whose graph loads with one leaf per app.
pub fn lock(root: &Path, checked: &Checked, check: bool) -> Result<u8> {
    let text = checked
        .render_lock()
        .map_err(|refusal| anyhow::anyhow!("cannot lock: {}", refusal.0))?;
    // The resolved root, so the path is shown relative to the working
    // directory as Alembic's lock is.
    let root = root
        .canonicalize()
        .with_context(|| format!("{}: cannot resolve", root.display()))?;
    let path = lock_path(&root);
    let shown = display(&path);
    let migrations = text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with("leaf "))
        .count();
    let apps = text.lines().filter(|l| l.starts_with("leaf ")).count();
    let current = std::fs::read(&path).ok();
    let normalised = current
        .as_deref()
        .map(|c| String::from_utf8_lossy(c).replace("\r\n", "\n"));
    if normalised.as_deref() == Some(text.as_str()) {
        println!("{shown} is up to date ({migrations} migrations in {apps} apps)");
        return Ok(0);
    }
    if check {
        let state = if current.is_some() {
            "out of date"
        } else {
            "missing"
        };
        println!("{shown} is {state}: run `revguard lock` and commit it");
        return Ok(1);
    }
    atomic_write::refuse_symlink(&path, "the lock file")?;
    atomic_write::replace_file(&path, text.as_bytes())?;
    println!("wrote {shown} ({migrations} migrations in {apps} apps)");
    Ok(0)
}

/// One app's migration package at the base ref: its label, whether it has
/// `__init__.py`, and its migration modules (name, bytes).
struct BaseApp<'a> {
    label: String,
    migrated: bool,
    modules: Vec<(String, &'a Vec<u8>)>,
}

/// The project's migration packages at `git_ref`, read with the core's
/// reader in `engine`.
pub fn read_base(
    root: &Path,
    git_ref: &str,
    python: PythonVersion,
    engine: &crate::engine::Engine,
) -> Result<BaseInput> {
    let files = crate::history::files_at(root, git_ref)?;
    let by_path: BTreeMap<&str, &Vec<u8>> = files.iter().map(|(p, b)| (p.as_str(), b)).collect();
    let mut apps: BTreeMap<String, BaseApp<'_>> = BTreeMap::new();
    for (path, bytes) in &files {
        let Some((package, module)) = path.rsplit_once('/') else {
            continue;
        };
        // The walk on disk stops at the first `migrations` directory.
        let Some(app_dir) = package.strip_suffix("/migrations") else {
            continue;
        };
        if app_dir
            .split('/')
            .any(|c| c == "migrations" || super::skipped(c))
        {
            continue;
        }
        let name = app_dir.rsplit('/').next().unwrap_or("");
        let apps_py = format!("{app_dir}/apps.py");
        let label = by_path
            .get(apps_py.as_str())
            .map(|b| super::label_in(&String::from_utf8_lossy(b), name))
            .unwrap_or_else(|| name.to_owned());
        let migrated = by_path.contains_key(format!("{package}/__init__.py").as_str());
        let entry = apps.entry(package.to_owned()).or_insert(BaseApp {
            label,
            migrated,
            modules: Vec::new(),
        });
        if let Some(stem) = super::module_name(module) {
            entry.modules.push((stem.to_owned(), bytes));
        }
    }
    let bytes: Vec<&[u8]> = apps
        .values()
        .filter(|a| a.migrated)
        .flat_map(|a| a.modules.iter().map(|(_, b)| b.as_slice()))
        .collect();
    let mut facts = engine.django_facts(&bytes, python, None)?.into_iter();
    let mut base = BaseInput {
        git_ref: git_ref.to_owned(),
        ..BaseInput::default()
    };
    for BaseApp {
        label,
        migrated,
        modules,
    } in apps.into_values()
    {
        let mut app = App {
            label,
            migrated,
            migrations: Vec::new(),
        };
        if migrated {
            for (name, bytes) in modules {
                let key = Key::new(&app.label, &name);
                base.hashes
                    .insert(key.dotted(), revguard_core::history::content_hash(bytes));
                let facts = facts.next().context("the reader returned too few facts")?;
                app.migrations.push(Migration { name, facts });
            }
        }
        base.apps.push(app);
    }
    Ok(base)
}

/// The history input of `check`: the lock, `--deployed`, `--base`; `None`
/// when there is none.
pub fn input(
    root: &Path,
    deployed: Option<&str>,
    base: Option<&str>,
    python: PythonVersion,
    engine: &crate::engine::Engine,
) -> Result<Option<HistoryInput>> {
    let lock = read_lock(root)?;
    let deployed = deployed
        .map(parse_deployed)
        .transpose()?
        .unwrap_or_default();
    let base = base
        .map(|r| read_base(root, r, python, engine))
        .transpose()?;
    if lock.is_none() && deployed.is_empty() && base.is_none() {
        return Ok(None);
    }
    Ok(Some(HistoryInput {
        lock,
        deployed,
        base,
        hashes: BTreeMap::new(),
    }))
}
