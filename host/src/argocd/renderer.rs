//! Running the renderer after a passing check.
//!
//! No shell and no pipe: the renderer is exec'd directly in the app
//! directory with the sidecar's environment (Argo CD's build variables
//! included), its stdout captured whole and its exit status kept, so a failing
//! `kustomize build` can never turn into an empty (prune-everything) render.

use anyhow::{Context, Result};
use std::path::Path;
use std::process::{Command, Stdio};

use super::args::enables_helm;
use super::config::{Env, Renderer};

/// What the renderer produced.
pub enum Outcome {
    /// Exit 0: the bytes it printed.
    Rendered(Vec<u8>),
    /// Non-zero exit (or killed): argv for the message, exit code, stderr.
    Failed {
        /// What was run, e.g. `kustomize build .`.
        command: String,
        /// Its exit code; `None` when killed by a signal.
        code: Option<i32>,
        /// Its stderr, trimmed.
        stderr: String,
    },
}

/// Resolve `auto` by looking at the app directory like Argo CD does.
pub fn resolve(renderer: Renderer, app_dir: &Path) -> Renderer {
    if renderer != Renderer::Auto {
        return renderer;
    }
    if ["kustomization.yaml", "kustomization.yml", "Kustomization"]
        .iter()
        .any(|f| app_dir.join(f).is_file())
    {
        Renderer::Kustomize
    } else if app_dir.join("Chart.yaml").is_file() {
        Renderer::Helm
    } else {
        Renderer::Directory
    }
}

/// The build variables Argo CD gives every plugin command.
struct Cluster {
    kube_version: Option<String>,
    api_versions: Vec<String>,
}

impl Cluster {
    fn from_env(env: &Env) -> Cluster {
        Cluster {
            kube_version: env.get("KUBE_VERSION").filter(|s| !s.is_empty()).cloned(),
            api_versions: env
                .get("KUBE_API_VERSIONS")
                .map(|list| {
                    list.split(',')
                        .filter(|v| !v.is_empty())
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default(),
        }
    }
}

/// `kustomize build .` as Argo CD runs it: the admin's build options, then
/// (when they enable helm) the cluster's version and API versions for helm
/// inflation, then the Application's arguments.
fn kustomize_argv(build_options: &[String], args: &[String], cluster: &Cluster) -> Vec<String> {
    let mut argv: Vec<String> = vec!["kustomize".into(), "build".into(), ".".into()];
    argv.extend(build_options.iter().cloned());
    if enables_helm(build_options) || enables_helm(args) {
        if let Some(v) = &cluster.kube_version {
            argv.extend(["--helm-kube-version".into(), v.clone()]);
        }
        for v in &cluster.api_versions {
            argv.extend(["--helm-api-versions".into(), v.clone()]);
        }
    }
    argv.extend(args.iter().cloned());
    argv
}

/// `helm template .` as Argo CD's native Helm support runs it
/// (`util/helm/cmd.go`): release name = the app name without its
/// `<namespace>_` prefix, the destination namespace, the cluster's version
/// and API versions, and CRDs included unless the app asks `--skip-crds`.
fn helm_argv(args: &[String], cluster: &Cluster, env: &Env) -> Vec<String> {
    let app = env
        .get("ARGOCD_APP_NAME")
        .map(String::as_str)
        .filter(|s| !s.is_empty())
        .unwrap_or("release");
    let release = app.rsplit('_').next().unwrap_or(app);
    let mut argv: Vec<String> = ["helm", "template", ".", "--name-template", release]
        .into_iter()
        .map(String::from)
        .collect();
    if let Some(ns) = env.get("ARGOCD_APP_NAMESPACE").filter(|s| !s.is_empty()) {
        argv.extend(["--namespace".into(), ns.clone()]);
    }
    if let Some(v) = &cluster.kube_version {
        argv.extend(["--kube-version".into(), v.clone()]);
    }
    argv.extend(args.iter().cloned());
    for v in &cluster.api_versions {
        argv.extend(["--api-versions".into(), v.clone()]);
    }
    if !args.iter().any(|a| a == "--skip-crds") {
        argv.push("--include-crds".into());
    }
    argv
}

/// Helm's error for a chart whose dependencies are not in `charts/`
/// (Argo CD's `helm.IsMissingDependencyErr`).
fn missing_dependency(stderr: &[u8]) -> bool {
    let text = String::from_utf8_lossy(stderr);
    text.contains("found in requirements.yaml, but missing in charts/ directory")
        || text.contains("found in Chart.yaml, but missing in charts/ directory")
}

/// Run `renderer` (already resolved) in `app_dir`. `build_options` are the
/// admin's `kustomize build` options; `args` the Application's (already
/// checked against the allow-list).
pub fn run(
    renderer: Renderer,
    build_options: &[String],
    args: &[String],
    app_dir: &Path,
    env: &Env,
) -> Result<Outcome> {
    let cluster = Cluster::from_env(env);
    let argv = match renderer {
        Renderer::Kustomize => kustomize_argv(build_options, args, &cluster),
        Renderer::Helm => helm_argv(args, &cluster, env),
        Renderer::Directory => return directory(app_dir).map(Outcome::Rendered),
        Renderer::None | Renderer::Auto => return Ok(Outcome::Rendered(Vec::new())),
    };
    let mut output = exec(&argv, app_dir)?;
    if renderer == Renderer::Helm && !output.status.success() && missing_dependency(&output.stderr)
    {
        // Like Argo CD: build the dependencies only when helm says they are
        // missing (a vendored charts/ needs no network), then render again.
        let build: Vec<String> = ["helm", "dependency", "build"].map(String::from).to_vec();
        let built = exec(&build, app_dir)?;
        if !built.status.success() {
            return Ok(failed(&build, &built));
        }
        output = exec(&argv, app_dir)?;
    }
    if output.status.success() {
        return Ok(Outcome::Rendered(output.stdout));
    }
    Ok(failed(&argv, &output))
}

fn exec(argv: &[String], app_dir: &Path) -> Result<std::process::Output> {
    Command::new(&argv[0])
        .args(&argv[1..])
        .current_dir(app_dir)
        .stdin(Stdio::null())
        .output()
        .with_context(|| {
            format!(
                "cannot run the renderer '{}' (is it installed in the sidecar image and on PATH?)",
                argv[0]
            )
        })
}

fn failed(argv: &[String], output: &std::process::Output) -> Outcome {
    let short: Vec<&str> = argv.iter().take(3).map(String::as_str).collect();
    Outcome::Failed {
        command: short.join(" "),
        code: output.status.code(),
        stderr: String::from_utf8_lossy(&output.stderr).trim().to_string(),
    }
}

/// The `*.yaml`, `*.yml` and `*.json` files of `app_dir` (not recursive, no
/// hidden files), in name order, each as one `---`-separated YAML document.
/// JSON is valid YAML, and the leading `---` keeps Argo CD in YAML mode.
fn directory(app_dir: &Path) -> Result<Vec<u8>> {
    let mut names = Vec::new();
    for entry in std::fs::read_dir(app_dir)
        .with_context(|| format!("cannot list the app directory {}", app_dir.display()))?
    {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let wanted = [".yaml", ".yml", ".json"]
            .iter()
            .any(|ext| name.ends_with(ext));
        if wanted && !name.starts_with('.') && entry.file_type()?.is_file() {
            names.push(name);
        }
    }
    names.sort();
    let mut out = Vec::new();
    for name in names {
        let bytes =
            std::fs::read(app_dir.join(&name)).with_context(|| format!("cannot read {name}"))?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        out.extend_from_slice(b"---\n");
        out.extend_from_slice(&bytes);
        if !bytes.ends_with(b"\n") {
            out.push(b'\n');
        }
    }
    Ok(out)
}
