//! dbmate (`dbmate up`/`migrate`): `FindMigrations` keeps the files whose
//! names match `^(\d+).*\.sql$`, the version the digit *string* (so `1_a`
//! and `01_b` differ), sorted by file name, and marks a file applied when
//! its version is in `schema_migrations`. Nothing checks duplicates, edits
//! or deletions; files below the applied ones run unless `--strict`. Each
//! file's `-- migrate:up` block is parsed when it runs. A directory without
//! any such file fails `up` ("no migration files found").

use super::{Check, History, Resolved, Tool, Verdict};
use crate::Severity;

/// The version of a file dbmate reads: the leading digits of a name ending
/// in `.sql`.
pub fn version(name: &str) -> Option<&str> {
    let digits = name.bytes().take_while(u8::is_ascii_digit).count();
    (digits > 0 && name.ends_with(".sql")).then(|| &name[..digits])
}

fn is_directive(line: &str, word: &str, anchored_end: bool) -> bool {
    // `^--\s*migrate:up(\s*$|\s+\S+)` (the down regexp also ends in `$`).
    let Some(rest) = line.strip_prefix("--") else {
        return false;
    };
    let Some(rest) = rest.trim_start().strip_prefix(word) else {
        return false;
    };
    if rest.trim().is_empty() {
        return true;
    }
    if !rest.starts_with(char::is_whitespace) {
        return false;
    }
    !anchored_end
        || rest.split_whitespace().count() == 1 && !rest.trim_end().ends_with(char::is_whitespace)
}

/// `parseMigrationContents`: dbmate's error when the blocks are wrong.
pub fn parse_annotations(bytes: &[u8]) -> Result<(), String> {
    let text = String::from_utf8_lossy(bytes);
    let lines: Vec<&str> = text.split('\n').map(|l| l.trim_end_matches('\r')).collect();
    let Some(up) = lines
        .iter()
        .position(|l| is_directive(l, "migrate:up", false))
    else {
        return Err(
            "dbmate requires each migration to define an up block with '-- migrate:up'".to_owned(),
        );
    };
    let statement_before = lines[..up].iter().any(|l| {
        let t = l.trim();
        !t.is_empty() && !t.starts_with("--")
    });
    if statement_before {
        return Err(
            "dbmate does not support statements defined outside of the '-- migrate:up' or '-- migrate:down' blocks"
                .to_owned(),
        );
    }
    if lines[..up]
        .iter()
        .any(|l| is_directive(l, "migrate:down", true))
    {
        return Err(
            "dbmate requires '-- migrate:up' to appear before '-- migrate:down'".to_owned(),
        );
    }
    Ok(())
}

/// Judge a dbmate history.
pub fn judge(history: &History) -> Verdict {
    let mut verdict = Verdict::new(Tool::Dbmate);
    let mut found: Vec<(&str, usize)> = Vec::new();
    for (i, file) in history.files.iter().enumerate() {
        match version(&file.name) {
            Some(v) => found.push((v, i)),
            None if file.name.to_ascii_lowercase().ends_with(".sql") => {
                verdict.push(
                    Check::StrayMigration,
                    Severity::Warning,
                    format!(
                        "`{}` does not start with a version number and end in `.sql`, so dbmate silently skips it",
                        file.path
                    ),
                    vec![i],
                );
                verdict.help("name it `<version>_<description>.sql`");
            }
            None => {}
        }
    }
    // Sorted by file name (the host lists them so; a stable sort keeps it).
    found.sort_by(|a, b| history.files[a.1].name.cmp(&history.files[b.1].name));
    verdict.migrations = found
        .iter()
        .map(|(v, f)| Resolved {
            version: (*v).to_owned(),
            description: history.files[*f].name[v.len()..]
                .trim_end_matches(".sql")
                .trim_start_matches('_')
                .to_owned(),
            file: *f,
        })
        .collect();
    let applied: Vec<String> = history
        .applied
        .iter()
        .flatten()
        .map(|r| r.version.clone())
        .collect();
    duplicates(history, &mut verdict, &found, &applied);
    super::edits_and_deletions(
        history,
        &mut verdict,
        found.iter().map(|(v, f)| ((*v).to_owned(), *f)),
        Severity::Warning,
    );
    if found.is_empty() {
        // `Migrate`: `ErrNoMigrationFiles` before anything runs.
        verdict.fail("no migration files found".to_owned());
        return verdict;
    }
    run(history, &mut verdict, &found, &applied);
    verdict
}

fn duplicates(
    history: &History,
    verdict: &mut Verdict,
    found: &[(&str, usize)],
    applied: &[String],
) {
    let sequence: Vec<(String, usize)> = found.iter().map(|(v, f)| ((*v).to_owned(), *f)).collect();
    for (v, files) in super::same_version(Tool::Dbmate, &sequence) {
        let paths: Vec<String> = files
            .iter()
            .map(|f| history.files[*f].path.clone())
            .collect();
        let is_applied = applied.contains(&v);
        verdict.push(
            Check::DuplicateRevision,
            Severity::Error,
            format!(
                "{} files have dbmate version {v}: {}",
                files.len(),
                super::list(&paths)
            ),
            files.clone(),
        );
        if is_applied {
            verdict.note(format!(
                "version {v} is applied, so dbmate counts every copy as applied: the others never run, and nothing is reported"
            ));
        } else {
            verdict.note(format!(
                "dbmate does not detect this: `dbmate up` runs `{}`, then the next copy fails on schema_migrations' primary key, and once one copy is recorded the others never run",
                paths[0]
            ));
        }
        verdict.help("give one of them the next free version");
    }
}

fn run(history: &History, verdict: &mut Verdict, found: &[(&str, usize)], applied: &[String]) {
    let highest = found
        .iter()
        .filter(|(v, _)| applied.iter().any(|a| a == v))
        .map(|(v, _)| *v)
        .next_back();
    let mut recorded: Vec<&str> = Vec::new();
    for (v, f) in found {
        if applied.iter().any(|a| a == v) {
            continue;
        }
        let path = &history.files[*f].path;
        if let Some(high) = highest.filter(|h| *v <= *h) {
            if history.strict {
                let message = format!(
                    "migration `{v}` is out of order with already applied migrations, the version number has to be higher than the applied migration `{high}` in --strict mode"
                );
                verdict.push(
                    Check::InsertedBelowDeployed,
                    Severity::Error,
                    format!("`{path}` (version {v}) is below the applied version {high}: `dbmate --strict up` refuses it"),
                    vec![*f],
                );
                verdict.note(format!("`dbmate up` fails: Error: {message}"));
                verdict.fail(message);
                return;
            }
            verdict.push(
                Check::InsertedBelowDeployed,
                Severity::Warning,
                format!("`{path}` (version {v}) is below the applied version {high}: dbmate runs it now, after newer migrations"),
                vec![*f],
            );
        }
        if recorded.contains(v) {
            verdict.fail("UNIQUE constraint failed: schema_migrations.version".to_owned());
            verdict.note(
                "SQLite's words; PostgreSQL says: duplicate key value violates unique constraint \"schema_migrations_pkey\"".to_owned(),
            );
            return;
        }
        if let Some(err) = &history.files[*f].facts.dbmate_error {
            verdict.push(
                Check::UnreadableRevision,
                Severity::Error,
                format!("`{path}` cannot be parsed by dbmate: {err}"),
                vec![*f],
            );
            verdict.help("start the migration with `-- migrate:up` (and its rollback with `-- migrate:down`)");
            verdict.fail(err.clone());
            return;
        }
        verdict.runs.push(*f);
        recorded.push(v);
    }
}
