//! Django: the reader of one migration module ([`mod@read`]) and the graph
//! Django's `MigrationLoader` builds from every app's migrations ([`graph`]).
//! The rules, with the places in Django's source they come from, are in
//! `docs/django-semantics.md`.

pub mod graph;
pub mod history;
pub mod locate;
pub mod lock;
pub mod merge;
pub mod operations;
pub mod read;
pub mod view;
pub mod wire;

pub use graph::{App, DjangoError, Key, Loaded, Migration, Project, Shape, load};
pub use history::{BaseInput, HistoryFinding, HistoryInput};
pub use read::{MigrationFacts, Reference, read, read_given, read_graph};
pub use view::{CHECKS, Drawing, NodeKind, View};
