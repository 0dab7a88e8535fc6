//! Seeded random Django projects: several apps with linear, forked and
//! merged histories, cross-app and external dependencies, `__first__` /
//! `__latest__`, the swappable user model, `run_before`, squashes applied
//! fully, partly or not at all, and injected faults (missing parents and
//! children, cycles, unmigrated and empty apps). Rendered in varied literal
//! syntax, so the reader is exercised along with the semantics.

use std::fmt::Write as _;
use std::path::Path;

use revguard_test_support::generate::Rng;

/// The app labels every batch installs (a project uses the first few).
pub const LABELS: [&str; 4] = ["app0", "app1", "app2", "app3"];

/// Nodes of Django's contrib apps that exist in every supported release.
const EXTERNAL: [(&str, &str); 4] = [
    ("contenttypes", "0002_remove_content_type_name"),
    ("auth", "0012_alter_user_first_name_max_length"),
    ("auth", "__first__"),
    ("contenttypes", "__latest__"),
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dep {
    Key(String, String),
    Swappable,
}

#[derive(Debug, Clone, Default)]
pub struct GenMigration {
    pub name: String,
    pub deps: Vec<Dep>,
    pub replaces: Vec<(String, String)>,
    pub run_before: Vec<(String, String)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppKind {
    Migrated,
    /// A `migrations` directory without `__init__.py`.
    Namespace,
}

#[derive(Debug, Clone)]
pub struct GenApp {
    pub label: String,
    pub kind: AppKind,
    pub migrations: Vec<GenMigration>,
    /// Migrations written to disk (a squash's originals may be deleted).
    pub deleted: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct GenProject {
    pub id: usize,
    pub apps: Vec<GenApp>,
    pub user_model: String,
    pub applied: Vec<(String, String)>,
}

fn key(app: &str, name: &str) -> Dep {
    Dep::Key(app.into(), name.into())
}

/// One project.
pub fn project(id: usize, rng: &mut Rng) -> GenProject {
    let n_apps = rng.range(1, LABELS.len());
    let mut apps: Vec<GenApp> = Vec::new();
    for (a, label) in LABELS.iter().enumerate().take(n_apps) {
        let kind = if a > 0 && rng.pct(6) {
            AppKind::Namespace
        } else {
            AppKind::Migrated
        };
        let count = match kind {
            AppKind::Namespace => 0,
            AppKind::Migrated if a > 0 && rng.pct(5) => 0,
            AppKind::Migrated => rng.range(1, 6),
        };
        let mut migrations = Vec::new();
        for i in 0..count {
            migrations.push(migration(label, i, &migrations, &apps, rng));
        }
        apps.push(GenApp {
            label: (*label).into(),
            kind,
            migrations,
            deleted: Vec::new(),
        });
    }
    add_run_before(&mut apps, rng);
    inject_faults(&mut apps, rng);
    for app in &mut apps {
        if app.migrations.len() >= 3 && rng.pct(20) {
            squash(app, rng);
        }
    }
    let user_model = if rng.pct(30) {
        "app0.User"
    } else {
        "auth.User"
    }
    .to_string();
    let applied = applied(&apps, rng);
    GenProject {
        id,
        apps,
        user_model,
        applied,
    }
}

fn migration(
    label: &str,
    i: usize,
    earlier: &[GenMigration],
    lower: &[GenApp],
    rng: &mut Rng,
) -> GenMigration {
    let name = if i == 0 {
        "0001_initial".to_string()
    } else {
        format!("{:04}_m{}", i + 1, rng.below(3))
    };
    let mut deps = Vec::new();
    if i > 0 {
        let parent = if rng.pct(70) { i - 1 } else { rng.below(i) };
        deps.push(key(label, &earlier[parent].name));
        if i > 1 && rng.pct(15) {
            let other = rng.below(i);
            if other != parent {
                deps.push(key(label, &earlier[other].name));
            }
        }
    }
    if !lower.is_empty() && rng.pct(30) {
        let app = rng.pick(lower);
        let name = match rng.below(4) {
            0 => "__first__".to_string(),
            1 => "__latest__".to_string(),
            _ if app.migrations.is_empty() => "__first__".to_string(),
            _ => rng.pick(&app.migrations).name.clone(),
        };
        deps.push(key(&app.label, &name));
    }
    if rng.pct(12) {
        let (app, name) = *rng.pick(&EXTERNAL);
        deps.push(key(app, name));
    }
    if rng.pct(10) {
        deps.push(Dep::Swappable);
    }
    GenMigration {
        name: unique(name, earlier),
        deps,
        ..GenMigration::default()
    }
}

fn unique(name: String, earlier: &[GenMigration]) -> String {
    let mut candidate = name.clone();
    let mut n = 0;
    while earlier.iter().any(|m| m.name == candidate) {
        n += 1;
        candidate = format!("{name}_{n}");
    }
    candidate
}

/// `run_before` from a lower app into a higher one (the direction the
/// dependencies go, so no cycle unless a fault adds one).
fn add_run_before(apps: &mut [GenApp], rng: &mut Rng) {
    for a in 0..apps.len() {
        for b in a + 1..apps.len() {
            if apps[a].migrations.is_empty() || apps[b].migrations.is_empty() || !rng.pct(15) {
                continue;
            }
            let target = rng.pick(&apps[b].migrations).name.clone();
            let label = apps[b].label.clone();
            let from = rng.below(apps[a].migrations.len());
            apps[a].migrations[from].run_before.push((label, target));
        }
    }
}

fn inject_faults(apps: &mut [GenApp], rng: &mut Rng) {
    let labels: Vec<String> = apps.iter().map(|a| a.label.clone()).collect();
    let with_migrations: Vec<usize> = (0..apps.len())
        .filter(|&a| !apps[a].migrations.is_empty())
        .collect();
    if with_migrations.is_empty() {
        return;
    }
    let a = *rng.pick(&with_migrations);
    let n = apps[a].migrations.len();
    let m = rng.below(n);
    let other = rng.pick(&labels).clone();
    match rng.below(100) {
        0..=4 => apps[a].migrations[m]
            .deps
            .push(key(&labels[a], "0099_missing")),
        5..=7 => apps[a].migrations[m].deps.push(key(&other, "0042_nope")),
        8..=11 if n >= 2 => {
            // The first migration depends on a later one: a cycle when the
            // later one descends from it.
            let later = apps[a].migrations[rng.range(1, n - 1)].name.clone();
            apps[a].migrations[0].deps.push(key(&labels[a], &later));
        }
        12..=13 => apps[a].migrations[m]
            .deps
            .push(key(&labels[a], "__latest__")),
        14..=15 => apps[a].migrations[m]
            .run_before
            .push((other, "0077_gone".into())),
        16..=18 if apps.len() > 1 => {
            // A lower app depends on a higher one: sometimes a cycle.
            let high = apps.len() - 1;
            let last = apps[high].migrations.last().map(|m| m.name.clone());
            if let (Some(last), Some(first)) = (last, apps[0].migrations.first_mut()) {
                first.deps.push(key(&labels[high], &last));
            }
        }
        _ => {}
    }
}

/// Squash the first `k` migrations; sometimes delete the originals.
fn squash(app: &mut GenApp, rng: &mut Rng) {
    let k = rng.range(2, app.migrations.len());
    let replaced: Vec<&GenMigration> = app.migrations[..k].iter().collect();
    let names: Vec<String> = replaced.iter().map(|m| m.name.clone()).collect();
    let mut deps: Vec<Dep> = Vec::new();
    for dep in replaced.iter().flat_map(|m| m.deps.iter()) {
        let inside = matches!(dep, Dep::Key(a, n) if *a == app.label && names.contains(n));
        if !inside && !deps.contains(dep) {
            deps.push(dep.clone());
        }
    }
    let squash = GenMigration {
        name: format!("0001_squashed_{:04}_s", k),
        deps,
        replaces: names
            .iter()
            .map(|n| (app.label.clone(), n.clone()))
            .collect(),
        run_before: Vec::new(),
    };
    if rng.pct(40) {
        app.deleted = names;
    }
    app.migrations.push(squash);
}

fn applied(apps: &[GenApp], rng: &mut Rng) -> Vec<(String, String)> {
    let mut rows = Vec::new();
    let mode = rng.below(10);
    if mode < 4 {
        return rows;
    }
    for app in apps {
        let names: Vec<&str> = app.migrations.iter().map(|m| m.name.as_str()).collect();
        let chosen: Vec<&str> = if mode < 8 {
            // A prefix in name order: what a deployed database usually holds
            // (squashes end up fully, partly or not applied).
            let k = rng.below(names.len() + 1);
            let mut sorted = names.clone();
            sorted.sort();
            sorted.into_iter().take(k).collect()
        } else {
            names.into_iter().filter(|_| rng.pct(50)).collect()
        };
        rows.extend(
            chosen
                .into_iter()
                .map(|n| (app.label.clone(), n.to_string())),
        );
    }
    if rng.pct(20) {
        rng.shuffle(&mut rows);
    }
    rows
}

/// Python source of one migration module, in varied literal syntax.
pub fn render(m: &GenMigration, rng: &mut Rng) -> String {
    let quote = if rng.pct(50) { '\'' } else { '"' };
    let tuple = |a: &str, n: &str| format!("({quote}{a}{quote}, {quote}{n}{quote})");
    let mut out = String::from(
        "# Generated by revguard's differential suite\n\nfrom django.conf import settings\nfrom django.db import migrations\n\n\nclass Migration(migrations.Migration):\n",
    );
    if m.name == "0001_initial" {
        out.push_str("\n    initial = True\n");
    }
    let seq = |items: Vec<String>, rng: &mut Rng| {
        let (open, close) = if rng.pct(70) { ("[", "]") } else { ("(", ")") };
        if items.is_empty() {
            return format!("{open}{close}");
        }
        let mut s = format!("{open}\n");
        for item in items {
            let _ = writeln!(s, "        {item},");
        }
        s + "    " + close
    };
    let deps: Vec<String> = m
        .deps
        .iter()
        .map(|d| match d {
            Dep::Key(a, n) => tuple(a, n),
            Dep::Swappable => "migrations.swappable_dependency(settings.AUTH_USER_MODEL)".into(),
        })
        .collect();
    let _ = write!(out, "\n    dependencies = {}\n", seq(deps, rng));
    for (field, list) in [("replaces", &m.replaces), ("run_before", &m.run_before)] {
        if !list.is_empty() {
            let items = list.iter().map(|(a, n)| tuple(a, n)).collect();
            let _ = write!(out, "\n    {field} = {}\n", seq(items, rng));
        }
    }
    out.push_str("\n    operations = []\n");
    out
}

/// Write a project as package `p<id>` under `root`.
pub fn write(project: &GenProject, root: &Path, rng: &mut Rng) -> std::io::Result<()> {
    let package = root.join(format!("p{}", project.id));
    std::fs::create_dir_all(&package)?;
    std::fs::write(package.join("__init__.py"), "")?;
    for app in &project.apps {
        let dir = package.join(&app.label).join("migrations");
        std::fs::create_dir_all(&dir)?;
        std::fs::write(package.join(&app.label).join("__init__.py"), "")?;
        if app.kind == AppKind::Migrated {
            std::fs::write(dir.join("__init__.py"), "")?;
        }
        for m in &app.migrations {
            if !app.deleted.contains(&m.name) {
                std::fs::write(dir.join(format!("{}.py", m.name)), render(m, rng))?;
            }
        }
    }
    Ok(())
}
