//! `revguard krm`: the migration check as a KRM function (kustomize
//! functions spec; spec §4.1), for `kpt fn eval --exec revguard krm` /
//! `kpt fn render` and kustomize with `--enable-alpha-plugins --enable-exec`.
//!
//! stdin: a `ResourceList`. stdout: the same `ResourceList` with `results[]`
//! appended — the input text is echoed verbatim (comments, key order and the
//! `config.kubernetes.io/*` annotations of every item survive), so the
//! function never changes a resource. Exit 1 on error-level findings, 2 when
//! the check itself could not run.
//!
//! `functionConfig` (a ConfigMap's `data`, or any object's `spec`) may set
//! `migrations` (path relative to the function's working directory: kpt's
//! cwd, or the kustomization directory), `policy` and `expected-head`.
//! Without `migrations` the Alembic project is searched upward from the
//! working directory, up to the nearest directory that holds `.git`.

use anyhow::{Context, Result, bail};
use revguard_core::{Policy, Report, Severity};
use serde::Serialize;
use serde_yaml_ng::Value;
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::PathBuf;

use crate::argocd::locate;

/// Arguments of `revguard krm`.
#[derive(Debug, clap::Args)]
pub struct KrmArgs {
    /// Working directory paths are resolved against (default: the current one).
    #[arg(long, default_value = ".")]
    pub dir: PathBuf,
}

/// The biggest ResourceList accepted on stdin.
const MAX_INPUT: u64 = 256 << 20;

#[derive(Debug, Serialize)]
struct KrmResult {
    message: String,
    severity: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    file: Option<KrmFile>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    tags: BTreeMap<String, String>,
}

#[derive(Debug, Serialize)]
struct KrmFile {
    path: String,
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
            let result = KrmResult {
                message,
                severity: "error",
                file: None,
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

fn setting(list: &Value, key: &str) -> Option<String> {
    let config = list.get("functionConfig")?;
    let value = config
        .get("data")
        .and_then(|d| d.get(key))
        .or_else(|| config.get("spec").and_then(|s| s.get(key)))?;
    let text = match value {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => return None,
    };
    Some(text.trim().to_string()).filter(|s| !s.is_empty())
}

fn check(args: &KrmArgs, list: &Value) -> Result<(Vec<KrmResult>, bool)> {
    let policy = match setting(list, "policy") {
        Some(p) => p
            .parse::<Policy>()
            .map_err(|e| anyhow::anyhow!("functionConfig policy: {e}"))?,
        None => Policy::default(),
    };
    let dir = args
        .dir
        .canonicalize()
        .with_context(|| format!("cannot open the working directory {}", args.dir.display()))?;
    let root = locate::repo_root(&dir)?;
    let project = locate::find_project(&dir, &root, setting(list, "migrations").as_deref())?;
    let report = crate::argocd::check_project(&project, &root, policy, None)?;
    let mut results = to_results(&report, &project, &root);
    let mut has_errors = report.has_errors();
    if let Some(expected) = setting(list, "expected-head")
        && (report.heads.len() != 1 || report.heads[0] != expected)
    {
        has_errors = true;
        results.push(KrmResult {
            message: format!(
                "migration heads are [{}] but expected-head is {expected}",
                report.heads.join(", ")
            ),
            severity: "error",
            file: None,
            tags: BTreeMap::from([("check".to_string(), "expected-head".to_string())]),
        });
    }
    Ok((results, has_errors))
}

fn to_results(
    report: &Report,
    project: &std::path::Path,
    root: &std::path::Path,
) -> Vec<KrmResult> {
    report
        .diagnostics
        .iter()
        .map(|d| {
            let primary = d.labels.iter().find(|l| l.primary).or(d.labels.first());
            let path = primary.map(|l| crate::argocd::display_path(&l.path, project, root));
            let mut message = format!("[{}] {}", d.code, d.message);
            if let (Some(path), Some(label)) = (&path, primary) {
                message.push_str(&format!(" ({path}:{})", label.start.line));
            }
            for other in d.labels.iter().filter(|l| Some(*l) != primary) {
                message.push_str(&format!(
                    "; see {}:{}",
                    crate::argocd::display_path(&other.path, project, root),
                    other.start.line
                ));
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
        // JSON in, JSON out.
        let mut json: serde_json::Value =
            serde_json::from_str(input).context("stdin is not valid JSON")?;
        if let Some(obj) = json.as_object_mut() {
            obj.insert("results".into(), serde_json::to_value(results)?);
        }
        return Ok(serde_json::to_string(&json)? + "\n");
    }
    let has_top_level_results = input.lines().any(|l| l.starts_with("results:"));
    // A second document or an explicit end marker after the list's first
    // line would make an appended key land in the wrong place.
    let mut body = input
        .lines()
        .skip_while(|l| l.trim().is_empty() || l.starts_with('#') || *l == "---");
    let multi_doc = body.any(|l| l == "---" || l == "..." || l.starts_with("--- "));
    if has_top_level_results || multi_doc {
        // Rare shapes: re-serialise (comments inside items are lost).
        let mut list = list.clone();
        if let Value::Mapping(map) = &mut list {
            map.insert("results".into(), serde_yaml_ng::to_value(results)?);
        }
        return Ok(serde_yaml_ng::to_string(&list)?);
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
