//! `gen-corpus`: write a generated Alembic project for benchmarks.
//!
//! ```text
//! cargo run --release --example gen-corpus -- N DIR [--seed S] [--linear]
//!     [--branch-every K] [--no-labels] [--depends-on PCT]
//!     [--fault duplicate|missing-parent|cycle]...
//! ```
//!
//! The project is `DIR/alembic.ini`, `DIR/alembic/{env.py,script.py.mako}`
//! and `DIR/alembic/versions/*.py`, ready for both `revguard check DIR` and
//! `alembic heads` (run in `DIR`). See `revguard_test_support::corpus`
//! (`tests/support/src/corpus.rs`).

use revguard_test_support::corpus;

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("gen-corpus: {message}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let mut positional = Vec::new();
    let mut seed = 1u64;
    let mut linear = false;
    let mut branch_every = None;
    let mut labels = true;
    let mut depends_on = None;
    let mut faults = Vec::new();
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--seed" => {
                seed = value("--seed")?
                    .parse()
                    .map_err(|e| format!("--seed: {e}"))?
            }
            "--linear" => linear = true,
            "--branch-every" => {
                branch_every = Some(
                    value("--branch-every")?
                        .parse()
                        .map_err(|e| format!("--branch-every: {e}"))?,
                )
            }
            "--no-labels" => labels = false,
            "--depends-on" => {
                depends_on = Some(
                    value("--depends-on")?
                        .parse()
                        .map_err(|e| format!("--depends-on: {e}"))?,
                )
            }
            "--fault" => {
                let name = value("--fault")?;
                faults.push(corpus::Fault::parse(&name).ok_or(format!("unknown fault {name}"))?)
            }
            other if other.starts_with("--") => return Err(format!("unknown option {other}")),
            _ => positional.push(arg),
        }
    }
    let [n, dir] = positional.as_slice() else {
        return Err("usage: gen-corpus N DIR [options]".into());
    };
    let n: usize = n.parse().map_err(|e| format!("N: {e}"))?;
    let mut options = if linear {
        corpus::CorpusOptions::linear(n, seed)
    } else {
        corpus::CorpusOptions::realistic(n, seed)
    };
    if let Some(k) = branch_every {
        options.branch_every = k;
    }
    options.labels &= labels;
    if let Some(p) = depends_on {
        options.depends_on_pct = p;
    }
    options.faults = faults;
    let files = corpus::generate(&options);
    let dir = PathBuf::from(dir);
    corpus::write_project(&dir, &files).map_err(|e| format!("{}: {e}", dir.display()))?;
    let bytes: usize = files.iter().map(|f| f.bytes.len()).sum();
    eprintln!(
        "gen-corpus: {} files, {} bytes in {}",
        files.len(),
        bytes,
        dir.join("alembic/versions").display()
    );
    Ok(())
}
