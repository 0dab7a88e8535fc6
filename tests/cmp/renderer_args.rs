//! Renderer arguments that would make helm read a file other than the one
//! revguard checked: refused before helm runs (a recording stand-in for
//! `helm` proves it never ran), and a property test that whatever the
//! checker accepts, helm's and kustomize's own parsing of the argv
//! (`argv_model.rs`) opens nothing outside the repository.

use crate::argv_model::{self, Opened};
use crate::emulator::ParamValue;
use crate::generate::assert_failed;
use crate::{Lab, app, fixture};
use proptest::prelude::*;
use revguard::argocd::args::{Bounds, check};
use revguard::argocd::config::{Renderer, Source};
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;

/// Put a `helm` stand-in on the sidecar's PATH: it appends its argv (one
/// line per run) to the returned log and prints one ConfigMap.
fn record_helm(lab: &Lab) -> PathBuf {
    let log = lab.tmp.path().join("helm.argv");
    let shim = lab.tmp.path().join("bin/helm");
    std::fs::write(
        &shim,
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$*\" >> '{}'\nprintf 'apiVersion: v1\\nkind: ConfigMap\\nmetadata:\\n  name: rendered\\n'\n",
            log.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&shim, std::fs::Permissions::from_mode(0o755)).unwrap();
    log
}

fn helm_app(items: &[&str]) -> crate::emulator::App {
    app("k8s").string("renderer", "helm").param(
        "renderer-args",
        ParamValue::Array(items.iter().map(|s| s.to_string()).collect()),
    )
}

#[test]
fn helm_escapes_cannot_smuggle_a_file_path_past_the_check() {
    let Some(lab) = Lab::new() else { return };
    let log = record_helm(&lab);
    let attacks: &[(&[&str], &str)] = &[
        (&["--set-file", "a=\\/etc/passwd"], "'\\'"),
        (&["--set-file", "a={/etc/passwd}"], "'{'"),
        (&["--set-file", "a\\=b=/etc/passwd"], "'\\'"),
        (&["-f", "\"/etc/passwd\""], "'\"'"),
        (&["--values=\"values.yaml,/etc/passwd\""], "'\"'"),
        (&["-f\"/etc/passwd\""], "'\"'"),
        (
            &["--set-file=a={values.yaml,/var/run/secrets/kubernetes.io/serviceaccount/token}"],
            "'{'",
        ),
        (&["-f", "values.yaml\n/etc/passwd"], "control character"),
        (&["-f", "file:/etc/passwd"], "is a URL"),
    ];
    for (args, why) in attacks {
        let tree = lab.tree(&fixture("healthy"), "");
        tree.write("k8s/values.yaml", "replicas: 1\n");
        let ui = assert_failed(&lab.sidecar.generate(tree, &helm_app(args)), 2);
        assert!(
            ui.contains("(parameter renderer-args)") && ui.contains(why),
            "{args:?}: expected the parameter and {why:?} in:\n{ui}"
        );
        assert!(
            !log.exists(),
            "{args:?}: helm ran with {:?}",
            std::fs::read_to_string(&log)
        );
    }
    // Plain paths inside the repository reach helm unchanged.
    let tree = lab.tree(&fixture("healthy"), "");
    tree.write("k8s/values.yaml", "replicas: 1\n");
    tree.write("k8s/ca.pem", "not a secret\n");
    let ok = helm_app(&[
        "-f",
        "values.yaml",
        "--set-file",
        "tls.ca=ca.pem",
        "--set",
        "a={b,c}",
    ]);
    let generated = lab.sidecar.generate(tree, &ok);
    assert_eq!(generated.run().code, Some(0), "{}", generated.run().stderr);
    let argv = std::fs::read_to_string(&log).unwrap();
    assert_eq!(
        argv,
        "template . --name-template billing --namespace billing-prod --kube-version 1.33.2 -f values.yaml --set-file tls.ca=ca.pem --set a={b,c} --api-versions apps/v1 --api-versions apps/v1/Deployment --api-versions batch/v1 --api-versions batch/v1/Job --api-versions v1 --api-versions v1/ConfigMap --api-versions v1/Service --include-crds\n"
    );
}

#[test]
fn a_parameter_given_twice_stops_generation_naming_it() {
    let Some(lab) = Lab::new() else { return };
    let generate =
        |a: &crate::emulator::App| lab.sidecar.generate(lab.tree(&fixture("healthy"), ""), a);
    // Different values: the last used to win silently.
    let a = app("k8s")
        .string("expected-head", "003")
        .string("expected-head", "009");
    let ui = assert_failed(&generate(&a), 2);
    assert!(
        ui.contains("parameter expected-head is given more than once"),
        "{ui}"
    );
    // Equal values are refused too.
    let a = app("k8s")
        .string("policy", "linear")
        .string("policy", "linear");
    let ui = assert_failed(&generate(&a), 2);
    assert!(
        ui.contains("parameter policy is given more than once"),
        "{ui}"
    );
    // A parameter and a plugin.env entry for the same setting.
    let a = app("k8s")
        .string("expected-head", "003")
        .env("REVGUARD_EXPECTED_HEAD", "009");
    let ui = assert_failed(&generate(&a), 2);
    assert!(
        ui.contains("parameter expected-head is given twice by the Application (parameter expected-head and plugin env ARGOCD_ENV_REVGUARD_EXPECTED_HEAD)"),
        "{ui}"
    );
    // Once is fine, and the sidecar's default is not a second value.
    let mut lab = lab;
    lab.sidecar
        .env
        .push(("REVGUARD_EXPECTED_HEAD".into(), "009".into()));
    let a = app("k8s").string("expected-head", "003");
    let generated = lab.sidecar.generate(lab.tree(&fixture("healthy"), ""), &a);
    assert_eq!(generated.run().code, Some(0), "{}", generated.run().stderr);
}

/// A repository with something worth stealing next to it: `<tmp>/secret`,
/// `<tmp>/repo/values.yaml`, `<tmp>/repo/app/v.yaml` and a symlink
/// `<tmp>/repo/app/link.yaml` → the secret.
struct Sandbox {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    app: PathBuf,
    secret: PathBuf,
}

impl Sandbox {
    fn new() -> Sandbox {
        let tmp = tempfile::tempdir().unwrap();
        let top = tmp.path().canonicalize().unwrap();
        let root = top.join("repo");
        let app = root.join("app");
        std::fs::create_dir_all(&app).unwrap();
        let secret = top.join("secret");
        std::fs::write(&secret, "token").unwrap();
        std::fs::write(root.join("values.yaml"), "").unwrap();
        std::fs::write(app.join("v.yaml"), "").unwrap();
        std::os::unix::fs::symlink(&secret, app.join("link.yaml")).unwrap();
        Sandbox {
            _tmp: tmp,
            root,
            app,
            secret,
        }
    }

    fn accepts(&self, renderer: Renderer, args: &[String]) -> bool {
        let bounds = Bounds {
            app_dir: &self.app,
            root: &self.root,
        };
        let source = Source::Parameter("renderer-args".into());
        check(renderer, args, &source, false, &[], &bounds).is_ok()
    }

    /// Where the renderer, run in the app directory, would end up reading.
    fn escapes(&self, opened: &[Opened]) -> Option<String> {
        opened.iter().find_map(|o| match o {
            Opened::Url(url) => Some(format!("fetches {url}")),
            Opened::File(path) => {
                let real = std::fs::canonicalize(self.app.join(path)).ok()?;
                (!real.starts_with(&self.root)).then(|| format!("reads {}", real.display()))
            }
        })
    }
}

/// Pieces an argv is made of: the flags in every pflag spelling, helm's
/// escape, list, quoting and key syntax, and paths in and out of the
/// repository (`@SECRET@` becomes the secret's absolute path).
fn piece() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "-f",
        "--values",
        "--values=",
        "-f=",
        "--set-file",
        "--set-file=",
        "--set",
        "-n",
        "--skip-crds",
        "--include-crds=",
        "--reorder",
        "--helm-debug",
        "-o",
        "--",
        "v.yaml",
        "../values.yaml",
        "link.yaml",
        "../../secret",
        "@SECRET@",
        "/",
        "\\",
        "{",
        "}",
        "\"",
        ",",
        "=",
        ".",
        "[0]",
        "a",
        "x",
        " ",
        "\n",
        "-",
        "http:",
        "file:",
        "..",
    ])
}

/// An argv of one to four arguments, each one to four pieces.
fn argv() -> impl Strategy<Value = Vec<Vec<&'static str>>> {
    prop::collection::vec(prop::collection::vec(piece(), 1..5), 1..5)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    /// Whatever the checker accepts, helm and kustomize open nothing outside
    /// the repository (and fetch nothing).
    #[test]
    fn accepted_renderer_args_open_nothing_outside_the_repository(raw in argv()) {
        let sandbox = Sandbox::new();
        let secret = sandbox.secret.display().to_string();
        let args: Vec<String> = raw
            .iter()
            .map(|parts| parts.concat().replace("@SECRET@", &secret))
            .collect();
        if sandbox.accepts(Renderer::Helm, &args) {
            let (opened, _) = argv_model::helm(&args);
            prop_assert_eq!(sandbox.escapes(&opened), None, "helm {:?}", args);
        }
        if sandbox.accepts(Renderer::Kustomize, &args) {
            let (opened, _) = argv_model::kustomize(&args);
            let named: Vec<&Opened> = opened.iter().collect();
            prop_assert!(named.is_empty(), "kustomize {:?} names {:?}", args, named);
        }
    }
}

/// The property is not vacuous: the checker accepts argv that open files,
/// and the model finds the escapes the checker must refuse.
#[test]
fn the_property_sees_both_sides() {
    let sandbox = Sandbox::new();
    let argv = |items: &[&str]| -> Vec<String> { items.iter().map(|s| s.to_string()).collect() };
    let ok = argv(&["-f", "v.yaml,../values.yaml", "--set-file=a.b[0]=v.yaml"]);
    assert!(sandbox.accepts(Renderer::Helm, &ok));
    let (opened, result) = argv_model::helm(&ok);
    assert!(result.is_ok() && opened.len() == 3, "{opened:?}");
    assert_eq!(sandbox.escapes(&opened), None);
    let secret = sandbox.secret.display().to_string();
    for attack in [
        argv(&["--set-file", &format!("a=\\{secret}")]),
        argv(&["--set-file", &format!("a={{{secret}}}")]),
        argv(&["--set-file", &format!("a\\=b={secret}")]),
        argv(&["-f", &format!("\"{secret}\"")]),
        argv(&["-f", "link.yaml"]),
    ] {
        let (opened, _) = argv_model::helm(&attack);
        assert!(sandbox.escapes(&opened).is_some(), "{attack:?}: {opened:?}");
        assert!(!sandbox.accepts(Renderer::Helm, &attack), "{attack:?}");
    }
}
