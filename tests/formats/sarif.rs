//! SARIF output against the official OASIS SARIF 2.1.0 schema
//! (`sarif-schema-2.1.0.json`, vendored next to this file).

use crate::{clean, incident, revguard, root, stdout};

fn validate(sarif: &serde_json::Value) -> Vec<String> {
    let schema_path = root().join("tests/formats/sarif-schema-2.1.0.json");
    let mut schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&schema_path).expect("vendored schema"))
            .expect("schema JSON");
    fix_language_pattern(&mut schema);
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the SARIF schema compiles");
    validator
        .iter_errors(sarif)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect()
}

/// The official schema's `language` pattern,
/// `^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$`, has a stray `]` that ECMA-262
/// regexes accept as a literal but Rust's regex engine rejects, so the
/// validator refuses to compile the schema. revguard never emits `language`;
/// the pattern is replaced by the intended one in memory only.
fn fix_language_pattern(value: &mut serde_json::Value) {
    const BROKEN: &str = "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$";
    match value {
        serde_json::Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                if key == "pattern" && *child == BROKEN {
                    *child = serde_json::json!("^[a-zA-Z]{2}(-[a-zA-Z]{2})?$");
                } else {
                    fix_language_pattern(child);
                }
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(fix_language_pattern),
        _ => {}
    }
}

#[test]
fn sarif_is_valid_on_incident_and_clean() {
    for dir in [incident(), clean()] {
        let out = stdout(&revguard(&dir, &["check", "--format", "sarif"]));
        let sarif: serde_json::Value = serde_json::from_str(&out).expect("SARIF is JSON");
        let errors = validate(&sarif);
        assert!(
            errors.is_empty(),
            "SARIF of {} violates the schema:\n{}",
            dir.display(),
            errors.join("\n")
        );
    }
}

#[test]
fn the_validator_rejects_broken_sarif() {
    // Guard against a validator that accepts anything.
    let broken = serde_json::json!({ "version": "2.1.0", "runs": [{ "tool": { "driver": {} }, "results": [{ "level": "fatal" }] }] });
    assert!(!validate(&broken).is_empty());
}

#[test]
fn sarif_points_at_the_revision_lines() {
    let out = stdout(&revguard(&incident(), &["check", "--format", "sarif"]));
    let sarif: serde_json::Value = serde_json::from_str(&out).expect("SARIF is JSON");
    let run = &sarif["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
    for rule in rules {
        let id = rule["id"].as_str().expect("rule id");
        assert!(
            id.starts_with("RG") && id.len() == 5,
            "stable short code: {id}"
        );
        let name = rule["name"].as_str().expect("rule name");
        assert!(
            rule["helpUri"]
                .as_str()
                .expect("helpUri")
                .ends_with(&format!("checks.md#{name}"))
        );
        assert!(
            rule["help"]["markdown"]
                .as_str()
                .expect("help")
                .contains("## What it does")
        );
    }
    let results = run["results"].as_array().expect("results");
    let duplicate: Vec<&serde_json::Value> =
        results.iter().filter(|r| r["ruleId"] == "RG101").collect();
    assert!(
        !duplicate.is_empty(),
        "the incident's duplicate revision is reported"
    );
    for result in duplicate {
        let index = result["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(rules[index]["id"], "RG101");
        let locations = result["locations"].as_array().expect("locations");
        assert!(locations.len() >= 2, "every declaring file is a location");
        for location in locations {
            let physical = &location["physicalLocation"];
            let uri = physical["artifactLocation"]["uri"].as_str().expect("uri");
            let line = physical["region"]["startLine"].as_u64().expect("startLine") as usize;
            let text = std::fs::read_to_string(incident().join(percent_decode(uri)))
                .expect("the location's file exists");
            let source_line = text.lines().nth(line - 1).expect("the line exists");
            assert!(
                source_line.trim_start().starts_with("revision"),
                "{uri}:{line} is the revision line: {source_line:?}"
            );
        }
    }
}

fn percent_decode(uri: &str) -> String {
    let bytes = uri.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 3 <= bytes.len()
            && let Some(b) = std::str::from_utf8(&bytes[i + 1..i + 3])
                .ok()
                .and_then(|hex| u8::from_str_radix(hex, 16).ok())
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).expect("UTF-8 path")
}

/// Django findings in SARIF are valid and point at the exact reference:
/// a missing parent at its `dependencies` tuple, an unreadable module at
/// the offending binding.
#[test]
fn sarif_of_django_findings() {
    let example = root().join("examples/django-leaf-conflict");
    let broken = tempfile::tempdir().expect("temporary directory");
    crate::copy_dir(&example, broken.path());
    let billing = broken.path().join("billing/migrations");
    let sarif = |rule: &str| {
        let out = stdout(&revguard(
            broken.path(),
            &[
                "check",
                "--dialect",
                "django",
                "--user-model",
                "accounts.User",
                "--format",
                "sarif",
                ".",
            ],
        ));
        let sarif: serde_json::Value = serde_json::from_str(&out).expect("SARIF is JSON");
        let errors = validate(&sarif);
        assert!(errors.is_empty(), "{}", errors.join("\n"));
        let results = sarif["runs"][0]["results"].as_array().expect("results");
        let result = results.iter().find(|r| r["ruleId"] == rule);
        let result = result.unwrap_or_else(|| panic!("no {rule} in {out}"));
        result["locations"][0]["physicalLocation"].clone()
    };
    std::fs::write(
        billing.join("0004_gone.py"),
        "from django.db import migrations\n\n\nclass Migration(migrations.Migration):\n    dependencies = [\n        (\"billing\", \"0003_invoice_currency\"),\n        (\"billing\", \"0003_nowhere\"),\n    ]\n",
    )
    .expect("write");
    let missing = sarif("RG103");
    assert_eq!(
        missing["artifactLocation"]["uri"],
        "billing/migrations/0004_gone.py"
    );
    assert_eq!(missing["region"]["startLine"], 7, "{missing}");
    assert_eq!(missing["region"]["startColumn"], 9, "{missing}");
    std::fs::write(
        billing.join("0004_dynamic.py"),
        "from django.db import migrations\n\n\nclass Migration(migrations.Migration):\n    dependencies = get_deps()\n",
    )
    .expect("write");
    let dynamic = sarif("RG111");
    assert_eq!(
        dynamic["artifactLocation"]["uri"],
        "billing/migrations/0004_dynamic.py"
    );
    assert_eq!(dynamic["region"]["startLine"], 5, "{dynamic}");
}
