//! revguard-web: the core for browsers, through wasm-bindgen.
//!
//! A thin binding. JavaScript passes plain objects in and gets plain objects
//! back, typed by the TypeScript declarations below; no core type crosses the
//! boundary (see [`dto`]). Built by `wasm/playground/build.sh` (`just
//! playground`): `cargo build --profile wasm --target wasm32-unknown-unknown`,
//! then `wasm-bindgen --target web` at exactly this crate's pinned version.
//!
//! ```js
//! import init, { check } from "./revguard_web.js";
//! await init();
//! const report = check({ files: [{ path: "a.py", text: "revision = 'a'\n" }] });
//! for (const d of report.diagnostics) console.log(d.code, d.labels[0]?.start.line);
//! ```
//!
//! Both directions cross the boundary as one JSON string (`JSON.stringify` /
//! `JSON.parse` run natively in the engine), which is faster for thousands of
//! files than building objects field by field and costs no extra crate.

#![warn(missing_docs)]

pub mod dto;
pub mod position;

use wasm_bindgen::prelude::*;

pub use dto::{CheckInput, InputError, ReportDto, check_input};

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = r#"
/** What to check: the files of one or more version locations. */
export interface CheckInput {
  /** Display paths of the version locations, in order; empty = one unnamed location. */
  locations?: string[];
  files: FileInput[];
  options?: CheckOptions;
}
export interface FileInput {
  /** Index into `locations` (default 0). */
  location?: number;
  /** Path relative to the location, `/`-separated. */
  path: string;
  text: string;
}
export type Policy = "single-head" | "linear" | "branches";
export type SeverityName = "error" | "warning" | "info";
export interface CheckOptions {
  policy?: Policy;
  recursive?: boolean;
  sourceless?: boolean;
  file_template?: string | null;
  /** Per check name or code: "off" | "info" | "warning" | "error". */
  severity?: Record<string, "off" | SeverityName>;
  /** The Python the files are compiled as, e.g. "3.12" (default "3.10"). */
  python_version?: string;
  /** Whole-file verdicts from revguard_web_syntax.verdicts(), by file index. */
  verdicts?: Record<number, GivenSyntaxError | null>;
}
/** A syntax error found by the validator module, in file byte offsets. */
export interface GivenSyntaxError {
  message: string;
  start: number;
  end: number;
  unsupported?: boolean;
}
/** The CLI's JSON report, with editor positions and explicit nulls. */
export interface Report {
  schema_version: number;
  revguard_version: string;
  policy: Policy;
  files: FileEntry[];
  revisions: RevisionEntry[];
  heads: string[];
  real_heads: string[];
  bases: string[];
  real_bases: string[];
  complete: boolean;
  alembic: AlembicOutcome;
  diagnostics: Diagnostic[];
  summary: Summary;
}
export type FileRole = "loaded" | "shadowed" | "unknown" | "ignored" | "stray" | "loaded-twice";
export interface FileEntry {
  path: string;
  role: FileRole;
  load_index: number | null;
  revision: string | null;
}
export type Mark =
  | "head" | "effective-head" | "phantom-head" | "base"
  | "mergepoint" | "branchpoint" | "cycle" | "missing-parent";
export interface RevisionEntry {
  id: string;
  /** Index into `Report.files`. */
  file: number;
  down_revisions: string[];
  branch_labels: string[];
  depends_on: string[];
  doc: string;
  shadowed: boolean;
  marks: Mark[];
}
export interface AlembicOutcome {
  warnings: string[];
  error: AlembicError | null;
  upgrade_head: string;
}
export interface AlembicError {
  kind: string;
  messages: string[];
}
export interface Diagnostic {
  check: string;
  code: string;
  severity: SeverityName;
  message: string;
  labels: Label[];
  help: string | null;
  notes: string[];
}
export interface Label {
  /** Index into `Report.files` and into the input files. */
  file: number;
  path: string;
  /** Byte range in the file's UTF-8. */
  span: Span;
  start: Position;
  /** Exclusive. */
  end: Position;
  message: string;
  primary: boolean;
}
export interface Span {
  start: number;
  end: number;
}
export interface Position {
  /** 1-based line (split on "\n"). */
  line: number;
  /** 1-based column in characters, as the CLI prints it. */
  column: number;
  /** 1-based column in UTF-16 code units, for editors. */
  column_utf16: number;
  /** 0-based UTF-16 offset in the original text. */
  offset_utf16: number;
}
export interface Summary {
  errors: number;
  warnings: number;
  infos: number;
}
"#;

/// The one way this binding reports a failure: a JavaScript `Error` whose
/// message starts with `revguard:`.
fn js_error(err: impl std::fmt::Display) -> JsError {
    JsError::new(&format!("revguard: {err}"))
}

/// Check files and return the report. Throws an `Error` for malformed input
/// (unknown fields, an unknown policy or severity, a bad location index).
#[wasm_bindgen(unchecked_return_type = "Report")]
pub fn check(
    #[wasm_bindgen(unchecked_param_type = "CheckInput")] input: JsValue,
) -> Result<JsValue, JsError> {
    let json: String = js_sys::JSON::stringify(&input)
        .map_err(|_| js_error("the input cannot be serialized as JSON"))?
        .into();
    let input: CheckInput =
        serde_json::from_str(&json).map_err(|e| js_error(format!("invalid input: {e}")))?;
    let report = check_input(input).map_err(js_error)?;
    let json = serde_json::to_string(&report).map_err(js_error)?;
    js_sys::JSON::parse(&json).map_err(|_| js_error("the report is not valid JSON"))
}

/// The core's JSON contract, unchanged: a serialized `Request` in, the
/// report as the core serializes it (or `{"error": …}`): compact JSON,
/// byte-identical to what the sandboxed guest returns. `revguard check
/// --format json` prints the same report pretty-printed. For parity tests
/// and for tools that already speak the report's format.
#[wasm_bindgen(js_name = checkJson)]
pub fn check_json(request: &str) -> String {
    let out = revguard_core::check_json(request.as_bytes());
    String::from_utf8(out).unwrap_or_default()
}

/// This build's version, e.g. `0.1.0`.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}
