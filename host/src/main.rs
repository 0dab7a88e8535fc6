//! revguard: stops broken Alembic migration histories before they deploy.
//!
//! The binary discovers the project, reads the migration files, runs the core
//! in the wasmtime sandbox (or natively with `--engine native`) and renders
//! the report. Exit codes: 0 no error-level finding, 1 error-level findings,
//! 2 the tool could not do its job.

mod argocd;
mod cli;
mod config;
mod database;
mod engine;
mod history;
mod ini;
mod krm;
mod parallel;
mod project;
mod python_version;
mod render;
mod repair;
mod result_cache;
mod sandbox;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    match cli::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            if is_broken_pipe(&err) {
                return ExitCode::SUCCESS;
            }
            let mut stderr = std::io::stderr().lock();
            let _ = writeln!(stderr, "revguard: error: {err:#}");
            ExitCode::from(2)
        }
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
