//! `graph --dialect django` and `heads --dialect django` against the graph
//! real Django builds for the bundled example (its own settings), before
//! and after a squash and a merge.

use std::collections::BTreeSet;
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
