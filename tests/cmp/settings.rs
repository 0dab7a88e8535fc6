//! Settings fail closed: misspelt and admin-only settings, the renderer
//! argument allow-list, value-file bounds, output redirection, the admin's
//! kustomize build options and the stderr of a passing check.

use crate::emulator::{Generated, ParamValue};
use crate::generate::assert_failed;
use crate::{Lab, app, fixture};

fn generate(lab: &Lab, a: &crate::emulator::App) -> Generated {
    lab.sidecar.generate(lab.tree(&fixture("healthy"), ""), a)
}

fn args(items: &[&str]) -> ParamValue {
    ParamValue::Array(items.iter().map(|s| s.to_string()).collect())
}

#[test]
fn misspelt_settings_stop_generation_and_name_the_valid_ones() {
    let Some(lab) = Lab::new() else { return };
    for (a, needles) in [
        (
            // The typo that used to switch the expected-head check off.
            app("k8s").string("expected_head", "004"),
            &[
                "unknown parameter expected_head (did you mean expected-head?)",
                "Valid: migrations, policy, expected-head, deployed-revision, renderer, renderer-args, allow-empty, deploy-safety, dialect, user-model",
            ][..],
        ),
        (
            app("k8s").env("REVGUARD_EXPECTED_HEDA", "004"),
            &[
                "unknown plugin env ARGOCD_ENV_REVGUARD_EXPECTED_HEDA",
                "did you mean ARGOCD_ENV_REVGUARD_EXPECTED_HEAD?",
            ],
        ),
        (
            app("k8s").env("revguard_policy", "linear"),
            &["unknown plugin env ARGOCD_ENV_revguard_policy"],
        ),
        (
            app("k8s").string("engine", "native"),
            &["only the Argo CD administrator", "REVGUARD_ENGINE"],
        ),
        (
            app("k8s").env("REVGUARD_ALLOWED_RENDERER_ARGS", "--enable-exec"),
            &[
                "only the Argo CD administrator",
                "REVGUARD_ALLOWED_RENDERER_ARGS",
            ],
        ),
    ] {
        let ui = assert_failed(&generate(&lab, &a), 2);
        for needle in needles {
            assert!(ui.contains(needle), "expected {needle:?} in:\n{ui}");
        }
    }
    // The admin's own typo fails too (every app, loudly, right after rollout).
    let mut lab = lab;
    lab.sidecar
        .env
        .push(("REVGUARD_MAX_MEMORI".into(), "128".into()));
    let ui = assert_failed(&generate(&lab, &app("k8s")), 2);
    assert!(ui.contains("did you mean REVGUARD_MAX_MEMORY?"), "{ui}");
}

#[test]
fn renderer_arguments_go_through_the_allow_list() {
    let Some(lab) = Lab::new() else { return };
    let cases: &[(&str, &[&str], &str)] = &[
        (
            "kustomize",
            &["--enable-helm"],
            "'--enable-helm' (parameter renderer-args) is admin-only",
        ),
        (
            "kustomize",
            &["--load-restrictor", "LoadRestrictionsNone"],
            "admin-only",
        ),
        (
            "kustomize",
            &["--frobnicate"],
            "not on revguard's allow-list for kustomize",
        ),
        (
            "kustomize",
            &["-o", "out"],
            "Argo CD reads them from stdout",
        ),
        ("kustomize", &["-oout"], "Argo CD reads them from stdout"),
        (
            "kustomize",
            &["--output=out"],
            "Argo CD reads them from stdout",
        ),
        ("kustomize", &["../other-app"], "not a flag"),
        (
            "helm",
            &["--output-dir", "out"],
            "Argo CD reads them from stdout",
        ),
        (
            "helm",
            &["-f../../../../etc/passwd"],
            "points outside the repository",
        ),
        (
            "helm",
            &["-f", "/etc/passwd"],
            "points outside the repository",
        ),
        (
            "helm",
            &["--values=../values.yaml,../../../x"],
            "points outside",
        ),
        (
            "helm",
            &["--set-file", "cert=/var/run/secrets/token"],
            "points outside",
        ),
        ("helm", &["-f", "https://example.com/v.yaml"], "is a URL"),
        ("helm", &["--post-renderer", "sh"], "admin-only"),
        ("helm", &["-gf", "v.yaml"], "combines short flags"),
        ("directory", &["--x"], "takes no arguments"),
    ];
    for (renderer, list, needle) in cases {
        let a = app("k8s")
            .string("renderer", renderer)
            .param("renderer-args", args(list));
        let ui = assert_failed(&generate(&lab, &a), 2);
        assert!(
            ui.contains(needle),
            "{renderer} {list:?}: expected {needle:?} in:\n{ui}"
        );
    }
    // The same through plugin.env (space-separated).
    let a = app("k8s").env("REVGUARD_RENDERER_ARGS", "--reorder none --enable-exec");
    let ui = assert_failed(&generate(&lab, &a), 2);
    assert!(
        ui.contains("'--enable-exec' (plugin env ARGOCD_ENV_REVGUARD_RENDERER_ARGS) is admin-only"),
        "{ui}"
    );
    // Allowed flags render as before.
    let expected = lab.kustomize(&fixture("healthy").join("k8s"));
    let a = app("k8s").param("renderer-args", args(&["--reorder", "legacy"]));
    let generated = generate(&lab, &a);
    assert_eq!(generated.run().code, Some(0), "{}", generated.run().stderr);
    assert_eq!(generated.run().stdout, expected);
}

#[test]
fn admin_extends_the_allow_list_and_sets_build_options() {
    let Some(mut lab) = Lab::new() else { return };
    let log = lab.record_kustomize();
    let expected = lab.kustomize(&fixture("healthy").join("k8s"));
    lab.sidecar.env.push((
        "REVGUARD_ALLOWED_RENDERER_ARGS".into(),
        "--helm-debug,--enable-helm".into(),
    ));
    let a = app("k8s").param("renderer-args", args(&["--enable-helm"]));
    let generated = generate(&lab, &a);
    assert_eq!(generated.run().code, Some(0), "{}", generated.run().stderr);
    assert_eq!(generated.run().stdout, expected);
    // As Argo CD does when the build options enable helm: the cluster's
    // version and API versions for helm inflation.
    let argv = std::fs::read_to_string(&log).unwrap();
    assert_eq!(
        argv.lines().last().unwrap(),
        "build . --helm-kube-version 1.33.2 --helm-api-versions apps/v1 --helm-api-versions apps/v1/Deployment --helm-api-versions batch/v1 --helm-api-versions batch/v1/Job --helm-api-versions v1 --helm-api-versions v1/ConfigMap --helm-api-versions v1/Service --enable-helm"
    );

    // Admin build options apply to every kustomize app, before the app's.
    lab.sidecar.env.push((
        "REVGUARD_KUSTOMIZE_BUILD_OPTIONS".into(),
        "--enable-helm".into(),
    ));
    let a = app("k8s").param("renderer-args", args(&["--reorder", "none"]));
    let generated = generate(&lab, &a);
    assert_eq!(generated.run().code, Some(0), "{}", generated.run().stderr);
    let argv = std::fs::read_to_string(&log).unwrap();
    let last = argv.lines().last().unwrap();
    assert!(
        last.starts_with(
            "build . --enable-helm --helm-kube-version 1.33.2 --helm-api-versions apps/v1 "
        ) && last.ends_with("--helm-api-versions v1/Service --reorder none"),
        "{last}"
    );
    // Still never -o, even from the admin.
    lab.sidecar.env.push((
        "REVGUARD_KUSTOMIZE_BUILD_OPTIONS".into(),
        "-o /tmp/x".into(),
    ));
    let ui = assert_failed(&generate(&lab, &app("k8s")), 2);
    assert!(
        ui.contains("sidecar env REVGUARD_KUSTOMIZE_BUILD_OPTIONS"),
        "{ui}"
    );
}

#[test]
fn a_passing_check_logs_its_warnings_on_stderr() {
    let Some(lab) = Lab::new() else { return };
    let tree = lab.tree(&fixture("healthy"), "");
    // File name says 004, the revision says 0004: a hygiene warning.
    tree.write(
        "migrations/versions/004_add_payments.py",
        "revision = \"0004\"\ndown_revision = \"003\"\nbranch_labels = None\ndepends_on = None\n",
    );
    let generated = lab.sidecar.generate(tree, &app("k8s"));
    let run = generated.run();
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(!run.stdout.is_empty());
    // The hygiene warning, and squawk's deploy-safety warnings on the
    // healthy fixture's op.* calls: the summary counts every one it logs.
    let warnings = run
        .stderr
        .lines()
        .filter(|l| l.starts_with("warning["))
        .count();
    assert!(warnings >= 1, "{}", run.stderr);
    let plural = if warnings == 1 { "" } else { "s" };
    let first = run.stderr.lines().next().unwrap();
    assert_eq!(
        first,
        format!(
            "revguard: the Alembic migration graph at the repository root is OK: 4 revisions, head 0004; {warnings} warning{plural}, 0 notes."
        )
    );
    assert!(
        run.stderr.contains("warning[RG202] filename-mismatch")
            && run
                .stderr
                .contains("(migrations/versions/004_add_payments.py:1)"),
        "{}",
        run.stderr
    );
}

#[test]
fn admin_engine_fallback_and_memory_cap() {
    let Some(mut lab) = Lab::new() else { return };
    let expected = lab.kustomize(&fixture("healthy").join("k8s"));
    // A 1 MiB cap: the sandbox refuses, naming the cap; the app fails alone.
    lab.sidecar
        .env
        .push(("REVGUARD_MAX_MEMORY".into(), "1".into()));
    let ui = assert_failed(&generate(&lab, &app("k8s")), 2);
    assert!(ui.contains("memory limit of 1 MiB"), "{ui}");
    // The native engine: same verdict and output, no sandbox.
    lab.sidecar
        .env
        .push(("REVGUARD_ENGINE".into(), "native".into()));
    let generated = generate(&lab, &app("k8s"));
    assert_eq!(generated.run().code, Some(0), "{}", generated.run().stderr);
    assert_eq!(generated.run().stdout, expected);
    let tree = lab.tree(&fixture("healthy"), "");
    tree.write(
        "migrations/versions/003b_add_refunds.py",
        "revision = \"003b\"\ndown_revision = \"002\"\n",
    );
    let ui = assert_failed(&lab.sidecar.generate(tree, &app("k8s")), 1);
    assert!(ui.contains("multiple-heads"), "{ui}");
}

#[test]
fn deploy_safety_blocks_from_the_app_or_the_sidecar_admin() {
    let Some(mut lab) = Lab::new() else { return };
    let expected = lab.kustomize(&fixture("healthy").join("k8s"));
    // The healthy fixture carries squawk warnings: by default they are
    // logged and generation passes.
    let passing = generate(&lab, &app("k8s"));
    assert_eq!(passing.run().code, Some(0), "{}", passing.run().stderr);
    assert!(
        passing.run().stderr.contains("warning[RG401]"),
        "{}",
        passing.run().stderr
    );
    // The Application's parameter makes them block.
    let blocked = generate(&lab, &app("k8s").string("deploy-safety", "block"));
    let ui = assert_failed(&blocked, 1);
    assert!(ui.contains("RG401"), "{ui}");
    // The admin default blocks every Application that sets nothing ...
    lab.sidecar
        .env
        .push(("REVGUARD_DEPLOY_SAFETY".into(), "block".into()));
    let ui = assert_failed(&generate(&lab, &app("k8s")), 1);
    assert!(ui.contains("RG401"), "{ui}");
    // ... and an Application's own setting wins over it.
    let warned = generate(&lab, &app("k8s").env("REVGUARD_DEPLOY_SAFETY", "warn"));
    assert_eq!(warned.run().code, Some(0), "{}", warned.run().stderr);
    assert_eq!(warned.run().stdout, expected);
    // A bad value stops generation, naming the setting.
    let ui = assert_failed(
        &generate(&lab, &app("k8s").string("deploy-safety", "strict")),
        2,
    );
    assert!(
        ui.contains("unknown deploy-safety mode 'strict' (parameter deploy-safety)"),
        "{ui}"
    );
}
