//! The ArgoCD PreSync Job example, rendered by kustomize (`kubectl
//! kustomize`: `$REVGUARD_KUBECTL`, else `kubectl` on PATH). Its command is
//! run against the real PostgreSQL in `postgres.rs`.

use std::path::PathBuf;
use std::process::Command;

use crate::support;

fn kubectl() -> Option<PathBuf> {
    if let Some(explicit) = std::env::var_os("REVGUARD_KUBECTL").filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(explicit));
    }
    let found = support::tools::on_path("kubectl").into_iter().next();
    let ok = support::tools::require(
        "kubectl",
        "PreSync Job kustomize render",
        found.is_some(),
        "no kubectl on PATH (set REVGUARD_KUBECTL)",
    );
    found.filter(|_| ok)
}

#[test]
fn presync_job_renders_with_hook_annotations_and_the_secret() {
    let Some(kubectl) = kubectl() else { return };
    let dir = crate::repo().join("plugin/examples/presync-db-gate");
    let out = Command::new(kubectl)
        .arg("kustomize")
        .arg(&dir)
        .output()
        .expect("run kubectl kustomize");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let job: serde_yaml_ng::Value = serde_yaml_ng::from_str(&text).expect("one YAML document");
    assert_eq!(job["kind"].as_str(), Some("Job"));
    let annotations = &job["metadata"]["annotations"];
    assert_eq!(
        annotations["argocd.argoproj.io/hook"].as_str(),
        Some("PreSync")
    );
    assert_eq!(
        annotations["argocd.argoproj.io/hook-delete-policy"].as_str(),
        Some("BeforeHookCreation")
    );
    let spec = &job["spec"]["template"]["spec"];
    assert_eq!(spec["restartPolicy"].as_str(), Some("Never"));
    let secret = &spec["containers"][0]["env"][0]["valueFrom"]["secretKeyRef"];
    assert_eq!(secret["name"].as_str(), Some("orders-db-readonly"));
    // The command line parses (the same argv is run against PostgreSQL).
    let (argv, _) = crate::postgres::job_command();
    assert_eq!(argv[0], "check");
    assert!(!text.contains("postgresql://"), "no URL in the manifest");
}
