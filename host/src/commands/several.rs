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
            let outcome = match (&history.error, dialect_arg(history.kind)) {
                (Some(error), _) => Err(error.clone()),
                (None, dialect) => {
                    one.dialect = dialect;
                    check_one(&one, engine_args, format).map_err(|err| format!("{err:#}"))
                }
            };
            Part {
                found: history,
                path: relative(root, &history.dir),
                outcome,
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
        Format::Github => github(&parts),
        Format::Gitlab => gitlab(&parts),
        Format::Junit => junit(&parts),
    };
    (text, code)
}

/// The flags that name one history's inputs: with several histories they
/// would be given to every one of them.
pub(super) fn refuse_single_history_flags(args: &CheckArgs, count: usize) -> anyhow::Result<()> {
    let history = &args.history;
    let given: Vec<&str> = [
        ("--database-url", history.database_url.is_some()),
        ("--deployed", history.deployed.is_some()),
        ("--base", history.base.is_some()),
    ]
    .into_iter()
    .filter_map(|(flag, set)| set.then_some(flag))
    .collect();
    if given.is_empty() {
        return Ok(());
    }
    anyhow::bail!(
        "{}: {count} migration histories found; {} names one history's state: give that history's directory (`revguard check DIR {} ...`)",
        args.project.path.display(),
        given.join(", "),
        given[0]
    )
}

fn dialect_arg(kind: Kind) -> Option<DialectArg> {
    use revguard_core::dialect::sql::Tool;
    Some(match kind {
        Kind::Alembic => DialectArg::Alembic,
        Kind::Django => DialectArg::Django,
        Kind::Sql(Tool::Flyway) => DialectArg::Flyway,
        Kind::Sql(Tool::GolangMigrate) => DialectArg::GolangMigrate,
        Kind::Sql(Tool::Goose) => DialectArg::Goose,
        Kind::Sql(Tool::Sqlx) => DialectArg::Sqlx,
        Kind::Sql(Tool::Dbmate) => DialectArg::Dbmate,
        Kind::Sql(Tool::Prisma) => DialectArg::Prisma,
        Kind::Unknown => return None,
    })
}

/// The directory a history's own paths are relative to, for the formats
/// whose paths must be the repository's (`None`: Alembic's are already
/// relative to the working directory; Django's and the SQL tools' are
/// relative to their project).
fn base(part: &Part<'_>) -> Option<String> {
    (part.found.kind != Kind::Alembic).then(|| {
        let dir = part.found.dir.to_string_lossy().replace('\\', "/");
        let dir = dir.trim_start_matches("./").trim_end_matches('/');
        if dir.is_empty() || dir == "." {
            String::new()
        } else {
            format!("{dir}/")
        }
    })
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

/// GitHub's workflow commands, each `file=` made the repository's path.
fn github(parts: &[Part<'_>]) -> String {
    let mut out = String::new();
    for part in parts {
        let Ok((text, _)) = &part.outcome else {
            continue;
        };
        match base(part) {
            Some(base) => out.push_str(&text.replace(",file=", &format!(",file={base}"))),
            None => out.push_str(text),
        }
    }
    out
}

/// One SARIF log with every history's run; each run's source root is its
/// history's directory.
fn sarif(parts: &[Part<'_>]) -> String {
    let mut runs = Vec::new();
    let mut log = Value::Null;
    for part in parts {
        let Ok((text, _)) = &part.outcome else {
            continue;
        };
        let one = parsed(text);
        for run in one["runs"].as_array().into_iter().flatten() {
            let mut run = run.clone();
            if let Some(base) = base(part).filter(|b| !b.is_empty()) {
                run["originalUriBaseIds"]["%SRCROOT%"]["uri"] = json!(base);
            }
            runs.push(run);
        }
        if log.is_null() {
            log = one;
        }
    }
    if log.is_null() {
        log = json!({
            "$schema": crate::render::sarif::SCHEMA_URI,
            "version": "2.1.0",
        });
    }
    log["runs"] = json!(runs);
    let mut out = serde_json::to_string_pretty(&log).unwrap_or_default();
    out.push('\n');
    out
}

/// GitLab's code-quality issues, with the repository's paths and
/// fingerprints that differ between histories.
fn gitlab(parts: &[Part<'_>]) -> String {
    let mut all: Vec<Value> = Vec::new();
    for part in parts {
        let Ok((text, _)) = &part.outcome else {
            continue;
        };
        for mut issue in parsed(text).as_array().cloned().unwrap_or_default() {
            if let (Some(base), Some(path)) = (base(part), issue["location"]["path"].as_str()) {
                issue["location"]["path"] = json!(format!("{base}{path}"));
            }
            if let Some(fingerprint) = issue["fingerprint"].as_str() {
                issue["fingerprint"] = json!(format!("{}:{fingerprint}", part.path));
            }
            all.push(issue);
        }
    }
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
        let prefix = format!("<testsuite name=\"{} ", xml_attribute(&part.path));
        body.push_str(&text[header_end..inner_end].replace("<testsuite name=\"", &prefix));
    }
    let body = body.trim_matches('\n');
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"revguard\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"{}\">\n{body}\n</testsuites>\n",
        totals[0], totals[1], totals[2]
    )
}

/// `text` escaped for an XML attribute value.
fn xml_attribute(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
