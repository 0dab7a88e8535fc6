//! End-to-end tests of the `revguard` binary: exit codes, what users see
//! (insta snapshots), JSON output, heads, explain, bad input.

mod cli;

use std::path::Path;
use std::process::Output;

use revguard_test_support as support;

pub use support::fs::temp_tree as project;
pub use support::{stderr, stdout};

/// `revguard <args>` run from the repository root.
pub fn revguard(args: &[&str]) -> Output {
    revguard_in(&support::repo(), args)
}

/// `revguard <args>` run from `dir`.
pub fn revguard_in(dir: &Path, args: &[&str]) -> Output {
    support::cli::run(dir, args, &[])
}
