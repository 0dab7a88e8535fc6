//! revguard-web: the core for browsers, through wasm-bindgen.
//!
//! A thin binding. JavaScript passes plain objects in and gets plain objects
//! back: the core's report with editor positions (see [`dto`]), typed by
//! `types.d.ts`, which is generated from those Rust types (feature
//! `typescript`, module `typescript`) and embedded here. Built by `wasm/playground/build.sh` (`just
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
//! The crate is built into two modules: the first (default feature
//! `alembic`: [`check`], [`check_json`]) and one the page fetches only for
//! a SQL-file tool's project (feature `sql`: `checkSql`,
//! `detectDialect`; see [`sql`]), and one fetched only for a Django
//! project (feature `django`: `checkDjango`, with the project's
//! `revguard.lock`; see `django`), with one fetched before it only when the
//! project may configure revguard (feature `config`: `djangoSettings`, the
//! CLI's configuration parser; see [`settings`]; the first module's
//! `mayConfigure` says when). The first
//! module also says whether files look like a Django project
//! (`isDjango`), so the page knows to fetch that one. The deploy-safety
//! lint (feature `safety`: squawk) is a module of its own, fetched only
//! when a project has migrations to lint: `lintAlembic` for the Alembic
//! check's `options.lints`, and `checkSql` with the lint's findings (see
//! the `safety` module). All export [`version`].
//!
//! Both directions cross the boundary as one JSON string (`JSON.stringify` /
//! `JSON.parse` run natively in the engine), which is faster for thousands of
//! files than building objects field by field and costs no extra crate.

#![warn(missing_docs)]

#[cfg(feature = "django")]
pub mod django;
pub mod dto;
pub mod position;
#[cfg(feature = "safety")]
pub mod safety;
pub mod settings;
pub mod sql;
#[cfg(feature = "typescript")]
pub mod typescript;

use wasm_bindgen::prelude::*;

pub use dto::{CheckInput, InputError, ReportDto, check_input};

/// The TypeScript shapes of [`check`]'s input and output, generated from
/// the Rust types ([`dto`]) by ts-rs; see `typescript.rs`.
#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = include_str!("../types.d.ts");

/// The one way this binding reports a failure: a JavaScript `Error` whose
/// message starts with `revguard:`.
#[cfg(any(
    feature = "alembic",
    feature = "sql",
    feature = "django",
    feature = "config"
))]
fn js_error(err: impl std::fmt::Display) -> JsError {
    JsError::new(&format!("revguard: {err}"))
}

/// Check files and return the report. Throws an `Error` for malformed input
/// (unknown fields, an unknown policy or severity, a bad location index).
#[cfg(feature = "alembic")]
#[wasm_bindgen(unchecked_return_type = "Report")]
pub fn check(
    #[wasm_bindgen(unchecked_param_type = "CheckInput")] input: JsValue,
) -> Result<JsValue, JsError> {
    let input: CheckInput = from_js(&input)?;
    let report = check_input(input).map_err(js_error)?;
    to_js(&report)
}

/// The core's JSON contract, unchanged: a serialized `Request` in, the
/// serialized `Report` out (or `{"error": …}`), byte for byte what the wasm
/// guest returns to the CLI. It is the same report as `revguard check
/// --format json`, but not the same bytes: the CLI pretty-prints it. For
/// parity tests and for tools that already speak the report's format.
#[cfg(feature = "alembic")]
#[wasm_bindgen(js_name = checkJson)]
pub fn check_json(request: &str) -> String {
    let out = revguard_core::check_json(request.as_bytes());
    String::from_utf8(out).unwrap_or_default()
}

/// Check a project of a SQL-file tool (Flyway, golang-migrate, goose,
/// sqlx, dbmate, Prisma): the CLI's verdict for `revguard check --dialect
/// TOOL` (see [`sql`]). Throws an `Error` for malformed input, an unknown
/// dialect, a bad `revguard.lock`, or files holding no such history.
#[cfg(feature = "sql")]
#[wasm_bindgen(js_name = checkSql, unchecked_return_type = "SqlReport")]
pub fn check_sql(
    #[wasm_bindgen(unchecked_param_type = "SqlInput")] input: JsValue,
) -> Result<JsValue, JsError> {
    let input: sql::SqlInput = from_js(&input)?;
    let report = sql::check_sql(&input).map_err(js_error)?;
    to_js(&report)
}

/// The SQL-file tool whose history the files hold (`"flyway"`...), or
/// `null` when the files are an Alembic project or no tool's: the CLI's
/// detection, Alembic first.
#[cfg(feature = "sql")]
#[wasm_bindgen(js_name = detectDialect, unchecked_return_type = "SqlTool | null")]
pub fn detect_dialect(
    #[wasm_bindgen(unchecked_param_type = "ProjectFile[]")] files: JsValue,
) -> Result<JsValue, JsError> {
    let files: Vec<sql::ProjectFile> = from_js(&files)?;
    Ok(match sql::detect(&files) {
        Some(tool) => JsValue::from_str(tool.name()),
        None => JsValue::NULL,
    })
}

/// Lint Alembic migrations for deploy safety: `{files: {index: {text,
/// plan}}}`, each plan from the translator module's `plans`, in;
/// `{index: SafetyFacts}` out, which this module's `check` takes as
/// `options.lints` (see the `safety` module).
#[cfg(feature = "safety")]
#[wasm_bindgen(js_name = lintAlembic)]
pub fn lint_alembic(input: JsValue) -> Result<JsValue, JsError> {
    let input: safety::AlembicLintInput = from_js(&input)?;
    to_js(&safety::lint_alembic(input))
}

/// Whether the files (their paths, relative to the dropped folder) look
/// like a Django project: `manage.py` at the top, or a `migrations`
/// package with a numbered module. In the first module, so the page knows
/// to fetch the Django module.
#[cfg(feature = "alembic")]
#[wasm_bindgen(js_name = isDjango)]
pub fn is_django(paths: Vec<String>) -> bool {
    revguard_core::dialect::django::locate::looks_like_django(
        &paths.iter().map(String::as_str).collect::<Vec<_>>(),
    )
}

/// Check a Django project: the CLI's verdict for `revguard check
/// --dialect django` (see [`django`]), with the project's `[django]`
/// settings (`settings`, from `djangoSettings`) and a `revguard.lock` at
/// the root as the deployed state. Throws an `Error` for malformed input, a
/// setting that names nothing in the files (naming the configuration
/// file), duplicate app labels, or files holding no migrations package; a
/// lock that does not parse is the `invalid-lock-file` finding, as on the
/// CLI.
#[cfg(feature = "django")]
#[wasm_bindgen(js_name = checkDjango, unchecked_return_type = "DjangoReport")]
pub fn check_django(
    #[wasm_bindgen(unchecked_param_type = "DjangoInput")] input: JsValue,
) -> Result<JsValue, JsError> {
    let input: django::DjangoInput = from_js(&input)?;
    let report = django::check_django(&input).map_err(js_error)?;
    to_js(&report)
}

#[cfg(any(
    feature = "alembic",
    feature = "sql",
    feature = "django",
    feature = "config"
))]
fn from_js<T: serde::de::DeserializeOwned>(value: &JsValue) -> Result<T, JsError> {
    let json: String = js_sys::JSON::stringify(value)
        .map_err(|_| js_error("the input cannot be serialized as JSON"))?
        .into();
    serde_json::from_str(&json).map_err(|e| js_error(format!("invalid input: {e}")))
}

#[cfg(any(
    feature = "alembic",
    feature = "sql",
    feature = "django",
    feature = "config"
))]
fn to_js(value: &impl serde::Serialize) -> Result<JsValue, JsError> {
    let json = serde_json::to_string(value).map_err(js_error)?;
    js_sys::JSON::parse(&json).map_err(|_| js_error("the report is not valid JSON"))
}

/// Whether a file at the project's root (`path`, relative, and its
/// `text`) may configure revguard (`revguard.toml`, or a `pyproject.toml`
/// that mentions it): then the page fetches the settings module
/// (`djangoSettings`) before it checks a Django project. In the first
/// module, like `isDjango`, so the two modules can be fetched together;
/// plain strings, so it costs the first module no deserializer.
#[cfg(feature = "alembic")]
#[wasm_bindgen(js_name = mayConfigure)]
pub fn may_configure(path: &str, text: &str) -> bool {
    revguard_core::config::may_configure(path, text)
}

/// The `[django]` settings of the project's configuration (`revguard.toml`,
/// else `[tool.revguard]` in `pyproject.toml`, at the root), read by the
/// CLI's parser, for `checkDjango`'s `settings`; `null` without one. Throws
/// an `Error` naming the file, line and column when the CLI would refuse
/// it (see [`settings`]).
#[cfg(feature = "config")]
#[wasm_bindgen(js_name = djangoSettings, unchecked_return_type = "DjangoSettings | null")]
pub fn django_settings(
    #[wasm_bindgen(unchecked_param_type = "ProjectFile[]")] files: JsValue,
) -> Result<JsValue, JsError> {
    let files: Vec<sql::ProjectFile> = from_js(&files)?;
    let settings = settings::django_settings(&files).map_err(js_error)?;
    to_js(&settings)
}

/// This build's version, e.g. `0.1.0`.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}
