//! An emulator of argocd-cmp-server, step by step, following the contract
//! in `docs/argocd-cmp.md` (read from Argo CD's Go code):
//!
//! 1. load `plugin/plugin.yaml` as shipped, with the server's three start-up
//!    validations, and list unknown keys (Argo CD ignores them silently);
//! 2. build the request tree: copy the repo root (or a subset root) into
//!    `<tmp>/_cmp_server/<uuid>/`, dropping excluded paths (Go
//!    `filepath.Match` on root-relative paths), keeping only regular files,
//!    directories and in-tree symlinks, with modes reset to 0644/0755;
//! 3. discovery: `fileName` glob, else `find.command`, in the app directory;
//! 4. the environment: a minimal sidecar env plus the nine `ARGOCD_APP_*`,
//!    `KUBE_VERSION`, `KUBE_API_VERSIONS`, `ARGOCD_ENV_*` (with `$VAR` /
//!    `$$` expansion), `ARGOCD_APP_PARAMETERS` and `PARAM_*` — nothing from
//!    the test runner;
//! 5. run init then generate as argv (no shell), cwd = root + app path, in
//!    their own process group, under a deadline (SIGTERM, SIGKILL 5 s later);
//! 6. judge like Argo CD: the UI error string on failure; on success a
//!    YAML-or-JSON stream where every document has a `kind`, Lists expanded.

use serde_json::json;
use serde_yaml_ng::Value;
use std::collections::BTreeMap;
use std::io::Read;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::os::unix::process::CommandExt;
use std::path::{Component, Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// The plugin as argocd-cmp-server reads it.
#[derive(Debug, Clone)]
pub struct Plugin {
    pub raw: Value,
    pub name: String,
    pub version: Option<String>,
    pub init: Option<Vec<String>>,
    pub generate: Vec<String>,
    pub discover_file_name: Option<String>,
    pub discover_find_command: Option<Vec<String>>,
    pub preserve_file_mode: bool,
    /// Keys Argo CD would ignore (misspellings, removed options).
    pub unknown_keys: Vec<String>,
}

fn argv_of(node: Option<&Value>) -> Option<Vec<String>> {
    let node = node?;
    let mut argv: Vec<String> = Vec::new();
    for key in ["command", "args"] {
        if let Some(seq) = node.get(key).and_then(Value::as_sequence) {
            for item in seq {
                argv.push(item.as_str().expect("argv items are strings").to_string());
            }
        }
    }
    Some(argv)
}

/// Keys argocd-cmp-server would ignore: the typos a test wants to see.
fn unknown_keys(raw: &Value, spec: &Value) -> Vec<String> {
    let mut unknown_keys = Vec::new();
    let known: &[(&str, &[&str])] = &[
        ("", &["apiVersion", "kind", "metadata", "spec"]),
        (
            "spec",
            &[
                "version",
                "init",
                "generate",
                "discover",
                "parameters",
                "preserveFileMode",
                "provideGitCreds",
            ],
        ),
        ("spec.discover", &["fileName", "find"]),
        ("spec.parameters", &["static", "dynamic"]),
        ("spec.generate", &["command", "args"]),
        ("spec.init", &["command", "args"]),
    ];
    for (at, keys) in known {
        let node = at
            .split('.')
            .filter(|s| !s.is_empty())
            .try_fold(raw, |n, k| n.get(k));
        if let Some(map) = node.and_then(Value::as_mapping) {
            for key in map.keys().filter_map(Value::as_str) {
                if !keys.contains(&key) {
                    unknown_keys.push(format!("{at}.{key}").trim_start_matches('.').to_string());
                }
            }
        }
    }
    let announcement_keys = [
        "name",
        "title",
        "tooltip",
        "required",
        "itemType",
        "collectionType",
        "string",
        "array",
        "map",
    ];
    if let Some(seq) = spec
        .get("parameters")
        .and_then(|p| p.get("static"))
        .and_then(Value::as_sequence)
    {
        for p in seq {
            for key in p
                .as_mapping()
                .into_iter()
                .flat_map(|m| m.keys())
                .filter_map(Value::as_str)
            {
                if !announcement_keys.contains(&key) {
                    unknown_keys.push(format!("spec.parameters.static[].{key}"));
                }
            }
        }
    }
    unknown_keys
}

impl Plugin {
    /// Step 1: load and validate like `cmpserver/plugin/config.go`.
    pub fn load(path: &Path) -> Result<Plugin, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        Plugin::parse(&text)
    }

    pub fn parse(text: &str) -> Result<Plugin, String> {
        let raw: Value = serde_yaml_ng::from_str(text).map_err(|e| format!("invalid YAML: {e}"))?;
        if raw.get("kind").and_then(Value::as_str) != Some("ConfigManagementPlugin") {
            return Err("kind must be ConfigManagementPlugin".into());
        }
        let name = raw
            .get("metadata")
            .and_then(|m| m.get("name"))
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        if name.is_empty() {
            return Err("metadata.name is required".into());
        }
        let spec = raw.get("spec").cloned().unwrap_or(Value::Null);
        let generate = argv_of(spec.get("generate")).unwrap_or_default();
        if spec
            .get("generate")
            .and_then(|g| g.get("command"))
            .and_then(Value::as_sequence)
            .is_none_or(|s| s.is_empty())
        {
            return Err("spec.generate.command is required".into());
        }
        let unknown_keys = unknown_keys(&raw, &spec);
        let discover = spec.get("discover");
        Ok(Plugin {
            name,
            version: spec
                .get("version")
                .and_then(Value::as_str)
                .map(String::from),
            init: argv_of(spec.get("init")),
            generate,
            discover_file_name: discover
                .and_then(|d| d.get("fileName"))
                .and_then(Value::as_str)
                .map(String::from),
            discover_find_command: discover
                .and_then(|d| d.get("find"))
                .and_then(|f| argv_of(Some(f)))
                .filter(|a| !a.is_empty()),
            preserve_file_mode: spec
                .get("preserveFileMode")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            unknown_keys,
            raw,
        })
    }

    /// The socket name = the name an Application must use.
    pub fn full_name(&self) -> String {
        match &self.version {
            Some(v) if !v.is_empty() => format!("{}-{v}", self.name),
            _ => self.name.clone(),
        }
    }
}

/// Go's `filepath.Match` for `*`, `?` and literals (`*` never crosses `/`).
pub fn go_match(pattern: &str, name: &str) -> bool {
    fn rec(p: &[char], n: &[char]) -> bool {
        match p.first() {
            None => n.is_empty(),
            Some('*') => (0..=n.len())
                .take_while(|&i| i == 0 || n[i - 1] != '/')
                .any(|i| rec(&p[1..], &n[i..])),
            Some('?') => !n.is_empty() && n[0] != '/' && rec(&p[1..], &n[1..]),
            Some(c) => n.first() == Some(c) && rec(&p[1..], &n[1..]),
        }
    }
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    rec(&p, &n)
}

/// Step 2: a request tree under `<work>/_cmp_server/<uuid>/`.
pub struct Tree {
    pub root: PathBuf,
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

fn uuid() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        nanos as u32,
        std::process::id() & 0xffff,
        n & 0xfff,
        (nanos >> 32) & 0xfff,
        nanos as u64 & 0xffff_ffff_ffff
    )
}

impl Tree {
    /// Copy `source` (the repo root, or the manifest-generate-paths subset)
    /// into a fresh request directory under `work`.
    pub fn build(source: &Path, work: &Path, exclusions: &[&str], preserve_mode: bool) -> Tree {
        let root = work.join("_cmp_server").join(uuid());
        std::fs::create_dir_all(&root).unwrap();
        std::fs::set_permissions(
            work.join("_cmp_server"),
            std::fs::Permissions::from_mode(0o700),
        )
        .unwrap();
        copy_dir(source, source, &root, exclusions, preserve_mode);
        Tree { root }
    }

    /// Add or replace a file (as the tar would carry it: mode 0644).
    pub fn write(&self, rel: &str, text: &str) {
        let path = self.root.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    }

    pub fn remove(&self, rel: &str) {
        std::fs::remove_file(self.root.join(rel)).unwrap();
    }

    /// Every regular file's mode, to assert nothing is executable.
    pub fn modes(&self) -> Vec<(PathBuf, u32)> {
        let mut out = Vec::new();
        let mut stack = vec![self.root.clone()];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let entry = entry.unwrap();
                let meta = std::fs::symlink_metadata(entry.path()).unwrap();
                if meta.is_dir() {
                    stack.push(entry.path());
                } else if meta.is_file() {
                    out.push((entry.path(), meta.permissions().mode() & 0o7777));
                }
            }
        }
        out
    }
}

fn copy_dir(base: &Path, dir: &Path, dest_root: &Path, exclusions: &[&str], preserve_mode: bool) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        let rel = path.strip_prefix(base).unwrap();
        let rel_str = rel.to_string_lossy().to_string();
        if exclusions.iter().any(|p| go_match(p, &rel_str)) {
            continue;
        }
        let dest = dest_root.join(rel);
        let meta = std::fs::symlink_metadata(&path).unwrap();
        let ft = meta.file_type();
        if ft.is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
            std::fs::set_permissions(&dest, std::fs::Permissions::from_mode(0o755)).unwrap();
            copy_dir(base, &path, dest_root, exclusions, preserve_mode);
        } else if ft.is_file() {
            std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
            std::fs::copy(&path, &dest).unwrap();
            let mode = if preserve_mode {
                meta.permissions().mode() & 0o777
            } else {
                0o644
            };
            std::fs::set_permissions(&dest, std::fs::Permissions::from_mode(mode)).unwrap();
        } else if ft.is_symlink() {
            // Relativize; reject links that leave the tree (`illegal filepath in symlink`).
            let target = std::fs::read_link(&path).unwrap();
            let resolved = if target.is_absolute() {
                target.clone()
            } else {
                rel.parent().unwrap().join(&target)
            };
            let mut depth: i32 = 0;
            for c in resolved.components() {
                match c {
                    Component::ParentDir => depth -= 1,
                    Component::Normal(_) => depth += 1,
                    Component::RootDir | Component::Prefix(_) => depth = i32::MIN / 2,
                    Component::CurDir => {}
                }
                assert!(
                    depth >= 0,
                    "illegal filepath in symlink {rel_str} -> {}",
                    target.display()
                );
            }
            std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
            symlink(&target, &dest).unwrap();
        }
        // Sockets, fifos, devices: dropped silently, like the tar writer.
    }
}

/// One parameter of `spec.source.plugin.parameters`.
#[derive(Debug, Clone)]
pub enum ParamValue {
    String(String),
    Array(Vec<String>),
    Map(BTreeMap<String, String>),
}

/// What the Application says (step 4 input).
#[derive(Debug, Clone)]
pub struct App {
    pub name: String,
    pub namespace: String,
    pub project: String,
    pub repo_url: String,
    pub path: String,
    /// The app directory relative to the *sent* root, when Argo CD sends only
    /// the manifest-generate-paths subset (then it differs from `path`).
    pub dir: Option<String>,
    pub target_revision: String,
    pub revision: String,
    pub kube_version: String,
    pub kube_api_versions: String,
    /// `plugin.env` entries, names without `ARGOCD_ENV_`.
    pub plugin_env: Vec<(String, String)>,
    /// `None`: no `plugin:` key (auto-discovered; variable unset);
    /// `Some(None)`: `plugin:` without parameters (`null`);
    /// `Some(Some(..))`: the parameters.
    pub parameters: Option<Option<Vec<(String, ParamValue)>>>,
}

impl App {
    pub fn new(path: &str) -> App {
        App {
            name: "billing".into(),
            namespace: "billing-prod".into(),
            project: "default".into(),
            repo_url: "https://git.example.com/acme/billing.git".into(),
            path: path.into(),
            dir: None,
            target_revision: "main".into(),
            revision: "4f1c2d3e5a6b7c8d9e0f11223344556677889900".into(),
            kube_version: "1.33.2".into(),
            kube_api_versions:
                "apps/v1,apps/v1/Deployment,batch/v1,batch/v1/Job,v1,v1/ConfigMap,v1/Service".into(),
            plugin_env: Vec::new(),
            parameters: Some(None),
        }
    }

    pub fn param(mut self, name: &str, value: ParamValue) -> App {
        let list = self
            .parameters
            .get_or_insert(None)
            .get_or_insert_with(Vec::new);
        list.push((name.to_string(), value));
        self
    }

    pub fn string(self, name: &str, value: &str) -> App {
        self.param(name, ParamValue::String(value.into()))
    }

    /// The app directory inside the sent root.
    pub fn app_dir(&self) -> &str {
        self.dir.as_deref().unwrap_or(&self.path)
    }

    pub fn env(mut self, name: &str, value: &str) -> App {
        self.plugin_env.push((name.into(), value.into()));
        self
    }

    /// The nine `ARGOCD_APP_*` plus `KUBE_*` build variables.
    pub fn build_vars(&self) -> Vec<(String, String)> {
        let r = &self.revision;
        vec![
            ("ARGOCD_APP_NAME".into(), self.name.clone()),
            ("ARGOCD_APP_NAMESPACE".into(), self.namespace.clone()),
            ("ARGOCD_APP_PROJECT_NAME".into(), self.project.clone()),
            ("ARGOCD_APP_REVISION".into(), r.clone()),
            (
                "ARGOCD_APP_REVISION_SHORT".into(),
                r[..7.min(r.len())].to_string(),
            ),
            (
                "ARGOCD_APP_REVISION_SHORT_8".into(),
                r[..8.min(r.len())].to_string(),
            ),
            ("ARGOCD_APP_SOURCE_PATH".into(), self.path.clone()),
            ("ARGOCD_APP_SOURCE_REPO_URL".into(), self.repo_url.clone()),
            (
                "ARGOCD_APP_SOURCE_TARGET_REVISION".into(),
                self.target_revision.clone(),
            ),
            ("KUBE_VERSION".into(), self.kube_version.clone()),
            ("KUBE_API_VERSIONS".into(), self.kube_api_versions.clone()),
        ]
    }

    /// Step 4: the whole environment of a generate command, `env -i` style:
    /// sidecar env, then build vars, then request env (later wins).
    pub fn environment(&self, sidecar: &[(String, String)]) -> Vec<(String, String)> {
        let build = self.build_vars();
        let mut env: Vec<(String, String)> = sidecar.to_vec();
        env.extend(build.iter().cloned());
        for (name, value) in &self.plugin_env {
            env.push((format!("ARGOCD_ENV_{name}"), expand(value, &build)));
        }
        match &self.parameters {
            None => {}
            Some(None) => env.push(("ARGOCD_APP_PARAMETERS".into(), "null".into())),
            Some(Some(params)) => {
                let json: Vec<serde_json::Value> = params
                    .iter()
                    .map(|(name, v)| match v {
                        ParamValue::String(s) => json!({"name": name, "string": s}),
                        ParamValue::Array(a) => json!({"name": name, "array": a}),
                        ParamValue::Map(m) => json!({"name": name, "map": m}),
                    })
                    .collect();
                env.push((
                    "ARGOCD_APP_PARAMETERS".into(),
                    serde_json::to_string(&json).unwrap(),
                ));
                for (name, v) in params {
                    let esc = escape_param(name);
                    match v {
                        ParamValue::String(s) => env.push((format!("PARAM_{esc}"), s.clone())),
                        ParamValue::Array(a) => {
                            for (i, item) in a.iter().enumerate() {
                                env.push((format!("PARAM_{esc}_{i}"), item.clone()));
                            }
                        }
                        ParamValue::Map(m) => {
                            for (k, item) in m {
                                env.push((
                                    format!("PARAM_{esc}_{}", escape_param(k)),
                                    item.clone(),
                                ));
                            }
                        }
                    }
                }
            }
        }
        env
    }
}

/// Argo CD's parameter-name escaping.
pub fn escape_param(name: &str) -> String {
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

/// Go `os.Expand` against the build vars: `$VAR`, `${VAR}`, `$$` → `$`,
/// unknown → "".
pub fn expand(value: &str, vars: &[(String, String)]) -> String {
    let lookup = |name: &str| -> String {
        if name == "$" {
            return "$".into();
        }
        vars.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let chars: Vec<char> = value.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] != '$' || i + 1 >= chars.len() {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let next = chars[i + 1];
        if next == '{' {
            if let Some(end) = chars[i + 2..].iter().position(|&c| c == '}') {
                let name: String = chars[i + 2..i + 2 + end].iter().collect();
                out.push_str(&lookup(&name));
                i += 3 + end;
            } else {
                i += 2; // bad syntax: eaten
            }
        } else if next.is_ascii_alphanumeric() || next == '_' {
            let mut j = i + 1;
            while j < chars.len() && (chars[j].is_ascii_alphanumeric() || chars[j] == '_') {
                j += 1;
            }
            let name: String = chars[i + 1..j].iter().collect();
            out.push_str(&lookup(&name));
            i = j;
        } else if "*#$@!?-".contains(next) {
            out.push_str(&lookup(&next.to_string()));
            i += 2;
        } else {
            out.push('$');
            i += 1;
        }
    }
    out
}

/// What running one command gave.
#[derive(Debug, Clone)]
pub struct Run {
    pub argv: Vec<String>,
    pub code: Option<i32>,
    pub stdout: Vec<u8>,
    pub stderr: String,
    pub elapsed: Duration,
    pub timed_out: bool,
}

/// `PATH` lookup in the *sidecar* env, like Go's exec.LookPath.
fn look_path(cmd: &str, env: &[(String, String)]) -> PathBuf {
    if cmd.contains('/') {
        return PathBuf::from(cmd);
    }
    let path = env
        .iter()
        .rev()
        .find(|(k, _)| k == "PATH")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    for dir in path.split(':') {
        let candidate = Path::new(dir).join(cmd);
        if candidate
            .metadata()
            .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
            .unwrap_or(false)
        {
            return candidate;
        }
    }
    PathBuf::from(cmd)
}

/// Step 5: run argv with exactly `env` in `cwd`, own process group, deadline.
pub fn run_command(
    argv: &[String],
    cwd: &Path,
    env: &[(String, String)],
    deadline: Duration,
) -> Run {
    let start = Instant::now();
    let mut child = Command::new(look_path(&argv[0], env))
        .arg0(&argv[0])
        .args(&argv[1..])
        .current_dir(cwd)
        .env_clear()
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {argv:?}: {e}"));
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out_t = std::thread::spawn(move || {
        let mut b = Vec::new();
        out.read_to_end(&mut b).unwrap();
        b
    });
    let err_t = std::thread::spawn(move || {
        let mut b = Vec::new();
        err.read_to_end(&mut b).unwrap();
        b
    });
    let pgid = child.id().to_string();
    let mut timed_out = false;
    let mut term_sent: Option<Instant> = None;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > deadline {
            timed_out = true;
            match term_sent {
                None => {
                    let _ = Command::new("kill")
                        .args(["-TERM", "--", &format!("-{pgid}")])
                        .status();
                    term_sent = Some(Instant::now());
                }
                Some(t) if t.elapsed() > Duration::from_secs(5) => {
                    let _ = Command::new("kill")
                        .args(["-KILL", "--", &format!("-{pgid}")])
                        .status();
                }
                _ => {}
            }
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    Run {
        argv: argv.to_vec(),
        code: status.code(),
        stdout: out_t.join().unwrap(),
        stderr: String::from_utf8_lossy(&err_t.join().unwrap()).into_owned(),
        elapsed: start.elapsed(),
        timed_out,
    }
}

/// Go's `%q`-ish quoting of an argv element with whitespace.
fn quote_arg(arg: &str) -> String {
    if arg.chars().any(char::is_whitespace) {
        serde_json::to_string(arg).unwrap()
    } else {
        arg.to_string()
    }
}

impl Run {
    /// Step 6, failure: the text the UI shows inside the ComparisonError.
    pub fn ui_error(&self) -> String {
        let argv: Vec<String> = self.argv.iter().map(|a| quote_arg(a)).collect();
        let status = match self.code {
            Some(c) => format!("exit status {c}"),
            None => "signal: killed".into(),
        };
        format!(
            "`{}` failed {status}: {}",
            argv.join(" "),
            self.stderr.trim()
        )
    }

    /// The whole Application condition message, as of Argo CD 3.x.
    pub fn condition_message(&self, app: &str) -> String {
        format!(
            "Failed to load target state: failed to generate manifest for source 1 of 1: rpc error: code = Unknown desc = CMP processing failed for application \"{app}\": error generating manifests in cmp: rpc error: code = Unknown desc = error generating manifests: {}",
            self.ui_error()
        )
    }
}

/// Step 6, success: split stdout like Argo CD (`kube.SplitYAML` /
/// JSON stream), skip empty and null documents, require `kind`, expand Lists.
pub fn judge_manifests(stdout: &[u8]) -> Result<Vec<Value>, String> {
    let text = std::str::from_utf8(stdout).map_err(|e| format!("stdout is not UTF-8: {e}"))?;
    let text = text.strip_suffix('\n').unwrap_or(text);
    let mut docs: Vec<Value> = Vec::new();
    if text.trim_start().starts_with('{') {
        for doc in serde_json::Deserializer::from_str(text).into_iter::<serde_json::Value>() {
            let doc = doc.map_err(|e| format!("failed to unmarshal manifest: {e}"))?;
            docs.push(serde_yaml_ng::to_value(doc).unwrap());
        }
    } else {
        for doc in serde_yaml_ng::Deserializer::from_str(text) {
            use serde::Deserialize;
            docs.push(
                Value::deserialize(doc)
                    .map_err(|e| format!("failed to unmarshal manifest: {e}"))?,
            );
        }
    }
    let mut objects = Vec::new();
    for doc in docs {
        if doc.is_null() {
            continue;
        }
        let kind = doc
            .get("kind")
            .and_then(Value::as_str)
            .ok_or("Object 'Kind' is missing")?
            .to_string();
        if kind.ends_with("List") && doc.get("items").is_some() {
            for item in doc
                .get("items")
                .and_then(Value::as_sequence)
                .into_iter()
                .flatten()
            {
                item.get("kind")
                    .and_then(Value::as_str)
                    .ok_or("Object 'Kind' is missing")?;
                objects.push(item.clone());
            }
        } else {
            objects.push(doc);
        }
    }
    Ok(objects)
}

/// A sidecar: the plugin, its PATH and the rest of its own env.
pub struct Sidecar {
    pub plugin: Plugin,
    pub env: Vec<(String, String)>,
    pub deadline: Duration,
}

/// The result of one GenerateManifest request.
pub struct Generated {
    pub init: Option<Run>,
    pub generate: Option<Run>,
    pub tree: Tree,
    pub app_dir: PathBuf,
}

impl Generated {
    pub fn run(&self) -> &Run {
        self.generate
            .as_ref()
            .or(self.init.as_ref())
            .expect("a command ran")
    }
    pub fn ok(&self) -> bool {
        self.run().code == Some(0) && self.init.as_ref().is_none_or(|r| r.code == Some(0))
    }
}

impl Sidecar {
    /// Step 3: MatchRepository for this app.
    pub fn matches(&self, tree: &Tree, app: &App) -> Result<bool, String> {
        let app_dir = tree.root.join(app.app_dir());
        if let Some(pattern) = &self.plugin.discover_file_name {
            let full = app_dir.join(pattern);
            return Ok(glob_exists(&full));
        }
        if let Some(argv) = &self.plugin.discover_find_command {
            let env = app.environment(&self.env);
            let run = run_command(argv, &app_dir, &env, self.deadline);
            if run.code != Some(0) {
                return Err(run.ui_error());
            }
            return Ok(!run.stdout.iter().all(u8::is_ascii_whitespace));
        }
        Ok(false)
    }

    /// Steps 4–5: GenerateManifest (init, then generate) in the app dir.
    pub fn generate(&self, tree: Tree, app: &App) -> Generated {
        let app_dir = tree.root.join(app.app_dir());
        let env = app.environment(&self.env);
        let mut init = None;
        if let Some(argv) = self.plugin.init.as_ref().filter(|a| !a.is_empty()) {
            let run = run_command(argv, &app_dir, &env, self.deadline);
            let failed = run.code != Some(0);
            init = Some(run);
            if failed {
                return Generated {
                    init,
                    generate: None,
                    tree,
                    app_dir,
                };
            }
        }
        let generate = Some(run_command(
            &self.plugin.generate,
            &app_dir,
            &env,
            self.deadline,
        ));
        Generated {
            init,
            generate,
            tree,
            app_dir,
        }
    }
}

/// `filepath.Glob` on one pattern (only the last component may have `*`/`?`).
fn glob_exists(pattern: &Path) -> bool {
    let Some(name) = pattern.file_name().map(|n| n.to_string_lossy().to_string()) else {
        return false;
    };
    let Some(dir) = pattern.parent() else {
        return false;
    };
    if !name.contains(['*', '?']) {
        return std::fs::symlink_metadata(pattern).is_ok();
    }
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .any(|e| go_match(&name, &e.file_name().to_string_lossy()))
        })
        .unwrap_or(false)
}

#[test]
fn emulator_self_checks() {
    assert!(go_match(".git/*", ".git/HEAD"));
    assert!(!go_match(".git/*", ".git/refs/heads"));
    assert!(!go_match("*.py", "a/b.py"));
    assert!(go_match("a/?.py", "a/b.py"));
    let vars = vec![("ARGOCD_APP_NAME".to_string(), "billing".to_string())];
    assert_eq!(
        expand("$ARGOCD_APP_NAME-${ARGOCD_APP_NAME}", &vars),
        "billing-billing"
    );
    assert_eq!(expand("$$HOME $NOPE.", &vars), "$HOME .");
    assert_eq!(escape_param("image.tag"), "IMAGE_TAG");
    assert_eq!(escape_param("renderer-args"), "RENDERER_ARGS");
}
