//! The SQL-file front end: a Flyway, golang-migrate, goose, sqlx, dbmate
//! or Prisma migration is linted as written, the way squawk lints a `.sql`
//! file, with two things only the tool knows:
//!
//! - **what runs**: goose's `-- +goose Up` section and dbmate's
//!   `-- migrate:up` block (the down part is blanked out, so every offset
//!   squawk reports is an offset in the file); Flyway's `${placeholders}`
//!   are blanked into identifiers of the same length, as Flyway replaces
//!   them before running the script;
//! - **whether it runs inside a transaction**, which squawk's
//!   `assume_in_transaction` expresses (`docs/safety.md` lists each tool's
//!   rule and where it comes from).
//!
//! `-- squawk-ignore` comments are squawk's own and work as in squawk.

use squawk_syntax::SourceFile;
use squawk_syntax::ast::{self, AstNode};

use super::{Refused, SafetyFacts, SafetyFinding, SafetySettings, Unchecked};
use crate::dialect::sql::Tool;
use crate::text::Span;

/// Lint one SQL migration of `tool` (`None`: nothing of it runs, such as a
/// goose file without `-- +goose Up`, which the tool's own check reports).
pub(super) fn check(text: &str, tool: Tool, settings: &SafetySettings) -> Option<SafetyFacts> {
    let script = runnable(text, tool)?;
    let parsed = SourceFile::parse(&script);
    // PostgreSQL's grammar drops empty statements (a stray `;`).
    let statements: Vec<ast::Stmt> = parsed
        .tree()
        .stmts()
        .filter(|s| !matches!(s, ast::Stmt::EmptyStmt(_)))
        .collect();
    let mut linter = super::lint::linter(settings);
    let wrapped = in_transaction(text, tool, &statements, settings);
    linter.settings.assume_in_transaction = settings.assume_in_transaction || wrapped;
    let mut facts = SafetyFacts {
        refused: refused(&script, tool, wrapped, &statements, settings),
        ..SafetyFacts::default()
    };
    for violation in linter.lint(&parsed, &script) {
        let range = violation.text_range;
        let span = Span::new(usize::from(range.start()), usize::from(range.end()));
        let sql = statements
            .iter()
            .map(|s| s.syntax().text_range())
            .find(|r| r.contains_range(range))
            .map_or(&script[span.start..span.end], |r| {
                &script[usize::from(r.start())..usize::from(r.end())]
            })
            .trim()
            .trim_end_matches(';')
            .trim_end()
            .to_owned();
        facts.findings.push(SafetyFinding {
            rule: violation.code.to_string(),
            message: violation.message,
            help: violation.help,
            span,
            sql,
        });
    }
    if let Some(error) = parsed.errors().first() {
        let range = error.range();
        facts.unchecked.push(Unchecked {
            call: String::new(),
            reason: format!(
                "squawk's parser cannot read the SQL here ({}), so what follows may be linted only in part",
                error.message()
            ),
            span: Span::new(usize::from(range.start()), usize::from(range.end())),
        });
    }
    Some(facts)
}

/// The text with everything the tool does not run replaced by spaces (line
/// breaks kept), so offsets stay the file's; `None` when nothing runs.
fn runnable(text: &str, tool: Tool) -> Option<String> {
    let mut script = blank_bom(text);
    match tool {
        Tool::Goose => {
            let (start, end) = goose_up(text)?;
            blank(&mut script, 0, start);
            blank(&mut script, end, text.len());
        }
        Tool::Dbmate => {
            let (start, end) = dbmate_up(text)?;
            blank(&mut script, 0, start);
            blank(&mut script, end, text.len());
        }
        Tool::Flyway => blank_placeholders(&mut script),
        Tool::GolangMigrate | Tool::Sqlx | Tool::Prisma => {}
    }
    Some(script)
}

fn blank_bom(text: &str) -> String {
    match text.strip_prefix('\u{feff}') {
        // The BOM is three bytes in UTF-8: three spaces keep the offsets.
        Some(rest) => format!("   {rest}"),
        None => text.to_owned(),
    }
}

/// Replace `script[start..end]` by spaces, keeping line breaks (the range
/// is on line boundaries, so it never splits a character).
fn blank(script: &mut String, start: usize, end: usize) {
    if start >= end {
        return;
    }
    let blanked: String = script[start..end]
        .chars()
        .map(|c| {
            if c == '\n' || c == '\r' {
                c.to_string()
            } else {
                " ".repeat(c.len_utf8())
            }
        })
        .collect();
    script.replace_range(start..end, &blanked);
}

/// Flyway's default placeholders (`${name}` on one line) as identifiers of
/// the same length: Flyway substitutes them before PostgreSQL sees the SQL.
fn blank_placeholders(script: &mut String) {
    let mut from = 0;
    while let Some(at) = script[from..].find("${").map(|i| from + i) {
        let Some(len) = script[at..]
            .find(['}', '\n'])
            .filter(|&i| script.as_bytes()[at + i] == b'}')
        else {
            from = at + 2;
            continue;
        };
        let end = at + len + 1;
        let replacement: String = script[at..end]
            .chars()
            .map(|c| "_".repeat(c.len_utf8()))
            .collect();
        script.replace_range(at..end, &replacement);
        from = end;
    }
}

/// Byte offsets of each line: (start, end without the terminator, text).
fn lines(text: &str) -> impl Iterator<Item = (usize, usize, &str)> {
    let mut start = 0;
    text.split_inclusive('\n').map(move |raw| {
        let line = raw.trim_end_matches(['\n', '\r']);
        let at = start;
        start += raw.len();
        (at, at + raw.len(), line)
    })
}

/// goose's annotation of a line (the judge's reader and this one agree).
fn goose_annotation(line: &str) -> Option<String> {
    crate::dialect::sql::goose::annotation(line)
}

/// The bytes goose runs for `up`: after `-- +goose Up` up to `-- +goose Down`.
fn goose_up(text: &str) -> Option<(usize, usize)> {
    let mut start = None;
    for (at, end, line) in lines(text) {
        match goose_annotation(line).as_deref() {
            Some("UP") if start.is_none() => start = Some(end),
            Some("DOWN") if start.is_some() => return start.map(|s| (s, at)),
            _ => {}
        }
    }
    start.map(|s| (s, text.len()))
}

/// dbmate's `-- migrate:up` line (`^--\s*migrate:up(\s*$|\s+\S+)`): its options.
fn dbmate_directive<'a>(line: &'a str, word: &str) -> Option<&'a str> {
    let rest = line.strip_prefix("--")?.trim_start().strip_prefix(word)?;
    (rest.is_empty() || rest.starts_with(char::is_whitespace)).then_some(rest)
}

/// The bytes dbmate runs for `up`: after `-- migrate:up` up to `-- migrate:down`.
fn dbmate_up(text: &str) -> Option<(usize, usize)> {
    let mut start = None;
    for (at, end, line) in lines(text) {
        if start.is_none() {
            if dbmate_directive(line, "migrate:up").is_some() {
                start = Some(end);
            }
        } else if dbmate_directive(line, "migrate:down").is_some() {
            return start.map(|s| (s, at));
        }
    }
    start.map(|s| (s, text.len()))
}

/// Whether the migration's statements run inside a transaction block on
/// PostgreSQL: the tool's own transaction, or the implicit one PostgreSQL
/// opens for a simple-protocol query of several statements (a tool that
/// sends the whole file as one query: golang-migrate, Prisma, and sqlx and
/// dbmate when the migration opts out of their transaction).
fn in_transaction(
    text: &str,
    tool: Tool,
    statements: &[ast::Stmt],
    settings: &SafetySettings,
) -> bool {
    // In a query of several statements every statement runs in a block:
    // the explicit one, or an implicit one (again after a `COMMIT`).
    let one_query = statements.len() > 1;
    match tool {
        // `source.rs`: `no_tx = sql.starts_with("-- no-transaction")`; then
        // the file is one `execute` without arguments: one query.
        Tool::Sqlx => !text.starts_with("-- no-transaction") || one_query,
        // `-- +goose NO TRANSACTION` anywhere in the file; goose then runs
        // its statements one by one.
        Tool::Goose => {
            !lines(text).any(|(_, _, l)| goose_annotation(l).is_some_and(|a| a == "NO TRANSACTION"))
        }
        // `-- migrate:up transaction:false`; the up block is then one `Exec`.
        Tool::Dbmate => {
            !lines(text).any(|(_, _, l)| {
                dbmate_directive(l, "migrate:up").is_some_and(|options| {
                    options.split_whitespace().any(|o| o == "transaction:false")
                })
            }) || one_query
        }
        // `executeInTransaction` (default true), unless a statement cannot
        // run in one: Flyway then runs the migration without one, statement
        // by statement.
        Tool::Flyway => {
            settings.transactional
                && !statements
                    .iter()
                    .any(|s| flyway_non_transactional(&s.syntax().text().to_string(), settings))
        }
        // The whole file is one simple-protocol query.
        Tool::GolangMigrate | Tool::Prisma => one_query,
    }
}

/// The statements the deploy stops at because of its transaction: with
/// the migration `wrapped` in one, each statement PostgreSQL refuses inside
/// a transaction block; for Flyway (which never wraps those), the statement
/// where a migration first mixes transactional and non-transactional ones,
/// unless `mixed` allows it.
fn refused(
    script: &str,
    tool: Tool,
    wrapped: bool,
    statements: &[ast::Stmt],
    settings: &SafetySettings,
) -> Vec<Refused> {
    let mut out = Vec::new();
    let (mut transactional, mut other) = (false, false);
    for statement in statements {
        let range = statement.syntax().text_range();
        let span = Span::new(usize::from(range.start()), usize::from(range.end()));
        let text = statement.syntax().text().to_string();
        if tool == Tool::Flyway {
            if settings.flyway_mixed || out.len() == 1 {
                continue;
            }
            let non_transactional = flyway_non_transactional(&text, settings);
            other |= non_transactional;
            transactional |= !non_transactional;
            if transactional && other {
                let line = script[..span.start].matches('\n').count() + 1;
                let command = statements
                    .iter()
                    .map(|s| s.syntax().text().to_string())
                    .find(|s| flyway_non_transactional(s, settings))
                    .map(|s| {
                        no_transaction_block(&s, settings).unwrap_or_else(|| words(&s, 3).join(" "))
                    })
                    .unwrap_or_default();
                let text = text.trim().trim_end_matches(';').trim_end();
                out.push(Refused {
                    command,
                    span,
                    error: format!(
                        "Detected both transactional and non-transactional statements within the same migration (even though mixed is false). Offending statement found at line {line}: {}{}",
                        text.trim(),
                        if non_transactional { " [non-transactional]" } else { "" }
                    ),
                });
            }
        } else if wrapped
            && let Some(command) = no_transaction_block(&text, settings)
            // Before 12, a type created in the same transaction may gain values.
            && !(command.starts_with("ALTER TYPE") && script.to_ascii_uppercase().contains("CREATE TYPE"))
        {
            out.push(Refused {
                command: command.clone(),
                span,
                error: format!("ERROR:  {command} cannot run inside a transaction block"),
            });
        }
    }
    out
}

/// The first `count` words of a statement, upper-cased (`;` and
/// parentheses separate words: `VACUUM;`, `VACUUM(ANALYZE)`).
fn words(statement: &str, count: usize) -> Vec<String> {
    statement
        .split(|c: char| c.is_whitespace() || matches!(c, ';' | '(' | ')'))
        .filter(|w| !w.is_empty())
        .take(count)
        .map(str::to_ascii_uppercase)
        .collect()
}

/// Whether `pg_version` names a release before 12 (`ALTER TYPE ... ADD
/// VALUE` could not run in a transaction then).
fn below_12(settings: &SafetySettings) -> bool {
    settings
        .pg_version
        .as_deref()
        .and_then(|v| v.split('.').next()?.parse::<u32>().ok())
        .is_some_and(|major| major < 12)
}

/// The command name PostgreSQL's `PreventInTransactionBlock` gives a
/// statement that cannot run inside a transaction block, if it is one.
pub(super) fn no_transaction_block(statement: &str, settings: &SafetySettings) -> Option<String> {
    let all = words(statement, usize::MAX);
    let words: Vec<&str> = all.iter().take(6).map(String::as_str).collect();
    let has = |word: &str| all.iter().any(|w| w == word);
    let starts = |prefix: &[&str]| words.starts_with(prefix);
    let name = match words.as_slice() {
        ["ALTER", "TABLE", ..] if has("DETACH") && has("CONCURRENTLY") => {
            "ALTER TABLE ... DETACH CONCURRENTLY"
        }
        // `create_slot` defaults to true, which needs no transaction block.
        ["CREATE", "SUBSCRIPTION", ..]
            if !statement
                .to_ascii_lowercase()
                .split_whitespace()
                .collect::<String>()
                .contains("create_slot=false") =>
        {
            "CREATE SUBSCRIPTION ... WITH (create_slot = true)"
        }
        ["ALTER", "DATABASE", ..] if has("SET") && has("TABLESPACE") => {
            "ALTER DATABASE SET TABLESPACE"
        }
        ["CLUSTER"] | ["CLUSTER", "VERBOSE"] => "CLUSTER",
        ["VACUUM", ..] => "VACUUM",
        ["CREATE", "INDEX", "CONCURRENTLY", ..]
        | ["CREATE", "UNIQUE", "INDEX", "CONCURRENTLY", ..] => "CREATE INDEX CONCURRENTLY",
        ["DROP", "INDEX", "CONCURRENTLY", ..] => "DROP INDEX CONCURRENTLY",
        ["CREATE", "DATABASE", ..] => "CREATE DATABASE",
        ["DROP", "DATABASE", ..] => "DROP DATABASE",
        ["CREATE", "TABLESPACE", ..] => "CREATE TABLESPACE",
        ["DROP", "TABLESPACE", ..] => "DROP TABLESPACE",
        ["ALTER", "SYSTEM", ..] => "ALTER SYSTEM",
        ["DISCARD", "ALL", ..] => "DISCARD ALL",
        ["REINDEX", ..] if words.contains(&"CONCURRENTLY") => "REINDEX CONCURRENTLY",
        ["REINDEX", ..]
            if ["SCHEMA", "DATABASE", "SYSTEM"]
                .iter()
                .any(|w| starts(&["REINDEX", w]) || starts(&["REINDEX", "VERBOSE", w])) =>
        {
            return Some(format!(
                "REINDEX {}",
                words
                    .iter()
                    .find(|w| ["SCHEMA", "DATABASE", "SYSTEM"].contains(w))?
            ));
        }
        ["ALTER", "TYPE", ..]
            if below_12(settings) && statement.to_ascii_uppercase().contains("ADD VALUE") =>
        {
            "ALTER TYPE ... ADD"
        }
        _ => return None,
    };
    Some(name.to_owned())
}

/// The statements Flyway's PostgreSQL parser says cannot run in a
/// transaction (`detectCanExecuteInTransaction`), by their leading words.
fn flyway_non_transactional(statement: &str, settings: &SafetySettings) -> bool {
    let words = words(statement, 6);
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    let starts = |prefix: &[&str]| words.starts_with(prefix);
    let below_12 = below_12(settings);
    matches!(words.first(), Some(&"VACUUM"))
        || ["DATABASE", "TABLESPACE", "SUBSCRIPTION"]
            .iter()
            .any(|w| starts(&["CREATE", w]) || starts(&["DROP", w]))
        || starts(&["ALTER", "SYSTEM"])
        || starts(&["CREATE", "INDEX", "CONCURRENTLY"])
        || starts(&["CREATE", "UNIQUE", "INDEX", "CONCURRENTLY"])
        || starts(&["DROP", "INDEX", "CONCURRENTLY"])
        || starts(&["DROP", "UNIQUE", "INDEX", "CONCURRENTLY"])
        || ["SCHEMA", "DATABASE", "SYSTEM"]
            .iter()
            .any(|w| starts(&["REINDEX", w]) || starts(&["REINDEX", "VERBOSE", w]))
        || starts(&["DISCARD", "ALL"])
        || below_12
            && starts(&["ALTER", "TYPE"])
            && statement.to_ascii_uppercase().contains("ADD VALUE")
}

#[cfg(test)]
#[path = "sql_tests.rs"]
mod tests;
