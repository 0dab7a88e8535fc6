//! What a Django migration's `operations` list says, as data: each
//! `migrations.X(...)` call with its arguments as literal values, and the
//! class's `atomic` flag. The deploy-safety lint (`crate::safety::django`)
//! replays them into Django's model state and the SQL `sqlmigrate` prints.
//!
//! Read in the per-file phase with Ruff's parser (only with the `safety`
//! feature: without it the facts carry no operations) and cached with the
//! rest of the file's facts, so the values are kept as written: a name stays
//! a dotted name (`settings.AUTH_USER_MODEL`, `django.utils.timezone.now`),
//! and anything that is not a literal is [`Value::Other`] with the reason.
//! Whether a value matters is the lint's business, not the reader's.

use serde::{Deserialize, Serialize};

use crate::text::Span;

/// A Python value as written in a migration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Value {
    /// A string (implicitly concatenated parts joined).
    Str(String),
    /// An integer that fits 64 bits.
    Int(i64),
    /// A float or a decimal written as a number, as written.
    Float(String),
    /// `True` / `False`.
    Bool(bool),
    /// `None`.
    None,
    /// A list or a tuple.
    List(Vec<Value>),
    /// A dict with its keys and values in order.
    Dict(Vec<(Value, Value)>),
    /// A (dotted) name: `settings.AUTH_USER_MODEL`, `models.CASCADE`.
    Name(String),
    /// A call of a (dotted) name.
    Call(Box<Call>),
    /// Anything else: why it is not a literal.
    Other(String),
}

/// A call: `models.CharField(max_length=20)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Call {
    /// The dotted name called: `migrations.AddField`, `models.CharField`.
    pub func: String,
    /// Positional arguments.
    pub args: Vec<Value>,
    /// Keyword arguments, in order.
    pub kwargs: Vec<(String, Value)>,
}

impl Call {
    /// The last part of the called name: `AddField`, `CharField`.
    pub fn name(&self) -> &str {
        self.func.rsplit('.').next().unwrap_or(&self.func)
    }

    /// The argument at `index`, or the keyword `name`.
    pub fn arg(&self, index: usize, name: &str) -> Option<&Value> {
        self.kwarg(name).or_else(|| self.args.get(index))
    }

    /// The keyword argument `name`.
    pub fn kwarg(&self, name: &str) -> Option<&Value> {
        self.kwargs.iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }
}

/// One element of `operations`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Operation {
    /// The call; a non-call element is a call of `""` with no arguments.
    pub call: Call,
    /// The element, in file offsets.
    pub span: Span,
}

/// The `operations` and `atomic` of the module's `class Migration`. Every
/// field is always serialized: the facts travel as postcard, which has no
/// optional fields.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Operations {
    /// `atomic` when set in the class body (Django's default is `True`).
    #[serde(default)]
    pub atomic: Option<Value>,
    /// The operations, in order.
    pub list: Vec<Operation>,
    /// Why the list could not be read (not a list literal, assigned in a
    /// loop...), with where: then `list` is empty.
    #[serde(default)]
    pub problem: Option<(String, Span)>,
    /// Lines with `# revguard: ignore[rule, ...]`: the line (file offsets)
    /// and the names in the brackets.
    #[serde(default)]
    pub ignores: Vec<(Span, Vec<String>)>,
}

/// The `# revguard: ignore[...]` comments of `text`, by line.
pub fn ignores(text: &str, offset: usize) -> Vec<(Span, Vec<String>)> {
    let mut out = Vec::new();
    let mut start = 0;
    for line in text.split_inclusive('\n') {
        let end = start + line.len();
        if let Some((_, comment)) = line.split_once('#')
            && let Some(rest) = comment.trim_start().strip_prefix("revguard: ignore[")
            && let Some((names, _)) = rest.split_once(']')
        {
            let names = names.split(',').map(|n| n.trim().to_owned()).collect();
            out.push((Span::new(start + offset, end + offset), names));
        }
        start = end;
    }
    out
}

#[cfg(feature = "safety")]
pub use reader::{from_module, read};

impl Operations {
    /// The same operations with every span moved `by` bytes (text offsets
    /// to file offsets).
    pub fn shifted(mut self, by: usize) -> Operations {
        let shift = |span: &mut Span| *span = Span::new(span.start + by, span.end + by);
        for operation in &mut self.list {
            shift(&mut operation.span);
        }
        if let Some((_, span)) = &mut self.problem {
            shift(span);
        }
        for (span, _) in &mut self.ignores {
            shift(span);
        }
        self
    }
}

#[cfg(feature = "safety")]
mod reader {
    use ruff_python_ast::{Expr, ExprCall, Number, Stmt, UnaryOp};
    use ruff_text_size::Ranged;

    use super::{Call, Operation, Operations, Value};
    use crate::text::Span;

    /// The operations of the last module-level `class Migration` of `text`
    /// (decoded; spans shifted by `offset` into file offsets); `None` when
    /// the text does not parse or has no such class.
    pub fn read(text: &str, offset: usize) -> Option<Operations> {
        let parsed = ruff_python_parser::parse_module(text).ok()?;
        let mut out = from_module(parsed.syntax())?;
        out.ignores = super::ignores(text, 0);
        Some(out.shifted(offset))
    }

    /// [`read`] from a tree parsed already (text offsets; the caller adds
    /// the ignore comments).
    pub fn from_module(module: &ruff_python_ast::ModModule) -> Option<Operations> {
        let class = module.body.iter().rev().find_map(|stmt| match stmt {
            Stmt::ClassDef(class) if class.name.as_str() == "Migration" => Some(class),
            _ => None,
        })?;
        let span = |node: &dyn Ranged| Span::new(node.start().to_usize(), node.end().to_usize());
        let mut out = Operations::default();
        for stmt in &class.body {
            let (target, value) = match stmt {
                Stmt::Assign(assign) if assign.targets.len() == 1 => {
                    (&assign.targets[0], &*assign.value)
                }
                Stmt::AnnAssign(assign) => match &assign.value {
                    Some(value) => (&*assign.target, &**value),
                    None => continue,
                },
                _ => continue,
            };
            let Expr::Name(name) = target else {
                continue;
            };
            match name.id.as_str() {
                "atomic" => out.atomic = Some(literal(value)),
                "operations" => {
                    out.list.clear();
                    out.problem = None;
                    match value {
                        Expr::List(list) => {
                            for element in &list.elts {
                                out.list.push(Operation {
                                    call: match element {
                                        Expr::Call(call) => call_of(call),
                                        _ => Call {
                                            func: String::new(),
                                            args: Vec::new(),
                                            kwargs: Vec::new(),
                                        },
                                    },
                                    span: span(element),
                                });
                            }
                        }
                        _ => {
                            out.problem =
                                Some(("`operations` is not a list literal".into(), span(value)))
                        }
                    }
                }
                _ => {}
            }
        }
        Some(out)
    }

    /// `a.b.c` for a dotted name, else `None`.
    fn dotted(expr: &Expr) -> Option<String> {
        match expr {
            Expr::Name(n) => Some(n.id.to_string()),
            Expr::Attribute(a) => Some(format!("{}.{}", dotted(&a.value)?, a.attr)),
            _ => None,
        }
    }

    fn call_of(call: &ExprCall) -> Call {
        Call {
            func: dotted(&call.func).unwrap_or_default(),
            args: call.arguments.args.iter().map(literal).collect(),
            kwargs: call
                .arguments
                .keywords
                .iter()
                .map(|k| match &k.arg {
                    Some(name) => (name.to_string(), literal(&k.value)),
                    None => ("**".into(), Value::Other("`**` unpacking".into())),
                })
                .collect(),
        }
    }

    fn literal(expr: &Expr) -> Value {
        match expr {
            Expr::StringLiteral(s) => Value::Str(s.value.to_str().to_owned()),
            Expr::NumberLiteral(n) => number(&n.value, false),
            Expr::UnaryOp(u) if u.op == UnaryOp::USub => match &*u.operand {
                Expr::NumberLiteral(n) => number(&n.value, true),
                _ => Value::Other("a computed value".into()),
            },
            Expr::BooleanLiteral(b) => Value::Bool(b.value),
            Expr::NoneLiteral(_) => Value::None,
            Expr::List(l) => Value::List(l.elts.iter().map(literal).collect()),
            Expr::Tuple(t) => Value::List(t.elts.iter().map(literal).collect()),
            Expr::Dict(d) => Value::Dict(
                d.items
                    .iter()
                    .map(|item| match &item.key {
                        Some(key) => (literal(key), literal(&item.value)),
                        None => (
                            Value::Other("`**` unpacking".into()),
                            Value::Other("`**` unpacking".into()),
                        ),
                    })
                    .collect(),
            ),
            Expr::Call(call) if dotted(&call.func).is_some() => {
                Value::Call(Box::new(call_of(call)))
            }
            Expr::Name(_) | Expr::Attribute(_) => match dotted(expr) {
                Some(name) => Value::Name(name),
                None => Value::Other("a computed value".into()),
            },
            Expr::FString(_) => Value::Other("an f-string".into()),
            Expr::BinOp(_) => Value::Other("an expression with an operator".into()),
            Expr::Lambda(_) => Value::Other("a lambda".into()),
            _ => Value::Other("not a literal".into()),
        }
    }

    fn number(value: &Number, negative: bool) -> Value {
        let sign = if negative { "-" } else { "" };
        match value {
            Number::Int(i) => match i.as_i64() {
                Some(v) if negative => Value::Int(-v),
                Some(v) => Value::Int(v),
                None => Value::Other("an integer too large for 64 bits".into()),
            },
            Number::Float(f) => Value::Float(format!("{sign}{f}")),
            Number::Complex { .. } => Value::Other("a complex number".into()),
        }
    }
}

#[cfg(all(test, feature = "safety"))]
mod tests {
    use super::*;

    #[test]
    fn operations_and_atomic_are_read_as_written() {
        let text = "from django.db import migrations, models\n\nclass Migration(migrations.Migration):\n    atomic = False\n    dependencies = []\n    operations = [\n        migrations.AddField(model_name='book', name='pages', field=models.IntegerField(default=-1, null=True)),\n        migrations.RunPython(forwards),\n    ]\n";
        let ops = read(text, 0).expect("a Migration class");
        assert_eq!(ops.atomic, Some(Value::Bool(false)));
        assert_eq!(ops.list.len(), 2);
        let add = &ops.list[0].call;
        assert_eq!(add.name(), "AddField");
        assert_eq!(add.arg(9, "model_name"), Some(&Value::Str("book".into())));
        let Some(Value::Call(field)) = add.kwarg("field") else {
            panic!("field is a call: {add:?}");
        };
        assert_eq!(field.func, "models.IntegerField");
        assert_eq!(field.kwarg("default"), Some(&Value::Int(-1)));
        assert_eq!(ops.list[1].call.args, vec![Value::Name("forwards".into())]);
        assert!(text[ops.list[0].span.start..].starts_with("migrations.AddField("));
    }

    #[test]
    fn a_list_that_is_not_a_literal_is_a_problem() {
        let text = "class Migration:\n    operations = make()\n";
        let ops = read(text, 0).expect("a Migration class");
        assert!(ops.list.is_empty());
        assert!(ops.problem.is_some());
        assert!(read("x = 1\n", 0).is_none());
    }
}
