//! `[tool.revguard.django]`'s `labels` and `migration-modules` against real
//! Django: a project whose app label is computed in `apps.py` (so only the
//! configuration can tell revguard), an app whose migrations live in another
//! module by `MIGRATION_MODULES` (its stale `migrations` package holds a
//! conflict Django never sees), and an app mapped to `None`. Django's own
//! loader, with the project's settings, and revguard must name the same
//! leaves; without the configuration revguard would not.

use std::path::Path;
use std::process::Command;

use revguard_test_support as support;

const LEAVES: &str = r#"
import json, os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings")
sys.path.insert(0, ".")
import django
django.setup()
from django.db.migrations.loader import MigrationLoader
loader = MigrationLoader(None)
apps = set(sys.argv[1:])
print(json.dumps(sorted(".".join(k) for k in loader.graph.leaf_nodes() if k[0] in apps)))
"#;

const SETTINGS: &str = r#"SECRET_KEY = "layout-test"
INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "src.shop_app",
    "blog",
    "legacy",
]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
MIGRATION_MODULES = {"blog": "blog.db_migrations", "legacy": None}
USE_TZ = True
"#;

fn migration(dependencies: &str) -> String {
    format!(
        "from django.db import migrations\n\n\nclass Migration(migrations.Migration):\n\n    dependencies = [{dependencies}]\n\n    operations = []\n"
    )
}

fn write(root: &Path, files: &[(&str, String)]) {
    for (path, text) in files {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
}

fn project(root: &Path) {
    let apps_py = "from django.apps import AppConfig\n\nLABEL = \"store\"\n\n\nclass ShopConfig(AppConfig):\n    name = \"src.shop_app\"\n    label = LABEL\n";
    write(
        root,
        &[
            ("settings.py", SETTINGS.to_owned()),
            ("src/shop_app/__init__.py", String::new()),
            ("src/shop_app/apps.py", apps_py.to_owned()),
            ("src/shop_app/migrations/__init__.py", String::new()),
            (
                "src/shop_app/migrations/0001_initial.py",
                migration("(\"blog\", \"0002_tags\")"),
            ),
            (
                "src/shop_app/migrations/0002_price.py",
                migration("(\"store\", \"0001_initial\")"),
            ),
            ("blog/__init__.py", String::new()),
            ("blog/db_migrations/__init__.py", String::new()),
            ("blog/db_migrations/0001_initial.py", migration("")),
            (
                "blog/db_migrations/0002_tags.py",
                migration("(\"blog\", \"0001_initial\")"),
            ),
            // Stale: Django imports blog.db_migrations, never these.
            ("blog/migrations/__init__.py", String::new()),
            ("blog/migrations/0001_a.py", migration("")),
            ("blog/migrations/0001_b.py", migration("")),
            ("legacy/__init__.py", String::new()),
            ("legacy/migrations/__init__.py", String::new()),
            ("legacy/migrations/0001_a.py", migration("")),
            ("legacy/migrations/0001_b.py", migration("")),
        ],
    );
}

const CONFIG: &str = "[tool.revguard]\ndialect = \"django\"\n\n[tool.revguard.django]\nlabels = { \"src/shop_app\" = \"store\" }\nmigration-modules = { blog = \"blog.db_migrations\", legacy = false }\n";

fn django_leaves(python: &Path, dir: &Path) -> Vec<String> {
    let out = Command::new(python)
        .arg("-c")
        .arg(LEAVES)
        .args(["store", "blog", "legacy"])
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

fn revguard_leaves(dir: &Path) -> (i32, Vec<String>, String) {
    let out = support::cli::run(dir, &["heads", "--dialect", "django", "."], &[]);
    let leaves = support::stdout(&out)
        .lines()
        .map(|l| l.split(' ').next().unwrap().to_owned())
        .collect();
    (support::code(&out), leaves, support::stderr(&out))
}

#[test]
fn labels_and_migration_modules_are_djangos() {
    let Some(oracles) = crate::oracles() else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    project(dir.path());
    // Without the configuration revguard reads the stale packages and the
    // directory name: not what Django loads.
    let (_, unconfigured, _) = revguard_leaves(dir.path());
    std::fs::write(dir.path().join("pyproject.toml"), CONFIG).unwrap();
    let (code, leaves, stderr) = revguard_leaves(dir.path());
    assert_eq!(code, 0, "{stderr}");
    for (version, python) in &oracles {
        let theirs = django_leaves(python, dir.path());
        assert_eq!(leaves, theirs, "Django {version}");
        assert_ne!(
            unconfigured, theirs,
            "Django {version}: the configuration changed nothing"
        );
    }
    assert_eq!(leaves, ["blog.0002_tags", "store.0002_price"]);
}

#[test]
fn a_missing_migration_module_is_djangos_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    project(dir.path());
    let config = CONFIG.replace("blog.db_migrations", "blog.gone");
    std::fs::write(dir.path().join("pyproject.toml"), config).unwrap();
    let (code, _, stderr) = revguard_leaves(dir.path());
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("ModuleNotFoundError: No module named 'blog.gone'"),
        "{stderr}"
    );
    let bad = CONFIG.replace("legacy = false", "legacy = true");
    std::fs::write(dir.path().join("pyproject.toml"), bad).unwrap();
    let (code, _, stderr) = revguard_leaves(dir.path());
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("pyproject.toml:6:"), "{stderr}");
    assert!(
        stderr.contains("key `migration-modules` of [tool.revguard.django]"),
        "{stderr}"
    );
}
