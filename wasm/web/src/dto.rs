//! The binding's own plain data: what JavaScript passes in and gets back.
//!
//! These types mirror the core's `Request` and `Report` field for field (the
//! same snake_case names and kebab-case values as the CLI's `--format json`),
//! with two changes made for editors and TypeScript:
//!
//! - every label position also carries a UTF-16 column and offset
//!   ([`PositionDto`]);
//! - optional fields are always present, as `null`, instead of being omitted.
//!
//! Enumerations travel as their serialized names, so no core type appears in
//! this crate's public API. The TypeScript declarations in `lib.rs` describe
//! exactly these shapes; `tests/web.rs` checks the two agree.

use std::collections::BTreeMap;
use std::fmt;

use revguard_core as core;
use serde::{Deserialize, Serialize};

use crate::position::EditorIndex;
pub use crate::position::PositionDto;

// ---------------------------------------------------------------- input

/// What to check: the files of one or more version locations.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckInput {
    /// Display paths of the version locations, in configured order; empty
    /// means one unnamed location.
    #[serde(default)]
    pub locations: Vec<String>,
    /// The files, each relative to its location.
    pub files: Vec<FileInput>,
    /// Policy and configuration.
    #[serde(default)]
    pub options: OptionsInput,
}

/// One file as text.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileInput {
    /// Index into [`CheckInput::locations`].
    #[serde(default)]
    pub location: usize,
    /// Path relative to the location, `/`-separated.
    pub path: String,
    /// The file's content.
    pub text: String,
}

/// Options; every field may be left out.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OptionsInput {
    /// `single-head` (default), `linear` or `branches`.
    pub policy: Option<String>,
    /// `recursive_version_locations = true`.
    pub recursive: bool,
    /// `sourceless = true`.
    pub sourceless: bool,
    /// Alembic's `file_template`.
    pub file_template: Option<String>,
    /// Per-check severity (`off`, `info`, `warning`, `error`), keyed by check
    /// name or code.
    pub severity: BTreeMap<String, String>,
    /// The Python the files are compiled as, e.g. `3.12` (default 3.10).
    pub python_version: Option<String>,
    /// Whole-file verdicts from the validator module (`revguard-web-syntax`),
    /// by file index: `null` when the file compiles. This module has no
    /// Python parser of its own; without verdicts only the binding reader's
    /// errors are reported.
    pub verdicts: BTreeMap<usize, Option<core::GivenSyntaxError>>,
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

/// The report, as the CLI's JSON but with editor positions.
#[derive(Debug, Clone, Serialize)]
pub struct ReportDto {
    /// The report schema version.
    pub schema_version: u32,
    /// The core's version.
    pub revguard_version: String,
    /// `single-head`, `linear` or `branches`.
    pub policy: String,
    /// Every input file, in input order.
    pub files: Vec<FileDto>,
    /// Every revision object, in load order, shadowed duplicates included.
    pub revisions: Vec<RevisionDto>,
    /// `alembic heads`; a duplicated id can appear twice (phantom head).
    pub heads: Vec<String>,
    /// Heads counting `depends_on`.
    pub real_heads: Vec<String>,
    /// Revisions with an empty `down_revision`.
    pub bases: Vec<String>,
    /// Bases that also have no `depends_on`.
    pub real_bases: Vec<String>,
    /// False when some binding could not be read statically.
    pub complete: bool,
    /// What Alembic itself would do.
    pub alembic: AlembicDto,
    /// Findings, errors first.
    pub diagnostics: Vec<DiagnosticDto>,
    /// Counts per severity.
    pub summary: SummaryDto,
}

/// One input file.
#[derive(Debug, Clone, Serialize)]
pub struct FileDto {
    /// Display path (location joined with the file's path).
    pub path: String,
    /// `loaded`, `shadowed`, `unknown`, `ignored`, `stray` or `loaded-twice`.
    pub role: String,
    /// Position in Alembic's load order.
    pub load_index: Option<usize>,
    /// The revision id the file declares.
    pub revision: Option<String>,
}

/// One revision object.
#[derive(Debug, Clone, Serialize)]
pub struct RevisionDto {
    /// The revision id.
    pub id: String,
    /// Index into [`ReportDto::files`].
    pub file: usize,
    /// Parents, as written.
    pub down_revisions: Vec<String>,
    /// Branch labels, as written.
    pub branch_labels: Vec<String>,
    /// `depends_on`, as written.
    pub depends_on: Vec<String>,
    /// The docstring's first paragraph.
    pub doc: String,
    /// An earlier copy of a duplicated id.
    pub shadowed: bool,
    /// `head`, `effective-head`, `phantom-head`, `base`, `mergepoint`,
    /// `branchpoint`, `cycle`, `missing-parent`.
    pub marks: Vec<String>,
}

/// What Alembic would do.
#[derive(Debug, Clone, Serialize)]
pub struct AlembicDto {
    /// Warnings Alembic prints.
    pub warnings: Vec<String>,
    /// The exception that aborts loading.
    pub error: Option<AlembicErrorDto>,
    /// `ok`, or how `alembic upgrade head` fails.
    pub upgrade_head: String,
}

/// An exception Alembic raises.
#[derive(Debug, Clone, Serialize)]
pub struct AlembicErrorDto {
    /// The exception class.
    pub kind: String,
    /// Every message Alembic could print.
    pub messages: Vec<String>,
}

/// A finding.
#[derive(Debug, Clone, Serialize)]
pub struct DiagnosticDto {
    /// Stable kebab-case check name.
    pub check: String,
    /// Stable short code.
    pub code: String,
    /// `error`, `warning` or `info`.
    pub severity: String,
    /// One terse sentence.
    pub message: String,
    /// Source locations; the first primary label is the main one.
    pub labels: Vec<LabelDto>,
    /// How to fix it.
    pub help: Option<String>,
    /// Extra context.
    pub notes: Vec<String>,
}

/// A labelled span in one file.
#[derive(Debug, Clone, Serialize)]
pub struct LabelDto {
    /// Index into [`ReportDto::files`] (and into the input files).
    pub file: usize,
    /// The file's display path.
    pub path: String,
    /// Byte range in the file.
    pub span: SpanDto,
    /// Start position.
    pub start: PositionDto,
    /// End position (exclusive).
    pub end: PositionDto,
    /// What this location shows.
    pub message: String,
    /// The main location.
    pub primary: bool,
}

/// A byte range.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct SpanDto {
    /// Start offset in bytes.
    pub start: usize,
    /// End offset in bytes (exclusive).
    pub end: usize,
}

/// Counts per severity.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct SummaryDto {
    /// Errors.
    pub errors: usize,
    /// Warnings.
    pub warnings: usize,
    /// Infos.
    pub infos: usize,
}

/// The serialized name of a unit enum value (`"phantom-head"`, `"error"`).
fn name<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(name)) => name,
        other => format!("{other:?}"),
    }
}

impl ReportDto {
    /// Convert a report, computing editor positions from the request's texts
    /// (label `file` indices are input indices).
    pub fn new(report: &core::Report, request: &core::Request) -> ReportDto {
        let mut indexes: Vec<Option<EditorIndex<'_>>> = Vec::new();
        indexes.resize_with(request.files.len(), || None);
        let mut position = |file: usize, offset: usize, fallback: core::Position| {
            let text = request.files.get(file).and_then(|f| match &f.content {
                core::Content::Text(text) => Some(text.as_str()),
                _ => None,
            });
            match text {
                Some(text) => indexes[file]
                    .get_or_insert_with(|| EditorIndex::new(text))
                    .position(offset),
                None => PositionDto {
                    line: fallback.line,
                    column: fallback.column,
                    column_utf16: fallback.column,
                    offset_utf16: 0,
                },
            }
        };
        let diagnostics = report
            .diagnostics
            .iter()
            .map(|d| DiagnosticDto {
                check: d.check.clone(),
                code: d.code.clone(),
                severity: d.severity.as_str().to_owned(),
                message: d.message.clone(),
                labels: d
                    .labels
                    .iter()
                    .map(|l| LabelDto {
                        file: l.file,
                        path: l.path.clone(),
                        span: SpanDto {
                            start: l.span.start,
                            end: l.span.end,
                        },
                        start: position(l.file, l.span.start, l.start),
                        end: position(l.file, l.span.end, l.end),
                        message: l.message.clone(),
                        primary: l.primary,
                    })
                    .collect(),
                help: d.help.clone(),
                notes: d.notes.clone(),
            })
            .collect();
        ReportDto {
            schema_version: report.schema_version,
            revguard_version: report.revguard_version.clone(),
            policy: report.policy.as_str().to_owned(),
            files: report
                .files
                .iter()
                .map(|f| FileDto {
                    path: f.path.clone(),
                    role: name(&f.role),
                    load_index: f.load_index,
                    revision: f.revision.clone(),
                })
                .collect(),
            revisions: report
                .revisions
                .iter()
                .map(|r| RevisionDto {
                    id: r.id.clone(),
                    file: r.file,
                    down_revisions: r.down_revisions.clone(),
                    branch_labels: r.branch_labels.clone(),
                    depends_on: r.depends_on.clone(),
                    doc: r.doc.clone(),
                    shadowed: r.shadowed,
                    marks: r.marks.iter().map(name).collect(),
                })
                .collect(),
            heads: report.heads.clone(),
            real_heads: report.real_heads.clone(),
            bases: report.bases.clone(),
            real_bases: report.real_bases.clone(),
            complete: report.complete,
            alembic: AlembicDto {
                warnings: report.alembic.warnings.clone(),
                error: report.alembic.error.as_ref().map(|e| AlembicErrorDto {
                    kind: e.kind.to_string(),
                    messages: e.messages.clone(),
                }),
                upgrade_head: report.alembic.upgrade_head.to_string(),
            },
            diagnostics,
            summary: SummaryDto {
                errors: report.summary.errors,
                warnings: report.summary.warnings,
                infos: report.summary.infos,
            },
        }
    }
}

/// Check an input: the whole pipeline without any JavaScript, so it can be
/// tested natively.
pub fn check_input(input: CheckInput) -> Result<ReportDto, InputError> {
    let request = input.into_request()?;
    let report = core::check(&request);
    Ok(ReportDto::new(&report, &request))
}
