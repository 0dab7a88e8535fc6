//! `revguard krm` as a KRM function under real `kpt fn eval --exec`, and
//! directly on a ResourceList.

use crate::{fixture, revguard, tools};
use serde_yaml_ng::Value;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

/// A checkout: the healthy fixture plus `.git/` (the search boundary).
pub(crate) fn checkout() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    crate::support::fs::copy_dir(&fixture("healthy"), tmp.path());
    std::fs::create_dir_all(tmp.path().join(".git")).unwrap();
    tmp
}

fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_file() {
            out.insert(
                entry.file_name().to_string_lossy().into_owned(),
                std::fs::read(entry.path()).unwrap(),
            );
        }
    }
    out
}

fn kpt_eval(kpt: &Path, cwd: &Path, extra: &[&str]) -> (std::process::Output, Vec<Value>) {
    kpt_eval_pkg(kpt, cwd, ".", extra)
}

/// `kpt fn eval PKG --exec "revguard krm" EXTRA` run in `cwd`.
pub(crate) fn kpt_eval_pkg(
    kpt: &Path,
    cwd: &Path,
    pkg: &str,
    extra: &[&str],
) -> (std::process::Output, Vec<Value>) {
    let results_dir = tempfile::tempdir().unwrap();
    let exec = format!("{} krm", revguard().display());
    let mut cmd = Command::new(kpt);
    // kpt passes its environment on to the exec function (revguard).
    crate::support::cache::isolate(&mut cmd);
    cmd.current_dir(cwd)
        .args([
            "fn",
            "eval",
            pkg,
            "--exec",
            &exec,
            "--truncate-output=false",
            "--results-dir",
        ])
        .arg(results_dir.path())
        .args(extra)
        .env("HOME", cwd);
    let out = cmd.output().unwrap();
    let results_file = results_dir.path().join("results.yaml");
    let results = std::fs::read_to_string(&results_file)
        .ok()
        .and_then(|t| serde_yaml_ng::from_str::<Value>(&t).ok())
        .and_then(|v| v.get("items").and_then(Value::as_sequence).cloned())
        .unwrap_or_default();
    (out, results)
}

#[test]
fn kpt_passes_a_healthy_package_and_leaves_it_unchanged() {
    let Some(kpt) = tools::kpt() else { return };
    let repo = checkout();
    let pkg = repo.path().join("k8s");
    let before = snapshot(&pkg);
    let (out, _) = kpt_eval(&kpt, &pkg, &[]);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{text}");
    assert!(text.contains("[PASS]"), "{text}");
    assert_eq!(
        snapshot(&pkg),
        before,
        "a validator must not change the package"
    );
}

#[test]
fn kpt_fails_on_a_duplicate_revision_and_reports_results() {
    let Some(kpt) = tools::kpt() else { return };
    let repo = checkout();
    let versions = repo.path().join("migrations/versions");
    std::fs::write(
        versions.join("003_add_refund_table.py"),
        "\"\"\"add refund table\"\"\"\nrevision = \"003\"\ndown_revision = \"002\"\nbranch_labels = None\ndepends_on = None\n",
    )
    .unwrap();
    let pkg = repo.path().join("k8s");
    let before = snapshot(&pkg);
    let (out, results) = kpt_eval(&kpt, &pkg, &[]);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("[FAIL]"), "{text}");
    assert!(
        text.contains("003_add_refund_table.py") && text.contains("003_add_invoice_index.py"),
        "{text}"
    );
    assert_eq!(snapshot(&pkg), before);
    let fn_results = results
        .iter()
        .flat_map(|r| {
            r.get("results")
                .and_then(Value::as_sequence)
                .cloned()
                .unwrap_or_default()
        })
        .collect::<Vec<_>>();
    assert!(
        fn_results
            .iter()
            .any(|r| r["severity"].as_str() == Some("error")
                && r["tags"]["check"].as_str() == Some("duplicate-revision")),
        "results file: {results:?}"
    );
}

#[test]
fn kpt_function_config_sets_migrations_and_expected_head() {
    let Some(kpt) = tools::kpt() else { return };
    let repo = checkout();
    let pkg = repo.path().join("k8s");
    let (out, _) = kpt_eval(&kpt, &pkg, &["--", "migrations=..", "expected-head=003"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (out, _) = kpt_eval(&kpt, &pkg, &["--", "migrations=..", "expected-head=009"]);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("expected-head"), "{text}");
}

fn krm_direct(cwd: &Path, input: &str) -> std::process::Output {
    let mut child = crate::revguard_command()
        .arg("krm")
        .current_dir(cwd)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn krm_echoes_items_verbatim_and_appends_results() {
    let repo = checkout();
    std::fs::write(
        repo.path().join("migrations/versions/004_orphan.py"),
        "revision = \"004\"\ndown_revision = \"0003\"\n",
    )
    .unwrap();
    let input = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- # keep this comment\n  apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: x # and this one\n    annotations:\n      internal.config.kubernetes.io/path: 'cm.yaml'\n      internal.config.kubernetes.io/index: '0'\n";
    let out = krm_direct(&repo.path().join("k8s"), input);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.starts_with(input),
        "items must be echoed verbatim:\n{stdout}"
    );
    let list: Value = serde_yaml_ng::from_str(&stdout).unwrap();
    let results = list["results"].as_sequence().unwrap();
    let orphan = results
        .iter()
        .find(|r| r["tags"]["check"].as_str() == Some("missing-parent"))
        .unwrap();
    assert_eq!(orphan["severity"].as_str(), Some("error"));
    assert!(
        orphan["file"]["path"]
            .as_str()
            .unwrap()
            .ends_with("004_orphan.py"),
        "{orphan:?}"
    );

    // Not a ResourceList: a tool failure, exit 2, nothing on stdout.
    let out = krm_direct(repo.path(), "kind: ConfigMap\n");
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("ResourceList"));
}

/// Every function result in a kpt results file.
pub(crate) fn fn_results(results: &[Value]) -> Vec<Value> {
    results
        .iter()
        .flat_map(|r| {
            r.get("results")
                .and_then(Value::as_sequence)
                .cloned()
                .unwrap_or_default()
        })
        .collect()
}

pub(crate) fn text(out: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn kpt_from_the_repository_root_resolves_migrations_against_the_package() {
    let Some(kpt) = tools::kpt() else { return };
    // The repository sits in a directory full of unrelated Python files: a
    // run that resolved `..` against kpt's working directory would scan it.
    let outer = tempfile::tempdir().unwrap();
    for i in 0..20 {
        std::fs::write(
            outer.path().join(format!("unrelated_{i}.py")),
            format!("revision = \"x{i}\"\ndown_revision = \"nope\"\n"),
        )
        .unwrap();
    }
    let repo = outer.path().join("repo");
    crate::support::fs::copy_dir(&fixture("healthy"), &repo);
    std::fs::create_dir_all(repo.join(".git")).unwrap();
    let (out, _) = kpt_eval_pkg(&kpt, &repo, "k8s", &["--", "migrations=.."]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(!text(&out).contains("unrelated_"), "{}", text(&out));

    // A broken history: results[].file paths are relative to the package.
    std::fs::write(
        repo.join("migrations/versions/004_orphan.py"),
        "revision = \"004\"\ndown_revision = \"0003\"\n",
    )
    .unwrap();
    let (out, results) = kpt_eval_pkg(&kpt, &repo, "k8s", &["--", "migrations=.."]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let results = fn_results(&results);
    let orphan = results
        .iter()
        .find(|r| r["tags"]["check"].as_str() == Some("missing-parent"))
        .unwrap_or_else(|| panic!("{results:?}"));
    assert_eq!(
        orphan["file"]["path"].as_str(),
        Some("../migrations/versions/004_orphan.py"),
        "{orphan:?}"
    );
    assert!(!text(&out).contains("unrelated_"), "{}", text(&out));

    // Out of the repository: refused, nothing read.
    let (out, _) = kpt_eval_pkg(&kpt, &repo, "k8s", &["--", "migrations=../.."]);
    assert!(!out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("outside the repository root"),
        "{}",
        text(&out)
    );
    assert!(!text(&out).contains("unrelated_"), "{}", text(&out));
}

#[test]
fn kpt_function_config_takes_deployed_revision_and_refuses_typos() {
    let Some(kpt) = tools::kpt() else { return };
    let repo = checkout();
    let pkg = repo.path().join("k8s");
    let (out, _) = kpt_eval(&kpt, &pkg, &["--", "deployed-revision=002"]);
    assert!(out.status.success(), "{}", text(&out));
    let (out, _) = kpt_eval(&kpt, &pkg, &["--", "deployed-revision=0099"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("0099"), "{}", text(&out));
    let (out, _) = kpt_eval(&kpt, &pkg, &["--", "expected_head=003"]);
    assert!(!out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("unknown functionConfig key 'expected_head'"),
        "{}",
        text(&out)
    );
}

#[test]
fn kpt_results_point_at_the_function_config_resource() {
    let Some(kpt) = tools::kpt() else { return };
    let repo = checkout();
    std::fs::write(
        repo.path().join("k8s/revguard-fn.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: revguard-fn\n  annotations:\n    config.kubernetes.io/local-config: \"true\"\ndata:\n  migrations: ..\n  expected-head: \"009\"\n",
    )
    .unwrap();
    let (out, results) = kpt_eval_pkg(
        &kpt,
        repo.path(),
        "k8s",
        &["--fn-config", "k8s/revguard-fn.yaml"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let results = fn_results(&results);
    let head = results
        .iter()
        .find(|r| r["tags"]["check"].as_str() == Some("expected-head"))
        .unwrap_or_else(|| panic!("{results:?}"));
    assert_eq!(
        head["file"]["path"].as_str(),
        Some("revguard-fn.yaml"),
        "{head:?}"
    );
    assert_eq!(head["resourceRef"]["kind"].as_str(), Some("ConfigMap"));
    assert_eq!(head["resourceRef"]["name"].as_str(), Some("revguard-fn"));
}

#[test]
fn kpt_render_pipeline_finds_the_package_from_its_annotations() {
    let Some(kpt) = tools::kpt() else { return };
    let repo = checkout();
    std::fs::write(
        repo.path().join("k8s/revguard-fn.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: revguard-fn\n  annotations:\n    config.kubernetes.io/local-config: \"true\"\ndata:\n  migrations: ..\n",
    )
    .unwrap();
    // A Kptfile `exec:` names one executable: a wrapper outside the package.
    let bin = tempfile::tempdir().unwrap();
    let wrapper = bin.path().join("revguard-krm");
    std::fs::write(
        &wrapper,
        format!("#!/bin/sh\nexec '{}' krm\n", revguard().display()),
    )
    .unwrap();
    std::fs::set_permissions(
        &wrapper,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    std::fs::write(
        repo.path().join("k8s/Kptfile"),
        format!(
            "apiVersion: kpt.dev/v1\nkind: Kptfile\nmetadata:\n  name: k8s\npipeline:\n  validators:\n    - exec: {}\n      configPath: revguard-fn.yaml\n",
            wrapper.display()
        ),
    )
    .unwrap();
    let out = crate::support::cache::isolate(&mut Command::new(&kpt))
        .current_dir(repo.path())
        .args([
            "fn",
            "render",
            "k8s",
            "--allow-exec",
            "--truncate-output=false",
        ])
        .env("HOME", repo.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    std::fs::write(
        repo.path().join("migrations/versions/003_dup.py"),
        "revision = \"003\"\ndown_revision = \"002\"\n",
    )
    .unwrap();
    let out = crate::support::cache::isolate(&mut Command::new(&kpt))
        .current_dir(repo.path())
        .args([
            "fn",
            "render",
            "k8s",
            "--allow-exec",
            "--truncate-output=false",
        ])
        .env("HOME", repo.path())
        .output()
        .unwrap();
    assert!(!out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("../migrations/versions/003_dup.py"),
        "{}",
        text(&out)
    );
}

#[test]
fn krm_accepts_flow_style_yaml() {
    let repo = checkout();
    let input = "{apiVersion: config.kubernetes.io/v1, kind: ResourceList, items: [{apiVersion: v1, kind: ConfigMap, metadata: {name: x}}], functionConfig: {apiVersion: v1, kind: ConfigMap, metadata: {name: f}, data: {migrations: ..}}}\n";
    let out = krm_direct(&repo.path().join("k8s"), input);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let list: Value = serde_yaml_ng::from_slice(&out.stdout).unwrap();
    assert_eq!(list["kind"].as_str(), Some("ResourceList"));
    assert_eq!(list["items"][0]["metadata"]["name"].as_str(), Some("x"));
}

#[test]
fn kpt_never_follows_a_package_path_annotation_out_of_the_package() {
    let Some(kpt) = tools::kpt() else { return };
    // The package's history holds a duplicate 041.
    let repo = checkout();
    let versions = repo.path().join("migrations/versions");
    for name in ["041_add_invoices", "041_add_refunds"] {
        std::fs::write(
            versions.join(format!("{name}.py")),
            "revision = \"041\"\ndown_revision = \"003\"\nbranch_labels = None\ndepends_on = None\n",
        )
        .unwrap();
    }
    let pkg = repo.path().join("k8s");
    let (out, _) = kpt_eval(&kpt, &pkg, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("041_add_refunds.py"), "{}", text(&out));

    // A clean project elsewhere, and a resource of the package that points
    // revguard at it: that used to check the decoy and report [PASS].
    let decoy = checkout();
    let aimed = [
        decoy.path().join("k8s").display().to_string(),
        // Both checkouts are temporary directories side by side.
        format!(
            "{}/../../{}/k8s",
            pkg.display(),
            decoy.path().file_name().unwrap().to_string_lossy()
        ),
        "..".to_string(),
    ];
    for target in aimed {
        std::fs::write(
            pkg.join("decoy.yaml"),
            format!(
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: decoy\n  annotations:\n    config.kubernetes.io/local-config: \"true\"\n    internal.config.kubernetes.io/package-path: '{target}'\n"
            ),
        )
        .unwrap();
        // From inside the package, and from the repository root.
        for (cwd, arg) in [(pkg.as_path(), "."), (repo.path(), "k8s")] {
            let (out, _) = kpt_eval_pkg(&kpt, cwd, arg, &[]);
            let shown = text(&out);
            // kpt exits 1 for any failing function; revguard's own exit is 2.
            assert!(!out.status.success(), "{target} from {arg}: {shown}");
            assert!(
                shown.contains("Exit code: 2"),
                "{target} from {arg}: {shown}"
            );
            assert!(!shown.contains("[PASS]"), "{target}: {shown}");
            assert!(
                shown.contains("resource ConfigMap/decoy has the annotation internal.config.kubernetes.io/package-path")
                    && (shown.contains("outside the package revguard was given")
                        || shown.contains("does not hold the resource's file")),
                "{target} from {arg}: {shown}"
            );
        }
    }
}

#[test]
fn krm_deploy_safety_setting_and_project_table_decide_blocking() {
    let repo = checkout();
    let input = |mode: &str| {
        let data = if mode.is_empty() {
            "{migrations: ..}".to_owned()
        } else {
            format!("{{migrations: .., deploy-safety: {mode}}}")
        };
        format!(
            "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\nfunctionConfig: {{apiVersion: v1, kind: ConfigMap, metadata: {{name: f}}, data: {data}}}\n"
        )
    };
    let safety = |out: &std::process::Output| -> Vec<String> {
        let list: Value = serde_yaml_ng::from_slice(&out.stdout).unwrap_or(Value::Null);
        list["results"]
            .as_sequence()
            .into_iter()
            .flatten()
            .filter(|r| {
                r["tags"]["code"].as_str() == Some("RG401")
                    && r["severity"].as_str() != Some("info")
            })
            .map(|r| r["severity"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    let k8s = repo.path().join("k8s");
    // The healthy fixture carries squawk warnings: they pass by default.
    let warn = krm_direct(&k8s, &input(""));
    assert_eq!(warn.status.code(), Some(0), "{}", text(&warn));
    let warnings = safety(&warn);
    assert!(
        !warnings.is_empty() && warnings.iter().all(|s| s == "warning"),
        "{}",
        text(&warn)
    );
    // `deploy-safety: block` makes them errors: the function fails.
    let block = krm_direct(&k8s, &input("block"));
    assert_eq!(block.status.code(), Some(1), "{}", text(&block));
    let errors = safety(&block);
    assert_eq!(errors.len(), warnings.len(), "{}", text(&block));
    assert!(errors.iter().all(|s| s == "error"), "{}", text(&block));
    // The project's `[tool.revguard.safety] blocking` does the same, and the
    // function setting wins over it.
    std::fs::write(
        repo.path().join("revguard.toml"),
        "[safety]\nblocking = true\n",
    )
    .unwrap();
    let project = krm_direct(&k8s, &input(""));
    assert_eq!(project.status.code(), Some(1), "{}", text(&project));
    let warned = krm_direct(&k8s, &input("warn"));
    assert_eq!(warned.status.code(), Some(0), "{}", text(&warned));
    let off = krm_direct(&k8s, &input("off"));
    assert_eq!(off.status.code(), Some(0), "{}", text(&off));
    assert!(safety(&off).is_empty(), "{}", text(&off));
    // A bad value is a tool failure that names the key.
    let bad = krm_direct(&k8s, &input("strict"));
    assert_eq!(bad.status.code(), Some(2), "{}", text(&bad));
    assert!(
        text(&bad).contains("functionConfig deploy-safety: unknown deploy-safety mode 'strict' (expected warn, block or off)"),
        "{}",
        text(&bad)
    );
}
