//! GenerateManifest cases through the emulator.

use crate::emulator::{Generated, ParamValue, judge_manifests};
use crate::{Lab, app, fixture, repo_dir};

const DUP_A: &str = "041_add_contract_audit_log.py";
const DUP_B: &str = "041_add_westside_streamlit_ro_role.py";

fn migration(rev: &str, down: &str, message: &str) -> String {
    let down = if down.is_empty() {
        "None".to_string()
    } else {
        format!("\"{down}\"")
    };
    format!(
        "\"\"\"{message}\n\nRevision ID: {rev}\nRevises: {}\nCreate Date: 2026-03-09 10:00:00.000000\n\n\"\"\"\nfrom alembic import op\n\nrevision = \"{rev}\"\ndown_revision = {down}\nbranch_labels = None\ndepends_on = None\n\n\ndef upgrade() -> None:\n    pass\n\n\ndef downgrade() -> None:\n    pass\n",
        down.trim_matches('"')
    )
}

/// Common assertions for a failed generate: nothing on stdout, a UI string
/// in Argo CD's format, short enough to read in the UI.
pub fn assert_failed(generated: &Generated, code: i32) -> String {
    let run = generated.run();
    assert_eq!(run.code, Some(code), "exit code; stderr:\n{}", run.stderr);
    assert!(
        run.stdout.is_empty(),
        "stdout must be empty on failure, got {:?}",
        String::from_utf8_lossy(&run.stdout)
    );
    assert!(!run.timed_out);
    let ui = run.ui_error();
    assert!(
        ui.starts_with(&format!(
            "`revguard argocd generate` failed exit status {code}: revguard"
        )),
        "{ui}"
    );
    assert!(
        ui.lines().count() <= 20,
        "UI message too long ({} lines):\n{ui}",
        ui.lines().count()
    );
    assert!(
        !ui.contains("_cmp_server"),
        "no request work-dir paths in the UI string:\n{ui}"
    );
    eprintln!("UI message:\n{}\n", run.condition_message("billing"));
    ui
}

#[test]
fn healthy_repo_renders_exactly_what_kustomize_renders() {
    let Some(lab) = Lab::new() else { return };
    assert_eq!(lab.sidecar.plugin.full_name(), "revguard-v1");
    let tree = lab.tree(&fixture("healthy"), "");
    assert!(!tree.root.join(".git").exists());
    for (path, mode) in tree.modes() {
        assert_eq!(mode & 0o111, 0, "{} is executable", path.display());
    }
    let expected = lab.kustomize(&tree.root.join("k8s"));
    let generated = lab.sidecar.generate(tree, &app("k8s"));
    let run = generated.run();
    assert_eq!(run.code, Some(0), "stderr:\n{}", run.stderr);
    assert_eq!(
        run.stdout, expected,
        "stdout must be kustomize's output, byte for byte"
    );
    let objects = judge_manifests(&run.stdout).unwrap();
    let kinds: Vec<&str> = objects
        .iter()
        .map(|o| o["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["ConfigMap", "Service", "Deployment", "Job"]);
    assert!(
        run.elapsed < crate::DEADLINE / 4,
        "generate took {:?}",
        run.elapsed
    );
    eprintln!("generate (healthy, kustomize) took {:?}", run.elapsed);

    // Deterministic (Argo CD caches the result per commit): a fresh request
    // tree gives identical bytes.
    let again = lab
        .sidecar
        .generate(lab.tree(&fixture("healthy"), ""), &app("k8s"));
    assert_eq!(again.run().stdout, run.stdout);
}

#[test]
fn parameters_unset_null_and_populated() {
    let Some(lab) = Lab::new() else { return };
    let expected = lab.kustomize(&fixture("healthy").join("k8s"));
    let mut unset = app("k8s");
    unset.parameters = None;
    let null = app("k8s");
    let empty = app("k8s").param("renderer-args", ParamValue::Array(vec![]));
    let populated = app("k8s")
        .string("policy", "linear")
        .string("renderer", "kustomize")
        .string("expected-head", "003")
        .string("migrations", "..")
        .param(
            "renderer-args",
            ParamValue::Array(vec!["--reorder".into(), "legacy".into()]),
        )
        .string("allow-empty", "false");
    for (what, a) in [
        ("unset", unset),
        ("null", null),
        ("empty", empty),
        ("populated", populated),
    ] {
        let generated = lab.sidecar.generate(lab.tree(&fixture("healthy"), ""), &a);
        let run = generated.run();
        assert_eq!(run.code, Some(0), "{what}: {}", run.stderr);
        assert_eq!(run.stdout, expected, "{what}");
    }
}

#[test]
fn bad_parameters_fail_clearly() {
    let Some(lab) = Lab::new() else { return };
    for (a, needle) in [
        (
            app("k8s").string("policy", "strict"),
            "unknown policy 'strict' (parameter policy)",
        ),
        (
            app("k8s").string("renderer", "jsonnet"),
            "unknown renderer 'jsonnet'",
        ),
        (
            app("k8s").param(
                "renderer-args",
                ParamValue::Array(vec!["--enable-alpha-plugins".into()]),
            ),
            "--enable-alpha-plugins",
        ),
        (
            app("k8s").string("migrations", "../../.."),
            "outside the repository root",
        ),
        (
            app("k8s").string("migrations", "db"),
            "k8s/db does not exist",
        ),
        (
            app("k8s").env("REVGUARD_RENDERER", "kustomise"),
            "plugin env ARGOCD_ENV_REVGUARD_RENDERER",
        ),
    ] {
        let generated = lab.sidecar.generate(lab.tree(&fixture("healthy"), ""), &a);
        let ui = assert_failed(&generated, 2);
        assert!(ui.contains(needle), "expected {needle:?} in:\n{ui}");
    }
}

#[test]
fn deployed_revision_parameter_gates_generation() {
    let Some(lab) = Lab::new() else { return };
    let expected = lab.kustomize(&fixture("healthy").join("k8s"));
    // Databases at 002 get 003 next: generation goes ahead.
    let ok = app("k8s").string("deployed-revision", "002");
    let generated = lab.sidecar.generate(lab.tree(&fixture("healthy"), ""), &ok);
    let run = generated.run();
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(run.stdout, expected);
    // A revision the history does not have: Alembic would fail at boot with
    // "Can't locate revision"; caught before anything is synced.
    let missing = app("k8s").string("deployed-revision", "0099");
    let generated = lab
        .sidecar
        .generate(lab.tree(&fixture("healthy"), ""), &missing);
    let ui = assert_failed(&generated, 1);
    assert!(ui.contains("0099"), "{ui}");
}

#[test]
fn plugin_env_is_expanded_and_used() {
    let Some(lab) = Lab::new() else { return };
    // `$$` is a literal dollar; `$ARGOCD_APP_NAME` expands against the build vars.
    let a = app("k8s").env("REVGUARD_EXPECTED_HEAD", "$ARGOCD_APP_NAME-$$1");
    let generated = lab.sidecar.generate(lab.tree(&fixture("healthy"), ""), &a);
    let ui = assert_failed(&generated, 1);
    assert!(ui.contains("\"billing-$1\""), "{ui}");
    assert!(ui.contains("\"003\""), "{ui}");
}

#[test]
fn incident_443_fails_and_names_both_041_files() {
    let Some(lab) = Lab::new() else { return };
    let example = repo_dir().join("examples/incident-443");
    assert!(
        example.join("k8s/kustomization.yaml").is_file(),
        "examples/incident-443/k8s is missing"
    );
    let tree = lab.tree(&example, "examples/incident-443");
    let generated = lab
        .sidecar
        .generate(tree, &app("examples/incident-443/k8s"));
    let ui = assert_failed(&generated, 1);
    assert!(
        ui.contains(DUP_A) && ui.contains(DUP_B),
        "both 041 files must be named:\n{ui}"
    );
    assert!(ui.contains("duplicate-revision"), "{ui}");
    assert!(
        ui.contains("examples/incident-443/"),
        "paths are repo-relative:\n{ui}"
    );
    let timed = generated.run().elapsed;
    assert!(timed < crate::DEADLINE / 4, "{timed:?}");
    eprintln!("generate (incident-443) took {timed:?}");
}

#[test]
fn two_heads_fail() {
    let Some(lab) = Lab::new() else { return };
    let tree = lab.tree(&fixture("healthy"), "");
    tree.write(
        "migrations/versions/003b_add_refunds.py",
        &migration("003b", "002", "add refunds"),
    );
    let generated = lab.sidecar.generate(tree, &app("k8s"));
    let ui = assert_failed(&generated, 1);
    assert!(ui.contains("multiple-heads"), "{ui}");
    assert!(
        ui.contains("003_add_invoice_index.py") && ui.contains("003b_add_refunds.py"),
        "{ui}"
    );
}

#[test]
fn missing_parent_fails() {
    let Some(lab) = Lab::new() else { return };
    let tree = lab.tree(&fixture("healthy"), "");
    tree.write(
        "migrations/versions/004_add_payments.py",
        &migration("004", "0003", "add payments"),
    );
    let generated = lab.sidecar.generate(tree, &app("k8s"));
    let ui = assert_failed(&generated, 1);
    assert!(ui.contains("missing-parent"), "{ui}");
    assert!(
        ui.contains("004_add_payments.py") && ui.contains("0003"),
        "{ui}"
    );
}

#[test]
fn expected_head_is_enforced() {
    let Some(lab) = Lab::new() else { return };
    let ok = lab.sidecar.generate(
        lab.tree(&fixture("healthy"), ""),
        &app("k8s").string("expected-head", "003"),
    );
    assert_eq!(ok.run().code, Some(0), "{}", ok.run().stderr);
    let bad = lab.sidecar.generate(
        lab.tree(&fixture("healthy"), ""),
        &app("k8s").string("expected-head", "004"),
    );
    let ui = assert_failed(&bad, 1);
    assert!(ui.contains("\"003\"") && ui.contains("\"004\""), "{ui}");
}

#[test]
fn subset_root_without_migrations_is_an_error_not_a_pass() {
    let Some(lab) = Lab::new() else { return };
    // manifest-generate-paths sent only the app directory: the migrations are
    // not in the request tree at all.
    let tree = lab.tree(&fixture("healthy").join("k8s"), "");
    let mut a = app("apps/billing/k8s");
    a.dir = Some(".".into());
    let generated = lab.sidecar.generate(tree, &a);
    let ui = assert_failed(&generated, 2);
    assert!(
        ui.contains("no Alembic, Django or SQL-file tool project found"),
        "{ui}"
    );
    assert!(
        ui.contains("manifest-generate-paths"),
        "the message says how to fix it:\n{ui}"
    );
}

#[test]
fn subset_root_with_migrations_passes() {
    let Some(lab) = Lab::new() else { return };
    // The annotation lists `.` and `../migrations`: the sent root is the
    // common ancestor apps/billing, not the repo root.
    let tree = lab.tree(&fixture("healthy"), "");
    let mut a = app("apps/billing/k8s");
    a.dir = Some("k8s".into());
    let expected = lab.kustomize(&tree.root.join("k8s"));
    let generated = lab.sidecar.generate(tree, &a);
    assert_eq!(generated.run().code, Some(0), "{}", generated.run().stderr);
    assert_eq!(generated.run().stdout, expected);
}

#[test]
fn renderer_failure_propagates() {
    let Some(lab) = Lab::new() else { return };
    let tree = lab.tree(&fixture("healthy"), "");
    tree.write(
        "k8s/kustomization.yaml",
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - deployment.yaml\n  - worker.yaml\n",
    );
    let generated = lab.sidecar.generate(tree, &app("k8s"));
    let ui = assert_failed(&generated, 1);
    assert!(
        ui.contains("renderer `kustomize build .` failed with exit status 1"),
        "{ui}"
    );
    assert!(
        ui.contains("worker.yaml"),
        "kustomize's own error is shown:\n{ui}"
    );
}

#[test]
fn empty_render_is_refused_unless_allowed() {
    let Some(lab) = Lab::new() else { return };
    let empty_kustomization = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - later.yaml\n";
    let tree = lab.tree(&fixture("healthy"), "");
    tree.write("k8s/kustomization.yaml", empty_kustomization);
    tree.write("k8s/later.yaml", "# nothing yet\n");
    let generated = lab.sidecar.generate(tree, &app("k8s"));
    let ui = assert_failed(&generated, 1);
    assert!(
        ui.contains("no Kubernetes objects") && ui.contains("allow-empty"),
        "{ui}"
    );

    let tree = lab.tree(&fixture("healthy"), "");
    tree.write("k8s/kustomization.yaml", empty_kustomization);
    tree.write("k8s/later.yaml", "# nothing yet\n");
    let generated = lab
        .sidecar
        .generate(tree, &app("k8s").string("allow-empty", "true"));
    assert_eq!(generated.run().code, Some(0), "{}", generated.run().stderr);
    assert!(judge_manifests(&generated.run().stdout).unwrap().is_empty());
}

#[test]
fn directory_renderer_emits_yaml_and_json_files() {
    let Some(lab) = Lab::new() else { return };
    let tree = lab.tree(&fixture("healthy"), "");
    tree.write(
        "plain/a-config.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n",
    );
    tree.write(
        "plain/b-service.json",
        "{\"apiVersion\": \"v1\", \"kind\": \"Service\", \"metadata\": {\"name\": \"b\"}}",
    );
    tree.write("plain/notes.txt", "not a manifest\n");
    let generated = lab.sidecar.generate(tree, &app("plain"));
    let run = generated.run();
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let objects = judge_manifests(&run.stdout).unwrap();
    let names: Vec<&str> = objects
        .iter()
        .map(|o| o["metadata"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["a", "b"]);
}

#[test]
fn discovery_is_opt_in() {
    let Some(lab) = Lab::new() else { return };
    // As shipped: no discovery, so an app without plugin.name never matches.
    let tree = lab.tree(&fixture("healthy"), "");
    assert!(!lab.sidecar.matches(&tree, &app("k8s")).unwrap());

    // The documented opt-in: discover.fileName ".revguard" in the app dir.
    let text = std::fs::read_to_string(crate::plugin_yaml()).unwrap();
    let with_marker = text.replace(
        "  preserveFileMode: false",
        "  discover:\n    fileName: \".revguard\"\n  preserveFileMode: false",
    );
    let plugin = crate::emulator::Plugin::parse(&with_marker).unwrap();
    assert!(plugin.unknown_keys.is_empty(), "{:?}", plugin.unknown_keys);
    let lab = Lab::with_plugin(plugin).unwrap();
    let tree = lab.tree(&fixture("healthy"), "");
    assert!(!lab.sidecar.matches(&tree, &app("k8s")).unwrap());
    tree.write("k8s/.revguard", "");
    assert!(lab.sidecar.matches(&tree, &app("k8s")).unwrap());

    // find.command: `revguard argocd discover` prints the project it found.
    let with_command = text.replace(
        "  preserveFileMode: false",
        "  discover:\n    find:\n      command: [revguard, argocd, discover]\n  preserveFileMode: false",
    );
    let lab = Lab::with_plugin(crate::emulator::Plugin::parse(&with_command).unwrap()).unwrap();
    let tree = lab.tree(&fixture("healthy"), "");
    assert!(lab.sidecar.matches(&tree, &app("k8s")).unwrap());
    let subset = lab.tree(&fixture("healthy").join("k8s"), "");
    let mut a = app("k8s");
    a.dir = Some(".".into());
    assert!(!lab.sidecar.matches(&subset, &a).unwrap());
}
