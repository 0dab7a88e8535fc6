//! `revguard schema`: the JSON Schema (draft 2020-12) of the `--format json`
//! report, generated from the report types themselves (core feature
//! `schema`), so it cannot drift from what revguard prints.

use revguard_core::Report;
use schemars::generate::SchemaSettings;

/// The `$id` of the schema; the version follows `SCHEMA_VERSION`.
pub fn schema_id() -> String {
    format!(
        "https://github.com/revguard/revguard/blob/main/docs/report-v{}.schema.json",
        revguard_core::SCHEMA_VERSION
    )
}

/// The report's JSON Schema, pretty-printed with a trailing newline.
pub fn render() -> String {
    // The report is output: describe what is serialised (fields skipped when
    // empty are optional).
    let generator = SchemaSettings::draft2020_12()
        .for_serialize()
        .into_generator();
    let mut schema = generator.into_root_schema_for::<Report>();
    schema.insert("$id".to_owned(), schema_id().into());
    let mut out = serde_json::to_string_pretty(&schema).unwrap_or_default();
    out.push('\n');
    out
}
