//! `revguard argocd …`: the Argo CD Config Management Plugin (CMP v2).
//!
//! `generate` is what argocd-cmp-server runs for every manifest generation
//! (see `plugin/plugin.yaml` and `docs/argocd-cmp.md`):
//!
//! 1. resolve configuration ([`config`]: parameters, plugin env, sidecar env);
//! 2. find the extracted repository root and the migration project inside
//!    it ([`locate`]: Alembic, Django or a SQL-file tool), never reading
//!    outside the root;
//! 3. check the migration graph in the sandbox; on error-level findings print
//!    nothing on stdout, a short report on stderr (it becomes the
//!    `ComparisonError` text in the UI) and exit 1;
//! 4. render (kustomize / helm / directory) in the app directory without a
//!    shell; a renderer failure is our failure (its exit code and stderr);
//! 5. refuse an empty render unless `allow-empty`, then write the renderer's
//!    stdout byte for byte.
//!
//! The result is a pure function of the tree, the parameters and the env, so
//! Argo CD's manifest cache stays correct.
//!
//! `discover` is an optional `discover.find.command`: it prints the
//! migration project it would check (non-empty stdout = "this app is
//! mine").

pub mod args;
mod check;
pub mod config;
pub mod django;
pub mod install;
pub mod locate;
pub mod renderer;
pub mod sql;
pub mod stream;

use anyhow::{Context, Result};
use revguard_core::{Report, Severity};
use std::io::Write;
use std::path::PathBuf;

pub use check::{
    Ask as CheckAsk, Run as CheckRun, absolute_path, check as check_project, display_path,
};
use config::{Config, Env};

/// `revguard argocd <command>`.
#[derive(Debug, clap::Subcommand)]
pub enum ArgocdCommand {
    /// Check the migration graph, then render the app's manifests to stdout
    /// (the CMP `generate` command; run in the app directory).
    Generate(GenerateArgs),
    /// Print the migration project this app would be checked against, or
    /// nothing (for `discover.find.command`).
    Discover(GenerateArgs),
    /// Copy this binary and its plugin.yaml into a shared volume (the init
    /// container of the stock-image install).
    Install(install::InstallArgs),
}

/// Arguments of `revguard argocd generate` / `discover`.
#[derive(Debug, clap::Args)]
pub struct GenerateArgs {
    /// The app directory (Argo CD runs the plugin in it).
    #[arg(long, default_value = ".")]
    pub app_dir: PathBuf,
    /// The repository root (default: the extracted CMP request directory,
    /// else the nearest ancestor with `.git`).
    #[arg(long)]
    pub root: Option<PathBuf>,
}

/// Exit codes (docs/adr/0001-one-core-three-faces.md).
const EXIT_FINDINGS: i32 = 1;
const EXIT_TOOL: i32 = 2;

/// At most this many errors are spelled out in the UI message.
const MAX_ERRORS_SHOWN: usize = 4;
/// At most this many locations per error.
const MAX_LABELS_SHOWN: usize = 3;

/// Run a subcommand; returns the process exit code. Never prints to stdout
/// unless the whole run succeeded.
pub fn run(command: &ArgocdCommand) -> i32 {
    let env: Env = std::env::vars().collect();
    let (result, args) = match command {
        ArgocdCommand::Generate(args) => (generate(args, &env), args),
        ArgocdCommand::Discover(args) => (discover(args, &env), args),
        ArgocdCommand::Install(args) => {
            return install::run(args).unwrap_or_else(|err| {
                eprintln!("revguard: {}", clean(&format!("{err:#}")));
                EXIT_TOOL
            });
        }
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            let mut text = format!("{err:#}");
            // Show repo-relative paths: the request work dir changes on
            // every request and only adds noise to the UI message.
            let root = args
                .root
                .clone()
                .or_else(|| locate::repo_root(&args.app_dir).ok());
            if let Some(root) = root {
                text = text.replace(&format!("{}/", root.display()), "");
            }
            eprintln!("revguard: {}", clean(&text));
            EXIT_TOOL
        }
    }
}

struct Located {
    app_dir: PathBuf,
    root: PathBuf,
    project: PathBuf,
    dialect: crate::config::Dialect,
}

fn locate(args: &GenerateArgs, config: &Config) -> Result<Located> {
    let app_dir = args
        .app_dir
        .canonicalize()
        .with_context(|| format!("cannot open the app directory {}", args.app_dir.display()))?;
    let root = match &args.root {
        Some(root) => root
            .canonicalize()
            .with_context(|| format!("cannot open the root {}", root.display()))?,
        None => locate::repo_root(&app_dir)?,
    };
    if !app_dir.starts_with(&root) {
        anyhow::bail!(
            "the app directory is not inside the root {}",
            root.display()
        );
    }
    let (project, dialect) = locate::find(
        &app_dir,
        &root,
        config.migrations.as_deref(),
        config.dialect,
    )?;
    Ok(Located {
        app_dir,
        root,
        project,
        dialect,
    })
}

fn discover(args: &GenerateArgs, env: &Env) -> Result<i32> {
    // Discovery must not error (an error un-selects the plugin with a
    // confusing message): not ours = exit 0 with empty stdout.
    let Ok(config) = Config::from_env(env) else {
        return Ok(0);
    };
    if let Ok(found) = locate(args, &config) {
        println!("{}", locate::display(&found.root, &found.project));
    }
    Ok(0)
}

/// Refuse renderer arguments that are not allowed for their source.
fn check_renderer_args(config: &Config, renderer: config::Renderer, found: &Located) -> Result<()> {
    let bounds = args::Bounds {
        app_dir: &found.app_dir,
        root: &found.root,
    };
    if renderer == config::Renderer::Kustomize {
        let admin = config::Source::SidecarEnv(config::env_name("kustomize-build-options"));
        args::check(
            renderer,
            &config.kustomize_build_options,
            &admin,
            true,
            &[],
            &bounds,
        )?;
    }
    if let Some(source) = &config.renderer_args_source {
        args::check(
            renderer,
            &config.renderer_args,
            source,
            !source.is_application(),
            &config.allowed_renderer_args,
            &bounds,
        )?;
    }
    Ok(())
}

/// The graph problems that stop generation (empty: go ahead).
fn problems(report: &Report, config: &Config, found: &Located) -> Vec<String> {
    let mut problems = Vec::new();
    if report.has_errors() {
        problems.push(failure_message(report, found));
    } else if let Some(expected) = &config.expected_head
        && (report.heads.len() != 1 || &report.heads[0] != expected)
    {
        problems.push(format!(
            "revguard: the migration head is {} but the parameter expected-head is \"{}\"; manifests were not generated.\nShip the migration the release expects, or update expected-head.",
            if report.heads.is_empty() {
                "missing (no revisions)".to_string()
            } else {
                report.heads.iter().map(|h| format!("\"{h}\"")).collect::<Vec<_>>().join(", ")
            },
            clean(expected)
        ));
    }
    problems
}

fn generate(args: &GenerateArgs, env: &Env) -> Result<i32> {
    let config = Config::from_env(env)?;
    let found = locate(args, &config)?;
    let renderer = renderer::resolve(config.renderer, &found.app_dir);
    check_renderer_args(&config, renderer, &found)?;
    let run = CheckRun {
        engine: config.engine,
        limits: config.limits.clone(),
    };
    let verdict = if found.dialect == crate::config::Dialect::Django {
        // Django has no SQL to lint: deploy-safety (often the sidecar's
        // default for every Application) does not apply.
        django::verdict(&config, &found, &run)?
    } else if let crate::config::Dialect::Sql(tool) = found.dialect {
        sql::verdict(&config, &found, tool, &run)?
    } else {
        let ask = CheckAsk {
            policy: config.policy,
            deployed: config.deployed.as_deref(),
            deploy_safety: config.deploy_safety,
        };
        let report = check_project(&found.project, &found.root, ask, &run)?;
        let problems = problems(&report, &config, &found);
        if problems.is_empty() {
            Ok(success_message(&report, &found))
        } else {
            Err(problems.join("\n"))
        }
    };
    match verdict {
        // Argo CD logs a successful command's stderr (never shows it in the
        // UI): the operator's record of what was checked and of every warning.
        Ok(log) => eprintln!("{log}"),
        Err(problems) => {
            eprintln!("{problems}");
            return Ok(EXIT_FINDINGS);
        }
    }

    let build_options = if renderer == config::Renderer::Kustomize {
        config.kustomize_build_options.as_slice()
    } else {
        &[]
    };
    let outcome = renderer::run(
        renderer,
        build_options,
        &config.renderer_args,
        &found.app_dir,
        env,
    )?;
    let stdout = match outcome {
        renderer::Outcome::Rendered(stdout) => stdout,
        renderer::Outcome::Failed {
            command,
            code,
            stderr,
        } => {
            let status = code.map_or("was killed".to_string(), |c| {
                format!("failed with exit status {c}")
            });
            eprintln!(
                "revguard: migrations OK, but the renderer `{command}` {status} in {}:\n{}",
                locate::display(&found.root, &found.app_dir),
                // Request work-dir paths (`…/_cmp_server/<uuid>/`) change on
                // every request; show repo-relative paths instead.
                clean(&stderr.replace(&format!("{}/", found.root.display()), ""))
            );
            return Ok(match code {
                Some(c @ 1..=125) => c,
                _ => EXIT_TOOL,
            });
        }
    };
    emit(&stdout, renderer, &config, &found)
}

/// Refuse an empty render unless allowed, then write the manifests.
fn emit(
    stdout: &[u8],
    renderer: config::Renderer,
    config: &Config,
    found: &Located,
) -> Result<i32> {
    let objects = stream::count_objects(stdout).with_context(|| {
        format!(
            "the {} renderer's output is not a manifest stream Argo CD accepts",
            renderer.as_str()
        )
    })?;
    if objects == 0 && !config.allow_empty {
        eprintln!(
            "revguard: migrations OK, but the {} renderer produced no Kubernetes objects in {}; refusing, because zero desired objects makes Argo CD prune everything the app owns. Set the parameter allow-empty=true if that is intended.",
            renderer.as_str(),
            locate::display(&found.root, &found.app_dir)
        );
        return Ok(EXIT_FINDINGS);
    }
    let mut out = std::io::stdout().lock();
    out.write_all(stdout)
        .context("cannot write the manifests to stdout")?;
    out.flush()
        .context("cannot write the manifests to stdout")?;
    Ok(0)
}

/// The stderr of a passing check: one summary line, then every warning
/// and note (Argo CD writes it to the sidecar log).
fn success_message(report: &Report, found: &Located) -> String {
    let findings: Vec<_> = report
        .diagnostics
        .iter()
        .filter(|d| d.severity != Severity::Error)
        .collect();
    let warnings = findings
        .iter()
        .filter(|d| d.severity == Severity::Warning)
        .count();
    let notes = findings.len() - warnings;
    let mut out = format!(
        "revguard: the Alembic migration graph {} is OK: {} revision{}, head {}; {warnings} warning{}, {notes} note{}.",
        match locate::display(&found.root, &found.project).as_str() {
            "." => "at the repository root".to_string(),
            dir => format!("in {dir}"),
        },
        report.revisions.len(),
        if report.revisions.len() == 1 { "" } else { "s" },
        if report.heads.is_empty() {
            "none".to_string()
        } else {
            report.heads.join(", ")
        },
        if warnings == 1 { "" } else { "s" },
        if notes == 1 { "" } else { "s" },
    );
    for d in &findings {
        let label = d.labels.iter().find(|l| l.primary).or(d.labels.first());
        let at = label
            .map(|l| {
                format!(
                    " ({}:{})",
                    display_path(&l.path, found.project.as_path(), &found.root),
                    l.start.line
                )
            })
            .unwrap_or_default();
        let severity = if d.severity == Severity::Warning {
            "warning"
        } else {
            "note"
        };
        out.push_str(&format!(
            "\n{severity}[{}] {}: {}{at}",
            d.code,
            d.check,
            clean(&d.message)
        ));
    }
    out
}

/// The short stderr text Argo CD shows as the ComparisonError: what is
/// wrong, in which files, how to fix it.
fn failure_message(report: &Report, found: &Located) -> String {
    let errors: Vec<_> = report
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .collect();
    // Only deploy-safety errors (its `block` policy): the graph is fine.
    let unsafe_only = errors
        .iter()
        .all(|d| d.code == revguard_core::checks::CheckId::DeploySafety.info().code);
    let mut out = format!(
        "revguard: the Alembic {} {} ({} error{}); manifests were not generated.",
        if unsafe_only {
            "migrations"
        } else {
            "migration graph"
        },
        match (
            locate::display(&found.root, &found.project).as_str(),
            unsafe_only
        ) {
            (".", false) => "at the repository root is broken".to_string(),
            (dir, false) => format!("in {dir} is broken"),
            (".", true) => "at the repository root are not deploy-safe".to_string(),
            (dir, true) => format!("in {dir} are not deploy-safe"),
        },
        errors.len(),
        if errors.len() == 1 { "" } else { "s" }
    );
    push_errors(&mut out, &errors, found, false, "revguard check");
    out
}

/// Append each error (the first [`MAX_ERRORS_SHOWN`]) to a failure
/// message: its code, check and message, its files and lines, its notes
/// when `with_notes`, its help; then how many more there are and the local
/// `command` that shows them all.
fn push_errors(
    out: &mut String,
    errors: &[&revguard_core::report::Diagnostic],
    found: &Located,
    with_notes: bool,
    command: &str,
) {
    use std::fmt::Write as _;
    for d in errors.iter().take(MAX_ERRORS_SHOWN) {
        let _ = write!(
            out,
            "\nerror[{}] {}: {}",
            d.code,
            d.check,
            clean(&d.message)
        );
        let mut labels: Vec<_> = d.labels.iter().filter(|l| l.primary).collect();
        labels.extend(d.labels.iter().filter(|l| !l.primary));
        for label in labels.iter().take(MAX_LABELS_SHOWN) {
            let path = display_path(&label.path, found.project.as_path(), &found.root);
            let _ = write!(out, "\n  --> {path}:{}", label.start.line);
        }
        if with_notes {
            for note in &d.notes {
                let _ = write!(out, "\n  note: {}", clean(note));
            }
        }
        if let Some(help) = &d.help {
            let _ = write!(out, "\n  help: {}", clean(help));
        }
    }
    if errors.len() > MAX_ERRORS_SHOWN {
        let _ = write!(
            out,
            "\n… and {} more; run `{command}` locally for the full report.",
            errors.len() - MAX_ERRORS_SHOWN
        );
    }
}

/// Drop control characters (except newlines) from text bound for the UI.
fn clean(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() && c != '\n' { ' ' } else { c })
        .collect()
}
