//! A Django project's app through the plugin (emulated argocd-cmp-server,
//! real kustomize) and the KRM function (real kpt): the same gate as for
//! Alembic, in Django's words.

use crate::emulator::judge_manifests;
use crate::generate::assert_failed;
use crate::{Lab, app, repo_dir, tools};
use serde_yaml_ng::Value;
use std::path::Path;

const KUSTOMIZATION: &str =
    "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - job.yaml\n";
const JOB: &str = "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: migrate\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n        - name: migrate\n          image: shop:1.0\n          command: [python, manage.py, migrate]\n";

const MERGE: &str = "from django.db import migrations\n\n\nclass Migration(migrations.Migration):\n\n    dependencies = [\n        ('billing', '0003_invoice_currency'),\n        ('billing', '0003_invoice_due_date'),\n    ]\n\n    operations = [\n    ]\n";

/// The Django example with a `k8s/` kustomization, as a directory.
fn django_repo(dir: &Path) {
    crate::support::fs::copy_dir(&repo_dir().join("examples/django-leaf-conflict"), dir);
    std::fs::create_dir_all(dir.join("k8s")).unwrap();
    std::fs::write(dir.join("k8s/kustomization.yaml"), KUSTOMIZATION).unwrap();
    std::fs::write(dir.join("k8s/job.yaml"), JOB).unwrap();
}

fn staged() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    django_repo(tmp.path());
    tmp
}

#[test]
fn conflicting_leaves_fail_generation_with_djangos_words() {
    let Some(lab) = Lab::new() else { return };
    let source = staged();
    let tree = lab.tree(source.path(), "");
    let generated = lab.sidecar.generate(tree, &app("k8s"));
    let ui = assert_failed(&generated, 1);
    assert!(
        ui.contains("the Django migration graph at the repository root is broken"),
        "{ui}"
    );
    assert!(ui.contains("error[RG102] multiple-leaves"), "{ui}");
    assert!(
        ui.contains("billing/migrations/0003_invoice_currency.py:")
            && ui.contains("billing/migrations/0003_invoice_due_date.py:"),
        "both leaves are named with their files:\n{ui}"
    );
    assert!(
        ui.contains("Conflicting migrations detected; multiple leaf nodes in the migration graph: (0003_invoice_currency, 0003_invoice_due_date in billing)."),
        "Django's own CommandError:\n{ui}"
    );
    assert!(ui.contains("makemigrations --merge"), "{ui}");
}

#[test]
fn the_merged_project_renders_exactly_what_kustomize_renders() {
    let Some(lab) = Lab::new() else { return };
    let source = staged();
    std::fs::write(
        source
            .path()
            .join("billing/migrations/0004_merge_0003_invoice_currency_0003_invoice_due_date.py"),
        MERGE,
    )
    .unwrap();
    let tree = lab.tree(source.path(), "");
    let expected = lab.kustomize(&tree.root.join("k8s"));
    let generated = lab.sidecar.generate(tree, &app("k8s"));
    let run = generated.run();
    assert_eq!(run.code, Some(0), "stderr:\n{}", run.stderr);
    assert_eq!(run.stdout, expected);
    assert_eq!(judge_manifests(&run.stdout).unwrap().len(), 1);
    assert!(
        run.stderr
            .contains("the Django migration graph at the repository root is OK")
            && run
                .stderr
                .contains("billing.0004_merge_0003_invoice_currency_0003_invoice_due_date"),
        "{}",
        run.stderr
    );
}

/// On PostgreSQL (the settings' `ENGINE`), Django's operations are linted
/// with squawk's rules: warnings do not stop generation; the Application's
/// `deploy-safety: block` makes them errors that do, in the lint's words.
#[test]
fn deploy_safety_block_fails_generation_for_django_on_postgres() {
    let Some(lab) = Lab::new() else { return };
    let source = staged();
    std::fs::write(
        source
            .path()
            .join("billing/migrations/0004_merge_0003_invoice_currency_0003_invoice_due_date.py"),
        MERGE,
    )
    .unwrap();
    let settings = source.path().join("settings.py");
    let text = std::fs::read_to_string(&settings).unwrap();
    std::fs::write(
        &settings,
        text.replace(
            "django.db.backends.sqlite3",
            "django.db.backends.postgresql",
        ),
    )
    .unwrap();
    let generated = lab
        .sidecar
        .generate(lab.tree(source.path(), ""), &app("k8s"));
    let run = generated.run();
    assert_eq!(run.code, Some(0), "warnings do not block:\n{}", run.stderr);
    let generated = lab.sidecar.generate(
        lab.tree(source.path(), ""),
        &app("k8s").string("deploy-safety", "block"),
    );
    let ui = assert_failed(&generated, 1);
    assert!(
        ui.contains("the Django migration graph at the repository root is not deploy-safe"),
        "{ui}"
    );
    assert!(ui.contains("[RG401] require-lock-timeout"), "{ui}");
}

#[test]
fn a_missing_parent_is_node_not_found_error() {
    let Some(lab) = Lab::new() else { return };
    let source = staged();
    let path = source
        .path()
        .join("billing/migrations/0003_invoice_due_date.py");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        text.replace("0002_invoice_total", "0002_invoice_totl"),
    )
    .unwrap();
    let generated = lab
        .sidecar
        .generate(lab.tree(source.path(), ""), &app("k8s"));
    let ui = assert_failed(&generated, 1);
    assert!(ui.contains("missing-parent"), "{ui}");
    assert!(
        ui.contains("NodeNotFoundError: Migration billing.0003_invoice_due_date dependencies reference nonexistent parent node ('billing', '0002_invoice_totl')"),
        "{ui}"
    );
    assert!(
        ui.contains("billing/migrations/0003_invoice_due_date.py:"),
        "{ui}"
    );
}

#[test]
fn the_dialect_parameter_overrides_detection() {
    let Some(lab) = Lab::new() else { return };
    let source = staged();
    let generated = lab.sidecar.generate(
        lab.tree(source.path(), ""),
        &app("k8s").string("dialect", "alembic"),
    );
    let ui = assert_failed(&generated, 2);
    assert!(ui.contains("no Alembic project found"), "{ui}");
    let generated = lab.sidecar.generate(
        lab.tree(source.path(), ""),
        &app("k8s").string("dialect", "cobol"),
    );
    let ui = assert_failed(&generated, 2);
    assert!(ui.contains("unknown dialect 'cobol'"), "{ui}");
    // An Alembic-only setting is refused, not ignored.
    let generated = lab.sidecar.generate(
        lab.tree(source.path(), ""),
        &app("k8s").string("expected-head", "0003"),
    );
    let ui = assert_failed(&generated, 2);
    assert!(ui.contains("expected-head is for Alembic projects"), "{ui}");
}

#[test]
fn kpt_names_djangos_conflict_and_passes_the_merge() {
    let Some(kpt) = tools::kpt() else { return };
    let repo = tempfile::tempdir().unwrap();
    django_repo(repo.path());
    std::fs::create_dir_all(repo.path().join(".git")).unwrap();
    let pkg = repo.path().join("k8s");
    let (out, results) = crate::krm::kpt_eval_pkg(&kpt, &pkg, ".", &[]);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("[FAIL]"), "{text}");
    let leaves: Vec<&Value> = results
        .iter()
        .flat_map(|r| {
            r.get("results")
                .and_then(Value::as_sequence)
                .into_iter()
                .flatten()
        })
        .filter(|r| r["tags"]["check"].as_str() == Some("multiple-leaves"))
        .collect();
    assert_eq!(leaves.len(), 1, "{results:?}");
    let message = leaves[0]["message"].as_str().unwrap();
    assert!(
        message.contains("Conflicting migrations detected")
            && message.contains("../billing/migrations/0003_invoice_currency.py")
            && message.contains("../billing/migrations/0003_invoice_due_date.py"),
        "{message}"
    );
    std::fs::write(
        repo.path()
            .join("billing/migrations/0004_merge_0003_invoice_currency_0003_invoice_due_date.py"),
        MERGE,
    )
    .unwrap();
    let (out, _) = crate::krm::kpt_eval_pkg(&kpt, &pkg, ".", &["--", "dialect=django"]);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{text}");
    assert!(text.contains("[PASS]"), "{text}");
}
