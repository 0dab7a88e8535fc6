//! Renderer arguments: an allow-list, not a deny-list.
//!
//! Application authors may pass extra arguments to `kustomize build` or
//! `helm template` (`renderer-args`). Only flags on the allow-list below get
//! through; everything else stops generation, naming the flag. Flags that
//! Argo CD itself reserves for administrators (kustomize's `--enable-helm`,
//! `--enable-alpha-plugins`, `--load-restrictor`, …: `kustomize.buildOptions`
//! in `argocd-cm`) are admin-only here too; the sidecar admin can open any
//! flag to Applications with `REVGUARD_ALLOWED_RENDERER_ARGS`.
//!
//! Whatever the allow-list says, value files and `--set-file` paths must stay
//! inside the repository, and output redirection (`-o`, `--output`,
//! `--output-dir`) is refused from everyone: the manifests must go to stdout.
//!
//! Flags are read the way Go's pflag reads them: `--name=value`,
//! `--name value`, `-xvalue`, `-x=value`, `-x value`.

use anyhow::{Result, bail};
use std::path::Path;

use super::config::{Renderer, Source, clean};

/// What may be done with a flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rule {
    /// Anyone.
    Allowed,
    /// The sidecar admin, or Applications once the admin allows it.
    AdminOnly,
    /// Nobody: it would send the manifests somewhere other than stdout.
    Never,
    /// Comma-separated file paths that must stay inside the repository.
    Paths,
    /// Comma-separated `key=path` pairs; paths must stay inside the repository.
    KeyPaths,
}

/// One flag of a renderer.
struct Flag {
    long: &'static str,
    short: Option<char>,
    takes_value: bool,
    rule: Rule,
}

const fn flag(long: &'static str, short: Option<char>, takes_value: bool, rule: Rule) -> Flag {
    Flag {
        long,
        short,
        takes_value,
        rule,
    }
}

/// `kustomize build` (5.8.1) flags.
const KUSTOMIZE: &[Flag] = &[
    flag("enable-managedby-label", None, false, Rule::Allowed),
    flag("helm-api-versions", None, true, Rule::Allowed),
    flag("helm-debug", None, false, Rule::Allowed),
    flag("helm-kube-version", None, true, Rule::Allowed),
    flag("reorder", None, true, Rule::Allowed),
    flag("as-current-user", None, false, Rule::AdminOnly),
    flag("enable-alpha-plugins", None, false, Rule::AdminOnly),
    flag("enable-exec", None, false, Rule::AdminOnly),
    flag("enable-helm", None, false, Rule::AdminOnly),
    flag("env", Some('e'), true, Rule::AdminOnly),
    flag("helm-command", None, true, Rule::AdminOnly),
    flag("load-restrictor", None, true, Rule::AdminOnly),
    flag("mount", None, true, Rule::AdminOnly),
    flag("network", None, false, Rule::AdminOnly),
    flag("network-name", None, true, Rule::AdminOnly),
    flag("output", Some('o'), true, Rule::Never),
];

/// `helm template` flags an Application may reasonably need (what Argo CD's
/// own `spec.source.helm` offers), plus the dangerous ones by name.
const HELM: &[Flag] = &[
    flag("values", Some('f'), true, Rule::Paths),
    flag("set-file", None, true, Rule::KeyPaths),
    flag("set", None, true, Rule::Allowed),
    flag("set-string", None, true, Rule::Allowed),
    flag("set-json", None, true, Rule::Allowed),
    flag("set-literal", None, true, Rule::Allowed),
    flag("namespace", Some('n'), true, Rule::Allowed),
    flag("name-template", None, true, Rule::Allowed),
    flag("kube-version", None, true, Rule::Allowed),
    flag("api-versions", Some('a'), true, Rule::Allowed),
    flag("include-crds", None, false, Rule::Allowed),
    flag("skip-crds", None, false, Rule::Allowed),
    flag("skip-tests", None, false, Rule::Allowed),
    flag("skip-schema-validation", None, false, Rule::Allowed),
    flag("no-hooks", None, false, Rule::Allowed),
    flag("is-upgrade", None, false, Rule::Allowed),
    flag("show-only", Some('s'), true, Rule::Allowed),
    flag("dependency-update", None, false, Rule::AdminOnly),
    flag("post-renderer", None, true, Rule::AdminOnly),
    flag("post-renderer-args", None, true, Rule::AdminOnly),
    flag("repo", None, true, Rule::AdminOnly),
    flag("kubeconfig", None, true, Rule::AdminOnly),
    flag("validate", None, false, Rule::AdminOnly),
    flag("output-dir", None, true, Rule::Never),
];

/// Where path-valued flags must stay.
pub struct Bounds<'a> {
    /// The renderer's working directory (relative paths start here).
    pub app_dir: &'a Path,
    /// The repository root.
    pub root: &'a Path,
}

fn flags_of(renderer: Renderer) -> &'static [Flag] {
    match renderer {
        Renderer::Kustomize => KUSTOMIZE,
        Renderer::Helm => HELM,
        _ => &[],
    }
}

/// One parsed argument: the flag as written, its spec (if known), its value.
struct Parsed<'a> {
    written: String,
    spec: Option<&'static Flag>,
    value: Option<&'a str>,
}

/// Split `args` into flags with values, pflag style. Positional arguments
/// and combined short flags are refused.
fn parse<'a>(renderer: Renderer, args: &'a [String], source: &Source) -> Result<Vec<Parsed<'a>>> {
    let flags = flags_of(renderer);
    let mut out = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let arg = args[i].as_str();
        let (written, spec, mut value) = if let Some(long) = arg.strip_prefix("--") {
            if long.is_empty() {
                bail!(
                    "renderer argument '--' ({source}) is not allowed: revguard passes the directory itself"
                );
            }
            let (name, value) = match long.split_once('=') {
                Some((n, v)) => (n, Some(v)),
                None => (long, None),
            };
            let normalized = name.replace('_', "-");
            let spec = flags.iter().find(|f| f.long == normalized);
            (format!("--{name}"), spec, value)
        } else if let Some(short) = arg.strip_prefix('-').filter(|s| !s.is_empty()) {
            let c = short.chars().next().unwrap_or('-');
            let rest = &short[c.len_utf8()..];
            let spec = flags.iter().find(|f| f.short == Some(c));
            let value = match spec {
                Some(f) if f.takes_value && !rest.is_empty() => {
                    Some(rest.strip_prefix('=').unwrap_or(rest))
                }
                _ if !rest.is_empty() && !rest.starts_with('=') => bail!(
                    "renderer argument '{}' ({source}) combines short flags; write each flag separately",
                    clean(arg)
                ),
                _ => rest.strip_prefix('='),
            };
            (format!("-{c}"), spec, value)
        } else {
            bail!(
                "renderer argument '{}' ({source}) is not a flag: revguard passes the directory itself and takes no positional arguments",
                clean(arg)
            );
        };
        if spec.is_some_and(|f| f.takes_value) && value.is_none() {
            i += 1;
            let Some(next) = args.get(i) else {
                bail!("renderer argument '{written}' ({source}) needs a value");
            };
            value = Some(next.as_str());
        }
        out.push(Parsed {
            written,
            spec,
            value,
        });
        i += 1;
    }
    Ok(out)
}

/// Check renderer arguments. `trusted` arguments (the sidecar admin's) only
/// have to leave the output on stdout; an Application's must pass the
/// allow-list (`extra_allowed` extends it) and keep paths in the repository.
pub fn check(
    renderer: Renderer,
    args: &[String],
    source: &Source,
    trusted: bool,
    extra_allowed: &[String],
    bounds: &Bounds,
) -> Result<()> {
    if args.is_empty() {
        return Ok(());
    }
    if !matches!(renderer, Renderer::Kustomize | Renderer::Helm) {
        bail!(
            "renderer-args ({source}) are set, but the {} renderer takes no arguments",
            renderer.as_str()
        );
    }
    for p in parse(renderer, args, source)? {
        let mut names = vec![p.written.clone()];
        if let Some(f) = p.spec {
            names.push(format!("--{}", f.long));
            names.extend(f.short.map(|c| format!("-{c}")));
        }
        let opened = extra_allowed.iter().any(|a| {
            names
                .iter()
                .any(|n| n.trim_start_matches('-') == a.trim_start_matches('-'))
        });
        let rule = p.spec.map(|f| f.rule);
        match rule {
            Some(Rule::Never) => bail!(
                "renderer argument '{}' ({source}) is refused: it writes the manifests to files, but Argo CD reads them from stdout",
                p.written
            ),
            _ if trusted => {}
            Some(Rule::AdminOnly) if !opened => bail!(
                "renderer argument '{}' ({source}) is admin-only (Argo CD reserves it for administrators too): it lets the renderer run code, use the network or read outside the repository. The sidecar admin can pass it with REVGUARD_KUSTOMIZE_BUILD_OPTIONS or allow it for Applications with REVGUARD_ALLOWED_RENDERER_ARGS",
                p.written
            ),
            None if !opened => bail!(
                "renderer argument '{}' ({source}) is not on revguard's allow-list for {}; allowed: {}. The sidecar admin can allow more with REVGUARD_ALLOWED_RENDERER_ARGS",
                clean(&p.written),
                renderer.as_str(),
                allowed_list(renderer)
            ),
            Some(Rule::Paths) => {
                let value = p.value.unwrap_or_default();
                plain_file_value(&p.written, value, source)?;
                for path in value.split(',') {
                    inside(path, &p.written, source, bounds)?;
                }
            }
            Some(Rule::KeyPaths) => {
                let value = p.value.unwrap_or_default();
                plain_file_value(&p.written, value, source)?;
                for pair in value.split(',') {
                    let path = pair.split_once('=').map_or(pair, |(_, path)| path);
                    inside(path, &p.written, source, bounds)?;
                }
            }
            _ => {}
        }
    }
    Ok(())
}

fn allowed_list(renderer: Renderer) -> String {
    flags_of(renderer)
        .iter()
        .filter(|f| matches!(f.rule, Rule::Allowed | Rule::Paths | Rule::KeyPaths))
        .map(|f| format!("--{}", f.long))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Characters that make helm read a different path than the one written:
/// strvals' escape (`\`) and list syntax (`{a,b}`, each item a file for
/// `--set-file`), and pflag's CSV quoting of slice flags like `-f` (`"…"`,
/// stripped, with `,` kept inside). Refused in every value of a file-reading
/// flag, so that splitting on `,` (then on the first `=` for `--set-file`)
/// is exactly how helm splits it, and the path revguard checks is the path
/// helm opens.
const FILE_VALUE_SYNTAX: &[(char, &str)] = &[
    ('\\', "helm reads a backslash as an escape and drops it"),
    ('{', "helm reads {a,b} as a list and opens every item"),
    ('}', "helm reads {a,b} as a list and opens every item"),
    ('"', "helm's comma-separated value list strips quotes"),
];

/// Refuse a file-reading flag's value that helm would not read literally
/// (see [`FILE_VALUE_SYNTAX`]); control characters (a CSV line break ends
/// the list early) are refused too.
fn plain_file_value(flag: &str, value: &str, source: &Source) -> Result<()> {
    let why = value.chars().find_map(|c| {
        FILE_VALUE_SYNTAX
            .iter()
            .find(|(special, _)| *special == c)
            .map(|(special, why)| format!("'{special}': {why}"))
            .or_else(|| c.is_control().then(|| "a control character".to_string()))
    });
    if let Some(why) = why {
        bail!(
            "renderer argument '{flag} {}' ({source}) is refused: it contains {why}, so the file helm opens would not be the one revguard checked. File arguments must be plain paths; repeat the flag for several files",
            clean(value)
        );
    }
    Ok(())
}

/// A path argument must name a file inside the repository.
fn inside(path: &str, flag: &str, source: &Source, bounds: &Bounds) -> Result<()> {
    let shown = clean(path);
    if path.contains("://") || has_url_scheme(path) {
        // A URL may carry credentials: masked before `clean` shortens it.
        let shown = clean(&crate::database::url::mask(path));
        bail!("{flag} '{shown}' ({source}) is a URL; only files inside the repository are allowed");
    }
    if path.is_empty() {
        bail!("{flag} ({source}) needs a file path");
    }
    let joined = bounds.app_dir.join(path);
    let lexical = super::locate::normalize(&joined);
    let real = joined.canonicalize().unwrap_or(lexical.clone());
    if !lexical.starts_with(bounds.root) || !real.starts_with(bounds.root) {
        bail!(
            "{flag} '{shown}' ({source}) points outside the repository; value files must be inside it (paths are relative to the app directory)"
        );
    }
    Ok(())
}

/// True when `path` starts like a URL (`scheme:`), which helm hands to its
/// getters (`http:`, `https:`, `oci:`, plugins) instead of opening a file.
fn has_url_scheme(path: &str) -> bool {
    path.split_once(':').is_some_and(|(scheme, _)| {
        scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    })
}

/// True when `args` turn on kustomize's helm inflation.
pub fn enables_helm(args: &[String]) -> bool {
    args.iter()
        .any(|a| a == "--enable-helm" || a.starts_with("--enable-helm=") && !a.ends_with("=false"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(renderer: Renderer, args: &[&str], extra: &[&str]) -> Result<()> {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().canonicalize().unwrap();
        let app = root.join("app");
        std::fs::create_dir_all(&app).unwrap();
        std::fs::write(root.join("values.yaml"), "").unwrap();
        std::os::unix::fs::symlink("/etc/passwd", app.join("leak.yaml")).unwrap();
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        let extra: Vec<String> = extra.iter().map(|s| s.to_string()).collect();
        let bounds = Bounds {
            app_dir: &app,
            root: &root,
        };
        check(
            renderer,
            &args,
            &Source::Parameter("renderer-args".into()),
            false,
            &extra,
            &bounds,
        )
    }

    #[test]
    fn allow_list_admin_only_and_never() {
        let k = Renderer::Kustomize;
        run(k, &["--reorder", "none", "--helm-kube-version=1.30.0"], &[]).unwrap();
        let err = run(k, &["--enable-helm"], &[]).unwrap_err().to_string();
        assert!(
            err.contains("admin-only") && err.contains("--enable-helm"),
            "{err}"
        );
        run(k, &["--enable-helm"], &["--enable-helm"]).unwrap();
        let err = run(k, &["--frobnicate"], &[]).unwrap_err().to_string();
        assert!(
            err.contains("allow-list") && err.contains("--reorder"),
            "{err}"
        );
        run(k, &["--frobnicate=1"], &["--frobnicate"]).unwrap();
        for out in [&["-o", "x"][..], &["-ox"], &["-o=x"], &["--output=x"]] {
            let err = run(k, out, &["-o", "--output"]).unwrap_err().to_string();
            assert!(err.contains("stdout"), "{out:?}: {err}");
        }
        let err = run(Renderer::Helm, &["--output-dir", "/tmp/x"], &[]).unwrap_err();
        assert!(err.to_string().contains("stdout"));
        let err = run(k, &["--load_restrictor=LoadRestrictionsNone"], &[]).unwrap_err();
        assert!(err.to_string().contains("admin-only"), "{err}");
    }

    #[test]
    fn shapes_pflag_accepts() {
        let h = Renderer::Helm;
        for ok in [
            &["-f", "../values.yaml"][..],
            &["-f../values.yaml"],
            &["-f=../values.yaml"],
            &["--values=../values.yaml,../values.yaml"],
            &["--set-file", "a=../values.yaml,b=../values.yaml"],
        ] {
            run(h, ok, &[]).unwrap_or_else(|e| panic!("{ok:?}: {e}"));
        }
        for (bad, needle) in [
            (&["-f/etc/passwd"][..], "outside the repository"),
            (&["-f", "../../x.yaml"], "outside the repository"),
            (&["--values=leak.yaml"], "outside the repository"),
            (&["--set-file", "a=../values.yaml,b=/etc/shadow"], "outside"),
            (&["-f", "https://evil.example/v.yaml"], "URL"),
            (&["-f", "file:values.yaml"], "URL"),
            (&["--set-file", "a=\\/etc/passwd"], "'\\'"),
            (&["--set-file", "a={../values.yaml}"], "'{'"),
            (&["--set-file=a\\=b=../values.yaml"], "'\\'"),
            (&["-f", "\"../values.yaml\""], "'\"'"),
            (&["-f../values.yaml\n/etc/passwd"], "control character"),
            (&["-f"], "needs a value"),
            (&["extra-dir"], "not a flag"),
            (&["--"], "'--'"),
            (&["-gf", "x"], "combines short flags"),
        ] {
            let err = run(h, bad, &[]).unwrap_err().to_string();
            assert!(err.contains(needle), "{bad:?}: {err}");
        }
        let err = run(Renderer::Directory, &["--x"], &[])
            .unwrap_err()
            .to_string();
        assert!(err.contains("takes no arguments"), "{err}");
    }

    #[test]
    fn a_refused_url_never_shows_its_credentials() {
        for url in [
            "https://ci:t0ken-s3cret@evil.example/v.yaml",
            "https://ci:t0ken/s3cret@evil.example/a/very/long/path/that/clean/would/cut/off/before/the/host.yaml",
        ] {
            let err = run(Renderer::Helm, &["-f", url], &[])
                .unwrap_err()
                .to_string();
            assert!(err.contains("https://***@"), "{err}");
            assert!(!err.contains("t0ken") && !err.contains("s3cret"), "{err}");
        }
    }

    #[test]
    fn trusted_args_only_keep_stdout() {
        let tmp = tempfile::tempdir().unwrap();
        let bounds = Bounds {
            app_dir: tmp.path(),
            root: tmp.path(),
        };
        let source = Source::SidecarEnv("REVGUARD_KUSTOMIZE_BUILD_OPTIONS".into());
        let args = vec!["--enable-helm".to_string(), "--enable-exec".into()];
        check(Renderer::Kustomize, &args, &source, true, &[], &bounds).unwrap();
        let args = vec!["-o".to_string(), "out".into()];
        assert!(check(Renderer::Kustomize, &args, &source, true, &[], &bounds).is_err());
        assert!(enables_helm(&["--enable-helm".into()]));
        assert!(!enables_helm(&["--enable-helm=false".into()]));
    }
}
