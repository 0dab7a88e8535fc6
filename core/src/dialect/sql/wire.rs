//! The SQL tools' phases as byte-in, byte-out steps, for the sandboxed
//! guest and the native engine alike (so both give the same bytes):
//!
//! - [`read_table`]: the per-file phase. In: an analyze table
//!   ([`crate::wire::encode_analyze`]; its Python version is unused). Out: a
//!   facts table holding each file's [`FileFacts`] as JSON, the payload the
//!   result cache stores per content.
//! - [`judge_json`]: the semantics. In: a [`History`] as JSON. Out: the
//!   [`Verdict`](super::Verdict) as JSON, or `{"error": "..."}` for a
//!   malformed request.

use super::{FileFacts, History};
use crate::wire::analyze_table_under;

/// Read every file of an analyze table as a SQL migration (the table's
/// Python version is unused). When the table carries deploy-safety
/// settings naming a SQL tool, each file is linted too
/// ([`crate::safety::lint_file`]).
pub fn read_table(request: &[u8]) -> Vec<u8> {
    analyze_table_under(request, |bytes, target| {
        let mut facts = super::read(bytes);
        if let Some(settings) = target.safety.as_ref().filter(|s| s.sql_tool.is_some()) {
            facts.safety = std::str::from_utf8(bytes)
                .ok()
                .map(|text| crate::safety::lint_file(text, settings));
        }
        encode_facts(&facts)
    })
}

/// One file's facts as the cache and the wire carry them.
pub fn encode_facts(facts: &FileFacts) -> Vec<u8> {
    serde_json::to_vec(facts).unwrap_or_default()
}

/// The inverse of [`encode_facts`]; `None` for bytes it did not make.
pub fn decode_facts(bytes: &[u8]) -> Option<FileFacts> {
    serde_json::from_slice(bytes).ok()
}

/// Judge a history given as JSON.
pub fn judge_json(request: &[u8]) -> Vec<u8> {
    match serde_json::from_slice::<History>(request) {
        Ok(history) => serde_json::to_vec(&super::judge(&history)).unwrap_or_default(),
        Err(err) => {
            let error = serde_json::json!({ "error": format!("invalid SQL-tool history: {err}") });
            serde_json::to_vec(&error).unwrap_or_default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::python::PythonVersion;
    use crate::wire::ERROR_MAGIC;

    #[test]
    fn read_table_round_trips_facts() {
        let file: &[u8] = b"-- +goose Up\nCREATE TABLE a (id int);\n";
        let table = crate::wire::encode_analyze(&PythonVersion::DEFAULT.into(), &[file]);
        let output = read_table(&table);
        let runs = crate::wire::decode_analyze_output(&output).expect("facts table");
        assert_eq!(runs.len(), 1);
        let facts = decode_facts(runs[0]).expect("facts JSON");
        assert_eq!(facts, super::super::read(file));
        assert_eq!(facts.goose_error, None);
        assert!(facts.dbmate_error.is_some());
    }

    #[test]
    fn malformed_requests_are_errors_not_panics() {
        assert!(read_table(b"nonsense").starts_with(ERROR_MAGIC));
        let refused: serde_json::Value = serde_json::from_slice(&judge_json(b"{")).expect("JSON");
        assert!(
            refused["error"]
                .as_str()
                .is_some_and(|e| e.contains("invalid SQL-tool history"))
        );
    }
}
