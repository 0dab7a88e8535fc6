//! The Django front end of the deploy-safety lint: each migration's
//! operations become the SQL `manage.py sqlmigrate` prints for PostgreSQL,
//! linted by squawk like every other front end (`docs/safety.md`).
//!
//! Django's SQL for an operation depends on the model state the migrations
//! before it built (an `AlterField` compares the old field with the new,
//! a `RemoveField` drops the foreign key an earlier `AddField` created), so
//! this front end runs once per project, in the semantics step, over the
//! migrations in the order `migrate` applies them from an empty database.
//! The operations themselves were read per file
//! ([`crate::dialect::django::operations`]).
//!
//! An operation that is not translated (an unknown class, a value that is
//! not a literal, a change not modelled) is reported as not checked, and
//! the state it would change (its model, or its whole app) is unknown from
//! then on: later operations on it are not checked either. Never guessed.

mod alter;
mod editor;
mod field;
mod names;
mod state;

use squawk_syntax::SourceFile;
use squawk_syntax::ast::AstNode;

use self::editor::Editor;
use self::state::State;
use super::{Emitted, Refused, SafetyFacts, SafetySettings, Unchecked};
use crate::dialect::django::operations::{Operation, Operations, Value};
use crate::text::Span;

/// One migration, in the order `migrate` applies them.
#[derive(Debug, Clone, Copy)]
pub struct Migration<'a> {
    /// Its app label.
    pub app: &'a str,
    /// Its operations, as the reader found them.
    pub operations: &'a Operations,
    /// Where findings on SQL no operation shows go (the transaction): the
    /// `Migration` class.
    pub anchor: Span,
}

/// Operations whose failure to translate leaves the model state as it was
/// (they only touch indexes, constraints or data).
const STATELESS: &[&str] = &[
    "AddIndex",
    "AddIndexConcurrently",
    "RemoveIndex",
    "RemoveIndexConcurrently",
    "RenameIndex",
    "AddConstraint",
    "RemoveConstraint",
];

/// Lint every migration, in order; one result per migration.
pub fn lint(
    migrations: &[Migration<'_>],
    user_model: &str,
    settings: &SafetySettings,
) -> Vec<SafetyFacts> {
    let mut state = State::default();
    migrations
        .iter()
        .map(|migration| lint_one(&mut state, migration, user_model, settings))
        .collect()
}

fn lint_one(
    state: &mut State,
    migration: &Migration<'_>,
    user_model: &str,
    settings: &SafetySettings,
) -> SafetyFacts {
    let operations = migration.operations;
    let mut facts = SafetyFacts::default();
    if let Some((reason, span)) = &operations.problem {
        state.unknown_apps.insert(
            migration.app.to_owned(),
            format!("an earlier migration's {reason}"),
        );
        facts.unchecked.push(Unchecked {
            call: "operations".into(),
            reason: reason.clone(),
            span: *span,
        });
        return facts;
    }
    let atomic = match &operations.atomic {
        None | Some(Value::Bool(true)) => true,
        Some(Value::Bool(false)) => false,
        Some(_) => {
            facts.unchecked.push(Unchecked {
                call: "atomic".into(),
                reason: "`atomic` is not True or False: linted as Django's default (a transaction)"
                    .into(),
                span: migration.anchor,
            });
            true
        }
    };
    let mut editor = Editor {
        state,
        app: migration.app,
        user_model,
        span: migration.anchor,
        out: Vec::new(),
        deferred: Vec::new(),
    };
    for operation in &operations.list {
        translate(&mut editor, operation, &mut facts);
    }
    let mut statements = Vec::new();
    let boundary = |sql: &str| Emitted {
        sql: sql.into(),
        span: Some(migration.anchor),
    };
    if atomic {
        statements.push(boundary("BEGIN"));
    }
    statements.append(&mut editor.out);
    statements.extend(editor.deferred.iter().map(editor::Deferred::emitted));
    if atomic {
        statements.push(boundary("COMMIT"));
        facts.refused = refused(&operations.list, &statements, settings);
    }
    let mut findings = super::lint::lint(&statements, settings);
    for finding in &mut findings {
        if finding.span == Span::new(0, 0) {
            finding.span = migration.anchor;
        }
    }
    findings.retain(|f| !ignored(operations, f.span, &f.rule));
    facts.findings = findings;
    facts
}

/// One operation into the editor's statements, or into `unchecked` (and
/// the state it would change forgotten).
fn translate(editor: &mut Editor<'_>, operation: &Operation, facts: &mut SafetyFacts) {
    let call = &operation.call;
    editor.span = operation.span;
    let (out, deferred) = (editor.out.len(), editor.deferred.len());
    let Err(reason) = editor.operation(call) else {
        return;
    };
    editor.out.truncate(out);
    editor.deferred.truncate(deferred);
    let name = if call.func.is_empty() {
        "an operation".to_owned()
    } else {
        call.func.clone()
    };
    facts.unchecked.push(Unchecked {
        call: name.clone(),
        reason: reason.clone(),
        span: operation.span,
    });
    if STATELESS.contains(&call.name()) {
        return;
    }
    let why = format!("`{name}` before it was not checked ({reason})");
    let model = ["model_name", "name", "old_name"].iter().find_map(|key| {
        match call.kwarg(key).or_else(|| call.args.first()) {
            Some(Value::Str(model)) => Some(model.to_lowercase()),
            _ => None,
        }
    });
    match model {
        Some(model) if call.name() != "RunSQL" => {
            let key = format!("{}.{model}", editor.app);
            editor.state.forget(&key, why);
        }
        _ => {
            editor.state.unknown_apps.insert(editor.app.to_owned(), why);
        }
    }
}

/// What the deploy stops at in a migration Django runs in a transaction:
/// the operations Django refuses there, and SQL PostgreSQL refuses there.
fn refused(
    operations: &[Operation],
    statements: &[Emitted],
    settings: &SafetySettings,
) -> Vec<Refused> {
    let mut out = Vec::new();
    for operation in operations {
        let name = operation.call.name();
        if matches!(name, "AddIndexConcurrently" | "RemoveIndexConcurrently") {
            out.push(Refused {
                command: name.to_owned(),
                span: operation.span,
                error: format!(
                    "django.db.utils.NotSupportedError: The {name} operation cannot be executed inside a transaction (set atomic = False on the migration)."
                ),
            });
        }
        if name != "RunSQL" {
            continue;
        }
        let written = statements.iter().filter(|s| s.span == Some(operation.span));
        for statement in written {
            let parsed = SourceFile::parse(&statement.sql);
            for stmt in parsed.tree().stmts() {
                let text = stmt.syntax().text().to_string();
                if let Some(command) = super::sql::no_transaction_block(&text, settings) {
                    out.push(Refused {
                        command: command.clone(),
                        span: operation.span,
                        error: format!("ERROR:  {command} cannot run inside a transaction block"),
                    });
                }
            }
        }
    }
    out
}

/// Whether a line of the finding carries `# revguard: ignore[...]` naming
/// its rule (or `deploy-safety`).
fn ignored(operations: &Operations, span: Span, rule: &str) -> bool {
    operations.ignores.iter().any(|(line, rules)| {
        line.start <= span.end
            && line.end >= span.start
            && rules.iter().any(|r| r == rule || r == "deploy-safety")
    })
}

#[cfg(test)]
mod tests;
