//! What every revguard test suite shares, as one crate (a dev-dependency of
//! the host, whose test targets are the suites under `tests/`):
//!
//! - [`cli`]: the binary under test, run with a controlled environment;
//! - [`catalogue`]: the check catalogue's fixture projects;
//! - [`cache`]: the isolated compiled-guest cache every run uses (the one
//!   place that sets `REVGUARD_CACHE_DIR`);
//! - [`fs`]: the repository root, temporary projects, tree copies and
//!   snapshots;
//! - [`tools`]: outside tools (git, Python with Alembic, kubectl, …) and the
//!   rule for a missing one: a loud notice and a skip on a developer
//!   machine, a failure when `CI` is set;
//! - [`git`]: git with a fixed identity and no user configuration;
//! - [`generate`]: seeded random Alembic projects (differential and syntax
//!   suites);
//! - [`corpus`]: large realistic histories (benchmarks);
//! - [`scaffold`]: `env.py` and `script.py.mako`, the one copy both
//!   generators write;
//! - [`servers`]: throwaway PostgreSQL and MariaDB servers.
//!
//! A suite uses it as `use revguard_test_support as support;`. Nothing here
//! knows about a particular suite: a helper only one suite needs stays in
//! that suite.

pub mod cache;
pub mod catalogue;
pub mod cli;
pub mod corpus;
pub mod fs;
pub mod generate;
pub mod git;
pub mod scaffold;
pub mod servers;
pub mod tools;

pub use cli::{code, revguard, stderr, stdout};
pub use fs::repo;
