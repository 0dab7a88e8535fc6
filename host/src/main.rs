//! revguard: stops broken Alembic migration histories before they deploy.
//!
//! A thin binary over the `revguard` library: parse the command line, run
//! it, map the result to the exit code (0 no error-level finding, 1
//! error-level findings, 2 the tool could not do its job).

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = revguard::Cli::parse();
    match revguard::run(cli) {
        Ok(code) => ExitCode::from(code),
        // A reader that went away (`revguard check | head`) is not a failure.
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
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
