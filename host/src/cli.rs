//! Command-line interface: clap definitions and dispatch.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand, ValueEnum};
use revguard_core::python::{PythonTarget, PythonVersion};
use revguard_core::report::AlembicErrorKind;
use revguard_core::{Policy, Report};

use crate::engine::{self, EngineKind};
use crate::project::{self, DiscoverOptions, Project};
use crate::render::{self, Format};
use crate::{argocd, config, database, history, krm, repair, sandbox};

/// Stops broken Alembic migration histories before they deploy.
///
/// revguard reads migration files as data (it never runs Python), rebuilds
/// the revision graph exactly as Alembic does, and reports the root cause:
/// duplicate ids, multiple heads, missing parents, cycles and more.
#[derive(Debug, Parser)]
#[command(name = "revguard", version, about, long_about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
    #[command(flatten)]
    engine: EngineArgs,
}

/// Where and how the core runs.
#[derive(Debug, Args, Clone)]
pub struct EngineArgs {
    /// Run the core in the WebAssembly sandbox (default) or natively.
    #[arg(long, global = true, value_enum, default_value_t = EngineKind::Wasm)]
    pub engine: EngineKind,
    /// CPU budget of the sandbox, in seconds.
    #[arg(long, global = true, default_value_t = 5.0, value_name = "SECONDS")]
    pub timeout: f64,
    /// Memory cap of the sandbox, in MiB (per guest instance).
    #[arg(long, global = true, default_value_t = 512, value_name = "MIB")]
    pub max_memory: u64,
    /// Workers for the per-file phase (parse and validate each file);
    /// 0 means one per core. The report is the same for every value.
    #[arg(long, global = true, default_value_t = 0, value_name = "N")]
    pub jobs: usize,
    /// Do not read or write the per-file result cache
    /// ($REVGUARD_CACHE_DIR, else $XDG_CACHE_HOME/revguard).
    #[arg(long, global = true)]
    pub no_cache: bool,
}

impl EngineArgs {
    /// The engine the flags describe.
    pub fn engine(&self) -> Result<engine::Engine> {
        let mut engine = engine::Engine::new(self.engine, self.limits()?);
        if self.jobs > 0 {
            engine.jobs = self.jobs;
        }
        engine.cache = !self.no_cache;
        Ok(engine)
    }

    /// Sandbox limits from the flags.
    pub fn limits(&self) -> Result<sandbox::Limits> {
        if !(self.timeout.is_finite() && self.timeout > 0.0) {
            bail!("--timeout must be a positive number of seconds");
        }
        if self.max_memory == 0 {
            bail!("--max-memory must be at least 1 MiB");
        }
        Ok(sandbox::Limits {
            timeout: Duration::from_secs_f64(self.timeout),
            max_memory_bytes: self.max_memory.saturating_mul(1 << 20),
        })
    }
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check a project's migration graph (the main job).
    Check(CheckArgs),
    /// Print the heads, as `alembic heads` would (also where Alembic crashes).
    Heads(HeadsArgs),
    /// Print a check's documentation, or list every check (`explain fix`:
    /// what `revguard fix` will and will not do).
    Explain {
        /// A check name (`duplicate-revision`) or code (`RG101`), or `fix`.
        check: Option<String>,
    },
    /// Print the revision graph (DOT, Mermaid or JSON).
    Graph(GraphArgs),
    /// Print the JSON Schema of the report (`--format json`).
    Schema,
    /// ArgoCD config-management plugin commands.
    #[command(subcommand)]
    Argocd(argocd::ArgocdCommand),
    /// KRM function: ResourceList in on stdin, ResourceList with results out.
    Krm(krm::KrmArgs),
    /// Write the lock file (`revguard.lock` next to the script location):
    /// the applied history that `revguard check` verifies.
    Lock(LockArgs),
    /// Repair duplicate ids, stale re-dated copies, multiple heads and
    /// mistyped parents: prints a diff, or applies it atomically with
    /// `--write`, only when the check passes on the fixed copy.
    Fix(FixArgs),
}

#[derive(Debug, Args)]
struct LockArgs {
    #[command(flatten)]
    project: ProjectArgs,
    /// Do not write: exit 1 when the lock is missing or out of date.
    #[arg(long)]
    check: bool,
}

#[derive(Debug, Args)]
struct FixArgs {
    #[command(flatten)]
    project: ProjectArgs,
    /// Apply the changes (default: print them as a unified diff).
    #[arg(long)]
    write: bool,
    /// For a duplicated id: the copy that was applied (kept as is).
    #[arg(long, value_name = "FILE")]
    keep: Vec<String>,
    /// For a `down_revision` naming a missing revision: the revision to
    /// write instead (`ID`, or `MISSING=ID` when several are missing).
    #[arg(long, value_name = "ID")]
    parent: Vec<String>,
}

/// History inputs of `check`.
#[derive(Debug, Args, Clone, Default)]
pub struct HistoryArgs {
    /// The revision the target database is at: reports a revision missing
    /// from the files, migrations that would be skipped, and what
    /// `upgrade head` will run.
    #[arg(long, value_name = "REV")]
    pub deployed: Option<String>,
    /// Compare with the migrations at this git ref (e.g. `origin/main`):
    /// catches rewritten history without a lock file.
    #[arg(long, value_name = "GITREF")]
    pub base: Option<String>,
    /// Read the deployed state from this database's version table, read-only
    /// (SQLAlchemy URL: `postgresql://user:pass@host/db`, `sqlite:///app.db`;
    /// `from-config` reads `sqlalchemy.url` from alembic.ini). The password
    /// is never printed.
    #[arg(
        long,
        value_name = "URL",
        env = "REVGUARD_DATABASE_URL",
        hide_env_values = true,
        conflicts_with = "deployed"
    )]
    pub database_url: Option<String>,
    /// The version table's name (Alembic's `version_table`).
    #[arg(long, value_name = "NAME", default_value = "alembic_version")]
    pub version_table: String,
    /// The version table's schema (Alembic's `version_table_schema`).
    #[arg(long, value_name = "SCHEMA")]
    pub version_table_schema: Option<String>,
    /// Connect and statement timeout for --database-url, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 10.0)]
    pub database_timeout: f64,
}

/// Where the project is and how to read it.
#[derive(Debug, Args, Clone)]
pub struct ProjectArgs {
    /// A project directory (with alembic.ini or pyproject.toml), an ini/TOML
    /// file, or a bare versions directory.
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// The ini section to read (like `alembic -n`).
    #[arg(short = 'n', long = "name", default_value = "alembic")]
    pub name: String,
    /// Graph policy (overrides configuration).
    #[arg(long, value_enum)]
    pub policy: Option<PolicyArg>,
    /// The Python that imports the migrations, e.g. 3.12 (overrides
    /// configuration, `requires-python` and `.python-version`; default 3.10).
    #[arg(long, value_name = "VERSION")]
    pub python_version: Option<PythonVersion>,
    /// Largest migration file read, in bytes.
    #[arg(long, default_value_t = DiscoverOptions::default().max_file_bytes, value_name = "BYTES")]
    pub max_file_size: u64,
    /// Largest total read, in bytes.
    #[arg(long, default_value_t = DiscoverOptions::default().max_total_bytes, value_name = "BYTES")]
    pub max_total_size: u64,
    /// Most files under the version locations.
    #[arg(long, default_value_t = DiscoverOptions::default().max_files, value_name = "N")]
    pub max_files: usize,
}

/// `--policy` values.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum PolicyArg {
    /// Exactly one head: `alembic upgrade head` must work.
    SingleHead,
    /// No branches and no merges.
    Linear,
    /// One head per labelled branch.
    Branches,
}

impl From<PolicyArg> for Policy {
    fn from(p: PolicyArg) -> Self {
        match p {
            PolicyArg::SingleHead => Policy::SingleHead,
            PolicyArg::Linear => Policy::Linear,
            PolicyArg::Branches => Policy::Branches,
        }
    }
}

#[derive(Debug, Args)]
struct CheckArgs {
    #[command(flatten)]
    project: ProjectArgs,
    #[command(flatten)]
    history: HistoryArgs,
    /// Output format (default: human; github under GitHub Actions).
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// Colour: auto (a terminal without NO_COLOR), always, never.
    #[arg(long, value_enum, default_value_t = ColorArg::Auto)]
    color: ColorArg,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ColorArg {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Args)]
struct HeadsArgs {
    #[command(flatten)]
    project: ProjectArgs,
    /// Real heads, counting depends_on (like `alembic heads --resolve-dependencies`).
    #[arg(long)]
    resolve_dependencies: bool,
}

#[derive(Debug, Args)]
struct GraphArgs {
    #[command(flatten)]
    project: ProjectArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = GraphFormatArg::Dot)]
    format: GraphFormatArg,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum GraphFormatArg {
    Dot,
    Mermaid,
    Json,
}

/// Run the parsed command line; returns the exit code.
pub fn run(cli: Cli) -> Result<u8> {
    match cli.command {
        Command::Check(args) => check(&args, &cli.engine),
        Command::Heads(args) => heads(&args, &cli.engine),
        Command::Explain { check } => explain(check.as_deref()),
        Command::Graph(args) => {
            let (_, report) = load_and_check(&args.project, &cli.engine)?;
            let format = match args.format {
                GraphFormatArg::Dot => render::graph::GraphFormat::Dot,
                GraphFormatArg::Mermaid => render::graph::GraphFormat::Mermaid,
                GraphFormatArg::Json => render::graph::GraphFormat::Json,
            };
            print(&render::graph::render(&report, format))?;
            Ok(0)
        }
        Command::Schema => {
            print(&render::schema::render())?;
            Ok(0)
        }
        Command::Argocd(command) => Ok(exit_code(argocd::run(&command))),
        Command::Krm(args) => Ok(exit_code(krm::run(&args))),
        Command::Lock(args) => {
            let project = load_project(&args.project)?;
            let report = cli.engine.engine()?.run(&project.request)?;
            if report.has_errors() {
                let graph_errors: Vec<String> = report
                    .diagnostics
                    .iter()
                    .filter(|d| {
                        d.severity == revguard_core::Severity::Error
                            && revguard_core::checks::find(&d.check)
                                .is_some_and(|c| c.group == revguard_core::checks::Group::Graph)
                    })
                    .map(|d| format!("  {}: {}", d.check, d.message))
                    .collect();
                if !graph_errors.is_empty() {
                    bail!(
                        "cannot lock a broken graph; fix it first (`revguard fix`, `revguard check`):\n{}",
                        graph_errors.join("\n")
                    );
                }
            }
            repair::lock(&project, args.check)
        }
        Command::Fix(args) => {
            let project = load_project(&args.project)?;
            repair::fix(
                &project,
                &repair::FixOptions {
                    write: args.write,
                    keep: args.keep,
                    parent: args.parent,
                },
            )
        }
    }
}

fn exit_code(code: i32) -> u8 {
    u8::try_from(code).unwrap_or(2)
}

pub(crate) fn print(text: &str) -> Result<()> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .context("cannot write to stdout")?;
    stdout.flush().context("cannot write to stdout")
}

/// Discover the project, apply configuration and flags, and check it.
pub fn load_and_check(args: &ProjectArgs, engine_args: &EngineArgs) -> Result<(Project, Report)> {
    if engine_args.engine == EngineKind::Wasm {
        // Load the guest while the project is read (sandbox.rs).
        sandbox::prewarm();
    }
    let project = load_project(args)?;
    let report = engine_args.engine()?.run(&project.request)?;
    Ok((project, report))
}

/// Discover the project, apply configuration and flags, and attach its lock
/// file (when there is one).
pub fn load_project(args: &ProjectArgs) -> Result<Project> {
    let options = DiscoverOptions {
        name: args.name.clone(),
        max_file_bytes: args.max_file_size,
        max_total_bytes: args.max_total_size,
        max_files: args.max_files,
        root: None,
        display_base: std::env::current_dir().ok(),
    };
    let mut project = project::discover(&args.path, &options)?;
    if let Some(config) = config::load(&project.dir)? {
        config.apply(&mut project.request.options);
    }
    if let Some(policy) = args.policy {
        project.request.options.policy = policy.into();
    }
    if let Some(version) = args.python_version {
        project.request.options.python = PythonTarget {
            version,
            source: "--python-version".into(),
        };
    }
    history::attach_lock(&mut project)?;
    Ok(project)
}

fn check(args: &CheckArgs, engine_args: &EngineArgs) -> Result<u8> {
    let mut project = load_project(&args.project)?;
    project.request.options.history.deployed = args.history.deployed.clone();
    if let Some(base) = &args.history.base {
        history::attach_base(&mut project, base)?;
    }
    if let Some(url) = &args.history.database_url {
        attach_database(&mut project, &args.project, &args.history, url)?;
    }
    let report = engine_args.engine()?.run(&project.request)?;
    let format = args.format.unwrap_or_else(|| {
        if std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true") {
            Format::Github
        } else {
            Format::Human
        }
    });
    let color = match args.color {
        ColorArg::Always => true,
        ColorArg::Never => false,
        ColorArg::Auto => {
            std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    };
    let text = match format {
        Format::Human => render::human::render(&report, &project, color),
        Format::Json => render::json::render(&report),
        Format::Sarif => render::sarif::render(&report),
        Format::Github => render::github::render(&report),
        Format::Gitlab => render::gitlab::render(&report),
        Format::Junit => render::junit::render(&report, &project.request.options),
    };
    print(&text)?;
    Ok(u8::from(report.has_errors()))
}

/// Read the version table and put its rows into the request.
fn attach_database(
    project: &mut Project,
    project_args: &ProjectArgs,
    history: &HistoryArgs,
    url: &str,
) -> Result<()> {
    let seconds = history.database_timeout;
    if !(seconds.is_finite() && seconds > 0.0 && seconds <= 3600.0) {
        bail!("--database-timeout must be between 0 and 3600 seconds");
    }
    let url = if url == "from-config" {
        database::url_from_config(&project_args.path, &project_args.name)?
    } else {
        url.to_owned()
    };
    let options = database::ReadOptions {
        table: history.version_table.clone(),
        schema: history.version_table_schema.clone(),
        timeout: Duration::from_secs_f64(seconds),
    };
    project.request.options.history.database = Some(database::read(&url, &options)?);
    Ok(())
}

fn heads(args: &HeadsArgs, engine_args: &EngineArgs) -> Result<u8> {
    let (_, report) = load_and_check(&args.project, engine_args)?;
    let list = if args.resolve_dependencies {
        &report.real_heads
    } else {
        &report.heads
    };
    let mut out = String::new();
    for id in list {
        out.push_str(&heads_line(&report, id));
        out.push('\n');
    }
    print(&out)?;
    let Some(error) = &report.alembic.error else {
        return Ok(0);
    };
    let mut stderr = std::io::stderr().lock();
    let message = error.messages.first().map(String::as_str).unwrap_or("");
    let _ = if error.kind == AlembicErrorKind::Unknown {
        writeln!(
            stderr,
            "revguard: note: revguard cannot tell whether Alembic loads these files ({message}); run `revguard check` for details"
        )
    } else {
        writeln!(
            stderr,
            "revguard: note: `alembic heads` would fail on these files ({}: {message}); the heads above are what can be known statically; run `revguard check` for the cause",
            error.kind
        )
    };
    Ok(heads_exit_code(error.kind, args.resolve_dependencies))
}

/// What `alembic heads` exits with when loading fails: plain `heads` reads
/// the head list outside Alembic's error wrapper, so every failure is a
/// traceback and exit 1; with `--resolve-dependencies` the revision-map
/// errors (cycles, label clashes, …) become `FAILED:` and exit 255.
fn heads_exit_code(kind: AlembicErrorKind, resolve_dependencies: bool) -> u8 {
    let wrapped = matches!(
        kind,
        AlembicErrorKind::RevisionError
            | AlembicErrorKind::CycleDetected
            | AlembicErrorKind::DependencyCycleDetected
            | AlembicErrorKind::LoopDetected
            | AlembicErrorKind::DependencyLoopDetected
            | AlembicErrorKind::CommandError
    );
    if resolve_dependencies && wrapped {
        255
    } else {
        1
    }
}

/// One line of `alembic heads`: the id (looked up through the map, so a
/// phantom shows its surviving copy), labels, and `(head)` or
/// `(effective head)`.
fn heads_line(report: &Report, id: &str) -> String {
    use revguard_core::report::Mark;
    let Some(rev) = report
        .revisions
        .iter()
        .rev()
        .find(|r| r.id == id && !r.shadowed)
    else {
        return id.to_owned();
    };
    let mut labels: Vec<String> = rev.branch_labels.clone();
    // Labels propagate to every descendant; heads inherit their ancestors'.
    let mut stack: Vec<&str> = rev.down_revisions.iter().map(String::as_str).collect();
    let mut seen = std::collections::HashSet::new();
    while let Some(parent) = stack.pop() {
        if !seen.insert(parent) {
            continue;
        }
        if let Some(p) = report
            .revisions
            .iter()
            .rev()
            .find(|r| r.id == parent && !r.shadowed)
        {
            labels.extend(p.branch_labels.iter().cloned());
            stack.extend(p.down_revisions.iter().map(String::as_str));
        }
    }
    labels.sort();
    labels.dedup();
    let mut line = rev.id.clone();
    if !labels.is_empty() {
        line.push_str(&format!(" ({})", labels.join(", ")));
    }
    if rev.marks.contains(&Mark::Head) {
        line.push_str(" (head)");
    } else if rev.marks.contains(&Mark::EffectiveHead) {
        line.push_str(" (effective head)");
    }
    line
}

fn explain(check: Option<&str>) -> Result<u8> {
    match check {
        None => {
            let mut out = String::new();
            for info in revguard_core::checks::registry() {
                let summary = info
                    .docs
                    .lines()
                    .map(str::trim)
                    .find(|l| !l.is_empty() && !l.starts_with('#'))
                    .unwrap_or("");
                out.push_str(&format!(
                    "{:<6} {:<24} {:<8} {}\n",
                    info.code,
                    info.name,
                    info.severity.as_str(),
                    summary
                ));
            }
            out.push_str("\n`revguard explain fix`: what `revguard fix` will and will not do\n");
            print(&out)?;
            Ok(0)
        }
        Some(name) if name.eq_ignore_ascii_case("fix") => {
            print(revguard_core::fix::DOCS)?;
            Ok(0)
        }
        Some(name) => {
            let Some(info) = revguard_core::checks::find(name) else {
                bail!("unknown check `{name}`; run `revguard explain` for the list");
            };
            let docs: String = info
                .docs
                .lines()
                .map(|l| l.strip_prefix(' ').unwrap_or(l))
                .collect::<Vec<_>>()
                .join("\n");
            print(&format!(
                "# {} ({})\n\nDefault severity: {}\n\n{}\n",
                info.name,
                info.code,
                info.severity.as_str(),
                docs.trim()
            ))?;
            Ok(0)
        }
    }
}
