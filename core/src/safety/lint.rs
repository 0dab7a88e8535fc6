//! The shared back end: emitted statements → one SQL script → squawk's
//! linter → each violation placed on the source span of the statement it
//! points into.

use squawk_linter::{Linter, Rule, Version};
use squawk_syntax::SourceFile;

use super::{Emitted, SafetyFinding, SafetySettings};
use crate::text::Span;

/// The script, and for each statement its byte range in it.
pub(super) fn render(statements: &[Emitted]) -> (String, Vec<(usize, usize)>) {
    let mut script = String::new();
    let mut ranges = Vec::with_capacity(statements.len());
    for statement in statements {
        let start = script.len();
        script.push_str(&statement.sql);
        script.push(';');
        ranges.push((start, script.len()));
        script.push_str("\n\n");
    }
    (script, ranges)
}

/// The linter squawk's CLI would run with these settings.
pub(super) fn linter(settings: &SafetySettings) -> Linter {
    let excluded: Vec<Rule> = settings
        .excluded_rules
        .iter()
        .filter_map(|name| name.parse().ok())
        .collect();
    let included: Vec<Rule> = settings
        .included_rules
        .iter()
        .filter_map(|name| name.parse().ok())
        .collect();
    let mut linter = Linter::with_rules(&included, &excluded);
    if let Some(version) = settings
        .pg_version
        .as_deref()
        .and_then(|v| v.parse::<Version>().ok())
    {
        linter.settings.pg_version = version;
    }
    linter.settings.assume_in_transaction = settings.assume_in_transaction;
    linter
}

/// Lint the statements as one file, the way squawk lints the output of
/// `alembic upgrade --sql`.
pub(super) fn lint(statements: &[Emitted], settings: &SafetySettings) -> Vec<SafetyFinding> {
    let (script, ranges) = render(statements);
    let parsed = SourceFile::parse(&script);
    let mut linter = linter(settings);
    let mut findings = Vec::new();
    for violation in linter.lint(&parsed, &script) {
        let at = usize::from(violation.text_range.start());
        // The statement the violation starts in (or the last one before it).
        let index = ranges
            .partition_point(|&(start, _)| start <= at)
            .saturating_sub(1);
        let Some(statement) = statements.get(index) else {
            continue;
        };
        findings.push(SafetyFinding {
            rule: violation.code.to_string(),
            message: violation.message,
            help: violation.help,
            span: statement.span.unwrap_or(Span::new(0, 0)),
            sql: statement.sql.clone(),
        });
    }
    findings
}
