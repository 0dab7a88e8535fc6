//! Django's phases as byte-in, byte-out steps, for the sandboxed guest and
//! the native engine alike (so both give the same bytes):
//!
//! - [`read_table`]: the per-file phase. In: an analyze table
//!   ([`crate::wire::encode_analyze`]: the target Python and every file's
//!   bytes). Out: a facts table ([`crate::wire::decode_analyze_output`])
//!   holding each file's [`MigrationFacts`] as JSON, the payload the result
//!   cache stores per content.
//! - [`load_json`]: the semantics. In: a [`Project`] as JSON. Out: the
//!   [`Loaded`](super::Loaded) verdict as JSON, or `{"error": "..."}` for a
//!   malformed request.

use super::{MigrationFacts, Project};
use crate::wire::analyze_table_with;

/// Read every file of an analyze table as a Django migration module.
pub fn read_table(request: &[u8]) -> Vec<u8> {
    analyze_table_with(request, |bytes, version| {
        encode_facts(&super::read(bytes, Some(version)))
    })
}

/// One file's facts as the cache and the wire carry them.
pub fn encode_facts(facts: &MigrationFacts) -> Vec<u8> {
    serde_json::to_vec(facts).unwrap_or_default()
}

/// The inverse of [`encode_facts`]; `None` for bytes it did not make.
pub fn decode_facts(bytes: &[u8]) -> Option<MigrationFacts> {
    serde_json::from_slice(bytes).ok()
}

/// Build Django's graph for a project given as JSON.
pub fn load_json(request: &[u8]) -> Vec<u8> {
    match serde_json::from_slice::<Project>(request) {
        Ok(project) => serde_json::to_vec(&super::load(&project)).unwrap_or_default(),
        Err(err) => {
            let error = serde_json::json!({ "error": format!("invalid Django project: {err}") });
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
        let file: &[u8] = b"from django.db import migrations\n\nclass Migration(migrations.Migration):\n    dependencies = [('a', '0001')]\n";
        let table = crate::wire::encode_analyze(&PythonVersion::DEFAULT.into(), &[file]);
        let out = read_table(&table);
        let runs = crate::wire::decode_analyze_output(&out).expect("facts table");
        assert_eq!(runs.len(), 1);
        let facts = decode_facts(runs[0]).expect("facts JSON");
        assert_eq!(
            facts,
            super::super::read(file, Some(PythonVersion::DEFAULT))
        );
        assert_eq!(facts.dependencies.len(), 1);
    }

    #[test]
    fn malformed_requests_are_errors_not_panics() {
        assert!(read_table(b"nonsense").starts_with(ERROR_MAGIC));
        let refused: serde_json::Value = serde_json::from_slice(&load_json(b"{")).expect("JSON");
        assert!(
            refused["error"]
                .as_str()
                .is_some_and(|e| e.contains("invalid Django project"))
        );
    }
}
