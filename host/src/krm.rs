//! `revguard krm`: the migration check as a KRM function (kustomize
//! functions spec; docs/argocd-cmp.md, section 8), for `kpt fn eval --exec revguard krm` /
//! `kpt fn render` and kustomize with `--enable-alpha-plugins --enable-exec`.
//!
//! stdin: a `ResourceList`. stdout: the same `ResourceList` with `results[]`
//! appended — the input text is echoed verbatim (comments, key order and the
//! `config.kubernetes.io/*` annotations of every item survive), so the
//! function never changes a resource. Exit 1 on error-level findings, 2 when
//! the check itself could not run.
//!
//! `functionConfig` (a ConfigMap's `data`, or any object's `spec`) may set
//! `migrations` (path relative to the package: see `krm/package.rs` for how the
//! package is found, since kpt runs exec functions in its own working
//! directory), `policy`, `expected-head`, `deployed-revision`,
//! `deploy-safety` (`warn`, `block` or `off`: whether the deploy-safety
//! lint's warnings fail the function; docs/safety.md), `dialect` (`auto`,
//! `alembic`, `django` or a SQL-file tool: `flyway`, `golang-migrate`,
//! `goose`, `sqlx`, `dbmate`, `prisma`) and `user-model` (Django's
//! `AUTH_USER_MODEL`); any other key is refused. Without `migrations` the
//! Alembic or Django project is searched upward from the package, up to the
//! repository (the nearest directory holding `.git`, else the package
//! itself), then a SQL-file tool's migrations the same way; nothing outside
//! the repository is read. A SQL-file tool's project is judged against its
//! `revguard.lock` when it has one. `results[].file.path` is relative to the
//! package; a result about
//! a setting points at the function config's file and object.

mod package;

use anyhow::{Context, Result, bail};
use revguard_core::report::Diagnostic;
use revguard_core::{Policy, Severity};
use serde::Serialize;
use serde_yaml_ng::Value;
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use crate::argocd::locate;

/// Arguments of `revguard krm`.
#[derive(Debug, clap::Args)]
pub struct KrmArgs {
    /// The package directory (default: found from the items kpt sends).
    #[arg(long)]
    pub dir: Option<PathBuf>,
}

/// The function config keys revguard reads.
const SETTINGS: &[&str] = &[
    "migrations",
    "policy",
    "expected-head",
    "deployed-revision",
    "deploy-safety",
    "dialect",
    "user-model",
];

/// The biggest ResourceList accepted on stdin.
const MAX_INPUT: u64 = 256 << 20;

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct KrmResult {
    message: String,
    severity: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    resource_ref: Option<ResourceRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    file: Option<KrmFile>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    tags: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Serialize)]
struct KrmFile {
    path: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct ResourceRef {
    api_version: String,
    kind: String,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    namespace: Option<String>,
}

/// The function config as an item of the package: its file and identity,
/// when kpt sent it among the items (`--fn-config`, a Kptfile `configPath`).
fn config_resource(list: &Value) -> (Option<ResourceRef>, Option<KrmFile>) {
    let Some(config) = list.get("functionConfig") else {
        return (None, None);
    };
    let text = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    let meta = config.get("metadata").cloned().unwrap_or(Value::Null);
    let reference = match (text(config, "kind"), text(&meta, "name")) {
        (Some(kind), Some(name)) => Some(ResourceRef {
            api_version: text(config, "apiVersion").unwrap_or_default(),
            kind,
            name,
            namespace: text(&meta, "namespace"),
        }),
        _ => None,
    };
    let file = reference.as_ref().and_then(|r| {
        list.get("items")?.as_sequence()?.iter().find_map(|item| {
            let same = text(item, "kind").as_deref() == Some(r.kind.as_str())
                && item
                    .get("metadata")
                    .and_then(|m| m.get("name"))
                    .and_then(Value::as_str)
                    == Some(r.name.as_str());
            same.then(|| package::item_path(item))
                .flatten()
                .map(|path| KrmFile {
                    path: path.to_string(),
                })
        })
    });
    (reference, file)
}

/// Run the function; returns the exit code.
pub fn run(args: &KrmArgs) -> i32 {
    let mut input = String::new();
    if let Err(err) = std::io::stdin().take(MAX_INPUT).read_to_string(&mut input) {
        eprintln!("revguard krm: cannot read the ResourceList from stdin: {err}");
        return 2;
    }
    let list = match parse_list(&input) {
        Ok(list) => list,
        Err(err) => {
            eprintln!("revguard krm: {err:#}");
            return 2;
        }
    };
    let (results, code) = match check(args, &list) {
        Ok((results, has_errors)) => (results, if has_errors { 1 } else { 0 }),
        Err(err) => {
            let message = format!("revguard could not check the migrations: {err:#}");
            eprintln!("revguard krm: {err:#}");
            let (resource_ref, file) = config_resource(&list);
            let result = KrmResult {
                message,
                severity: "error",
                resource_ref,
                file,
                tags: BTreeMap::new(),
            };
            (vec![result], 2)
        }
    };
    match emit(&input, &list, &results) {
        Ok(out) => {
            let mut stdout = std::io::stdout().lock();
            if stdout
                .write_all(out.as_bytes())
                .and_then(|_| stdout.flush())
                .is_err()
            {
                return 2;
            }
            code
        }
        Err(err) => {
            eprintln!("revguard krm: {err:#}");
            2
        }
    }
}

fn parse_list(input: &str) -> Result<Value> {
    let list: Value =
        serde_yaml_ng::from_str(input).context("stdin is not a YAML/JSON ResourceList")?;
    if list.get("kind").and_then(Value::as_str) != Some("ResourceList") {
        bail!("stdin is not a ResourceList (kind must be ResourceList)");
    }
    Ok(list)
}

/// The settings map of the function config (`data`, else `spec`).
fn settings(list: &Value) -> Option<&serde_yaml_ng::Mapping> {
    let config = list.get("functionConfig")?;
    config
        .get("data")
        .and_then(Value::as_mapping)
        .or_else(|| config.get("spec").and_then(Value::as_mapping))
}

/// Refuse function config keys revguard does not know (a typo must not
/// switch a check off).
fn check_keys(list: &Value) -> Result<()> {
    for key in settings(list).into_iter().flat_map(|m| m.keys()) {
        let key = key.as_str().unwrap_or("?");
        if !SETTINGS.contains(&key) {
            bail!(
                "unknown functionConfig key '{}'; revguard stops rather than ignore a setting it does not understand. Valid: {}",
                crate::argocd::config::clean(key),
                SETTINGS.join(", ")
            );
        }
    }
    Ok(())
}

/// `deploy-safety` in `functionConfig`, parsed.
fn deploy_safety_setting(list: &Value) -> Result<Option<revguard_core::safety::Mode>> {
    setting(list, "deploy-safety")
        .map(|mode| {
            mode.parse::<revguard_core::safety::Mode>()
                .map_err(|e| anyhow::anyhow!("functionConfig deploy-safety: {e}"))
        })
        .transpose()
}

fn setting(list: &Value, key: &str) -> Option<String> {
    let value = settings(list)?.get(key)?;
    let text = match value {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => return None,
    };
    Some(text.trim().to_string()).filter(|s| !s.is_empty())
}

fn check(args: &KrmArgs, list: &Value) -> Result<(Vec<KrmResult>, bool)> {
    check_keys(list)?;
    let policy = match setting(list, "policy") {
        Some(p) => p
            .parse::<Policy>()
            .map_err(|e| anyhow::anyhow!("functionConfig policy: {e}"))?,
        None => Policy::default(),
    };
    let dialect = match setting(list, "dialect") {
        None => None,
        Some(text) => crate::argocd::config::parse_dialect(&text).ok_or_else(|| {
            anyhow::anyhow!(
                "functionConfig dialect: unknown dialect '{}'; expected {}",
                crate::argocd::config::clean(&text),
                crate::argocd::config::DIALECTS
            )
        })?,
    };
    let cwd = std::env::current_dir().context("cannot read the working directory")?;
    let pkg = package::locate(args.dir.as_deref(), &cwd, list)?;
    let (project, dialect) = locate::find(
        &pkg.dir,
        &pkg.root,
        setting(list, "migrations").as_deref(),
        dialect,
    )?;
    let run = crate::argocd::CheckRun {
        engine: crate::engine::EngineKind::Wasm,
        limits: crate::sandbox::Limits::default(),
    };
    let deployed = setting(list, "deployed-revision");
    if dialect == crate::config::Dialect::Django {
        use crate::argocd::django;
        django::refuse_alembic_settings(&[
            ("expected-head", setting(list, "expected-head").is_some()),
            ("deployed-revision", deployed.is_some()),
        ])?;
        let checked = django::check(
            &project,
            setting(list, "user-model").as_deref(),
            deploy_safety_setting(list)?,
            &run,
        )?;
        let results = to_results(&checked.diagnostics(), &project, &pkg.dir, false);
        return Ok((results, checked.has_errors()));
    }
    let deploy_safety = deploy_safety_setting(list)?;
    if let crate::config::Dialect::Sql(tool) = dialect {
        use crate::argocd::sql;
        sql::refuse_other_settings(
            tool,
            &[
                (
                    "expected-head",
                    setting(list, "expected-head").is_some(),
                    "Alembic",
                ),
                ("deployed-revision", deployed.is_some(), "Alembic"),
                (
                    "user-model",
                    setting(list, "user-model").is_some(),
                    "Django",
                ),
            ],
        )?;
        let (checked, _) = sql::check(&project, &pkg.root, tool, deploy_safety, &run)?;
        let results = to_results(&checked.diagnostics(), &project, &pkg.dir, true);
        return Ok((results, checked.has_errors()));
    }
    let ask = crate::argocd::CheckAsk {
        policy,
        deployed: deployed.as_deref(),
        deploy_safety,
    };
    let report = crate::argocd::check_project(&project, &pkg.root, ask, &run)?;
    let mut results = to_results(&report.diagnostics, &project, &pkg.dir, false);
    let mut has_errors = report.has_errors();
    if let Some(expected) = setting(list, "expected-head")
        && (report.heads.len() != 1 || report.heads[0] != expected)
    {
        has_errors = true;
        let (resource_ref, file) = config_resource(list);
        results.push(KrmResult {
            message: format!(
                "migration heads are [{}] but expected-head is {expected}",
                report.heads.join(", ")
            ),
            severity: "error",
            resource_ref,
            file,
            tags: BTreeMap::from([("check".to_string(), "expected-head".to_string())]),
        });
    }
    Ok((results, has_errors))
}

/// Findings as results; file paths relative to the package directory.
/// `notes`: every finding's notes go into its message (a SQL-file tool's
/// own error is a note).
fn to_results(
    diagnostics: &[Diagnostic],
    project: &Path,
    package_dir: &Path,
    notes: bool,
) -> Vec<KrmResult> {
    let shown =
        |path: &str| package::relative(&crate::argocd::absolute_path(path, project), package_dir);
    diagnostics
        .iter()
        .map(|d| {
            let primary = d.labels.iter().find(|l| l.primary).or(d.labels.first());
            let path = primary.map(|l| shown(&l.path));
            let mut message = format!("[{}] {}", d.code, d.message);
            if let (Some(path), Some(label)) = (&path, primary) {
                message.push_str(&format!(" ({path}:{})", label.start.line));
            }
            for other in d.labels.iter().filter(|l| Some(*l) != primary) {
                message.push_str(&format!(
                    "; see {}:{}",
                    shown(&other.path),
                    other.start.line
                ));
            }
            // Django's findings carry the tool's own exception in a note.
            if notes || d.code == "RG102" && d.check == "multiple-leaves" {
                for note in &d.notes {
                    message.push_str(&format!(". {note}"));
                }
            }
            if let Some(help) = &d.help {
                message.push_str(&format!(". Help: {help}"));
            }
            KrmResult {
                message,
                severity: match d.severity {
                    Severity::Error => "error",
                    Severity::Warning => "warning",
                    Severity::Info => "info",
                },
                resource_ref: None,
                file: path.map(|path| KrmFile { path }),
                tags: BTreeMap::from([
                    ("check".to_string(), d.check.clone()),
                    ("code".to_string(), d.code.clone()),
                ]),
            }
        })
        .collect()
}

/// The input ResourceList with `results` set, items untouched.
fn emit(input: &str, list: &Value, results: &[KrmResult]) -> Result<String> {
    if input.trim_start().starts_with('{') {
        // JSON in, JSON out; flow-style YAML (`{kind: ResourceList, …}`)
        // is not JSON and goes out as block YAML below.
        if let Ok(mut json) = serde_json::from_str::<serde_json::Value>(input) {
            if let Some(obj) = json.as_object_mut() {
                obj.insert("results".into(), serde_json::to_value(results)?);
            }
            return Ok(serde_json::to_string(&json)? + "\n");
        }
        return reserialize(list, results);
    }
    let has_top_level_results = input.lines().any(|l| l.starts_with("results:"));
    // A second document or an explicit end marker after the list's first
    // line would make an appended key land in the wrong place.
    let mut body = input
        .lines()
        .skip_while(|l| l.trim().is_empty() || l.starts_with('#') || *l == "---");
    let multi_doc = body.any(|l| l == "---" || l == "..." || l.starts_with("--- "));
    if has_top_level_results || multi_doc || !input.contains("kind: ResourceList") {
        // Rare shapes: re-serialise (comments inside items are lost).
        return reserialize(list, results);
    }
    let mut out = input.to_string();
    if !out.ends_with('\n') {
        out.push('\n');
    }
    if !results.is_empty() {
        #[derive(Serialize)]
        struct Wrapper<'a> {
            results: &'a [KrmResult],
        }
        out.push_str(&serde_yaml_ng::to_string(&Wrapper { results })?);
    }
    Ok(out)
}

/// The list as block YAML with `results` set (comments are lost).
fn reserialize(list: &Value, results: &[KrmResult]) -> Result<String> {
    let mut list = list.clone();
    if let Value::Mapping(map) = &mut list {
        map.insert("results".into(), serde_yaml_ng::to_value(results)?);
    }
    Ok(serde_yaml_ng::to_string(&list)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIST: &str = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- # keep me\n  apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: x # inline\n";

    #[test]
    fn echoes_items_verbatim() {
        let list = parse_list(LIST).unwrap();
        let results = vec![KrmResult {
            message: "m".into(),
            severity: "error",
            resource_ref: None,
            file: None,
            tags: BTreeMap::new(),
        }];
        let out = emit(LIST, &list, &results).unwrap();
        assert!(out.starts_with(LIST));
        let back: Value = serde_yaml_ng::from_str(&out).unwrap();
        assert_eq!(back["results"][0]["severity"].as_str(), Some("error"));
        assert_eq!(back["items"], list["items"]);
        assert_eq!(emit(LIST, &list, &[]).unwrap(), LIST);
    }

    #[test]
    fn flow_style_yaml_and_json() {
        let flow = "{apiVersion: config.kubernetes.io/v1, kind: ResourceList, items: [{kind: ConfigMap, metadata: {name: x}}]}\n";
        let list = parse_list(flow).unwrap();
        let out = emit(flow, &list, &[]).unwrap();
        let back: Value = serde_yaml_ng::from_str(&out).unwrap();
        assert_eq!(back["items"], list["items"]);
        let json = r#"{"kind":"ResourceList","items":[]}"#;
        let out = emit(json, &parse_list(json).unwrap(), &[]).unwrap();
        assert!(
            serde_json::from_str::<serde_json::Value>(&out).is_ok(),
            "{out}"
        );
    }

    #[test]
    fn unknown_function_config_keys_are_refused() {
        let list = parse_list("kind: ResourceList\nitems: []\nfunctionConfig:\n  kind: ConfigMap\n  data: {expected_head: '003'}\n").unwrap();
        let err = check_keys(&list).unwrap_err().to_string();
        assert!(
            err.contains("expected_head") && err.contains("expected-head"),
            "{err}"
        );
    }

    #[test]
    fn rejects_non_resource_lists() {
        assert!(parse_list("kind: ConfigMap\n").is_err());
        assert!(parse_list("{{{").is_err());
    }

    #[test]
    fn reads_function_config() {
        let list = parse_list("kind: ResourceList\nitems: []\nfunctionConfig:\n  kind: ConfigMap\n  data: {migrations: ../db, policy: linear}\n").unwrap();
        assert_eq!(setting(&list, "migrations").as_deref(), Some("../db"));
        assert_eq!(setting(&list, "policy").as_deref(), Some("linear"));
        assert_eq!(setting(&list, "expected-head"), None);
    }
}
