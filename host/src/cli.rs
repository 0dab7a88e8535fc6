//! The command line: clap definitions only.
//!
//! What each subcommand does lives in `commands`; this module neither runs
//! anything nor depends on the modules that do (`repair`, `render`, …), so
//! the definitions can be read, and reused by another front end, on their
//! own.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Result, bail};
use clap::{Args, Parser, Subcommand, ValueEnum};
use revguard_core::Policy;
use revguard_core::python::PythonVersion;

use crate::engine::{self, EngineKind};
use crate::project::DiscoverOptions;
use crate::render::Format;
use crate::{argocd, krm, sandbox};

/// Stops broken Alembic migration histories before they deploy.
///
/// revguard reads migration files as data (it never runs Python), rebuilds
/// the revision graph exactly as Alembic does, and reports the root cause:
/// duplicate ids, multiple heads, missing parents, cycles and more.
#[derive(Debug, Parser)]
#[command(name = "revguard", version, about, long_about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    #[command(flatten)]
    pub engine: EngineArgs,
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
    /// Do not read or write the per-file result cache or the compiled
    /// guest ($REVGUARD_CACHE_DIR, else $XDG_CACHE_HOME/revguard).
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

// The subcommands (each variant's doc comment is its help text).
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check a project's migration graph (the main job).
    Check(CheckArgs),
    /// Print the heads, as `alembic heads` would (also where Alembic crashes);
    /// for Django, every app's leaf migrations.
    Heads(HeadsArgs),
    /// Print a check's documentation, or list every check (`explain fix`:
    /// what `revguard fix` will and will not do).
    Explain {
        /// A check name (`duplicate-revision`) or code (`RG101`), or `fix`.
        check: Option<String>,
        /// Only this migration tool's page of the check (without it: every
        /// tool's page the check has).
        #[arg(long, value_enum)]
        dialect: Option<DialectArg>,
    },
    /// Print the revision graph (DOT, Mermaid or JSON); for Django, the
    /// migration graph with one cluster per app.
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
pub struct LockArgs {
    #[command(flatten)]
    pub project: ProjectArgs,
    /// Do not write: exit 1 when the lock is missing or out of date.
    #[arg(long)]
    pub check: bool,
    /// The migration tool (overrides `dialect` in configuration; default
    /// alembic). A Django project's lock is `revguard.lock` at its root; for
    /// a SQL-file tool the lock records the checksum the tool itself stores
    /// for each migration.
    #[arg(long, value_enum)]
    pub dialect: Option<DialectArg>,
    /// Django's `AUTH_USER_MODEL` (overrides `[django] user-model`).
    #[arg(long, value_name = "APP.MODEL")]
    pub user_model: Option<String>,
}

#[derive(Debug, Args)]
pub struct FixArgs {
    #[command(flatten)]
    pub project: ProjectArgs,
    /// Apply the changes (default: print them as a unified diff).
    #[arg(long)]
    pub write: bool,
    /// For a duplicated id: the copy that was applied (kept as is).
    #[arg(long, value_name = "FILE")]
    pub keep: Vec<String>,
    /// For a `down_revision` naming a missing revision: the revision to
    /// write instead (`ID`, or `MISSING=ID` when several are missing).
    #[arg(long, value_name = "ID")]
    pub parent: Vec<String>,
    /// The migration tool (overrides `dialect` in configuration; default
    /// alembic). For Django, fix writes the merge migration of every app
    /// with several leaves.
    #[arg(long, value_enum)]
    pub dialect: Option<DialectArg>,
    /// Django's `AUTH_USER_MODEL` (overrides `[django] user-model`).
    #[arg(long, value_name = "APP.MODEL")]
    pub user_model: Option<String>,
}

/// `--deploy-safety` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SafetyModeArg {
    /// Safety findings are warnings.
    Warn,
    /// Safety warnings are errors: they fail the check.
    Block,
    /// No deploy-safety lint.
    Off,
}

impl From<SafetyModeArg> for revguard_core::safety::Mode {
    fn from(mode: SafetyModeArg) -> Self {
        match mode {
            SafetyModeArg::Warn => revguard_core::safety::Mode::Warn,
            SafetyModeArg::Block => revguard_core::safety::Mode::Block,
            SafetyModeArg::Off => revguard_core::safety::Mode::Off,
        }
    }
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

#[derive(Debug, Args, Clone)]
pub struct CheckArgs {
    #[command(flatten)]
    pub project: ProjectArgs,
    #[command(flatten)]
    pub history: HistoryArgs,
    /// Output format (default: human; github under GitHub Actions).
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Colour: auto (a terminal without NO_COLOR), always, never.
    #[arg(long, value_enum, default_value_t = ColorArg::Auto)]
    pub color: ColorArg,
    /// The migration tool (overrides `dialect` in configuration; default
    /// alembic).
    #[arg(long, value_enum)]
    pub dialect: Option<DialectArg>,
    /// Django's `AUTH_USER_MODEL`, which `swappable_dependency` resolves
    /// through (overrides `[django] user-model`; default auth.User).
    #[arg(long, value_name = "APP.MODEL")]
    pub user_model: Option<String>,
    /// The deploy-safety policy (overrides `[safety] blocking`): warn
    /// (findings are warnings, the default), block (they fail the check) or
    /// off (no lint).
    #[arg(long, value_enum, value_name = "MODE")]
    pub deploy_safety: Option<SafetyModeArg>,
}

/// `--dialect` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DialectArg {
    /// Alembic (`alembic.ini`, `versions/`).
    Alembic,
    /// Django (`<app>/migrations/` packages).
    Django,
    /// Flyway (`V<version>__<description>.sql` in its locations).
    Flyway,
    /// golang-migrate (`<version>_<title>.up.sql`/`.down.sql`).
    GolangMigrate,
    /// goose (`<version>_<description>.sql` with `-- +goose Up`).
    Goose,
    /// sqlx (`migrations/<version>_<description>.sql`).
    Sqlx,
    /// dbmate (`db/migrations/<version>_*.sql` with `-- migrate:up`).
    Dbmate,
    /// Prisma Migrate (`prisma/migrations/<name>/migration.sql`).
    Prisma,
}

impl DialectArg {
    /// The SQL-file tool it names, if it names one.
    pub fn sql_tool(self) -> Option<revguard_core::dialect::sql::Tool> {
        use revguard_core::dialect::sql::Tool;
        match self {
            DialectArg::Alembic | DialectArg::Django => None,
            DialectArg::Flyway => Some(Tool::Flyway),
            DialectArg::GolangMigrate => Some(Tool::GolangMigrate),
            DialectArg::Goose => Some(Tool::Goose),
            DialectArg::Sqlx => Some(Tool::Sqlx),
            DialectArg::Dbmate => Some(Tool::Dbmate),
            DialectArg::Prisma => Some(Tool::Prisma),
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ColorArg {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Args)]
pub struct HeadsArgs {
    #[command(flatten)]
    pub project: ProjectArgs,
    /// Real heads, counting depends_on (like `alembic heads --resolve-dependencies`).
    #[arg(long)]
    pub resolve_dependencies: bool,
    #[command(flatten)]
    pub django: DjangoArgs,
}

/// The migration tool, for the commands that read a graph.
#[derive(Debug, Args, Clone)]
pub struct DjangoArgs {
    /// The migration tool (overrides `dialect` in configuration; default
    /// alembic).
    #[arg(long, value_enum)]
    pub dialect: Option<DialectArg>,
    /// Django's `AUTH_USER_MODEL`, which `swappable_dependency` resolves
    /// through (overrides `[django] user-model`; default auth.User).
    #[arg(long, value_name = "APP.MODEL")]
    pub user_model: Option<String>,
}

#[derive(Debug, Args)]
pub struct GraphArgs {
    #[command(flatten)]
    pub project: ProjectArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = GraphFormatArg::Dot)]
    pub format: GraphFormatArg,
    #[command(flatten)]
    pub django: DjangoArgs,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum GraphFormatArg {
    Dot,
    Mermaid,
    Json,
}
