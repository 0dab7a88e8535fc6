//! Django's phases as byte-in, byte-out steps, for the sandboxed guest and
//! the native engine alike (so both give the same bytes):
//!
//! - [`read_table`]: the per-file phase. In: an analyze table
//!   ([`crate::wire::encode_analyze`]: the target Python and every file's
//!   bytes; the operations are read only when the target carries lint
//!   settings). Out: a facts table ([`crate::wire::decode_analyze_output`])
//!   holding each file's [`MigrationFacts`] as postcard (compact and quick
//!   to decode: a warm check decodes every file's), the payload the result
//!   cache stores per content.
//! - [`load_json`]: the semantics. In: a [`Project`] as JSON. Out: the
//!   [`Loaded`](super::Loaded) verdict as JSON, or `{"error": "..."}` for a
//!   malformed request.

use super::{MigrationFacts, Project};
use crate::wire::analyze_table_under;

/// Read every file of an analyze table as a Django migration module: with
/// the operations when the target carries deploy-safety settings (the lint
/// replays them), else only what the graph needs.
pub fn read_table(request: &[u8]) -> Vec<u8> {
    analyze_table_under(request, |bytes, target| {
        let facts = match target.safety {
            Some(_) => super::read(bytes, Some(target.version)),
            None => super::read_graph(bytes, Some(target.version)),
        };
        encode_facts(&facts)
    })
}

/// One file's facts as the cache and the wire carry them (postcard).
pub fn encode_facts(facts: &MigrationFacts) -> Vec<u8> {
    // Plain data into a Vec cannot fail.
    postcard::to_allocvec(facts).unwrap_or_default()
}

/// The inverse of [`encode_facts`]; `None` for bytes it did not make
/// (trailing bytes included).
pub fn decode_facts(bytes: &[u8]) -> Option<MigrationFacts> {
    crate::wire::decode_whole(bytes)
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
        let facts = decode_facts(runs[0]).expect("facts");
        assert_eq!(
            facts,
            super::super::read_graph(file, Some(PythonVersion::DEFAULT))
        );
        assert_eq!(facts.dependencies.len(), 1);
        assert!(facts.operations.is_none(), "no lint, no operations");
        assert!(decode_facts(&[runs[0], b"x"].concat()).is_none());
    }

    #[cfg(feature = "safety")]
    #[test]
    fn read_table_reads_operations_for_the_lint() {
        let file: &[u8] = b"from django.db import migrations\n\nclass Migration(migrations.Migration):\n    atomic = False\n    operations = [migrations.RunSQL('SELECT 1')]\n";
        let target = crate::wire::AnalyzeTarget {
            version: PythonVersion::DEFAULT,
            safety: Some(crate::safety::SafetySettings::default()),
        };
        let out = read_table(&crate::wire::encode_analyze(&target, &[file]));
        let runs = crate::wire::decode_analyze_output(&out).expect("facts table");
        let facts = decode_facts(runs[0]).expect("facts");
        assert_eq!(
            facts,
            super::super::read(file, Some(PythonVersion::DEFAULT))
        );
        let operations = facts.operations.expect("operations read");
        assert_eq!(operations.list.len(), 1);
        assert!(operations.atomic.is_some());
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
