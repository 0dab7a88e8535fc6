//! Migration tools other than Alembic ("dialects", ADR 0003): each is a
//! per-file reader and the tool's own semantics over plain data. Alembic's
//! reader and semantics still live in `parse`, `load` and `graph`; they move
//! here as the shared model grows (see `docs/adr/0003-dialects.md`).

pub mod django;
pub mod sql;
