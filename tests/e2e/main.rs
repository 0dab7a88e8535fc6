//! End-to-end tests of the `revguard` binary: exit codes, what users see
//! (insta snapshots), JSON output, heads, explain, bad input.

mod cli;
mod support;
