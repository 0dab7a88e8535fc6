//! The binding as JavaScript sees it: run in Node (default) or headless
//! Chromium (`WASM_BINDGEN_USE_BROWSER=1`) by wasm-bindgen-test-runner, which
//! the workspace builds itself (`wasm/bindgen`):
//!
//! ```sh
//! cargo build -p revguard-wasm-bindgen --bins
//! CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=$PWD/target/debug/bindgen-test-runner \
//!     cargo test -p revguard-web --target wasm32-unknown-unknown --features safety,django,config
//! ```
#![cfg(target_arch = "wasm32")]

use js_sys::{JSON, JsString, Reflect};
use serde_json::{Value, json};
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::wasm_bindgen_test;

fn migration(rev: &str, down: &str, doc: &str) -> String {
    format!(
        "\"\"\"{doc}\n\nRevision ID: {rev}\nRevises: {down}\n\n\"\"\"\nfrom alembic import op\n\n\
         revision = \"{rev}\"\ndown_revision = {down}\nbranch_labels = None\ndepends_on = None\n\n\n\
         def upgrade():\n    pass\n"
    )
}

/// The incident's shape, with non-ASCII text so byte, character and UTF-16
/// offsets all differ.
fn incident() -> Value {
    json!({
        "locations": ["migrations/versions"],
        "files": [
            {"path": "040_add_contracts.py", "text": migration("040", "None", "add contracts ✓")},
            {"path": "041_add_contract_audit_log.py", "text": migration("041", "\"040\"", "audit log 😀 for contracts")},
            {"path": "041_add_westside_streamlit_ro_role.py", "text": migration("041", "\"040\"", "westside 🚀 streamlit role")},
            {"path": "042_add_invoice_index.py", "text": migration("042", "\"😀 041\"", "invoice index")},
        ],
        "options": {"policy": "single-head"},
    })
}

fn call(input: &Value) -> Result<Value, String> {
    call_with(revguard_web::check, input)
}

/// An export called as JavaScript calls it: the input as a plain object,
/// the report back as JSON, or the thrown `Error`'s message.
fn call_with(
    export: impl FnOnce(JsValue) -> Result<JsValue, JsError>,
    input: &Value,
) -> Result<Value, String> {
    let value = JSON::parse(&input.to_string()).unwrap();
    match export(value) {
        Ok(report) => {
            let text: String = JSON::stringify(&report).unwrap().into();
            Ok(serde_json::from_str(&text).unwrap())
        }
        Err(err) => {
            let err = JsValue::from(err);
            Err(Reflect::get(&err, &"message".into())
                .unwrap()
                .as_string()
                .unwrap())
        }
    }
}

fn keys(value: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = value
        .as_object()
        .unwrap()
        .keys()
        .map(|k| k.as_str())
        .collect();
    keys.sort_unstable();
    keys
}

#[wasm_bindgen_test]
fn report_has_the_declared_shape() {
    let report = call(&incident()).unwrap();
    assert_eq!(
        keys(&report),
        [
            "alembic",
            "bases",
            "complete",
            "diagnostics",
            "files",
            "heads",
            "label_owners",
            "policy",
            "python",
            "real_bases",
            "real_heads",
            "revguard_version",
            "revisions",
            "schema_version",
            "summary"
        ]
    );
    assert_eq!(report["schema_version"], revguard_core::SCHEMA_VERSION);
    assert_eq!(report["policy"], "single-head");
    assert_eq!(
        keys(&report["files"][0]),
        ["load_index", "path", "revision", "role"]
    );
    assert_eq!(
        report["files"][1]["path"],
        "migrations/versions/041_add_contract_audit_log.py"
    );
    assert_eq!(
        keys(&report["revisions"][0]),
        [
            "branch_labels",
            "dependencies",
            "depends_on",
            "doc",
            "down_revisions",
            "file",
            "id",
            "marks",
            "parents",
            "shadowed"
        ]
    );
    assert_eq!(
        keys(&report["alembic"]),
        ["error", "upgrade_head", "warnings"]
    );
    assert_eq!(keys(&report["summary"]), ["errors", "infos", "warnings"]);

    let diagnostic = &report["diagnostics"][0];
    assert_eq!(
        keys(diagnostic),
        [
            "check", "code", "help", "labels", "message", "notes", "severity"
        ]
    );
    let label = &diagnostic["labels"][0];
    assert_eq!(
        keys(label),
        ["end", "file", "message", "path", "primary", "span", "start"]
    );
    assert_eq!(
        keys(&label["start"]),
        ["column", "column_utf16", "line", "offset_utf16"]
    );
    assert_eq!(keys(&label["span"]), ["end", "start"]);

    // Every key the DTOs produce is declared in the generated TypeScript.
    let declared = include_str!("../types.d.ts");
    let mut stack = vec![&report];
    while let Some(value) = stack.pop() {
        match value {
            Value::Object(map) => {
                for (key, child) in map {
                    assert!(
                        declared.contains(&format!("  {key}: ")),
                        "`{key}` is missing from the TypeScript declarations"
                    );
                    stack.push(child);
                }
            }
            Value::Array(items) => stack.extend(items),
            _ => {}
        }
    }
}

#[wasm_bindgen_test]
fn the_incident_names_both_files_and_a_phantom_head() {
    let report = call(&incident()).unwrap();
    let duplicate = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["check"] == "duplicate-revision")
        .expect("a duplicate-revision diagnostic");
    assert_eq!(duplicate["severity"], "error");
    let paths: Vec<&str> = duplicate["labels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["path"].as_str().unwrap())
        .collect();
    assert!(
        paths
            .iter()
            .any(|p| p.ends_with("041_add_contract_audit_log.py"))
    );
    assert!(
        paths
            .iter()
            .any(|p| p.ends_with("041_add_westside_streamlit_ro_role.py"))
    );
    let phantom = report["revisions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| {
            r["marks"]
                .as_array()
                .unwrap()
                .contains(&json!("phantom-head"))
        })
        .count();
    assert_eq!(phantom, 1);
}

#[wasm_bindgen_test]
fn positions_are_utf16_for_editors() {
    let input = incident();
    let report = call(&input).unwrap();
    let mut astral = 0;
    for diagnostic in report["diagnostics"].as_array().unwrap() {
        for label in diagnostic["labels"].as_array().unwrap() {
            let file = label["file"].as_u64().unwrap() as usize;
            let text = input["files"][file]["text"].as_str().unwrap();
            let (bytes_start, bytes_end) = (
                label["span"]["start"].as_u64().unwrap() as usize,
                label["span"]["end"].as_u64().unwrap() as usize,
            );
            // The UTF-16 offsets cut the JS string exactly where the byte span
            // cuts the UTF-8.
            let (start, end) = (&label["start"], &label["end"]);
            let js = JsString::from(text).slice(
                start["offset_utf16"].as_u64().unwrap() as u32,
                end["offset_utf16"].as_u64().unwrap() as u32,
            );
            assert_eq!(String::from(js), text[bytes_start..bytes_end]);
            // Lines and columns agree with the offsets.
            for (pos, byte) in [(start, bytes_start), (end, bytes_end)] {
                let line_start = text[..byte].rfind('\n').map_or(0, |i| i + 1);
                let before = &text[line_start..byte];
                assert_eq!(pos["line"], text[..byte].matches('\n').count() + 1);
                assert_eq!(pos["column"], before.chars().count() + 1);
                assert_eq!(pos["column_utf16"], before.encode_utf16().count() + 1);
                if pos["column"] != pos["column_utf16"] {
                    astral += 1;
                }
            }
        }
    }
    assert!(
        astral > 0,
        "no label ended after a non-BMP character on its line"
    );
}

#[wasm_bindgen_test]
fn malformed_input_throws_one_kind_of_error() {
    let mut input = incident();
    input["options"]["policy"] = json!("two-heads-please");
    let err = call(&input).unwrap_err();
    assert!(err.starts_with("revguard: unknown policy"), "{err}");

    let err = call(&json!({"files": [{"path": "a.py"}]})).unwrap_err();
    assert!(
        err.starts_with("revguard: invalid input: missing field `text`"),
        "{err}"
    );

    let err = call(&json!({"files": [], "surprise": 1})).unwrap_err();
    assert!(
        err.starts_with("revguard: invalid input: unknown field"),
        "{err}"
    );

    let err = call(&json!({"files": [{"path": "a.py", "text": "", "location": 3}]})).unwrap_err();
    assert_eq!(err, "revguard: file 'a.py': location 3 does not exist");
}

#[wasm_bindgen_test]
fn check_json_is_the_cli_contract_byte_for_byte() {
    let request = json!({
        "locations": [{"path": "versions"}],
        "files": [
            {"path": "a.py", "content": {"text": "revision = 'a'\ndown_revision = None\n"}},
            {"path": "b.py", "content": {"text": "revision = 'b'\ndown_revision = 'a'\n"}},
        ],
    })
    .to_string();
    let native = revguard_core::check_json(request.as_bytes());
    assert_eq!(
        revguard_web::check_json(&request).as_bytes(),
        native.as_slice()
    );
    assert!(revguard_web::check_json("{").starts_with("{\"error\":"));
    assert_eq!(revguard_web::version(), env!("CARGO_PKG_VERSION"));
}

#[cfg(feature = "sql")]
fn call_sql(input: &Value) -> Result<Value, String> {
    call_with(revguard_web::check_sql, input)
}

#[cfg(feature = "sql")]
#[wasm_bindgen_test]
fn check_sql_detects_the_tool_and_reports_in_its_words() {
    let files = json!([
        {"path": "migrations/000001_users.up.sql", "text": "CREATE TABLE users (id int);\n"},
        {"path": "migrations/000001_users.down.sql", "text": "DROP TABLE users;\n"},
        {"path": "migrations/000001_people.up.sql", "text": "CREATE TABLE people (id int);\n"},
    ]);
    let detected = revguard_web::detect_dialect(JSON::parse(&files.to_string()).unwrap()).unwrap();
    assert_eq!(detected.as_string().as_deref(), Some("golang-migrate"));
    let report = call_sql(&json!({ "files": files })).unwrap();
    assert_eq!(report["dialect"], "golang-migrate");
    assert_eq!(report["detected"], true);
    assert_eq!(report["deploy"]["command"], "migrate up");
    assert_eq!(report["diagnostics"][0]["check"], "duplicate-revision");
    assert!(report["verdict"]["fails"].is_string(), "{report}");
    // Explicit nulls and lists, as in `check`'s report.
    assert!(report["applied_from"].is_null());
    assert!(report["diagnostics"][0]["notes"].is_array());

    let alembic = json!([{"path": "a.py", "text": "revision = 'a'\n"}]);
    let none = revguard_web::detect_dialect(JSON::parse(&alembic.to_string()).unwrap()).unwrap();
    assert!(none.is_null());
    let err = call_sql(&json!({ "files": [], "dialect": "liquibase" })).unwrap_err();
    assert!(
        err.starts_with("revguard: unknown dialect 'liquibase'"),
        "{err}"
    );
    let err = call_sql(&json!({ "files": [], "extra": 1 })).unwrap_err();
    assert!(
        err.starts_with("revguard: invalid input: unknown field `extra`"),
        "{err}"
    );
}

#[cfg(all(feature = "django", feature = "config"))]
fn django_migration(dependencies: &str) -> String {
    format!(
        "from django.db import migrations\n\n\nclass Migration(migrations.Migration):\n    dependencies = [{dependencies}]\n    operations = []\n"
    )
}

/// The page's two calls: `djangoSettings` (the settings module) on the
/// files at the root, then `checkDjango` with its answer.
#[cfg(all(feature = "django", feature = "config"))]
fn call_django(files: Value) -> Result<Value, String> {
    let root: Vec<Value> = files
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| !f["path"].as_str().unwrap().contains('/'))
        .cloned()
        .collect();
    assert!(root.iter().any(|f| revguard_web::may_configure(
        f["path"].as_str().unwrap(),
        f["text"].as_str().unwrap()
    )));
    let settings = call_with(revguard_web::django_settings, &Value::from(root))?;
    call_with(
        revguard_web::check_django,
        &json!({ "files": files, "settings": settings }),
    )
}

#[cfg(all(feature = "django", feature = "config"))]
#[wasm_bindgen_test]
fn check_django_takes_the_settings_and_reads_the_lock_at_the_root() {
    let first = django_migration("");
    // `revguard lock`'s line for it, with its hash as the CLI computes it.
    let hash = revguard_core::history::content_hash(first.as_bytes());
    let lock = format!(
        "# revguard-lock v1 django\nbilling.0001_initial - {hash} src/billing/migrations/0001_initial.py\nleaf billing.0001_initial\n"
    );
    let files = |first: &str, lock: &str| {
        json!([
            {"path": "pyproject.toml", "text": "[tool.revguard.django]\nlabels = { \"src/billing\" = \"billing\" }\nuser-model = \"billing.Customer\"\n"},
            {"path": "src/billing/apps.py", "text": "class BillingConfig(AppConfig):\n    label = NAME\n"},
            {"path": "src/billing/migrations/__init__.py", "text": ""},
            {"path": "src/billing/migrations/0001_initial.py", "text": first},
            {"path": "revguard.lock", "text": lock},
        ])
    };
    let report = call_django(files(&first, &lock)).unwrap();
    assert_eq!(report["user_model"], "billing.Customer");
    assert_eq!(report["apps"][0]["label"], "billing");
    assert_eq!(report["config_from"], "pyproject.toml");
    assert_eq!(report["applied_from"], "lock");
    assert_eq!(report["diagnostics"], json!([]));

    let edited = first.replace(
        "operations = []",
        "operations = [migrations.RunSQL('SELECT 1')]",
    );
    let report = call_django(files(&edited, &lock)).unwrap();
    assert_eq!(
        report["diagnostics"][0]["check"],
        "applied-migration-edited"
    );
    assert_eq!(report["diagnostics"][0]["labels"][0]["file"], 3);
    assert_eq!(report["failed"], true);

    let broken = "# revguard-lock v1 django\nleaf billing.0001_initial\n";
    let report = call_django(files(&first, broken)).unwrap();
    assert_eq!(report["diagnostics"][0]["check"], "invalid-lock-file");
    assert_eq!(
        report["diagnostics"][0]["message"],
        "revguard.lock:2: a `leaf` line without migrations above it"
    );

    let mut bad = files(&first, &lock);
    bad[0]["text"] = json!("[tool.revguard.django]\nlabels = { \"src/billing\" = \"no.label\" }\n");
    let err = call_django(bad).unwrap_err();
    assert!(
        err.starts_with("revguard: pyproject.toml:2:28: `no.label` is not an app label (key `labels` of [tool.revguard.django])"),
        "{err}"
    );
}

#[cfg(feature = "safety")]
#[wasm_bindgen_test]
fn the_lint_module_lints_plans_and_sql_files_as_the_cli() {
    // A plan as the validator module's `plans` returns it.
    let text = "def upgrade():\n    op.create_index('ix_a', 't', ['a'])\n";
    let start = text.find("op.").unwrap();
    let span = json!({"start": start, "end": text.len() - 1});
    let input = json!({"files": {"2": {"text": text, "plan": {
        "statements": [
            {"sql": "CREATE INDEX ix_a ON t (a)", "span": span},
        ],
        "unchecked": [],
    }}}});
    let out = revguard_web::lint_alembic(JSON::parse(&input.to_string()).unwrap()).unwrap();
    let out: Value = serde_json::from_str(&String::from(JSON::stringify(&out).unwrap())).unwrap();
    let rules: Vec<&str> = out["2"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert!(
        rules.contains(&"require-concurrent-index-creation"),
        "{out}"
    );
    assert_eq!(out["2"]["findings"][0]["span"], span);

    // The first module takes them as `options.lints`: a warning on the call.
    let mut check = incident();
    check["files"] = json!([{"path": "1_a.py", "text": format!("revision = 'a'\ndown_revision = None\n{text}")}]);
    let shift = "revision = 'a'\ndown_revision = None\n".len();
    let mut lints = out["2"].clone();
    lints["findings"][0]["span"] = json!({"start": start + shift, "end": text.len() - 1 + shift});
    lints["findings"].as_array_mut().unwrap().truncate(1);
    check["options"]["lints"] = json!({"0": lints});
    let report = call(&check).unwrap();
    let safety: Vec<&Value> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "RG401")
        .collect();
    assert_eq!(safety.len(), 1, "{report}");
    assert_eq!(safety[0]["severity"], "warning");
    assert_eq!(safety[0]["labels"][0]["start"]["line"], 4);

    // A SQL-file tool's project: the CLI's `safety` findings, `.squawk.toml` honoured.
    let files = json!([
        {"path": "Cargo.toml", "text": "[dependencies]\nsqlx = \"0.8\"\n"},
        {"path": ".squawk.toml", "text": "excluded_rules = [\"require-lock-timeout\", \"require-statement-timeout\"]\n"},
        {"path": "migrations/1_users.sql", "text": "CREATE TABLE users (id int);\n"},
        {"path": "migrations/2_index.sql", "text": "-- concurrently\nCREATE INDEX CONCURRENTLY users_id ON users (id);\n"},
    ]);
    let report = call_sql(&json!({ "files": files })).unwrap();
    assert_eq!(report["lint_targets"], json!([2, 3]));
    let checks: Vec<&str> = report["safety"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["check"].as_str().unwrap())
        .collect();
    assert_eq!(checks.first(), Some(&"fails-in-transaction"), "{report}");
    assert!(
        !checks.iter().any(|c| c.starts_with("require-")),
        "{checks:?}"
    );
    let refused = &report["safety"][0];
    assert_eq!(refused["severity"], "error");
    assert_eq!(refused["labels"][0]["file"], 3);
    assert_eq!(refused["labels"][0]["start"]["line"], 2);
    let tool_errors = report["verdict"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] == "error")
        .count();
    assert_eq!(report["summary"]["errors"], tool_errors + 1);
}
