//! The `revguard` host: everything the `revguard` binary does, as a library.
//!
//! The binary (`main.rs`) parses the command line into a [`Cli`], calls
//! [`run`] and turns the result into an exit code; the test suites and the
//! benchmarks use the modules directly (the sandbox, the engines, project
//! discovery). The pieces, in the order a check goes through them:
//!
//! - [`cli`]: the clap definitions (no behaviour);
//! - [`project`], [`config`], [`history`], [`database`]: discover the Alembic
//!   project, read its files, configuration, lock file, git history and
//!   database state into a core request;
//! - [`engine`] and [`sandbox`]: run the core, in wasmtime (default) or
//!   natively;
//! - [`render`]: the report as text (human, JSON, SARIF, …);
//! - [`repair`]: `revguard lock` and `revguard fix`, the commands that write,
//!   every write through [`atomic_write`];
//! - [`argocd`] and [`krm`]: the Argo CD plugin and the KRM function.
//!
//! Exit codes: 0 no error-level finding, 1 error-level findings, 2 the tool
//! could not do its job (any `Err` from [`run`]).

pub mod argocd;
pub mod atomic_write;
pub mod cli;
mod commands;
pub mod config;
pub mod database;
pub mod detect;
pub mod django;
pub mod engine;
pub mod history;
mod ini;
pub mod krm;
mod output;
pub mod parallel;
pub mod project;
mod python_version;
pub mod render;
pub mod repair;
pub mod result_cache;
pub mod safety;
pub mod sandbox;
pub mod sql_tools;

pub use cli::Cli;
pub use commands::{load_and_check, load_project, run};
