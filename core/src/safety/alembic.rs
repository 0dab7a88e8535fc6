//! The Alembic front end: a migration's `upgrade()` read with Ruff's parser,
//! each `op.*` call with literal arguments translated by [`super::ddl`].
//!
//! Alembic's transaction model on PostgreSQL (transactional DDL): the
//! migration runs inside `BEGIN` … `COMMIT`, and
//! `with op.get_context().autocommit_block():` commits before its body and
//! begins again after it, exactly as `alembic upgrade --sql` prints.
//! `batch_alter_table` blocks never recreate the table on PostgreSQL, so
//! their operations are the plain `ALTER TABLE`s.

use ruff_python_ast::{Expr, ExprCall, Number, Stmt, StmtWith};
use ruff_text_size::Ranged;

use super::ddl::{self, Args, Lit};
use super::{Emitted, Plan, SafetySettings, Unchecked};
use crate::text::Span;

/// The open `batch_alter_table` block, if any: its alias and table.
#[derive(Clone)]
struct Batch {
    alias: String,
    table: Lit,
    schema: Option<Lit>,
}

struct Walk {
    transactional: bool,
    /// `upgrade`'s name: where findings on SQL no call shows go.
    anchor: Span,
    plan: Plan,
}

/// `None` when the file does not parse or has no `upgrade()`.
pub(super) fn translate(text: &str, settings: &SafetySettings) -> Option<Plan> {
    let parsed = ruff_python_parser::parse_module(text).ok()?;
    let upgrade = parsed
        .syntax()
        .body
        .iter()
        .rev()
        .find_map(|stmt| match stmt {
            Stmt::FunctionDef(def) if def.name.as_str() == "upgrade" => Some(def),
            _ => None,
        })?;
    let mut walk = Walk {
        anchor: span(&upgrade.name),
        transactional: settings.transactional,
        plan: Plan {
            statements: Vec::new(),
            unchecked: Vec::new(),
        },
    };
    walk.boundary("BEGIN");
    walk.block(&upgrade.body, None);
    // Alembic records the new head inside the migration's transaction.
    walk.plan.statements.push(Emitted {
        sql: "UPDATE alembic_version SET version_num='head' WHERE alembic_version.version_num = 'down'".into(),
        span: Some(walk.anchor),
    });
    walk.boundary("COMMIT");
    Some(walk.plan)
}

fn span(node: &impl Ranged) -> Span {
    Span::new(node.start().to_usize(), node.end().to_usize())
}

impl Walk {
    fn boundary(&mut self, sql: &str) {
        if self.transactional {
            self.plan.statements.push(Emitted {
                sql: sql.to_owned(),
                span: Some(self.anchor),
            });
        }
    }

    fn block(&mut self, body: &[Stmt], batch: Option<&Batch>) {
        for stmt in body {
            match stmt {
                Stmt::Expr(expr) => {
                    if let Expr::Call(call) = &*expr.value {
                        self.call(call, batch);
                    }
                }
                Stmt::With(with) => self.with(with, batch),
                Stmt::Return(_) => return,
                Stmt::If(_) | Stmt::For(_) | Stmt::While(_) | Stmt::Try(_) | Stmt::Match(_) => {
                    self.control_flow(stmt, batch);
                }
                _ => {}
            }
        }
    }

    /// Calls under `if`/`for`/`while`/`try`/`match` may run any number of
    /// times: each `op.*` call there is not checked.
    fn control_flow(&mut self, stmt: &Stmt, batch: Option<&Batch>) {
        let mut found = Vec::new();
        find_calls(stmt, batch, &mut found);
        for (call, name) in found {
            self.plan.unchecked.push(Unchecked {
                call: name,
                reason: "it runs under a condition or a loop".into(),
                span: span(call),
            });
        }
    }

    fn with(&mut self, with: &StmtWith, batch: Option<&Batch>) {
        let [item] = with.items.as_slice() else {
            return self.block(&with.body, batch);
        };
        let Expr::Call(call) = &item.context_expr else {
            return self.block(&with.body, batch);
        };
        let callee = dotted(&call.func);
        if callee.ends_with(".autocommit_block") {
            self.boundary("COMMIT");
            self.block(&with.body, batch);
            self.boundary("BEGIN");
            return;
        }
        if callee == "op.batch_alter_table" {
            let args = match arguments(call) {
                Ok(args) => args,
                Err(reason) => return self.skip_block(with, "op.batch_alter_table", &reason),
            };
            if matches!(args.get(usize::MAX, "recreate"), Some(Lit::Str(s)) if s == "always") {
                return self.skip_block(
                    with,
                    "op.batch_alter_table",
                    "`recreate=\"always\"` copies the table",
                );
            }
            let (Some(table), Some(Expr::Name(alias))) =
                (args.get(0, "table_name"), item.optional_vars.as_deref())
            else {
                return self.skip_block(
                    with,
                    "op.batch_alter_table",
                    "the table name is not a literal",
                );
            };
            let inner = Batch {
                alias: alias.id.to_string(),
                table: table.clone(),
                schema: args.get(usize::MAX, "schema").cloned(),
            };
            return self.block(&with.body, Some(&inner));
        }
        self.block(&with.body, batch);
    }

    fn skip_block(&mut self, with: &StmtWith, call: &str, reason: &str) {
        self.plan.unchecked.push(Unchecked {
            call: call.to_owned(),
            reason: reason.to_owned(),
            span: span(with),
        });
    }

    fn call(&mut self, call: &ExprCall, batch: Option<&Batch>) {
        let Expr::Attribute(attr) = &*call.func else {
            return;
        };
        let Expr::Name(object) = &*attr.value else {
            return;
        };
        let method = attr.attr.as_str();
        let object = object.id.as_str();
        let in_batch = batch.filter(|b| b.alias == object);
        if object != "op" && in_batch.is_none() {
            return;
        }
        if matches!(
            method,
            "f" | "get_bind" | "get_context" | "inline_literal" | "implementation_for"
        ) {
            return;
        }
        let name = format!("{object}.{method}");
        let translated = arguments(call).and_then(|mut args| {
            if let Some(batch) = in_batch {
                into_batch(method, &mut args, batch);
            }
            ddl::op(method, &args)
        });
        match translated {
            Ok(statements) => {
                let at = execute_span(method, call).unwrap_or_else(|| span(call));
                self.plan
                    .statements
                    .extend(statements.into_iter().map(|sql| Emitted {
                        sql,
                        span: Some(at),
                    }));
            }
            Err(reason) => self.plan.unchecked.push(Unchecked {
                call: name,
                reason,
                span: span(call),
            }),
        }
    }
}

/// `op.execute("...")`: findings go on the string literal itself.
fn execute_span(method: &str, call: &ExprCall) -> Option<Span> {
    if method != "execute" {
        return None;
    }
    let first = call.arguments.args.first().or_else(|| {
        call.arguments
            .keywords
            .iter()
            .find(|k| k.arg.as_ref().is_some_and(|a| a.as_str() == "sqltext"))
            .map(|k| &k.value)
    })?;
    match first {
        Expr::StringLiteral(s) => Some(span(s)),
        Expr::Call(text) => text.arguments.args.first().map(span),
        _ => None,
    }
}

/// A batch operation as the plain operation on the block's table.
fn into_batch(method: &str, args: &mut Args, batch: &Batch) {
    let at = match method {
        "add_column" | "alter_column" | "drop_column" => Some(0),
        "create_index"
        | "create_unique_constraint"
        | "create_check_constraint"
        | "create_primary_key"
        | "drop_constraint"
        | "create_foreign_key" => Some(1),
        _ => None,
    };
    if let Some(at) = at {
        let key = if method == "create_foreign_key" {
            "source_table"
        } else {
            "table_name"
        };
        if at <= args.pos.len() {
            args.pos.insert(at, batch.table.clone());
        } else {
            args.kw.push((key.into(), batch.table.clone()));
        }
    }
    if let Some(schema) = &batch.schema {
        let key = if method == "create_foreign_key" {
            "source_schema"
        } else {
            "schema"
        };
        args.kw.push((key.into(), schema.clone()));
    }
}

fn find_calls<'a>(stmt: &'a Stmt, batch: Option<&Batch>, out: &mut Vec<(&'a ExprCall, String)>) {
    let body: Vec<&'a [Stmt]> = match stmt {
        Stmt::Expr(expr) => {
            if let Expr::Call(call) = &*expr.value
                && let Expr::Attribute(attr) = &*call.func
                && let Expr::Name(object) = &*attr.value
                && (object.id.as_str() == "op"
                    || batch.is_some_and(|b| b.alias == object.id.as_str()))
            {
                out.push((call, format!("{}.{}", object.id, attr.attr)));
            }
            return;
        }
        Stmt::If(s) => std::iter::once(&s.body[..])
            .chain(s.elif_else_clauses.iter().map(|c| &c.body[..]))
            .collect(),
        Stmt::For(s) => vec![&s.body[..], &s.orelse[..]],
        Stmt::While(s) => vec![&s.body[..], &s.orelse[..]],
        Stmt::With(s) => vec![&s.body[..]],
        Stmt::Try(s) => std::iter::once(&s.body[..])
            .chain(s.handlers.iter().map(|h| match h {
                ruff_python_ast::ExceptHandler::ExceptHandler(h) => &h.body[..],
            }))
            .chain([&s.orelse[..], &s.finalbody[..]])
            .collect(),
        Stmt::Match(s) => s.cases.iter().map(|c| &c.body[..]).collect(),
        _ => return,
    };
    for stmt in body.into_iter().flatten() {
        find_calls(stmt, batch, out);
    }
}

/// `a.b.c` for a dotted name, else empty.
fn dotted(expr: &Expr) -> String {
    match expr {
        Expr::Name(n) => n.id.to_string(),
        Expr::Attribute(a) => format!("{}.{}", dotted(&a.value), a.attr),
        Expr::Call(c) => format!("{}()", dotted(&c.func)),
        _ => String::new(),
    }
}

fn arguments(call: &ExprCall) -> Result<Args, String> {
    let mut args = Args::default();
    for arg in &call.arguments.args {
        args.pos.push(literal(arg)?);
    }
    for keyword in &call.arguments.keywords {
        let Some(name) = &keyword.arg else {
            return Err("it unpacks `**` arguments".into());
        };
        args.kw.push((name.to_string(), literal(&keyword.value)?));
    }
    Ok(args)
}

/// A literal value, or why the expression is not one.
fn literal(expr: &Expr) -> Result<Lit, String> {
    Ok(match expr {
        Expr::StringLiteral(s) => Lit::Str(s.value.to_str().to_owned()),
        Expr::NumberLiteral(n) => match &n.value {
            Number::Int(i) => Lit::Int(i.as_i64().ok_or("an integer is too large")?),
            _ => return Err("an argument is a non-integer number".into()),
        },
        Expr::BooleanLiteral(b) => Lit::Bool(b.value),
        Expr::NoneLiteral(_) => Lit::None,
        Expr::List(l) => Lit::List(l.elts.iter().map(literal).collect::<Result<_, _>>()?),
        Expr::Tuple(t) => Lit::List(t.elts.iter().map(literal).collect::<Result<_, _>>()?),
        Expr::Attribute(a) => Lit::Name(a.attr.to_string()),
        Expr::Call(call) => {
            let name = match &*call.func {
                Expr::Attribute(a) => a.attr.to_string(),
                Expr::Name(n) => n.id.to_string(),
                _ => return Err("an argument calls a computed function".into()),
            };
            Lit::Call(name, arguments(call)?)
        }
        // A bare name is read as what it names only where a type is
        // expected (`Integer` from `from sqlalchemy import Integer`);
        // everywhere else a name is not a string, flag or list.
        Expr::Name(n) => Lit::Name(n.id.to_string()),
        _ => return Err("an argument is not a literal".into()),
    })
}

/// What `env.py` passes to `context.configure(...)` as literal booleans:
/// `transactional_ddl`, then `transaction_per_migration`. A keyword set to
/// anything but `True`/`False`, or to different values in different calls,
/// is `Err` with the reason (the lint then keeps Alembic's default and the
/// report says so).
pub(super) fn env_configure(text: &str) -> EnvConfigure {
    use ruff_python_ast::visitor::{self, Visitor};

    struct Calls<'a> {
        out: &'a mut EnvConfigure,
    }
    impl<'a> Visitor<'a> for Calls<'_> {
        fn visit_expr(&mut self, expr: &'a Expr) {
            if let Expr::Call(call) = expr
                && is_configure(&call.func)
            {
                for keyword in &call.arguments.keywords {
                    let Some(name) = keyword.arg.as_ref() else {
                        continue;
                    };
                    let slot = match name.as_str() {
                        "transactional_ddl" => &mut self.out.transactional_ddl,
                        "transaction_per_migration" => &mut self.out.transaction_per_migration,
                        _ => continue,
                    };
                    let value = match &keyword.value {
                        Expr::BooleanLiteral(b) => Ok(b.value),
                        _ => Err(format!("`{name}` in env.py is not a literal True or False")),
                    };
                    *slot = match (slot.take(), value) {
                        (None, value) => Some(value),
                        (Some(Ok(a)), Ok(b)) if a == b => Some(Ok(a)),
                        (Some(Err(e)), _) | (_, Err(e)) => Some(Err(e)),
                        (Some(Ok(_)), Ok(_)) => {
                            Some(Err(format!("env.py passes `{name}` with different values")))
                        }
                    };
                }
            }
            visitor::walk_expr(self, expr);
        }
    }

    let mut out = EnvConfigure::default();
    if let Ok(parsed) = ruff_python_parser::parse_module(text) {
        let mut calls = Calls { out: &mut out };
        calls.visit_body(&parsed.syntax().body);
    }
    out
}

/// `context.configure` or a bare `configure` (`from alembic.context import
/// configure`).
fn is_configure(func: &Expr) -> bool {
    match func {
        Expr::Attribute(attr) => {
            attr.attr.as_str() == "configure"
                && matches!(&*attr.value, Expr::Name(n) if n.id.as_str() == "context")
        }
        Expr::Name(name) => name.id.as_str() == "configure",
        _ => false,
    }
}

/// The literal keywords of `env.py`'s `context.configure(...)` calls.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct EnvConfigure {
    pub transactional_ddl: Option<Result<bool, String>>,
    pub transaction_per_migration: Option<Result<bool, String>>,
}
