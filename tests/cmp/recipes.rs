//! Render parity with Argo CD's native Helm (through a recording stand-in:
//! helm cannot be installed on these machines) and the multi-source
//! check-only recipe of `plugin/examples/multi-source-application.yaml`.

use crate::emulator::{App, ParamValue, judge_manifests};
use crate::generate::assert_failed;
use crate::{Lab, app, fixture, repo_dir};
use serde_yaml_ng::Value;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;

/// A `helm` stand-in on the sidecar's PATH that logs its argv, fails
/// `template` the way helm does while a declared dependency is missing from
/// `charts/`, creates it on `dependency build`, and renders one ConfigMap
/// named after `--name-template`.
fn fake_helm(lab: &Lab) -> PathBuf {
    let log = lab.tmp.path().join("helm.argv");
    let script = format!(
        r#"#!/bin/sh
printf '%s\n' "$*" >> '{log}'
case "$1" in
  template)
    if grep -q '^dependencies:' Chart.yaml && [ ! -d charts/postgresql ]; then
      echo 'Error: An error occurred while checking for chart dependencies. You may need to run `helm dependency build` to fetch missing dependencies: found in Chart.yaml, but missing in charts/ directory: postgresql' >&2
      exit 1
    fi
    shift
    while [ $# -gt 0 ]; do
      if [ "$1" = --name-template ]; then name=$2; fi
      shift
    done
    printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s-config\n' "$name"
    ;;
  dependency)
    if [ -f .no-network ]; then
      echo 'Error: could not download oci://registry-1.docker.io/bitnamicharts/postgresql: no network' >&2
      exit 1
    fi
    mkdir -p charts/postgresql ;;
  *) exit 64 ;;
esac
"#,
        log = log.display()
    );
    let path = lab.tmp.path().join("bin/helm");
    std::fs::write(&path, script).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    log
}

const CHART: &str = "apiVersion: v2\nname: billing\nversion: 0.1.0\ndependencies:\n  - name: postgresql\n    version: 16.0.0\n    repository: oci://registry-1.docker.io/bitnamicharts\n";

#[test]
fn helm_renders_like_argo_cd_and_builds_missing_dependencies() {
    let Some(lab) = Lab::new() else { return };
    let log = fake_helm(&lab);
    let tree = lab.tree(&fixture("healthy"), "");
    tree.write("chart/Chart.yaml", CHART);
    tree.write("chart/values-prod.yaml", "replicas: 2\n");
    let mut a = app("chart").param(
        "renderer-args",
        ParamValue::Array(vec!["-f".into(), "values-prod.yaml".into()]),
    );
    // An app outside the control-plane namespace: `<namespace>_<name>`.
    a.name = "team-a_billing".into();
    let generated = lab.sidecar.generate(tree, &a);
    let run = generated.run();
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let objects = judge_manifests(&run.stdout).unwrap();
    assert_eq!(
        objects[0]["metadata"]["name"].as_str(),
        Some("billing-config")
    );
    let argv = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<&str> = argv.lines().collect();
    let template = "template . --name-template billing --namespace billing-prod --kube-version 1.33.2 -f values-prod.yaml --api-versions apps/v1 --api-versions apps/v1/Deployment --api-versions batch/v1 --api-versions batch/v1/Job --api-versions v1 --api-versions v1/ConfigMap --api-versions v1/Service --include-crds";
    assert_eq!(lines, [template, "dependency build", template]);

    // skip-crds (Argo CD's helm.skipCrds) drops --include-crds.
    std::fs::remove_file(&log).unwrap();
    let tree = lab.tree(&fixture("healthy"), "");
    tree.write(
        "chart/Chart.yaml",
        "apiVersion: v2\nname: billing\nversion: 0.1.0\n",
    );
    let a = app("chart").param(
        "renderer-args",
        ParamValue::Array(vec!["--skip-crds".into()]),
    );
    let generated = lab.sidecar.generate(tree, &a);
    assert_eq!(generated.run().code, Some(0), "{}", generated.run().stderr);
    let argv = std::fs::read_to_string(&log).unwrap();
    assert_eq!(
        argv.lines().count(),
        1,
        "vendored/no dependencies: no build"
    );
    assert!(
        argv.contains("--kube-version 1.33.2 --skip-crds --api-versions apps/v1 ")
            && argv.trim_end().ends_with("--api-versions v1/Service"),
        "{argv}"
    );
    assert!(!argv.contains("--include-crds"), "{argv}");
}

#[test]
fn helm_dependency_build_failure_is_reported() {
    let Some(lab) = Lab::new() else { return };
    fake_helm(&lab);
    let tree = lab.tree(&fixture("healthy"), "");
    tree.write("chart/Chart.yaml", CHART);
    // The stand-in's "no network" switch: the build fails as helm would.
    tree.write("chart/.no-network", "");
    let generated = lab.sidecar.generate(tree, &app("chart"));
    let ui = assert_failed(&generated, 1);
    assert!(
        ui.contains("the renderer `helm dependency build` failed with exit status 1"),
        "{ui}"
    );
    assert!(ui.contains("could not download"), "{ui}");
}

/// The revguard source of the multi-source example as an emulator App.
fn example_source() -> (App, Value) {
    let text =
        std::fs::read_to_string(repo_dir().join("plugin/examples/multi-source-application.yaml"))
            .unwrap();
    let doc: Value = serde_yaml_ng::from_str(&text).unwrap();
    let sources = doc["spec"]["sources"].as_sequence().unwrap().clone();
    assert_eq!(sources.len(), 2);
    assert!(sources[0].get("helm").is_some() || sources[0].get("kustomize").is_some());
    assert!(
        sources[0].get("plugin").is_none(),
        "the config source stays native"
    );
    let source = sources[1].clone();
    assert_eq!(source["plugin"]["name"].as_str(), Some("revguard-v1"));
    let mut a = app(source["path"].as_str().unwrap());
    a.repo_url = source["repoURL"].as_str().unwrap().into();
    a.target_revision = source["targetRevision"].as_str().unwrap().into();
    for p in source["plugin"]["parameters"].as_sequence().unwrap() {
        a = a.string(p["name"].as_str().unwrap(), p["string"].as_str().unwrap());
    }
    (a, source)
}

#[test]
fn multi_source_check_only_source_passes_empty_and_fails_the_app_on_a_broken_graph() {
    let Some(lab) = Lab::new() else { return };
    let (a, _) = example_source();
    // The app repo: migrations and code, no manifests at all.
    let tree = lab.tree(&fixture("healthy"), "");
    std::fs::remove_dir_all(tree.root.join("k8s")).unwrap();
    let generated = lab.sidecar.generate(tree, &a);
    let run = generated.run();
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(run.stdout.is_empty(), "check-only: no objects");
    assert!(judge_manifests(&run.stdout).unwrap().is_empty());
    assert!(run.stderr.contains("is OK"), "{}", run.stderr);

    // Two heads at the image's commit: this source fails, so Argo CD fails
    // the whole Application (source 2 of 2).
    let tree = lab.tree(&fixture("healthy"), "");
    std::fs::remove_dir_all(tree.root.join("k8s")).unwrap();
    tree.write(
        "migrations/versions/003b_add_refunds.py",
        "revision = \"003b\"\ndown_revision = \"002\"\nbranch_labels = None\ndepends_on = None\n",
    );
    let generated = lab.sidecar.generate(tree, &a);
    let ui = assert_failed(&generated, 1);
    assert!(ui.contains("multiple-heads"), "{ui}");

    // Without allow-empty the same source is refused: an empty render from
    // a source is only safe when asked for.
    let tree = lab.tree(&fixture("healthy"), "");
    std::fs::remove_dir_all(tree.root.join("k8s")).unwrap();
    let generated = lab
        .sidecar
        .generate(tree, &app(".").string("renderer", "none"));
    let ui = assert_failed(&generated, 1);
    assert!(ui.contains("allow-empty"), "{ui}");
}
