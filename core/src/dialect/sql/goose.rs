//! goose (`goose up`, the CLI's path): `CollectMigrations` globs `*.sql`
//! in the directory and reads each version with `NumericComponent` (an
//! `int64` before the first `_`, at least 1; any other `.sql` file fails
//! the collection), sorting panics on a duplicate version, and `UpTo`
//! refuses unapplied files below the highest applied version unless
//! `-allow-missing`. Each file's `-- +goose Up` annotation is parsed when
//! it runs (`sqlparser.ParseSQLMigration`).

use super::{Check, History, Resolved, Tool, Verdict};
use crate::Severity;

const DOC: &str = "https://github.com/pressly/goose#sql-migrations";

/// `NumericComponent`: the version of a `.sql` file, or goose's error.
pub fn numeric_component(name: &str) -> Result<i64, String> {
    let Some(idx) = name.find('_') else {
        return Err("no filename separator '_' found".to_owned());
    };
    let text = &name[..idx];
    // strconv.ParseInt: optional sign, decimal digits, int64 range.
    let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
    let number = if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        text.strip_prefix('+')
            .unwrap_or(text)
            .parse::<i64>()
            .map_err(|_| format!("strconv.ParseInt: parsing {text:?}: value out of range"))?
    } else {
        return Err(format!(
            "strconv.ParseInt: parsing {text:?}: invalid syntax"
        ));
    };
    if number < 1 {
        return Err("migration IDs must be greater than zero".to_owned());
    }
    Ok(number)
}

/// goose's annotation on a `--` line that names `+goose`, upper-cased
/// (`extractAnnotation`: every `--` removed, the first `+goose` removed,
/// trimmed; goose compares annotations case-insensitively).
pub fn annotation(line: &str) -> Option<String> {
    if !line.starts_with("--") || !line.contains("+goose") {
        return None;
    }
    let command = line.replace("--", "").replacen("+goose", "", 1);
    Some(command.trim().to_ascii_uppercase())
}

/// The annotation parse of the up direction; goose's error when it fails.
pub fn parse_annotations(bytes: &[u8]) -> Result<(), String> {
    #[derive(PartialEq)]
    enum State {
        Start,
        Up,
        Down,
    }
    let text = String::from_utf8_lossy(bytes);
    let mut state = State::Start;
    for line in text.lines() {
        if line.starts_with("--") {
            match annotation(line).as_deref() {
                Some("UP") if state == State::Start => state = State::Up,
                Some("UP") => {
                    return Err(format!(
                        "duplicate '-- +goose Up' annotations; stateMachine=1, see {DOC}"
                    ));
                }
                Some("DOWN") if state == State::Up => state = State::Down,
                Some("DOWN") if state == State::Start => {
                    return Err(format!(
                        "must start with '-- +goose Up' annotation, stateMachine=0, see {DOC}"
                    ));
                }
                _ => {}
            }
            continue;
        }
        if state == State::Start && !line.trim().is_empty() {
            return Err(format!(
                "failed to parse migration: unexpected state 0 on line {line:?}, see {DOC}"
            ));
        }
    }
    if state == State::Start {
        return Err(format!(
            "failed to parse migration: must start with '-- +goose Up' annotation, see {DOC}"
        ));
    }
    Ok(())
}

/// Judge a goose history.
pub fn judge(history: &History) -> Verdict {
    let mut verdict = Verdict::new(Tool::Goose);
    let mut found: Vec<(i64, usize)> = Vec::new();
    for (i, file) in history.files.iter().enumerate() {
        if !file.name.ends_with(".sql") {
            continue;
        }
        match numeric_component(&file.name) {
            Ok(version) => found.push((version, i)),
            Err(err) => {
                let message = format!("could not parse SQL migration file {:?}: {err}", file.path);
                verdict.push(
                    Check::InvalidRevisionId,
                    Severity::Error,
                    format!(
                        "`{}` is a `.sql` file in goose's directory without a `<version>_` prefix: goose fails on it",
                        file.path
                    ),
                    vec![i],
                );
                verdict.note(format!("`goose up` fails: {message}"));
                verdict.help("rename it `<version>_<description>.sql`, or move it out of the migrations directory");
                verdict.fail(message);
            }
        }
    }
    found.sort();
    verdict.migrations = found
        .iter()
        .map(|(v, file)| Resolved {
            version: v.to_string(),
            description: description(&history.files[*file].name),
            file: *file,
        })
        .collect();
    for pair in found.windows(2) {
        if pair[0].0 == pair[1].0 {
            let (a, b) = (
                &history.files[pair[0].1].path,
                &history.files[pair[1].1].path,
            );
            let message = format!("goose: duplicate version {} detected:\n{a}\n{b}", pair[0].0);
            verdict.push(
                Check::DuplicateRevision,
                Severity::Error,
                format!("`{a}` and `{b}` both have goose version {}", pair[0].0),
                vec![pair[0].1, pair[1].1],
            );
            verdict.note(format!("`goose up` panics while sorting: {message}"));
            verdict.help(
                "give one of them the next free version (`goose fix` renumbers timestamped files)",
            );
            verdict.fail(message);
        }
    }
    if verdict.fails.is_some() {
        return verdict;
    }
    deployed(history, &mut verdict, &found);
    verdict
}

fn description(name: &str) -> String {
    let stem = name.strip_suffix(".sql").unwrap_or(name);
    stem.split_once('_').map_or("", |(_, d)| d).to_owned()
}

fn deployed(history: &History, verdict: &mut Verdict, found: &[(i64, usize)]) {
    let applied: Vec<i64> = history
        .applied
        .iter()
        .flatten()
        .filter(|r| r.success)
        .filter_map(|r| r.version.parse().ok())
        .filter(|v| *v > 0)
        .collect();
    let max = applied.iter().copied().max().unwrap_or(0);
    super::edits_and_deletions(
        history,
        verdict,
        found.iter().map(|(v, f)| (v.to_string(), *f)),
        Severity::Warning,
    );
    let missing: Vec<&(i64, usize)> = found
        .iter()
        .filter(|(v, _)| *v < max && !applied.contains(v))
        .collect();
    if !missing.is_empty() {
        let lines: Vec<String> = missing
            .iter()
            .map(|(v, f)| format!("version {v}: {}", history.files[*f].path))
            .collect();
        let message = format!(
            "error: found {} missing migrations before current version {max}:\n\t{}",
            missing.len(),
            lines.join("\n\t")
        );
        for (v, f) in &missing {
            verdict.push(
                Check::InsertedBelowDeployed,
                Severity::Error,
                format!(
                    "`{}` (version {v}) is below the deployed version {max} and not applied: `goose up` refuses to run",
                    history.files[*f].path
                ),
                vec![*f],
            );
            verdict.note(format!("`goose up` fails: {message}"));
            verdict
                .help("give it a version above the deployed one, or deploy with `-allow-missing`");
        }
        verdict.fail(message);
        return;
    }
    for (v, f) in found.iter().filter(|(v, _)| *v > max) {
        if let Some(err) = &history.files[*f].facts.goose_error {
            let path = &history.files[*f].path;
            verdict.push(
                Check::UnreadableRevision,
                Severity::Error,
                format!("`{path}` (version {v}) cannot be parsed by goose: {err}"),
                vec![*f],
            );
            verdict.help(
                "start the file with `-- +goose Up` (and put the rollback after `-- +goose Down`)",
            );
            verdict.fail(format!(
                "ERROR {path}: failed to parse SQL migration file: {err}"
            ));
            return;
        }
        verdict.runs.push(*f);
    }
}
