//! Writing a command's result to stdout.

use std::io::Write;

use anyhow::{Context, Result};

/// Write `text` to stdout and flush it. A closed pipe is an error whose
/// cause is the `BrokenPipe` I/O error, which the binary turns into a quiet
/// exit.
pub fn print(text: &str) -> Result<()> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .context("cannot write to stdout")?;
    stdout.flush().context("cannot write to stdout")
}
