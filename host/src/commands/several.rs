//! `check` of a path that holds several migration histories (an Alembic
//! service, a Django site, a Go service's SQL files): each history is found
//! by [`crate::detect`], checked on its own exactly as `check <its path>
//! --dialect <its tool>` would, and the reports are put together in the
//! chosen format. The exit code is the worst of them (2 when one could not
//! be checked at all).

use std::path::Path;

use serde_json::{Value, json};

use super::check::check_one;
use crate::cli::{CheckArgs, DialectArg, EngineArgs};
use crate::detect::{Found, Kind};
use crate::render::Format;

/// One history's outcome: its report text and exit code, or why it could
/// not be checked.
struct Part<'a> {
    found: &'a Found,
    path: String,
    outcome: Result<(String, u8), String>,
}

/// Check every history and combine the reports.
pub(super) fn check(
    args: &CheckArgs,
    engine_args: &EngineArgs,
    found: &[Found],
    format: Format,
) -> (String, u8) {
    let root = &args.project.path;
    let parts: Vec<Part<'_>> = found
        .iter()
        .map(|history| {
            let mut one = args.clone();
            one.project.path = history.dir.clone();
            one.dialect = Some(dialect_arg(history.kind));
            Part {
                found: history,
                path: relative(root, &history.dir),
                outcome: check_one(&one, engine_args, format).map_err(|err| format!("{err:#}")),
            }
        })
        .collect();
    let code = parts
        .iter()
        .map(|p| p.outcome.as_ref().map_or(2, |(_, code)| *code))
        .max()
        .unwrap_or(0);
    if !matches!(format, Format::Human | Format::Json) {
        // Machine formats carry reports only: what could not be checked is
        // said on stderr, and the exit code is 2.
        for part in &parts {
            if let Err(err) = &part.outcome {
                eprintln!("revguard: error: {}: {err}", part.path);
            }
        }
    }
    let text = match format {
        Format::Human => human(root, &parts),
        Format::Json => json_report(&parts),
        Format::Sarif => sarif(&parts),
        Format::Github => parts
            .iter()
            .filter_map(|p| p.outcome.as_ref().ok())
            .map(|(t, _)| t.as_str())
            .collect(),
        Format::Gitlab => gitlab(&parts),
        Format::Junit => junit(&parts),
    };
    (text, code)
}

fn dialect_arg(kind: Kind) -> DialectArg {
    use revguard_core::dialect::sql::Tool;
    match kind {
        Kind::Alembic => DialectArg::Alembic,
        Kind::Django => DialectArg::Django,
        Kind::Sql(Tool::Flyway) => DialectArg::Flyway,
        Kind::Sql(Tool::GolangMigrate) => DialectArg::GolangMigrate,
        Kind::Sql(Tool::Goose) => DialectArg::Goose,
        Kind::Sql(Tool::Sqlx) => DialectArg::Sqlx,
        Kind::Sql(Tool::Dbmate) => DialectArg::Dbmate,
        Kind::Sql(Tool::Prisma) => DialectArg::Prisma,
    }
}

fn relative(root: &Path, dir: &Path) -> String {
    dir.strip_prefix(root)
        .unwrap_or(dir)
        .to_string_lossy()
        .replace('\\', "/")
}

fn human(root: &Path, parts: &[Part<'_>]) -> String {
    let mut out = String::new();
    let mut failed = 0;
    for part in parts {
        out.push_str(&format!(
            "== {}: {} ==\n",
            part.found.kind.name(),
            part.path
        ));
        match &part.outcome {
            Ok((text, code)) => {
                failed += usize::from(*code != 0);
                out.push_str(text);
            }
            Err(err) => {
                failed += 1;
                out.push_str(&format!("error: {err}\n"));
            }
        }
        if !out.ends_with("\n\n") {
            out.push('\n');
        }
    }
    out.push_str(&format!(
        "{} migration histories under {}: {}\n",
        parts.len(),
        root.display(),
        if failed == 0 {
            "all ok".to_owned()
        } else {
            format!("{failed} failed")
        }
    ));
    out
}

fn parsed(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or(Value::Null)
}

fn json_report(parts: &[Part<'_>]) -> String {
    let histories: Vec<Value> = parts
        .iter()
        .map(|part| {
            let mut entry = json!({
                "dialect": part.found.kind.name(),
                "path": part.path,
            });
            match &part.outcome {
                Ok((text, code)) => {
                    entry["exit_code"] = json!(code);
                    entry["report"] = parsed(text);
                }
                Err(err) => {
                    entry["exit_code"] = json!(2);
                    entry["error"] = json!(err);
                }
            }
            entry
        })
        .collect();
    let mut out =
        serde_json::to_string_pretty(&json!({ "histories": histories })).unwrap_or_default();
    out.push('\n');
    out
}

/// One SARIF log with every history's run.
fn sarif(parts: &[Part<'_>]) -> String {
    let mut logs = parts
        .iter()
        .filter_map(|p| p.outcome.as_ref().ok())
        .map(|(text, _)| parsed(text));
    let Some(mut log) = logs.next() else {
        return String::new();
    };
    for other in logs {
        if let (Some(runs), Some(more)) = (log["runs"].as_array_mut(), other["runs"].as_array()) {
            runs.extend(more.iter().cloned());
        }
    }
    let mut out = serde_json::to_string_pretty(&log).unwrap_or_default();
    out.push('\n');
    out
}

fn gitlab(parts: &[Part<'_>]) -> String {
    let all: Vec<Value> = parts
        .iter()
        .filter_map(|p| p.outcome.as_ref().ok())
        .flat_map(|(text, _)| parsed(text).as_array().cloned().unwrap_or_default())
        .collect();
    let mut out = serde_json::to_string_pretty(&all).unwrap_or_default();
    out.push('\n');
    out
}

/// The value of `name="..."` in an XML start tag.
fn attribute(tag: &str, name: &str) -> usize {
    tag.split(&format!(" {name}=\""))
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// One `<testsuites>` document with every history's suites, each suite's
/// name prefixed with its history's path.
fn junit(parts: &[Part<'_>]) -> String {
    let mut body = String::new();
    let mut totals = [0usize; 3];
    for part in parts {
        let Ok((text, _)) = &part.outcome else {
            continue;
        };
        let Some(start) = text.find("<testsuites") else {
            continue;
        };
        let header_end = text[start..]
            .find('>')
            .map_or(text.len(), |i| start + i + 1);
        let header = &text[start..header_end];
        for (total, name) in totals.iter_mut().zip(["tests", "failures", "skipped"]) {
            *total += attribute(header, name);
        }
        let inner_end = text.rfind("</testsuites>").unwrap_or(text.len());
        let prefix = format!("<testsuite name=\"{} ", part.path);
        body.push_str(&text[header_end..inner_end].replace("<testsuite name=\"", &prefix));
    }
    let body = body.trim_matches('\n');
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"revguard\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"{}\">\n{body}\n</testsuites>\n",
        totals[0], totals[1], totals[2]
    )
}
