//! The binding's own plain data: what JavaScript passes in and gets back.
//!
//! The output is the core's report, field for field (the same snake_case
//! names and the same values as the CLI's `--format json`), with two changes
//! made for editors and TypeScript:
//!
//! - every label position also carries a UTF-16 column and offset
//!   ([`PositionDto`]);
//! - optional fields are always present, as `null` (and a diagnostic's
//!   `notes` as `[]`), instead of being omitted.
//!
//! Where the core's JSON already has that shape (revisions with their edges,
//! Alembic's error, the summary, every enumeration) the core's own type is
//! used, so it cannot drift; the structs here exist only where a field
//! differs. The TypeScript declarations (`wasm/web/types.d.ts`) are
//! generated from these types (`typescript.rs`, feature `typescript`). The
//! host's `formats` suite fails when that file is stale, or when this
//! report, with the two changes above undone, is not exactly the core's.

use std::collections::BTreeMap;
use std::fmt;

use revguard_core as core;
use revguard_core::report;
use serde::{Deserialize, Serialize};

use crate::position::EditorIndex;
pub use crate::position::PositionDto;

// ---------------------------------------------------------------- input

/// What to check: the files of one or more version locations.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct CheckInput {
    /// Display paths of the version locations, in configured order; empty
    /// means one unnamed location.
    #[serde(default)]
    #[cfg_attr(feature = "typescript", ts(as = "Option<_>", optional))]
    pub locations: Vec<String>,
    /// The files, each relative to its location.
    pub files: Vec<FileInput>,
    /// Policy and configuration.
    #[serde(default)]
    #[cfg_attr(feature = "typescript", ts(as = "Option<_>", optional))]
    pub options: OptionsInput,
}

/// One file as text.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct FileInput {
    /// Index into [`CheckInput::locations`].
    #[serde(default)]
    #[cfg_attr(feature = "typescript", ts(as = "Option<_>", optional))]
    pub location: usize,
    /// Path relative to the location, `/`-separated.
    pub path: String,
    /// The file's content.
    pub text: String,
}

/// Options; every field may be left out.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[cfg_attr(feature = "typescript", ts(rename = "CheckOptions", optional_fields = nullable))]
#[serde(deny_unknown_fields, default)]
pub struct OptionsInput {
    /// `single-head` (default), `linear` or `branches`.
    // A string, parsed in `into_request`, for the error message naming the
    // choices; typed as the policy for TypeScript.
    #[cfg_attr(feature = "typescript", ts(as = "Option<core::Policy>"))]
    pub policy: Option<String>,
    /// `recursive_version_locations = true`.
    #[cfg_attr(feature = "typescript", ts(as = "Option<_>", optional))]
    pub recursive: bool,
    /// `sourceless = true`.
    #[cfg_attr(feature = "typescript", ts(as = "Option<_>", optional))]
    pub sourceless: bool,
    /// Alembic's `file_template`.
    pub file_template: Option<String>,
    /// Per-check severity (`off`, `info`, `warning`, `error`), keyed by check
    /// name or code.
    #[cfg_attr(
        feature = "typescript",
        ts(type = "{ [check in string]?: \"off\" | Severity }", optional)
    )]
    pub severity: BTreeMap<String, String>,
    /// The Python the files are compiled as, e.g. `3.12` (default 3.10).
    pub python_version: Option<String>,
    /// Whole-file verdicts from the validator module (`revguard-web-syntax`),
    /// by file index: `null` when the file compiles. This module has no
    /// Python parser of its own; without verdicts only the binding reader's
    /// errors are reported.
    #[cfg_attr(feature = "typescript", ts(as = "Option<_>", optional))]
    pub verdicts: BTreeMap<usize, Option<core::GivenSyntaxError>>,
    /// Deploy-safety lints (`lintAlembic` of the translator's `plans`), by
    /// file index: the lint module's `check` only (the first module, which
    /// has neither Ruff's parser nor squawk, refuses them).
    #[cfg(any(feature = "safety", feature = "typescript"))]
    #[cfg_attr(
        feature = "typescript",
        ts(type = "{ [file in number]?: unknown }", optional)
    )]
    pub lints: BTreeMap<usize, core::safety::SafetyFacts>,
}

/// Why an input could not be turned into a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError(pub String);

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl CheckInput {
    /// The core request for this input (the texts move, they are not copied).
    // `..Options::default()` keeps this compiling as the core gains options
    // (history inputs) that the playground does not offer.
    #[allow(clippy::needless_update)]
    pub fn into_request(self) -> Result<core::Request, InputError> {
        let options = &self.options;
        let policy = match &options.policy {
            Some(name) => name.parse().map_err(InputError)?,
            None => core::Policy::default(),
        };
        let mut severity = BTreeMap::new();
        for (check, level) in &options.severity {
            let value = serde_json::Value::String(level.clone());
            let level = serde_json::from_value(value).map_err(|_| {
                InputError(format!(
                    "severity of '{check}': unknown level '{level}' (expected off, info, warning or error)"
                ))
            })?;
            severity.insert(check.clone(), level);
        }
        if let Some(file) = self
            .files
            .iter()
            .find(|f| f.location >= self.locations.len().max(1))
        {
            return Err(InputError(format!(
                "file '{}': location {} does not exist",
                file.path, file.location
            )));
        }
        let python = match &options.python_version {
            Some(version) => core::python::PythonTarget {
                version: version.parse().map_err(|e| InputError(format!("{e}")))?,
                source: "the playground's Python version".into(),
            },
            None => core::python::PythonTarget::default(),
        };
        Ok(core::Request {
            options: core::Options {
                policy,
                recursive: options.recursive,
                sourceless: options.sourceless,
                file_template: options.file_template.clone(),
                severity,
                python,
                verdicts: options.verdicts.clone(),
                // Linted under the playground's settings, which are the
                // request's (the defaults).
                #[cfg(feature = "safety")]
                lints: options
                    .lints
                    .iter()
                    .map(|(&index, facts)| {
                        let linted = core::safety::Linted {
                            fingerprint: core::safety::SafetySettings::default().fingerprint(),
                            facts: Some(facts.clone()),
                        };
                        (index, linted)
                    })
                    .collect(),
                ..core::Options::default()
            },
            locations: self
                .locations
                .into_iter()
                .map(|path| core::Location { path })
                .collect(),
            files: self
                .files
                .into_iter()
                .map(|f| core::InputFile {
                    location: f.location,
                    path: f.path,
                    real_path: None,
                    content: core::Content::Text(f.text),
                })
                .collect(),
        })
    }
}

// ---------------------------------------------------------------- output

/// The report: the CLI's JSON, with editor positions and explicit nulls.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[cfg_attr(feature = "typescript", ts(rename = "Report"))]
pub struct ReportDto {
    /// The report schema version.
    pub schema_version: u32,
    /// The core's version.
    pub revguard_version: String,
    /// The policy the graph was judged by.
    pub policy: core::Policy,
    /// The Python version every file was compiled for, and where it came from.
    pub python: core::python::PythonTarget,
    /// Every input file, in input order.
    pub files: Vec<FileDto>,
    /// Every revision object, in load order, shadowed duplicates included,
    /// with its edges resolved.
    pub revisions: Vec<report::RevisionEntry>,
    /// `alembic heads`; a duplicated id can appear twice (phantom head).
    pub heads: Vec<String>,
    /// Heads counting `depends_on`.
    pub real_heads: Vec<String>,
    /// Revisions with an empty `down_revision`.
    pub bases: Vec<String>,
    /// Bases that also have no `depends_on`.
    pub real_bases: Vec<String>,
    /// Every branch label and the index into `revisions` of the revision
    /// carrying it.
    pub label_owners: BTreeMap<String, usize>,
    /// False when some binding could not be read statically.
    pub complete: bool,
    /// What Alembic itself would do.
    pub alembic: AlembicDto,
    /// Findings, errors first.
    pub diagnostics: Vec<DiagnosticDto>,
    /// Counts per severity.
    pub summary: report::Summary,
}

/// One input file.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[cfg_attr(feature = "typescript", ts(rename = "FileEntry"))]
pub struct FileDto {
    /// Display path (location joined with the file's path).
    pub path: String,
    /// What Alembic does with the file.
    pub role: report::FileRole,
    /// Position in Alembic's load order.
    pub load_index: Option<usize>,
    /// The revision id the file declares.
    pub revision: Option<String>,
}

/// What Alembic would do.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[cfg_attr(feature = "typescript", ts(rename = "AlembicOutcome"))]
pub struct AlembicDto {
    /// Warnings Alembic prints.
    pub warnings: Vec<String>,
    /// The exception that aborts loading.
    pub error: Option<report::AlembicError>,
    /// What `alembic upgrade head` would do.
    pub upgrade_head: report::UpgradeHead,
}

/// A finding.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[cfg_attr(feature = "typescript", ts(rename = "Diagnostic"))]
pub struct DiagnosticDto {
    /// Stable kebab-case check name.
    pub check: String,
    /// Stable short code.
    pub code: String,
    /// Severity after policy and configuration.
    pub severity: core::Severity,
    /// One terse sentence.
    pub message: String,
    /// Source locations; the first primary label is the main one.
    pub labels: Vec<LabelDto>,
    /// How to fix it.
    pub help: Option<String>,
    /// Extra context.
    pub notes: Vec<String>,
}

impl DiagnosticDto {
    /// A core diagnostic placed for the editor: each label's position from
    /// `indexes` (one per request file), its file as the input index
    /// `inputs` maps it to.
    pub fn placed(
        d: report::Diagnostic,
        inputs: &[usize],
        indexes: &[EditorIndex<'_>],
    ) -> DiagnosticDto {
        DiagnosticDto::with_positions(
            d,
            |file| inputs[file],
            |file, offset, _| indexes[file].position(offset),
        )
    }

    /// A core diagnostic with each label's file mapped by `file` and its
    /// positions computed by `at(file, offset, the core's line and
    /// column)`.
    fn with_positions(
        d: report::Diagnostic,
        file: impl Fn(usize) -> usize,
        mut at: impl FnMut(usize, usize, core::Position) -> PositionDto,
    ) -> DiagnosticDto {
        DiagnosticDto {
            check: d.check,
            code: d.code,
            severity: d.severity,
            message: d.message,
            labels: d
                .labels
                .into_iter()
                .map(|l| LabelDto {
                    start: at(l.file, l.span.start, l.start),
                    end: at(l.file, l.span.end, l.end),
                    file: file(l.file),
                    path: l.path,
                    span: l.span,
                    message: l.message,
                    primary: l.primary,
                })
                .collect(),
            help: d.help,
            notes: d.notes,
        }
    }
}

/// A labelled span in one file.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[cfg_attr(feature = "typescript", ts(rename = "Label"))]
pub struct LabelDto {
    /// Index into `Report.files` (and into the input files).
    pub file: usize,
    /// The file's display path.
    pub path: String,
    /// Byte range in the file's UTF-8.
    pub span: core::Span,
    /// Start position.
    pub start: PositionDto,
    /// End position (exclusive).
    pub end: PositionDto,
    /// What this location shows.
    pub message: String,
    /// The main location.
    pub primary: bool,
}

impl ReportDto {
    /// Convert a report, computing editor positions from the request's texts
    /// (label `file` indices are input indices).
    pub fn new(report: core::Report, request: &core::Request) -> ReportDto {
        let mut positions = Positions::new(request);
        let diagnostics = report
            .diagnostics
            .into_iter()
            .map(|d| {
                DiagnosticDto::with_positions(
                    d,
                    |file| file,
                    |file, offset, fallback| positions.at(file, offset, fallback),
                )
            })
            .collect();
        let files = report
            .files
            .into_iter()
            .map(|f| FileDto {
                path: f.path,
                role: f.role,
                load_index: f.load_index,
                revision: f.revision,
            })
            .collect();
        ReportDto {
            schema_version: report.schema_version,
            revguard_version: report.revguard_version,
            policy: report.policy,
            python: report.python,
            files,
            revisions: report.revisions,
            heads: report.heads,
            real_heads: report.real_heads,
            bases: report.bases,
            real_bases: report.real_bases,
            label_owners: report.label_owners,
            complete: report.complete,
            alembic: AlembicDto {
                warnings: report.alembic.warnings,
                error: report.alembic.error,
                upgrade_head: report.alembic.upgrade_head,
            },
            diagnostics,
            summary: report.summary,
        }
    }
}

/// Editor positions in the request's files, each file indexed on first use.
struct Positions<'a> {
    request: &'a core::Request,
    indexes: Vec<Option<EditorIndex<'a>>>,
}

impl<'a> Positions<'a> {
    fn new(request: &'a core::Request) -> Self {
        let mut indexes = Vec::new();
        indexes.resize_with(request.files.len(), || None);
        Positions { request, indexes }
    }

    /// The position of a byte offset in a file; `fallback` (the core's) for
    /// a file that is not text.
    fn at(&mut self, file: usize, offset: usize, fallback: core::Position) -> PositionDto {
        let text = self.request.files.get(file).and_then(|f| match &f.content {
            core::Content::Text(text) => Some(text.as_str()),
            _ => None,
        });
        match text {
            Some(text) => self.indexes[file]
                .get_or_insert_with(|| EditorIndex::new(text))
                .position(offset),
            None => PositionDto {
                line: fallback.line,
                column: fallback.column,
                column_utf16: fallback.column,
                offset_utf16: 0,
            },
        }
    }
}

/// Check an input: the whole pipeline without any JavaScript, so it can be
/// tested natively.
pub fn check_input(input: CheckInput) -> Result<ReportDto, InputError> {
    let request = input.into_request()?;
    let report = core::check(&request);
    Ok(ReportDto::new(report, &request))
}
