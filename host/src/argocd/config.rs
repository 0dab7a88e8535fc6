//! Configuration of `revguard argocd generate`, layered the way Argo CD
//! delivers it (spec §1.6, §7).
//!
//! Every knob has a parameter name (kebab-case, announced in `plugin.yaml`)
//! and an environment name (`REVGUARD_*`). The first layer that sets a
//! non-empty value wins:
//!
//! 1. `ARGOCD_APP_PARAMETERS` (JSON array; unset, `null` and `[]` all mean
//!    "no parameters"), the only layer that keeps array values intact;
//! 2. `PARAM_<NAME>` / `PARAM_<NAME>_<i>` (Argo's escaped copies of the same);
//! 3. `ARGOCD_ENV_REVGUARD_<NAME>` (the Application's `plugin.env`);
//! 4. `REVGUARD_<NAME>` in the sidecar's own environment (the admin default);
//! 5. the built-in default.
//!
//! Layers 1–3 are written by Application authors; layer 4 by whoever runs the
//! sidecar. Renderer arguments that would make the renderer execute repository
//! content are refused from layers 1–3.

use anyhow::{Context, Result, bail};
use revguard_core::Policy;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;

/// The process environment as a map (tests pass their own).
pub type Env = BTreeMap<String, String>;

/// Where a value came from, for error messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// `ARGOCD_APP_PARAMETERS` or `PARAM_*`.
    Parameter(String),
    /// `ARGOCD_ENV_REVGUARD_*`.
    AppEnv(String),
    /// `REVGUARD_*` in the sidecar.
    SidecarEnv(String),
}

impl Source {
    /// True when an Application author (not the sidecar admin) chose it.
    pub fn is_application(&self) -> bool {
        matches!(self, Source::Parameter(_) | Source::AppEnv(_))
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Parameter(name) => write!(f, "parameter {name}"),
            Source::AppEnv(name) => write!(f, "plugin env {name}"),
            Source::SidecarEnv(name) => write!(f, "sidecar env {name}"),
        }
    }
}

/// How manifests are produced after a passing check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Renderer {
    /// kustomize if a kustomization file exists, helm if `Chart.yaml`
    /// exists, else directory.
    Auto,
    /// `kustomize build . ARGS`.
    Kustomize,
    /// `helm template NAME . ARGS`.
    Helm,
    /// The `*.yaml`, `*.yml`, `*.json` files of the app directory.
    Directory,
    /// Check only; prints nothing.
    None,
}

impl Renderer {
    fn parse(text: &str, source: &Source) -> Result<Renderer> {
        Ok(match text {
            "auto" => Renderer::Auto,
            "kustomize" => Renderer::Kustomize,
            "helm" => Renderer::Helm,
            "directory" => Renderer::Directory,
            "none" => Renderer::None,
            other => bail!(
                "unknown renderer '{}' ({source}); expected auto, kustomize, helm, directory or none",
                clean(other)
            ),
        })
    }

    /// The name as written in configuration.
    pub fn as_str(self) -> &'static str {
        match self {
            Renderer::Auto => "auto",
            Renderer::Kustomize => "kustomize",
            Renderer::Helm => "helm",
            Renderer::Directory => "directory",
            Renderer::None => "none",
        }
    }
}

/// The resolved configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// The Alembic project, relative to the app directory; `None` = search.
    pub migrations: Option<String>,
    /// Graph policy.
    pub policy: Policy,
    /// The one head the graph must have, if set.
    pub expected_head: Option<String>,
    /// The revision deployed databases are at (`--deployed`), if set.
    pub deployed: Option<String>,
    /// The renderer.
    pub renderer: Renderer,
    /// Extra renderer arguments.
    pub renderer_args: Vec<String>,
    /// Let a render with zero objects through.
    pub allow_empty: bool,
}

/// One parameter as Argo CD serialises it in `ARGOCD_APP_PARAMETERS`.
#[derive(Debug, Deserialize)]
struct AppParameter {
    name: String,
    #[serde(default)]
    string: Option<String>,
    #[serde(default)]
    array: Option<Vec<String>>,
    #[serde(default)]
    map: Option<BTreeMap<String, String>>,
}

/// A raw value before typing.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Raw {
    String(String),
    Array(Vec<String>),
}

/// Flags that make kustomize or helm run code or read outside the tree.
const DANGEROUS_FLAGS: &[&str] = &[
    "--enable-exec",
    "--enable-alpha-plugins",
    "--load-restrictor",
    "--load_restrictor",
    "--helm-command",
    "--mount",
    "--network",
    "--network-name",
    "--env",
    "-e",
    "--as-current-user",
    "--post-renderer",
    "--post-renderer-args",
];

/// Argo CD's escaping of a parameter name: upper case, every character
/// outside `[A-Z0-9_]` becomes `_`.
pub fn escape_param_name(name: &str) -> String {
    name.chars()
        .map(|c| {
            let c = c.to_ascii_uppercase();
            if c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Replace control characters so a value can be echoed in an error safely.
fn clean(text: &str) -> String {
    let mut out: String = text
        .chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .take(80)
        .collect();
    if text.chars().count() > 80 {
        out.push('…');
    }
    out
}

struct Layers<'a> {
    env: &'a Env,
    params: Vec<AppParameter>,
}

impl<'a> Layers<'a> {
    fn new(env: &'a Env) -> Result<Layers<'a>> {
        let params = match env.get("ARGOCD_APP_PARAMETERS").map(|s| s.trim()) {
            None | Some("") | Some("null") => Vec::new(),
            Some(json) => serde_json::from_str::<Option<Vec<AppParameter>>>(json)
                .context(
                    "ARGOCD_APP_PARAMETERS is not a JSON array of {name, string|array|map} objects",
                )?
                .unwrap_or_default(),
        };
        Ok(Layers { env, params })
    }

    fn non_empty(&self, name: &str) -> Option<String> {
        self.env.get(name).filter(|v| !v.trim().is_empty()).cloned()
    }

    /// The first layer that sets `param` (env name `REVGUARD_<ENV>`).
    fn get(&self, param: &str) -> Result<Option<(Raw, Source)>> {
        let escaped = escape_param_name(param);
        // 1. ARGOCD_APP_PARAMETERS
        if let Some(p) = self.params.iter().rev().find(|p| p.name == param) {
            let source = Source::Parameter(param.to_string());
            if p.map.is_some() {
                bail!("{source} must be a string or an array, not a map");
            }
            if let Some(items) = &p.array {
                if !items.is_empty() {
                    return Ok(Some((Raw::Array(items.clone()), source)));
                }
            } else if let Some(s) = p.string.as_ref().filter(|s| !s.trim().is_empty()) {
                return Ok(Some((Raw::String(s.clone()), source)));
            }
        }
        // 2. PARAM_<NAME> / PARAM_<NAME>_<i>
        let source = Source::Parameter(param.to_string());
        if let Some(s) = self.non_empty(&format!("PARAM_{escaped}")) {
            return Ok(Some((Raw::String(s), source)));
        }
        let mut items = Vec::new();
        while let Some(item) = self.env.get(&format!("PARAM_{escaped}_{}", items.len())) {
            items.push(item.clone());
        }
        if !items.is_empty() {
            return Ok(Some((Raw::Array(items), source)));
        }
        // 3. ARGOCD_ENV_REVGUARD_<NAME>
        let app_env = format!("ARGOCD_ENV_REVGUARD_{escaped}");
        if let Some(s) = self.non_empty(&app_env) {
            return Ok(Some((Raw::String(s), Source::AppEnv(app_env))));
        }
        // 4. REVGUARD_<NAME>
        let sidecar = format!("REVGUARD_{escaped}");
        if let Some(s) = self.non_empty(&sidecar) {
            return Ok(Some((Raw::String(s), Source::SidecarEnv(sidecar))));
        }
        Ok(None)
    }

    fn string(&self, param: &str) -> Result<Option<(String, Source)>> {
        match self.get(param)? {
            None => Ok(None),
            Some((Raw::String(s), source)) => Ok(Some((s.trim().to_string(), source))),
            Some((Raw::Array(_), source)) => bail!("{source} must be a string, not an array"),
        }
    }
}

impl Config {
    /// Resolve every knob from the environment.
    pub fn from_env(env: &Env) -> Result<Config> {
        let layers = Layers::new(env)?;
        let migrations = layers.string("migrations")?.map(|(s, _)| s);
        let policy = match layers.string("policy")? {
            None => Policy::default(),
            Some((s, source)) => s.parse::<Policy>().map_err(|_| {
                anyhow::anyhow!(
                    "unknown policy '{}' ({source}); expected single-head, linear or branches",
                    clean(&s)
                )
            })?,
        };
        let expected_head = layers.string("expected-head")?.map(|(s, _)| s);
        let deployed = layers.string("deployed-revision")?.map(|(s, _)| s);
        let renderer = match layers.string("renderer")? {
            None => Renderer::Auto,
            Some((s, source)) => Renderer::parse(&s, &source)?,
        };
        let renderer_args = match layers.get("renderer-args")? {
            None => Vec::new(),
            Some((raw, source)) => {
                let args = match raw {
                    Raw::Array(items) => items,
                    Raw::String(s) => s.split_whitespace().map(str::to_string).collect(),
                };
                if source.is_application() {
                    for arg in &args {
                        let flag = arg.split('=').next().unwrap_or(arg);
                        if DANGEROUS_FLAGS.contains(&flag) {
                            bail!(
                                "renderer argument '{}' ({source}) is not allowed: it lets the renderer run code or read files outside the repository; an administrator can set it in the sidecar env REVGUARD_RENDERER_ARGS",
                                clean(arg)
                            );
                        }
                    }
                }
                args
            }
        };
        let allow_empty = match layers.string("allow-empty")? {
            None => false,
            Some((s, source)) => match s.to_ascii_lowercase().as_str() {
                "true" | "yes" | "1" | "on" => true,
                "false" | "no" | "0" | "off" => false,
                _ => bail!(
                    "allow-empty must be true or false, not '{}' ({source})",
                    clean(&s)
                ),
            },
        };
        Ok(Config {
            migrations,
            policy,
            expected_head,
            deployed,
            renderer,
            renderer_args,
            allow_empty,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Env {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults_when_nothing_is_set() {
        for params in [None, Some("null"), Some("[]"), Some("")] {
            let mut e = env(&[]);
            if let Some(p) = params {
                e.insert("ARGOCD_APP_PARAMETERS".into(), p.into());
            }
            let c = Config::from_env(&e).unwrap();
            assert_eq!(c.policy, Policy::SingleHead);
            assert_eq!(c.renderer, Renderer::Auto);
            assert!(c.renderer_args.is_empty());
            assert!(!c.allow_empty);
            assert_eq!(c.migrations, None);
        }
    }

    #[test]
    fn layers_in_order() {
        let e = env(&[
            (
                "ARGOCD_APP_PARAMETERS",
                r#"[{"name":"policy","string":"linear"}]"#,
            ),
            ("PARAM_POLICY", "branches"),
            ("ARGOCD_ENV_REVGUARD_RENDERER", "helm"),
            ("REVGUARD_RENDERER", "directory"),
            ("REVGUARD_ALLOW_EMPTY", "true"),
        ]);
        let c = Config::from_env(&e).unwrap();
        assert_eq!(c.policy, Policy::Linear);
        assert_eq!(c.renderer, Renderer::Helm);
        assert!(c.allow_empty);
    }

    #[test]
    fn param_env_and_arrays() {
        let e = env(&[
            ("PARAM_EXPECTED_HEAD", "043"),
            ("PARAM_RENDERER_ARGS_0", "--enable-helm"),
            ("PARAM_RENDERER_ARGS_1", "--reorder=none"),
        ]);
        let c = Config::from_env(&e).unwrap();
        assert_eq!(c.expected_head.as_deref(), Some("043"));
        assert_eq!(c.renderer_args, ["--enable-helm", "--reorder=none"]);
        let e = env(&[(
            "ARGOCD_APP_PARAMETERS",
            r#"[{"name":"renderer-args","array":["a b","c"]}]"#,
        )]);
        assert_eq!(Config::from_env(&e).unwrap().renderer_args, ["a b", "c"]);
    }

    #[test]
    fn dangerous_flags_only_from_the_sidecar() {
        let e = env(&[("PARAM_RENDERER_ARGS_0", "--enable-exec")]);
        let err = Config::from_env(&e).unwrap_err().to_string();
        assert!(err.contains("--enable-exec"), "{err}");
        let e = env(&[(
            "ARGOCD_ENV_REVGUARD_RENDERER_ARGS",
            "--load-restrictor=LoadRestrictionsNone",
        )]);
        assert!(Config::from_env(&e).is_err());
        let e = env(&[(
            "REVGUARD_RENDERER_ARGS",
            "--enable-alpha-plugins --enable-exec",
        )]);
        assert_eq!(Config::from_env(&e).unwrap().renderer_args.len(), 2);
    }

    #[test]
    fn bad_values_are_named() {
        let err = Config::from_env(&env(&[("PARAM_POLICY", "strict")])).unwrap_err();
        assert!(err.to_string().contains("parameter policy"), "{err}");
        let err = Config::from_env(&env(&[("ARGOCD_APP_PARAMETERS", "{oops")])).unwrap_err();
        assert!(format!("{err:#}").contains("ARGOCD_APP_PARAMETERS"));
        let err = Config::from_env(&env(&[("PARAM_ALLOW_EMPTY", "maybe")])).unwrap_err();
        assert!(err.to_string().contains("allow-empty"));
    }

    #[test]
    fn escaping() {
        assert_eq!(escape_param_name("image.tag"), "IMAGE_TAG");
        assert_eq!(escape_param_name("renderer-args"), "RENDERER_ARGS");
    }
}
