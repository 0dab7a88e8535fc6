//! The playground's validator: whole-file verdicts for the first module.
//!
//! `verdicts(texts, version)` runs the core's own `compile_module` (the binding
//! reader plus Ruff's parser and CPython's compile-stage rules) on each file
//! and returns, per file, `null` when CPython would compile it or the error
//! in file offsets. The first module passes them back as
//! `options.verdicts`, so its report is exactly the CLI's.
//!
//! Built with only its `translate` feature, the crate is the playground's
//! translator instead: `plans(texts)` is the deploy-safety lint's Alembic
//! front end, each migration's `upgrade()` as the SQL `alembic upgrade
//! --sql` emits for it (`revguard_core::safety::translate`), which the lint
//! module (squawk) lints. Both are fetched only when there is something to
//! lint.

#![warn(missing_docs)]

use revguard_core::GivenSyntaxError;
use revguard_core::python::PythonVersion;
#[cfg(feature = "translate")]
use revguard_core::safety::{Plan, SafetySettings};
#[cfg(feature = "translate")]
use revguard_core::text::Span;
use wasm_bindgen::prelude::*;

/// The verdict of every text, in order.
pub fn verdicts_of(texts: &[String], version: PythonVersion) -> Vec<Option<GivenSyntaxError>> {
    texts
        .iter()
        .map(|text| {
            let module = revguard_core::parse::compile_module(text.as_bytes(), version);
            module.facts.syntax_error.map(GivenSyntaxError::from)
        })
        .collect()
}

/// `texts`: the file texts; `python_version`: e.g. `"3.10"`. Returns a JSON
/// array with one entry per text: `null` or `{message, start, end,
/// unsupported}`. The JSON is written by hand: serde_json would add ~40 KB
/// to a module whose size is budgeted.
#[cfg(feature = "validate")]
#[wasm_bindgen]
pub fn verdicts(texts: Vec<String>, python_version: &str) -> Result<String, JsError> {
    let version: PythonVersion = python_version
        .parse()
        .map_err(|e| JsError::new(&format!("revguard: {e}")))?;
    Ok(to_json(&verdicts_of(&texts, version)))
}

/// `texts`: the file texts. Returns a JSON array with one entry per text:
/// `null` (no `upgrade()`, or the file does not parse) or the plan
/// `{statements: [{sql, span}], unchecked: [{call, reason, span}]}`, spans
/// in byte offsets. Translated under the playground's lint settings (the
/// defaults: Alembic's transaction around each migration).
#[cfg(feature = "translate")]
#[wasm_bindgen]
pub fn plans(texts: Vec<String>) -> String {
    let settings = SafetySettings::default();
    let plans: Vec<Option<Plan>> = texts
        .iter()
        .map(|text| revguard_core::safety::translate(text, &settings))
        .collect();
    plans_json(&plans)
}

/// The plans as a JSON array (written by hand, as the verdicts are).
#[cfg(feature = "translate")]
pub fn plans_json(plans: &[Option<Plan>]) -> String {
    let mut out = String::from("[");
    for (i, plan) in plans.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let Some(plan) = plan else {
            out.push_str("null");
            continue;
        };
        out.push_str("{\"statements\":[");
        for (j, statement) in plan.statements.iter().enumerate() {
            if j > 0 {
                out.push(',');
            }
            out.push_str("{\"sql\":");
            json_string(&mut out, &statement.sql);
            out.push_str(",\"span\":");
            match statement.span {
                Some(span) => span_json(&mut out, span),
                None => out.push_str("null"),
            }
            out.push('}');
        }
        out.push_str("],\"unchecked\":[");
        for (j, call) in plan.unchecked.iter().enumerate() {
            if j > 0 {
                out.push(',');
            }
            out.push_str("{\"call\":");
            json_string(&mut out, &call.call);
            out.push_str(",\"reason\":");
            json_string(&mut out, &call.reason);
            out.push_str(",\"span\":");
            span_json(&mut out, call.span);
            out.push('}');
        }
        out.push_str("]}");
    }
    out.push(']');
    out
}

#[cfg(feature = "translate")]
fn span_json(out: &mut String, span: Span) {
    out.push_str(&format!(
        "{{\"start\":{},\"end\":{}}}",
        span.start, span.end
    ));
}

/// The verdicts as a JSON array.
pub fn to_json(verdicts: &[Option<GivenSyntaxError>]) -> String {
    let mut out = String::from("[");
    for (i, verdict) in verdicts.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        match verdict {
            None => out.push_str("null"),
            Some(e) => {
                out.push_str("{\"message\":");
                json_string(&mut out, &e.message);
                out.push_str(&format!(
                    ",\"start\":{},\"end\":{},\"unsupported\":{}}}",
                    e.start, e.end, e.unsupported
                ));
            }
        }
    }
    out.push(']');
    out
}

fn json_string(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts_match_the_cli_core() {
        let texts = vec![
            "revision = 'a'\ndown_revision = None\n".to_owned(),
            "revision = 'b'\ndown_revision = 'a'\ndef upgrade():\n    print 'x'\n".to_owned(),
        ];
        let out = verdicts_of(&texts, PythonVersion::DEFAULT);
        assert_eq!(out[0], None);
        let error = out[1].as_ref().unwrap();
        assert!(
            error.message.starts_with("Missing parentheses"),
            "{error:?}"
        );
        assert_eq!(&texts[1][error.start..error.end], "'x'");
    }

    #[test]
    fn hand_written_json_is_json() {
        let verdicts = vec![
            None,
            Some(GivenSyntaxError {
                message: "quote \" backslash \\ tab \t é".into(),
                start: 1,
                end: 2,
                unsupported: false,
            }),
        ];
        let back: Vec<Option<GivenSyntaxError>> =
            serde_json::from_str(&to_json(&verdicts)).unwrap();
        assert_eq!(back, verdicts);
    }

    #[cfg(feature = "translate")]
    #[test]
    fn hand_written_plans_are_the_core_plans_as_json() {
        let texts = vec![
            "revision = 'a'\n".to_owned(),
            concat!(
                "def upgrade():\n",
                "    op.execute(\"SELECT '\\\\\\\"é'\")\n",
                "    op.create_index('ix', 't', ['a'])\n",
                "    op.create_index(name, 't', ['a'])\n",
            )
            .to_owned(),
        ];
        let settings = SafetySettings::default();
        let direct: Vec<Option<Plan>> = texts
            .iter()
            .map(|t| revguard_core::safety::translate(t, &settings))
            .collect();
        assert!(direct[0].is_none());
        let plan = direct[1].as_ref().expect("an upgrade()");
        assert!(
            plan.statements
                .iter()
                .any(|s| s.sql.starts_with("CREATE INDEX ix"))
        );
        assert_eq!(plan.unchecked.len(), 1);
        let back: Vec<Option<Plan>> = serde_json::from_str(&plans(texts)).unwrap();
        assert_eq!(back, direct);
    }

    #[test]
    fn a_first_module_given_the_verdicts_reports_like_the_cli() {
        let texts = vec![
            "revision = 'a'\ndown_revision = None\n".to_owned(),
            "revision = 'b'\ndown_revision = 'a'\ndef upgrade():\n    return (\n".to_owned(),
        ];
        let request = |verdicts| revguard_core::Request {
            files: texts
                .iter()
                .enumerate()
                .map(|(i, t)| revguard_core::InputFile {
                    location: 0,
                    path: format!("{i}_x.py"),
                    real_path: None,
                    content: revguard_core::Content::Text(t.clone()),
                })
                .collect(),
            options: revguard_core::Options {
                verdicts,
                ..revguard_core::Options::default()
            },
            ..revguard_core::Request::default()
        };
        let given = verdicts_of(&texts, PythonVersion::DEFAULT)
            .into_iter()
            .enumerate()
            .collect();
        let with = revguard_core::check(&request(given));
        let direct = revguard_core::check(&request(Default::default()));
        assert_eq!(
            revguard_core::to_json(&with),
            revguard_core::to_json(&direct)
        );
        assert!(with.diagnostics.iter().any(|d| d.check == "syntax-error"));
    }
}
