//! `graph --dialect django` and `heads --dialect django` against the graph
//! real Django builds for the bundled example (its own settings), before
//! and after a squash and a merge.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

use revguard_test_support as support;

/// Every `(parent, child)` of real Django's graph whose child is in an app
/// of the repository, as `app.name` pairs; and its leaves per such app.
const GRAPH: &str = r#"
import json, os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings")
sys.path.insert(0, ".")
import django
django.setup()
from django.db.migrations.loader import MigrationLoader
graph = MigrationLoader(None, ignore_no_migrations=True).graph
apps = set(sys.argv[1:])
edges = sorted(
    [".".join(p.key), ".".join(key)]
    for key, node in graph.node_map.items() if key[0] in apps
    for p in node.parents
)
leaves = sorted(".".join(k) for k in graph.leaf_nodes() if k[0] in apps)
print(json.dumps({"edges": edges, "leaves": leaves}))
"#;

const APPS: [&str; 3] = ["accounts", "billing", "storefront"];

fn django_graph(python: &Path, dir: &Path) -> serde_json::Value {
    let out = Command::new(python)
        .arg("-c")
        .arg(GRAPH)
        .args(APPS)
        .current_dir(dir)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .output()
        .expect("run Django");
    assert!(
        out.status.success(),
        "Django: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("Django's JSON")
}

/// `(from, to)` pairs of graph edges.
type Edges = BTreeSet<(String, String)>;

/// revguard's edges as `app.name` pairs; an edge from an installed app
/// (outside the repository) as its app alone, since revguard does not
/// know that app's migrations.
fn revguard_graph(dir: &Path) -> (Edges, Edges) {
    let args = [
        "graph",
        "--dialect",
        "django",
        "--user-model",
        "accounts.User",
        "--format",
        "json",
        ".",
    ];
    let out = support::cli::run(dir, &args, &[]);
    assert_eq!(support::code(&out), 0, "{}", support::stderr(&out));
    let graph: serde_json::Value = serde_json::from_str(&support::stdout(&out)).expect("JSON");
    let nodes = graph["nodes"].as_array().expect("nodes");
    let node = |key: &serde_json::Value| {
        let n = nodes.iter().find(|n| n["key"] == *key).expect("edge end");
        (
            format!(
                "{}.{}",
                n["app"].as_str().unwrap(),
                n["name"].as_str().unwrap()
            ),
            n["kind"] == "installed",
        )
    };
    let mut inside = BTreeSet::new();
    let mut installed = BTreeSet::new();
    for edge in graph["edges"].as_array().expect("edges") {
        let ((from, external), (to, _)) = (node(&edge["from"]), node(&edge["to"]));
        if external {
            let app = from.split_once('.').unwrap().0.to_owned();
            installed.insert((app, to));
        } else {
            inside.insert((from, to));
        }
    }
    (inside, installed)
}

fn leaves(dir: &Path) -> Vec<String> {
    let args = [
        "heads",
        "--dialect",
        "django",
        "--user-model",
        "accounts.User",
        ".",
    ];
    let out = support::cli::run(dir, &args, &[]);
    assert_eq!(support::code(&out), 0, "{}", support::stderr(&out));
    support::stdout(&out)
        .lines()
        .map(|l| l.split(' ').next().unwrap().to_owned())
        .collect()
}

fn agree(python: &Path, dir: &Path, version: &str) {
    let theirs = django_graph(python, dir);
    let (inside, installed) = revguard_graph(dir);
    let mut their_inside = BTreeSet::new();
    let mut their_installed = BTreeSet::new();
    for pair in theirs["edges"].as_array().unwrap() {
        let from = pair[0].as_str().unwrap().to_owned();
        let to = pair[1].as_str().unwrap().to_owned();
        let app = from.split_once('.').unwrap().0.to_owned();
        if APPS.contains(&app.as_str()) {
            their_inside.insert((from, to));
        } else {
            their_installed.insert((app, to));
        }
    }
    assert_eq!(
        inside, their_inside,
        "Django {version}: edges inside the repository"
    );
    assert_eq!(
        installed, their_installed,
        "Django {version}: edges from installed apps"
    );
    let their_leaves: Vec<String> = theirs["leaves"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(leaves(dir), their_leaves, "Django {version}: leaves");
}

#[test]
fn graph_and_leaves_are_djangos() {
    let Some(oracles) = crate::oracles() else {
        return;
    };
    let example = support::repo().join("examples/django-leaf-conflict");
    let copy = tempfile::tempdir().expect("temporary directory");
    support::fs::copy_dir(&example, copy.path());
    let billing = copy.path().join("billing/migrations");
    for (version, python) in &oracles {
        agree(python, copy.path(), version);
    }
    // A squash of billing's first two migrations (none applied: used), and
    // a merge of the two leaves.
    let squash = "from django.db import migrations\n\n\nclass Migration(migrations.Migration):\n\n    replaces = [\n        (\"billing\", \"0001_initial\"),\n        (\"billing\", \"0002_invoice_total\"),\n    ]\n\n    dependencies = [\n        (\"accounts\", \"0001_initial\"),\n    ]\n\n    operations = []\n";
    std::fs::write(billing.join("0001_squashed_0002_invoice_total.py"), squash).expect("write");
    let merge = "from django.db import migrations\n\n\nclass Migration(migrations.Migration):\n\n    dependencies = [\n        ('billing', '0003_invoice_currency'),\n        ('billing', '0003_invoice_due_date'),\n    ]\n\n    operations = [\n    ]\n";
    std::fs::write(billing.join("0004_merge.py"), merge).expect("write");
    for (version, python) in &oracles {
        agree(python, copy.path(), version);
    }
    let dot = support::cli::run(
        copy.path(),
        &[
            "graph",
            "--dialect",
            "django",
            "--user-model",
            "accounts.User",
            ".",
        ],
        &[],
    );
    let dot = support::stdout(&dot);
    assert!(dot.contains("subgraph cluster_"), "{dot}");
    assert!(
        dot.contains("0001_squashed_0002_invoice_total\\n[squash]"),
        "{dot}"
    );
}

/// Every file under `dir` (symlinks not followed), relative, `/`-separated.
fn listing(dir: &Path, prefix: &str, out: &mut Vec<String>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("read dir")
        .flatten()
        .collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = if prefix.is_empty() {
            name
        } else {
            format!("{prefix}/{name}")
        };
        let kind = entry.file_type().expect("file type");
        if kind.is_dir() {
            listing(&entry.path(), &path, out);
        } else if kind.is_file() {
            out.push(path);
        }
    }
}

/// The playground locates apps from a list of paths
/// (`revguard_core::dialect::django::locate`); the CLI walks the directory.
/// Both must find the same apps, labels, paths and modules, in the same
/// order: the bundled example, and a tree with every rule in it (skipped
/// and hidden directories, a namespace package, a label in `apps.py`,
/// private and non-Python modules, a nested `migrations`, names whose
/// order differs by path component).
#[test]
fn the_playgrounds_discovery_is_the_clis() {
    use revguard_core::dialect::django::locate;

    let tree = tempfile::tempdir().expect("temporary directory");
    let empty = |deps: &str| {
        format!(
            "from django.db import migrations\n\n\nclass Migration(migrations.Migration):\n    dependencies = [{deps}]\n"
        )
    };
    let files: Vec<(&str, String)> = vec![
        ("manage.py", String::new()),
        ("a/migrations/__init__.py", String::new()),
        ("a/migrations/0001_initial.py", empty("")),
        ("a-b/migrations/__init__.py", String::new()),
        (
            "a-b/migrations/0001_initial.py",
            empty("('a', '0001_initial')"),
        ),
        ("a-b/migrations/_private.py", String::new()),
        ("a-b/migrations/~backup.py", String::new()),
        ("a-b/migrations/README.md", String::new()),
        ("a-b/migrations/sub/0009_nested.py", empty("")),
        (
            "shop/apps.py",
            "class ShopConfig(AppConfig):\n    label = \"store\"\n".to_owned(),
        ),
        ("shop/migrations/__init__.py", String::new()),
        ("shop/migrations/0002_b.py", empty("('store', '0001_a')")),
        ("shop/migrations/0001_a.py", empty("")),
        ("shop/migrations/migrations/0003_inner.py", empty("")),
        ("ns/migrations/0001_unmigrated.py", empty("")),
        ("node_modules/pkg/migrations/__init__.py", String::new()),
        ("node_modules/pkg/migrations/0001_x.py", empty("")),
        (".hidden/migrations/__init__.py", String::new()),
        ("src/deep/app/migrations/__init__.py", String::new()),
        ("src/deep/app/migrations/0001_initial.py", empty("")),
    ];
    for (path, text) in &files {
        let path = tree.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let example = support::repo().join("examples/django-leaf-conflict");
    for dir in [example.as_path(), tree.path()] {
        let out = support::cli::run(
            dir,
            &["check", "--dialect", "django", "--format", "json", "."],
            &[],
        );
        let json: serde_json::Value =
            serde_json::from_str(&support::stdout(&out)).expect("the CLI's JSON");
        let mut paths = Vec::new();
        listing(dir, "", &mut paths);
        let list: Vec<&str> = paths.iter().map(String::as_str).collect();
        let read = |p: &str| std::fs::read_to_string(dir.join(p)).ok();
        let texts: BTreeMap<&str, String> =
            list.iter().filter_map(|p| Some((*p, read(p)?))).collect();
        let apps = locate::locate(&list, "", |p| texts.get(p).map(String::as_str)).expect("apps");
        let located: Vec<serde_json::Value> = apps
            .iter()
            .map(|app| {
                let migrations: Vec<(&str, &str)> = app
                    .migrations
                    .iter()
                    .map(|(name, i)| (name.as_str(), list[*i]))
                    .collect();
                serde_json::json!({
                    "label": app.label,
                    "path": app.path,
                    "migrated": app.migrated,
                    "migrations": migrations,
                })
            })
            .collect();
        assert_eq!(
            serde_json::Value::Array(located),
            json["apps"],
            "{}",
            dir.display()
        );
        assert!(locate::looks_like_django(&list), "{}", dir.display());
    }
}
