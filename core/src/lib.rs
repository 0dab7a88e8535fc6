//! revguard-core: Alembic's revision-graph semantics, read statically.
//!
//! The core never executes Python and never touches the file system, the
//! environment, a clock or randomness: the host (or the browser) passes file
//! contents in a [`Request`], and [`check`] returns a deterministic [`Report`].
//!
//! Phases, each depending only on the ones before it (and on the leaf
//! modules [`request`], [`policy`], [`python`], [`severity`]):
//! 1. [`parse`]: nom parser for the module-level bindings of `revision`,
//!    `down_revision`, `branch_labels`, `depends_on` and the header docstring
//!    (`docs/grammar.md`); [`syntax`] validates the whole file the way
//!    CPython's `compile()` does for the target [`python`] version.
//! 2. [`load`]: Alembic's file-name filter and load order, which decides
//!    which files are parsed (`docs/alembic-semantics.md`, sections 2 and 3).
//! 3. [`graph`]: Alembic's `RevisionMap` (heads, real heads, bases, phantom
//!    heads from shadowed duplicates, labels, dependencies, cycles) over
//!    petgraph, and the exception Alembic would raise.
//! 4. [`history`]: the lock file, the deployed revision, the base snapshot.
//! 5. [`checks`]: one check per file, each with a stable name and code.
//! 6. [`report`]: the findings and the graph, assembled into the [`Report`],
//!    the one structure every face renders.
//!
//! [`fix`] comes after the checks: it plans repairs and checks the result
//! again.
//!
//! ```
//! use revguard_core::{check, Content, InputFile, Request};
//! let file = |path: &str, text: &str| InputFile {
//!     location: 0,
//!     path: path.into(),
//!     real_path: None,
//!     content: Content::Text(text.into()),
//! };
//! let request = Request {
//!     files: vec![
//!         file("a.py", "revision = 'a'\ndown_revision = None\n"),
//!         file("b.py", "revision = 'b'\ndown_revision = 'a'\n"),
//!     ],
//!     ..Request::default()
//! };
//! let report = check(&request);
//! assert_eq!(report.heads, ["b"]);
//! assert!(!report.has_errors());
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod checks;
pub mod config;
pub mod dialect;
pub mod fix;
pub mod graph;
pub mod history;
pub(crate) mod lexer;
pub mod load;
pub mod model;
pub mod parse;
pub mod policy;
pub mod python;
pub mod report;
pub mod request;
pub mod safety;
pub mod severity;
mod stale;
pub mod syntax;
mod syntax_error;
mod template;
#[cfg(any(test, feature = "testing"))]
#[doc(hidden)]
pub mod testing;
pub mod text;
pub mod wire;

pub use policy::Policy;
pub use report::{Diagnostic, Label, Position, Report, SCHEMA_VERSION, Span};
pub use request::{
    Content, GivenSyntaxError, InputFile, Location, Options, Request, SeverityOverride,
};
pub use severity::Severity;

/// Check a request and build the report.
pub fn check(request: &Request) -> Report {
    let loaded = load::load(request);
    let graph = graph::RevisionGraph::build(&loaded);
    report::build(request, &loaded, &graph)
}

/// Check a request whose per-file phase ran ahead (in parallel guests, or
/// read from the cache): `facts[i]` are the facts of `request.files[i]`, and
/// a file without them is read here. The report is byte-identical to
/// [`check`]'s.
pub fn check_with_facts(request: &Request, facts: Vec<Option<parse::FileFacts>>) -> Report {
    let loaded = load::load_with(request, facts);
    let graph = graph::RevisionGraph::build(&loaded);
    report::build(request, &loaded, &graph)
}

/// Whether a check under these options can do without the bytes of files
/// whose facts it is given: not when it reads history inputs (lock hashes,
/// a base, a database), which read the files themselves. The deploy-safety
/// lint needs no bytes when the facts carry it under the same settings;
/// when they do not, the check asks for the bytes ([`check_without`]).
pub fn may_omit_bytes(options: &request::Options) -> bool {
    options.history.is_empty()
}

/// [`check_with_facts`] where the bytes of the files marked in `omitted`
/// were left out of the request (their facts given instead): the same
/// report, or `None` when the check turned out to need one of those files'
/// text after all (a slice quoted in a message, say); the caller then
/// checks again with the bytes. Labels need no text: the facts carry each
/// file's line table.
pub fn check_without(
    request: &Request,
    facts: Vec<Option<parse::FileFacts>>,
    omitted: &[bool],
) -> Option<Report> {
    if omitted.contains(&true) && !may_omit_bytes(&request.options) {
        return None;
    }
    let loaded = load::load_without(request, facts, omitted);
    if loaded.bytes_missing {
        return None;
    }
    let graph = graph::RevisionGraph::build(&loaded);
    let report = report::build(request, &loaded, &graph);
    let missing = loaded
        .files
        .iter()
        .filter_map(|f| f.module.as_ref())
        .any(parse::ParsedModule::text_missing);
    (!missing).then_some(report)
}

/// The JSON entry point shared by the wasm guest and the browser binding:
/// a serialized [`Request`] in, a serialized [`Report`] out, or
/// `{"error": "..."}` when the request itself is malformed.
pub fn check_json(request: &[u8]) -> Vec<u8> {
    match serde_json::from_slice::<Request>(request) {
        Ok(request) => to_json(&check(&request)),
        Err(err) => {
            let error = serde_json::json!({ "error": format!("invalid request: {err}") });
            serde_json::to_vec(&error).unwrap_or_default()
        }
    }
}

/// Serialise a report the one canonical way (compact JSON).
pub fn to_json(report: &Report) -> Vec<u8> {
    // Serialising plain data with string keys cannot fail.
    serde_json::to_vec(report).unwrap_or_default()
}
