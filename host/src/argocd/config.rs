//! Configuration of `revguard argocd generate`, layered the way Argo CD
//! delivers it.
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
//! sidecar. Settings fail closed: a parameter or `REVGUARD_*` name revguard
//! does not know stops generation (a typo must never switch a check off), and
//! the admin-only settings ([`ADMIN_SETTINGS`]) are refused from layers 1–3.
//! Renderer arguments from layers 1–3 go through the allow-list in
//! [`super::args`].

use anyhow::{Context, Result, bail};
use revguard_core::Policy;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use crate::engine::EngineKind;
use crate::sandbox::Limits;

/// The process environment as a map (tests pass their own).
pub type Env = BTreeMap<String, String>;

/// Settings an Application may set (parameter, `plugin.env`) and the sidecar
/// may default.
pub const APP_SETTINGS: &[&str] = &[
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

/// Settings only the sidecar's own environment may set (`REVGUARD_<NAME>`).
pub const ADMIN_SETTINGS: &[&str] = &[
    "engine",
    "max-memory",
    "timeout",
    "kustomize-build-options",
    "allowed-renderer-args",
    // Read by the sandbox itself (compiled-module cache).
    "cache-dir",
    // Read by the per-file result cache (its byte cap).
    "cache-max-bytes",
];

/// The sandbox memory cap in the sidecar when `REVGUARD_MAX_MEMORY` is unset:
/// half the shipped container limit (512 MiB), so one repository cannot
/// take the sidecar down with it.
pub const DEFAULT_MAX_MEMORY_MIB: u64 = 256;

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
    /// `helm template . --name-template NAME … ARGS`.
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
#[derive(Debug, Clone, PartialEq)]
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
    /// Extra renderer arguments (see `renderer_args_source` for who set them).
    pub renderer_args: Vec<String>,
    /// Where `renderer_args` came from.
    pub renderer_args_source: Option<Source>,
    /// Let a render with zero objects through.
    pub allow_empty: bool,
    /// The deploy-safety policy, when set (else the project's
    /// `[safety] blocking` decides).
    pub deploy_safety: Option<revguard_core::safety::Mode>,
    /// Admin: where the core runs (`REVGUARD_ENGINE`).
    pub engine: EngineKind,
    /// Admin: the sandbox's CPU and memory bounds.
    pub limits: Limits,
    /// Admin: arguments always given to `kustomize build` (like Argo CD's
    /// `kustomize.buildOptions`).
    pub kustomize_build_options: Vec<String>,
    /// Admin: renderer flags Applications may use on top of the built-in
    /// allow-list.
    pub allowed_renderer_args: Vec<String>,
    /// The migration tool; `None` = detect (Alembic's configuration, else a
    /// Django project, nearest first; else a SQL-file tool's migrations,
    /// nearest first).
    pub dialect: Option<crate::config::Dialect>,
    /// Django's `AUTH_USER_MODEL` (default `auth.User`).
    pub user_model: Option<String>,
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
pub(crate) fn clean(text: &str) -> String {
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

/// The known setting an unknown `name` most likely meant.
fn suggestion(name: &str, known: &[&str]) -> Option<&'static str> {
    let escaped = escape_param_name(name);
    APP_SETTINGS
        .iter()
        .chain(ADMIN_SETTINGS)
        .filter(|k| known.contains(k))
        .map(|k| {
            (
                revguard_core::text::levenshtein(&escaped, &escape_param_name(k)),
                *k,
            )
        })
        .filter(|(d, _)| *d <= 2)
        .min()
        .map(|(_, k)| k)
}

/// The error for a setting name revguard does not know.
/// `bare` is the name without its `PARAM_` / `REVGUARD_` prefix.
fn unknown(
    what: &str,
    name: &str,
    bare: &str,
    known: &[&str],
    spell: fn(&str) -> String,
) -> anyhow::Error {
    let hint = suggestion(bare, known)
        .map(|k| format!(" (did you mean {}?)", spell(k)))
        .unwrap_or_default();
    let valid: Vec<String> = known.iter().map(|k| spell(k)).collect();
    anyhow::anyhow!(
        "unknown {what} {}{hint}; revguard stops rather than ignore a setting it does not understand. Valid: {}",
        clean(name),
        valid.join(", ")
    )
}

/// `REVGUARD_<NAME>`: the env name of a setting (`ARGOCD_ENV_` + this in
/// `plugin.env`).
pub fn env_name(setting: &str) -> String {
    format!("REVGUARD_{}", escape_param_name(setting))
}

/// An admin-only setting arrived from an Application.
fn admin_only(setting: &str, source: &str) -> anyhow::Error {
    anyhow::anyhow!(
        "{source} sets {setting}, which only the Argo CD administrator may set (env {} on the revguard sidecar container)",
        env_name(setting)
    )
}

/// Fail closed on every setting name revguard does not know.
fn validate_names(env: &Env, params: &[AppParameter]) -> Result<()> {
    for p in params {
        if ADMIN_SETTINGS.contains(&p.name.as_str()) {
            return Err(admin_only(&p.name, &format!("parameter {}", p.name)));
        }
        if !APP_SETTINGS.contains(&p.name.as_str()) {
            return Err(unknown(
                "parameter",
                &p.name,
                &p.name,
                APP_SETTINGS,
                str::to_string,
            ));
        }
    }
    for name in env.keys() {
        // `PARAM_*` are Argo CD's copies of `ARGOCD_APP_PARAMETERS`, already
        // judged above when that is set (a map parameter has its own error).
        if let Some(param) = name.strip_prefix("PARAM_").filter(|_| params.is_empty()) {
            let known = APP_SETTINGS.iter().any(|k| {
                let esc = escape_param_name(k);
                param == esc
                    || param
                        .strip_prefix(&format!("{esc}_"))
                        .is_some_and(|i| !i.is_empty() && i.bytes().all(|b| b.is_ascii_digit()))
            });
            if !known {
                if let Some(admin) = ADMIN_SETTINGS
                    .iter()
                    .find(|k| escape_param_name(k) == param)
                {
                    return Err(admin_only(admin, &format!("env {name}")));
                }
                return Err(unknown("parameter env", name, param, APP_SETTINGS, |k| {
                    format!("PARAM_{}", escape_param_name(k))
                }));
            }
        }
        let app_env = name.strip_prefix("ARGOCD_ENV_").filter(|rest| {
            rest.get(..9)
                .is_some_and(|p| p.eq_ignore_ascii_case("REVGUARD_"))
        });
        if let Some(rest) = app_env {
            if let Some(admin) = ADMIN_SETTINGS.iter().find(|k| env_name(k) == rest) {
                return Err(admin_only(admin, &format!("plugin env {name}")));
            }
            if !APP_SETTINGS.iter().any(|k| env_name(k) == rest) {
                return Err(unknown("plugin env", name, &rest[9..], APP_SETTINGS, |k| {
                    format!("ARGOCD_ENV_{}", env_name(k))
                }));
            }
        }
        // Kubernetes injects `<SERVICE>_SERVICE_HOST`, `<SERVICE>_PORT…` for
        // every Service in the namespace (a Service named `revguard`): not
        // settings, and not the admin's to fix in the sidecar spec.
        let service_link = |bare: &str| bare.starts_with("SERVICE_") || bare.starts_with("PORT");
        if let Some(bare) = name
            .strip_prefix("REVGUARD_")
            .filter(|bare| !service_link(bare))
        {
            let all: Vec<&str> = APP_SETTINGS.iter().chain(ADMIN_SETTINGS).copied().collect();
            if !all.iter().any(|k| &env_name(k) == name) {
                return Err(unknown("sidecar env", name, bare, &all, env_name));
            }
        }
    }
    Ok(())
}

impl AppParameter {
    /// True when the entry carries a value (a blank string or an empty
    /// array is "not set", as in every layer).
    fn is_set(&self) -> bool {
        self.map.is_some()
            || self.array.as_ref().is_some_and(|a| !a.is_empty())
            || self.string.as_ref().is_some_and(|s| !s.trim().is_empty())
    }
}

/// An Application that gives one setting twice is refused, whatever the
/// values: two entries of the same name in `ARGOCD_APP_PARAMETERS`, both
/// `PARAM_<NAME>` and `PARAM_<NAME>_<i>` (without that JSON), or a parameter
/// and a `plugin.env` entry for the same setting. Picking one silently would
/// let a second, less visible entry override the one a reviewer read.
/// The sidecar's own `REVGUARD_*` is a default, not a second value.
fn refuse_duplicates(env: &Env, params: &[AppParameter]) -> Result<()> {
    for (i, p) in params.iter().enumerate() {
        if params[..i].iter().any(|q| q.name == p.name) {
            bail!(
                "parameter {} is given more than once in the Application's parameters; revguard refuses to pick one: set it once",
                clean(&p.name)
            );
        }
    }
    let set = |name: &str| env.get(name).is_some_and(|v| !v.trim().is_empty());
    for setting in APP_SETTINGS {
        let escaped = escape_param_name(setting);
        let mut given = Vec::new();
        if params.iter().any(|p| p.name == *setting && p.is_set()) {
            given.push(format!("parameter {setting}"));
        } else if params.is_empty() {
            // Argo CD's `PARAM_*` copies, read when the JSON is absent.
            if set(&format!("PARAM_{escaped}")) {
                given.push(format!("env PARAM_{escaped}"));
            }
            if env.contains_key(&format!("PARAM_{escaped}_0")) {
                given.push(format!("env PARAM_{escaped}_0"));
            }
        }
        let app_env = format!("ARGOCD_ENV_{}", env_name(setting));
        if set(&app_env) {
            given.push(format!("plugin env {app_env}"));
        }
        if given.len() > 1 {
            bail!(
                "parameter {setting} is given twice by the Application ({}); revguard refuses to pick one: set it in one place",
                given.join(" and ")
            );
        }
    }
    Ok(())
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
        validate_names(env, &params)?;
        refuse_duplicates(env, &params)?;
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
        self.admin(param)
            .map(|found| found.map(|(s, source)| (Raw::String(s), source)))
    }

    /// Layer 4 only: the sidecar's `REVGUARD_<NAME>` (admin settings).
    fn admin(&self, param: &str) -> Result<Option<(String, Source)>> {
        let sidecar = env_name(param);
        Ok(self
            .non_empty(&sidecar)
            .map(|s| (s.trim().to_string(), Source::SidecarEnv(sidecar))))
    }

    fn string(&self, param: &str) -> Result<Option<(String, Source)>> {
        match self.get(param)? {
            None => Ok(None),
            Some((Raw::String(s), source)) => Ok(Some((s.trim().to_string(), source))),
            Some((Raw::Array(_), source)) => bail!("{source} must be a string, not an array"),
        }
    }
}

fn parse_bool(s: &str, what: &str, source: &Source) -> Result<bool> {
    match s.to_ascii_lowercase().as_str() {
        "true" | "yes" | "1" | "on" => Ok(true),
        "false" | "no" | "0" | "off" => Ok(false),
        _ => bail!(
            "{what} must be true or false, not '{}' ({source})",
            clean(s)
        ),
    }
}

fn words(s: &str) -> Vec<String> {
    s.split_whitespace().map(str::to_string).collect()
}

/// The admin-only settings (sidecar env).
fn admin_settings(layers: &Layers) -> Result<(EngineKind, Limits, Vec<String>, Vec<String>)> {
    let engine = match layers.admin("engine")? {
        None => EngineKind::Wasm,
        Some((s, source)) => match s.as_str() {
            "wasm" => EngineKind::Wasm,
            "native" => EngineKind::Native,
            other => bail!(
                "unknown engine '{}' ({source}); expected wasm or native",
                clean(other)
            ),
        },
    };
    let mut limits = Limits {
        timeout: Limits::DEFAULT_TIMEOUT,
        max_memory_bytes: DEFAULT_MAX_MEMORY_MIB << 20,
    };
    if let Some((s, source)) = layers.admin("max-memory")? {
        let mib = s.parse::<u64>().ok().filter(|m| (1..=4096).contains(m));
        let Some(mib) = mib else {
            bail!(
                "{source} must be a number of MiB between 1 and 4096, not '{}'",
                clean(&s)
            );
        };
        limits.max_memory_bytes = mib << 20;
    }
    if let Some((s, source)) = layers.admin("timeout")? {
        let secs = s
            .parse::<f64>()
            .ok()
            .filter(|t| t.is_finite() && *t > 0.0 && *t <= 300.0);
        let Some(secs) = secs else {
            bail!(
                "{source} must be a number of seconds between 0 and 300, not '{}'",
                clean(&s)
            );
        };
        limits.timeout = Duration::from_secs_f64(secs);
    }
    let build_options = layers
        .admin("kustomize-build-options")?
        .map(|(s, _)| words(&s))
        .unwrap_or_default();
    let allowed = layers
        .admin("allowed-renderer-args")?
        .map(|(s, _)| words(&s.replace(',', " ")))
        .unwrap_or_default();
    Ok((engine, limits, build_options, allowed))
}

/// The values the `dialect` setting takes, for error messages.
pub const DIALECTS: &str =
    "auto, alembic, django, flyway, golang-migrate, goose, sqlx, dbmate or prisma";

/// The `dialect` setting: `Some(None)` for `auto` (detect), `Some(tool)`
/// for a tool's name, `None` for anything else.
pub fn parse_dialect(text: &str) -> Option<Option<crate::config::Dialect>> {
    use crate::config::Dialect;
    match text {
        "" | "auto" => Some(None),
        "alembic" => Some(Some(Dialect::Alembic)),
        "django" => Some(Some(Dialect::Django)),
        other => revguard_core::dialect::sql::Tool::from_name(other).map(|t| Some(Dialect::Sql(t))),
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
        let deploy_safety = match layers.string("deploy-safety")? {
            None => None,
            Some((s, source)) => Some(s.parse::<revguard_core::safety::Mode>().map_err(|_| {
                anyhow::anyhow!(
                    "unknown deploy-safety mode '{}' ({source}); expected warn, block or off",
                    clean(&s)
                )
            })?),
        };
        let renderer = match layers.string("renderer")? {
            None => Renderer::Auto,
            Some((s, source)) => Renderer::parse(&s, &source)?,
        };
        let (renderer_args, renderer_args_source) = match layers.get("renderer-args")? {
            None => (Vec::new(), None),
            Some((Raw::Array(items), source)) => (items, Some(source)),
            Some((Raw::String(s), source)) => (words(&s), Some(source)),
        };
        let allow_empty = match layers.string("allow-empty")? {
            None => false,
            Some((s, source)) => parse_bool(&s, "allow-empty", &source)?,
        };
        let (engine, limits, kustomize_build_options, allowed_renderer_args) =
            admin_settings(&layers)?;
        let dialect = match layers.string("dialect")? {
            None => None,
            Some((s, source)) => parse_dialect(&s).ok_or_else(|| {
                anyhow::anyhow!(
                    "unknown dialect '{}' ({source}); expected {DIALECTS}",
                    clean(&s)
                )
            })?,
        };
        let user_model = layers
            .string("user-model")?
            .map(|(s, _)| s)
            .filter(|s| !s.is_empty());
        Ok(Config {
            dialect,
            user_model,
            migrations,
            policy,
            expected_head,
            deployed,
            renderer,
            renderer_args,
            renderer_args_source,
            allow_empty,
            deploy_safety,
            engine,
            limits,
            kustomize_build_options,
            allowed_renderer_args,
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
    fn deploy_safety_from_every_layer() {
        use revguard_core::safety::Mode;
        assert_eq!(Config::from_env(&env(&[])).unwrap().deploy_safety, None);
        let c = Config::from_env(&env(&[("REVGUARD_DEPLOY_SAFETY", "block")])).unwrap();
        assert_eq!(c.deploy_safety, Some(Mode::Block));
        let c = Config::from_env(&env(&[
            ("REVGUARD_DEPLOY_SAFETY", "block"),
            ("ARGOCD_ENV_REVGUARD_DEPLOY_SAFETY", "warn"),
        ]))
        .unwrap();
        assert_eq!(c.deploy_safety, Some(Mode::Warn));
        let c = Config::from_env(&env(&[(
            "ARGOCD_APP_PARAMETERS",
            r#"[{"name":"deploy-safety","string":"off"}]"#,
        )]))
        .unwrap();
        assert_eq!(c.deploy_safety, Some(Mode::Off));
        let err = Config::from_env(&env(&[("PARAM_DEPLOY_SAFETY", "strict")]))
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("unknown deploy-safety mode 'strict' (parameter deploy-safety); expected warn, block or off"),
            "{err}"
        );
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
    fn renderer_args_keep_their_source() {
        let e = env(&[("PARAM_RENDERER_ARGS_0", "--enable-exec")]);
        let c = Config::from_env(&e).unwrap();
        assert!(c.renderer_args_source.unwrap().is_application());
        let e = env(&[(
            "REVGUARD_RENDERER_ARGS",
            "--enable-alpha-plugins --enable-exec",
        )]);
        let c = Config::from_env(&e).unwrap();
        assert_eq!(c.renderer_args.len(), 2);
        assert!(!c.renderer_args_source.unwrap().is_application());
    }

    #[test]
    fn unknown_names_fail_closed() {
        let cases = [
            (
                (
                    "ARGOCD_APP_PARAMETERS",
                    r#"[{"name":"expected_head","string":"003"}]"#,
                ),
                "unknown parameter expected_head (did you mean expected-head?)",
            ),
            (("PARAM_EXPECTED_HEDA", "003"), "PARAM_EXPECTED_HEAD"),
            (
                ("ARGOCD_ENV_REVGUARD_EXPECTD_HEAD", "003"),
                "did you mean ARGOCD_ENV_REVGUARD_EXPECTED_HEAD?",
            ),
            (
                ("ARGOCD_ENV_revguard_policy", "linear"),
                "unknown plugin env",
            ),
            (
                ("REVGUARD_ENGNE", "native"),
                "did you mean REVGUARD_ENGINE?",
            ),
            (
                ("ARGOCD_ENV_REVGUARD_ENGINE", "native"),
                "only the Argo CD administrator",
            ),
            (
                (
                    "ARGOCD_APP_PARAMETERS",
                    r#"[{"name":"max-memory","string":"9000"}]"#,
                ),
                "REVGUARD_MAX_MEMORY on the revguard sidecar",
            ),
        ];
        for ((k, v), needle) in cases {
            let err = Config::from_env(&env(&[(k, v)])).unwrap_err().to_string();
            assert!(err.contains(needle), "{k}: {err}");
            assert!(
                err.contains("Valid: ") || err.contains("administrator"),
                "{err}"
            );
        }
        // A map value for a known parameter: its own error, not "unknown".
        let e = env(&[
            (
                "ARGOCD_APP_PARAMETERS",
                r#"[{"name":"renderer-args","map":{"a":"b"}}]"#,
            ),
            ("PARAM_RENDERER_ARGS_A", "b"),
        ]);
        let err = Config::from_env(&e).unwrap_err().to_string();
        assert!(err.contains("not a map"), "{err}");
        // Other plugins' env, unrelated variables and Kubernetes service
        // links are not ours to judge.
        let e = env(&[
            ("ARGOCD_ENV_HELM_ARGS", "x"),
            ("PATH", "/bin"),
            ("REVGUARD_SERVICE_HOST", "10.0.0.1"),
            ("REVGUARD_PORT_8080_TCP", "tcp://10.0.0.1:8080"),
        ]);
        Config::from_env(&e).unwrap();
    }

    #[test]
    fn admin_settings() {
        let c = Config::from_env(&env(&[])).unwrap();
        assert_eq!(c.engine, EngineKind::Wasm);
        assert_eq!(c.limits.max_memory_bytes, DEFAULT_MAX_MEMORY_MIB << 20);
        let c = Config::from_env(&env(&[
            ("REVGUARD_ENGINE", "native"),
            ("REVGUARD_MAX_MEMORY", "128"),
            ("REVGUARD_TIMEOUT", "2.5"),
            (
                "REVGUARD_KUSTOMIZE_BUILD_OPTIONS",
                "--enable-helm --load-restrictor=LoadRestrictionsNone",
            ),
            (
                "REVGUARD_ALLOWED_RENDERER_ARGS",
                "--enable-helm,--helm-debug",
            ),
        ]))
        .unwrap();
        assert_eq!(c.engine, EngineKind::Native);
        assert_eq!(c.limits.max_memory_bytes, 128 << 20);
        assert_eq!(c.limits.timeout, Duration::from_millis(2500));
        assert_eq!(c.kustomize_build_options.len(), 2);
        assert_eq!(c.allowed_renderer_args, ["--enable-helm", "--helm-debug"]);
        for (k, v) in [("REVGUARD_ENGINE", "fast"), ("REVGUARD_MAX_MEMORY", "lots")] {
            let err = Config::from_env(&env(&[(k, v)])).unwrap_err().to_string();
            assert!(err.contains(k), "{err}");
        }
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
    fn a_setting_given_twice_is_refused() {
        let cases: [(&[(&str, &str)], &str); 5] = [
            (
                &[(
                    "ARGOCD_APP_PARAMETERS",
                    r#"[{"name":"policy","string":"linear"},{"name":"policy","string":"branches"}]"#,
                )],
                "parameter policy is given more than once",
            ),
            // Equal values too: no entry may hide behind another.
            (
                &[(
                    "ARGOCD_APP_PARAMETERS",
                    r#"[{"name":"renderer-args","array":["-f","v.yaml"]},{"name":"renderer-args","array":["-f","v.yaml"]}]"#,
                )],
                "parameter renderer-args is given more than once",
            ),
            (
                &[
                    (
                        "ARGOCD_APP_PARAMETERS",
                        r#"[{"name":"policy","string":"linear"}]"#,
                    ),
                    ("ARGOCD_ENV_REVGUARD_POLICY", "branches"),
                ],
                "parameter policy is given twice by the Application (parameter policy and plugin env ARGOCD_ENV_REVGUARD_POLICY)",
            ),
            (
                &[
                    ("PARAM_POLICY", "linear"),
                    ("ARGOCD_ENV_REVGUARD_POLICY", "linear"),
                ],
                "(env PARAM_POLICY and plugin env ARGOCD_ENV_REVGUARD_POLICY)",
            ),
            (
                &[
                    ("PARAM_RENDERER_ARGS", "--reorder none"),
                    ("PARAM_RENDERER_ARGS_0", "--helm-debug"),
                ],
                "(env PARAM_RENDERER_ARGS and env PARAM_RENDERER_ARGS_0)",
            ),
        ];
        for (pairs, needle) in cases {
            let err = Config::from_env(&env(pairs)).unwrap_err().to_string();
            assert!(err.contains(needle), "{pairs:?}: {err}");
        }
        // Not duplicates: Argo CD's PARAM_ copy of the JSON, the sidecar's
        // default under an Application's value, a blank entry.
        let c = Config::from_env(&env(&[
            (
                "ARGOCD_APP_PARAMETERS",
                r#"[{"name":"policy","string":"linear"}]"#,
            ),
            ("PARAM_POLICY", "linear"),
            ("REVGUARD_POLICY", "branches"),
            ("ARGOCD_ENV_REVGUARD_POLICY", " "),
        ]))
        .unwrap();
        assert_eq!(c.policy, Policy::Linear);
    }

    #[test]
    fn dialect_takes_every_tool() {
        use crate::config::Dialect;
        use revguard_core::dialect::sql::Tool;
        let dialect = |v: &str| Config::from_env(&env(&[("PARAM_DIALECT", v)])).map(|c| c.dialect);
        assert_eq!(dialect("auto").unwrap(), None);
        assert_eq!(dialect("django").unwrap(), Some(Dialect::Django));
        for tool in Tool::ALL {
            assert_eq!(dialect(tool.name()).unwrap(), Some(Dialect::Sql(tool)));
        }
        let err = dialect("Flyway").unwrap_err().to_string();
        assert_eq!(
            err,
            "unknown dialect 'Flyway' (parameter dialect); expected auto, alembic, django, flyway, golang-migrate, goose, sqlx, dbmate or prisma"
        );
    }

    #[test]
    fn escaping() {
        assert_eq!(escape_param_name("image.tag"), "IMAGE_TAG");
        assert_eq!(escape_param_name("renderer-args"), "RENDERER_ARGS");
    }
}
