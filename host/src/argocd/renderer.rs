//! Running the renderer after a passing check.
//!
//! No shell and no pipe: the renderer is exec'd directly in the app
//! directory with the sidecar's environment (Argo CD's build variables
//! included), its stdout captured whole and its exit status kept, so a failing
//! `kustomize build` can never turn into an empty (prune-everything) render.

use anyhow::{Context, Result};
use std::path::Path;
use std::process::{Command, Stdio};

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

/// Run `renderer` (already resolved) in `app_dir`.
pub fn run(renderer: Renderer, args: &[String], app_dir: &Path, env: &Env) -> Result<Outcome> {
    let argv: Vec<String> = match renderer {
        Renderer::Kustomize => ["kustomize", "build", "."]
            .into_iter()
            .map(String::from)
            .chain(args.iter().cloned())
            .collect(),
        Renderer::Helm => {
            let app = env
                .get("ARGOCD_APP_NAME")
                .map(String::as_str)
                .unwrap_or("release");
            // Apps outside the control-plane namespace are named `<ns>_<name>`.
            let release = app.rsplit('_').next().unwrap_or(app);
            let mut argv: Vec<String> =
                vec!["helm".into(), "template".into(), release.into(), ".".into()];
            if let Some(ns) = env.get("ARGOCD_APP_NAMESPACE").filter(|s| !s.is_empty()) {
                argv.extend(["--namespace".into(), ns.clone()]);
            }
            if let Some(v) = env.get("KUBE_VERSION").filter(|s| !s.is_empty()) {
                argv.extend(["--kube-version".into(), v.clone()]);
            }
            if let Some(list) = env.get("KUBE_API_VERSIONS") {
                for v in list.split(',').filter(|v| !v.is_empty()) {
                    argv.extend(["--api-versions".into(), v.to_string()]);
                }
            }
            argv.extend(args.iter().cloned());
            argv
        }
        Renderer::Directory => return directory(app_dir).map(Outcome::Rendered),
        Renderer::None | Renderer::Auto => return Ok(Outcome::Rendered(Vec::new())),
    };
    let output = Command::new(&argv[0])
        .args(&argv[1..])
        .current_dir(app_dir)
        .stdin(Stdio::null())
        .output()
        .with_context(|| {
            format!(
                "cannot run the renderer '{}' (is it installed in the sidecar image and on PATH?)",
                argv[0]
            )
        })?;
    if output.status.success() {
        return Ok(Outcome::Rendered(output.stdout));
    }
    let short: Vec<&str> = argv.iter().take(3).map(String::as_str).collect();
    Ok(Outcome::Failed {
        command: short.join(" "),
        code: output.status.code(),
        stderr: String::from_utf8_lossy(&output.stderr).trim().to_string(),
    })
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
