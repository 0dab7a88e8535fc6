//! The plugin folder as an operator uses it: plugin.yaml lint, the install
//! overlay rendered by real kustomize, the Dockerfile and the example
//! Application agreeing with each other.

use crate::emulator::Plugin;
use crate::{fixture, plugin_yaml, repo_dir, tools};
use serde_yaml_ng::Value;

/// The knobs `revguard argocd generate` understands (host/src/argocd/config.rs).
const KNOBS: &[&str] = &[
    "migrations",
    "policy",
    "expected-head",
    "deployed-revision",
    "renderer",
    "renderer-args",
    "allow-empty",
    "deploy-safety",
    "dialect",
    "user-model",
];

#[test]
fn plugin_yaml_is_what_argocd_cmp_server_accepts() {
    let plugin = Plugin::load(&plugin_yaml()).unwrap();
    assert!(
        plugin.unknown_keys.is_empty(),
        "keys Argo CD would silently ignore: {:?}",
        plugin.unknown_keys
    );
    assert_eq!(
        plugin.raw["apiVersion"].as_str(),
        Some("argoproj.io/v1alpha1")
    );
    assert_eq!(plugin.name, "revguard");
    assert_eq!(plugin.version.as_deref(), Some("v1"));
    assert_eq!(
        plugin.generate,
        ["revguard", "argocd", "generate"],
        "short argv keeps the UI message readable"
    );
    assert!(plugin.init.is_none(), "no init step");
    assert!(
        plugin.discover_file_name.is_none() && plugin.discover_find_command.is_none(),
        "discovery is opt-in"
    );
    assert!(!plugin.preserve_file_mode);
    assert_eq!(plugin.raw["spec"]["provideGitCreds"].as_bool(), Some(false));
    let statics = plugin.raw["spec"]["parameters"]["static"]
        .as_sequence()
        .unwrap();
    let names: Vec<&str> = statics
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, KNOBS);
    for p in statics {
        let name = p["name"].as_str().unwrap();
        assert!(
            p["title"].as_str().is_some_and(|t| !t.is_empty()),
            "{name}: title"
        );
        assert!(
            p["tooltip"].as_str().is_some_and(|t| t.len() > 20),
            "{name}: tooltip"
        );
        match p.get("collectionType").and_then(Value::as_str) {
            None | Some("string") => assert!(p["string"].is_string(), "{name}: string default"),
            Some("array") => assert!(p["array"].is_sequence(), "{name}: array default"),
            Some(other) => panic!("{name}: unexpected collectionType {other}"),
        }
    }
}

/// `examples/argocd-install` rendered by kustomize, as its documents.
fn render_install_overlay(kubectl: &std::path::Path) -> Vec<Value> {
    // examples/argocd-install/kustomization.yaml as shipped, with the two
    // remote references (Argo CD's install.yaml, revguard's plugin/ at a tag)
    // pointed at local copies: a stub repo-server Deployment and this
    // checkout's plugin/ directory.
    let tmp = tempfile::tempdir().unwrap();
    crate::support::fs::copy_dir(&repo_dir().join("plugin"), &tmp.path().join("plugin"));
    let overlay = tmp.path().join("argocd");
    std::fs::create_dir_all(&overlay).unwrap();
    let text = std::fs::read_to_string(
        repo_dir().join("plugin/examples/argocd-install/kustomization.yaml"),
    )
    .unwrap();
    let install_url =
        "https://raw.githubusercontent.com/argoproj/argo-cd/v3.5.1/manifests/install.yaml";
    let component_url = "https://github.com/revguard/revguard//plugin?ref=v0.1.0";
    assert!(text.contains(install_url), "the overlay pins Argo CD 3.5.1");
    assert!(
        text.contains(component_url),
        "the overlay uses the plugin/ component"
    );
    std::fs::write(
        overlay.join("kustomization.yaml"),
        text.replace(install_url, "argocd-repo-server.yaml")
            .replace(component_url, "../plugin"),
    )
    .unwrap();
    std::fs::copy(
        fixture("argocd-install").join("argocd-repo-server.yaml"),
        overlay.join("argocd-repo-server.yaml"),
    )
    .unwrap();
    let out = std::process::Command::new(kubectl)
        .arg("kustomize")
        .arg(&overlay)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    crate::emulator::judge_manifests(&out.stdout).unwrap()
}

#[test]
fn install_overlay_adds_the_sidecar_with_its_four_mounts() {
    let Some(kubectl) = tools::kubectl() else {
        return;
    };
    let docs = render_install_overlay(&kubectl);

    let cm = docs
        .iter()
        .find(|d| d["kind"].as_str() == Some("ConfigMap"))
        .expect("plugin ConfigMap");
    let cm_name = cm["metadata"]["name"].as_str().unwrap();
    assert!(cm_name.starts_with("revguard-cmp-plugin-"));
    assert_eq!(cm["metadata"]["namespace"].as_str(), Some("argocd"));
    assert_eq!(
        cm["data"]["plugin.yaml"].as_str().unwrap(),
        std::fs::read_to_string(plugin_yaml()).unwrap()
    );

    let deploy = docs
        .iter()
        .find(|d| d["kind"].as_str() == Some("Deployment"))
        .unwrap();
    let pod = &deploy["spec"]["template"]["spec"];
    let containers = pod["containers"].as_sequence().unwrap();
    assert_eq!(containers.len(), 2);
    let sidecar = containers
        .iter()
        .find(|c| c["name"].as_str() == Some("revguard"))
        .expect("revguard sidecar");
    assert_eq!(
        sidecar["command"][0].as_str(),
        Some("/var/run/argocd/argocd-cmp-server")
    );
    assert_eq!(
        sidecar["image"].as_str(),
        Some("ghcr.io/revguard/revguard-argocd-cmp:0.1.0-argocd-v3.5.1")
    );
    assert_eq!(sidecar["securityContext"]["runAsUser"].as_u64(), Some(999));
    assert_eq!(
        sidecar["securityContext"]["runAsNonRoot"].as_bool(),
        Some(true)
    );
    let mounts: Vec<(String, String, Option<String>)> = sidecar["volumeMounts"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["name"].as_str().unwrap().to_string(),
                m["mountPath"].as_str().unwrap().to_string(),
                m.get("subPath").and_then(Value::as_str).map(String::from),
            )
        })
        .collect();
    let expect = |name: &str, path: &str, sub: Option<&str>| {
        assert!(
            mounts
                .iter()
                .any(|(n, p, s)| n == name && p == path && s.as_deref() == sub),
            "mount {name} -> {path} missing in {mounts:?}"
        );
    };
    assert_eq!(mounts.len(), 4, "{mounts:?}");
    expect("var-files", "/var/run/argocd", None);
    expect("plugins", "/home/argocd/cmp-server/plugins", None);
    expect(
        "revguard-cmp-plugin",
        "/home/argocd/cmp-server/config/plugin.yaml",
        Some("plugin.yaml"),
    );
    expect("revguard-tmp", "/tmp", None);
    let volumes = pod["volumes"].as_sequence().unwrap();
    let volume = |name: &str| {
        volumes
            .iter()
            .find(|v| v["name"].as_str() == Some(name))
            .unwrap_or_else(|| panic!("volume {name}"))
    };
    assert!(
        volume("revguard-tmp")["emptyDir"].is_mapping(),
        "own /tmp, not the repo-server's tmp"
    );
    assert_eq!(
        volume("revguard-cmp-plugin")["configMap"]["name"].as_str(),
        Some(cm_name)
    );
    // The stock parts are still there.
    volume("var-files");
    volume("plugins");
    volume("tmp");
    let repo_server = containers
        .iter()
        .find(|c| c["name"].as_str() == Some("argocd-repo-server"))
        .unwrap();
    assert_eq!(repo_server["volumeMounts"].as_sequence().unwrap().len(), 3);
}

#[test]
fn dockerfile_matches_the_overlay_and_the_contract() {
    let dockerfile = std::fs::read_to_string(repo_dir().join("plugin/Dockerfile")).unwrap();
    let install = std::fs::read_to_string(
        repo_dir().join("plugin/examples/argocd-install/kustomization.yaml"),
    )
    .unwrap();
    let version = dockerfile
        .lines()
        .find_map(|l| l.strip_prefix("ARG ARGOCD_VERSION="))
        .expect("ARG ARGOCD_VERSION=");
    assert!(
        install.contains(&format!("argo-cd/{version}/manifests/install.yaml")),
        "same Argo CD version"
    );
    assert!(
        install.contains(&format!("argocd-{version}")),
        "image tag names the Argo CD version"
    );
    assert!(dockerfile.contains("FROM quay.io/argoproj/argocd:${ARGOCD_VERSION}"));
    assert!(dockerfile.contains("/home/argocd/cmp-server/config/plugin.yaml"));
    assert!(dockerfile.contains("/usr/local/bin/revguard"));
    assert!(dockerfile.lines().any(|l| l.trim() == "USER 999"));
    assert!(
        dockerfile.contains("x86_64-unknown-linux-musl"),
        "static binary"
    );
}

#[test]
fn example_application_uses_the_versioned_name_and_known_parameters() {
    let plugin = Plugin::load(&plugin_yaml()).unwrap();
    let text =
        std::fs::read_to_string(repo_dir().join("plugin/examples/application.yaml")).unwrap();
    let app: Value = serde_yaml_ng::from_str(&text).unwrap();
    assert_eq!(app["kind"].as_str(), Some("Application"));
    let source = &app["spec"]["source"];
    assert_eq!(
        source["plugin"]["name"].as_str(),
        Some(plugin.full_name().as_str())
    );
    for p in source["plugin"]["parameters"].as_sequence().unwrap() {
        assert!(KNOBS.contains(&p["name"].as_str().unwrap()), "{p:?}");
    }
}

/// The stock-image overlay as shipped, remote references pointed at local
/// copies, rendered by real kustomize; the placeholder digest of the
/// unpublished revguard image replaced by a syntactically valid one.
fn render_stock_overlay(kubectl: &std::path::Path, tmp: &std::path::Path) -> Vec<Value> {
    render_stock_overlay_with(kubectl, tmp, false)
}

/// `rename`: also uncomment the example's plugin-rename patch.
fn render_stock_overlay_with(
    kubectl: &std::path::Path,
    tmp: &std::path::Path,
    rename: bool,
) -> Vec<Value> {
    crate::support::fs::copy_dir(&repo_dir().join("plugin"), &tmp.join("plugin"));
    let overlay = tmp.join("argocd");
    std::fs::create_dir_all(&overlay).unwrap();
    let text = std::fs::read_to_string(
        repo_dir().join("plugin/examples/argocd-install-stock/kustomization.yaml"),
    )
    .unwrap();
    let install_url =
        "https://raw.githubusercontent.com/argoproj/argo-cd/v3.5.1/manifests/install.yaml";
    let component_url = "https://github.com/revguard/revguard//plugin/stock-image?ref=v0.1.0";
    let placeholder = "sha256:<digest of ghcr.io/revguard/revguard:0.1.0>";
    for needle in [install_url, component_url, placeholder] {
        assert!(text.contains(needle), "{needle}");
    }
    let mut text = text
        .replace(install_url, "argocd-repo-server.yaml")
        .replace(component_url, "../plugin/stock-image")
        .replace(placeholder, &format!("sha256:{}", "ab".repeat(32)));
    if rename {
        let start = text.find("# patches:").expect("the rename example");
        let (head, tail) = text.split_at(start);
        let tail: String = tail
            .lines()
            .map(|l| l.strip_prefix("# ").unwrap_or(l))
            .collect::<Vec<_>>()
            .join("\n");
        text = format!("{head}{tail}\n");
    }
    std::fs::write(overlay.join("kustomization.yaml"), text).unwrap();
    std::fs::copy(
        fixture("argocd-install").join("argocd-repo-server.yaml"),
        overlay.join("argocd-repo-server.yaml"),
    )
    .unwrap();
    let out = std::process::Command::new(kubectl)
        .arg("kustomize")
        .arg(&overlay)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    crate::emulator::judge_manifests(&out.stdout).unwrap()
}

fn strings(node: &Value) -> Vec<String> {
    node.as_sequence()
        .map(|s| s.iter().map(|v| v.as_str().unwrap().to_string()).collect())
        .unwrap_or_default()
}

/// `(volume, mountPath, subPath)` of a container.
fn mounts(container: &Value) -> Vec<(String, String, Option<String>)> {
    container["volumeMounts"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["name"].as_str().unwrap().to_string(),
                m["mountPath"].as_str().unwrap().to_string(),
                m.get("subPath").and_then(Value::as_str).map(String::from),
            )
        })
        .collect()
}

/// The stock install's sidecar and init container, after checking their
/// images and users: the sidecar runs the repo-server's own image.
fn stock_containers(pod: &Value) -> (&Value, &Value) {
    let argocd_image = "quay.io/argoproj/argocd:v3.5.1@sha256:0deb1a1c917629b960ead995ae3b6069450a866992676599658687ef9a641ee8";
    let containers = pod["containers"].as_sequence().unwrap();
    let sidecar = containers
        .iter()
        .find(|c| c["name"].as_str() == Some("revguard"))
        .unwrap();
    // The stock image, the same digest as the repo-server itself.
    assert_eq!(sidecar["image"].as_str(), Some(argocd_image));
    for c in containers {
        assert_eq!(c["image"].as_str(), Some(argocd_image), "{:?}", c["name"]);
    }
    let init = pod["initContainers"]
        .as_sequence()
        .unwrap()
        .iter()
        .find(|c| c["name"].as_str() == Some("revguard-install"))
        .expect("init container revguard-install");
    let init_image = init["image"].as_str().unwrap();
    assert!(
        init_image.starts_with("ghcr.io/revguard/revguard:0.1.0@sha256:"),
        "{init_image}"
    );
    assert_eq!(
        sidecar["command"][0].as_str(),
        Some("/var/run/argocd/argocd-cmp-server")
    );
    assert_eq!(sidecar["securityContext"]["runAsUser"].as_u64(), Some(999));
    assert_eq!(init["securityContext"]["runAsUser"].as_u64(), Some(999));
    (sidecar, init)
}

#[test]
fn stock_image_install_copies_the_binary_and_generates_with_it() {
    let Some(kubectl) = tools::kubectl() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let docs = render_stock_overlay(&kubectl, tmp.path());
    let deploy = docs
        .iter()
        .find(|d| d["kind"].as_str() == Some("Deployment"))
        .unwrap();
    let pod = &deploy["spec"]["template"]["spec"];
    let (sidecar, init) = stock_containers(pod);

    // The init container, as the manifest says: the image's binary (this
    // build, at the image path), every path under a mount mapped to the
    // volume's directory here; no shell, nothing else in its environment.
    let fs = tmp.path().join("fs");
    let image_bin = fs.join("image/usr/local/bin/revguard");
    std::fs::create_dir_all(image_bin.parent().unwrap()).unwrap();
    std::fs::copy(crate::revguard(), &image_bin).unwrap();
    let volume = |name: &str| {
        let dir = fs.join("volumes").join(name);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    };
    let init_mounts = mounts(init);
    let map = |arg: &str| -> String {
        for (name, path, _) in &init_mounts {
            if let Some(rest) = arg.strip_prefix(path.as_str()) {
                return format!("{}{rest}", volume(name).display());
            }
        }
        if arg == "/usr/local/bin/revguard" {
            return image_bin.display().to_string();
        }
        assert!(!arg.starts_with('/'), "unmapped path {arg}");
        arg.to_string()
    };
    let argv: Vec<String> = strings(&init["command"])
        .iter()
        .chain(&strings(&init["args"]))
        .map(|a| map(a))
        .collect();
    let out = std::process::Command::new(&argv[0])
        .args(&argv[1..])
        .env_clear()
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // The sidecar's file system: its subPath mounts of the shared volume.
    let root = fs.join("sidecar");
    for (name, path, sub) in mounts(sidecar) {
        if let Some(sub) = sub.filter(|_| name == "revguard-bin") {
            let dest = root.join(path.trim_start_matches('/'));
            std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
            std::fs::copy(volume(&name).join(&sub), &dest)
                .unwrap_or_else(|e| panic!("subPath {sub} of {name}: {e}"));
        }
    }
    let copied = root.join("usr/local/bin/revguard");
    let mode = std::os::unix::fs::PermissionsExt::mode(&copied.metadata().unwrap().permissions());
    assert_eq!(mode & 0o777, 0o755);
    let plugin = Plugin::load(&root.join("home/argocd/cmp-server/config/plugin.yaml")).unwrap();
    assert_eq!(plugin.full_name(), "revguard-v1");
    assert_eq!(
        std::fs::read_to_string(root.join("home/argocd/cmp-server/config/plugin.yaml")).unwrap(),
        std::fs::read_to_string(plugin_yaml()).unwrap(),
        "the installed plugin.yaml is the shipped one"
    );

    // generate with the copied binary first on PATH (the lab's own link to
    // the build removed, so nothing else can answer).
    let mut lab = crate::Lab::with_plugin(plugin).unwrap();
    std::fs::remove_file(lab.tmp.path().join("bin/revguard")).unwrap();
    for (k, v) in lab.sidecar.env.iter_mut() {
        if k == "PATH" {
            *v = format!("{}:{v}", copied.parent().unwrap().display());
        }
    }
    let expected = lab.kustomize(&fixture("healthy").join("k8s"));
    let generated = lab
        .sidecar
        .generate(lab.tree(&fixture("healthy"), ""), &crate::app("k8s"));
    let run = generated.run();
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(run.stdout, expected);
}

#[test]
fn stock_image_install_renames_the_plugin() {
    let dir = tempfile::tempdir().unwrap();
    let out = crate::revguard_command()
        .args(["argocd", "install", "--to"])
        .arg(dir.path())
        .args(["--plugin-name", "migration-guard"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let plugin = Plugin::load(&dir.path().join("plugin.yaml")).unwrap();
    assert_eq!(plugin.full_name(), "migration-guard-v1");
    assert!(plugin.unknown_keys.is_empty());
    let out = crate::revguard_command()
        .args(["argocd", "install", "--to"])
        .arg(dir.path())
        .args(["--plugin-name", "Bad_Name"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("plugin name 'Bad_Name'"));
}

#[test]
fn sidecar_memory_limit_leaves_room_above_the_sandbox_cap() {
    // The sandbox cap in the sidecar defaults to 256 MiB
    // (host/src/argocd/config.rs DEFAULT_MAX_MEMORY_MIB); both sidecar
    // manifests must give the container clearly more.
    for file in [
        "plugin/repo-server-sidecar.yaml",
        "plugin/stock-image/repo-server-sidecar.yaml",
    ] {
        let text = std::fs::read_to_string(repo_dir().join(file)).unwrap();
        let doc: Value = serde_yaml_ng::from_str(&text).unwrap();
        let sidecar = doc["spec"]["template"]["spec"]["containers"]
            .as_sequence()
            .unwrap()
            .iter()
            .find(|c| c["name"].as_str() == Some("revguard"))
            .unwrap();
        let limit = sidecar["resources"]["limits"]["memory"].as_str().unwrap();
        let mib: u64 = limit
            .strip_suffix("Mi")
            .expect("limit in Mi")
            .parse()
            .unwrap();
        assert!(
            mib >= 2 * 256,
            "{file}: limit {limit} vs 256 MiB sandbox cap"
        );
    }
}

#[test]
fn dockerignore_keeps_target_and_git_out() {
    let text = std::fs::read_to_string(repo_dir().join(".dockerignore")).unwrap();
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    assert!(
        lines.contains(&".git") && lines.contains(&"target"),
        "{text}"
    );
    let bin = std::fs::read_to_string(repo_dir().join("plugin/Dockerfile.bin")).unwrap();
    assert!(bin.contains("FROM scratch"));
    assert!(bin.contains("unknown-linux-musl"));
    assert!(bin.contains("--platform linux/amd64,linux/arm64"));
}

#[test]
fn stock_image_rename_patch_from_the_example_applies() {
    let Some(kubectl) = tools::kubectl() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let docs = render_stock_overlay_with(&kubectl, tmp.path(), true);
    let deploy = docs
        .iter()
        .find(|d| d["kind"].as_str() == Some("Deployment"))
        .unwrap();
    let inits = deploy["spec"]["template"]["spec"]["initContainers"]
        .as_sequence()
        .unwrap();
    let by_name = |name: &str| {
        inits
            .iter()
            .find(|c| c["name"].as_str() == Some(name))
            .unwrap_or_else(|| panic!("init container {name}"))
    };
    assert!(
        strings(&by_name("copyutil")["args"])[0].contains("/usr/local/bin/argocd"),
        "copyutil untouched"
    );
    let init = by_name("revguard-install");
    assert_eq!(
        strings(&init["command"]),
        [
            "/usr/local/bin/revguard",
            "argocd",
            "install",
            "--to",
            "/opt/revguard"
        ]
    );
    let args = strings(&init["args"]);
    assert_eq!(args, ["--plugin-name", "migration-guard"]);
    let out_dir = tempfile::tempdir().unwrap();
    let out = crate::revguard_command()
        .args(["argocd", "install", "--to"])
        .arg(out_dir.path())
        .args(&args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let plugin = Plugin::load(&out_dir.path().join("plugin.yaml")).unwrap();
    assert_eq!(plugin.full_name(), "migration-guard-v1");
}
