//! What one Django migration module declares, read statically.
//!
//! Django imports `<app>.migrations.<name>` and instantiates its module-level
//! `Migration` class; the graph comes from four class attributes:
//! `dependencies`, `replaces`, `run_before` (sequences of `(app_label,
//! migration_name)` tuples) and `initial`. This reader finds the last
//! module-level `class Migration` and its class-level bindings with the same
//! tokenizer and literal reader as Alembic's bindings (`crate::parse`).
//! `swappable_dependency(settings.AUTH_USER_MODEL)` is kept as
//! [`Reference::Swappable`] and resolved with the configured user model by
//! the semantics, so the facts depend on the bytes alone and can be cached by
//! content. Anything else that is not a literal is a [`Problem`], never a
//! guess. The whole file is validated as CPython would compile it, because
//! Django imports it.

use serde::{Deserialize, Serialize};

use crate::lexer::{self, LogicalLine, TokKind, Token};
use crate::parse::{SeqKind, SyntaxError, Value, parse_value, split_top};
use crate::python::PythonVersion;
use crate::text::Span;

/// The class attributes of `Migration` that shape the graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Field {
    /// `dependencies`
    Dependencies,
    /// `replaces`
    Replaces,
    /// `run_before`
    RunBefore,
    /// `initial`
    Initial,
}

impl Field {
    /// The Python name.
    pub fn name(self) -> &'static str {
        match self {
            Field::Dependencies => "dependencies",
            Field::Replaces => "replaces",
            Field::RunBefore => "run_before",
            Field::Initial => "initial",
        }
    }

    fn from_name(name: &str) -> Option<Field> {
        [
            Field::Dependencies,
            Field::Replaces,
            Field::RunBefore,
            Field::Initial,
        ]
        .into_iter()
        .find(|f| f.name() == name)
    }
}

/// One `(app_label, migration_name)` reference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Reference {
    /// A tuple of two string literals.
    Key {
        /// The app label.
        app: String,
        /// The migration name, or `__first__` / `__latest__`.
        name: String,
        /// The tuple's span.
        span: Span,
    },
    /// `swappable_dependency(settings.AUTH_USER_MODEL)`: `(<user model's
    /// app>, "__first__")`, known once the user model is.
    Swappable {
        /// The call's span.
        span: Span,
    },
}

impl Reference {
    /// The reference's span.
    pub fn span(&self) -> Span {
        match self {
            Reference::Key { span, .. } | Reference::Swappable { span } => *span,
        }
    }
}

/// A binding revguard cannot read without running the code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    /// The attribute (or `None` for the class itself).
    pub field: Option<Field>,
    /// Why, e.g. "computed by calling `get_deps`".
    pub reason: String,
    /// Where.
    pub span: Span,
}

/// What the per-file phase learns from one Django migration module.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct MigrationFacts {
    /// The span of the name in the last module-level `class Migration`;
    /// `None` when the module defines none (Django raises
    /// `BadMigrationError`).
    pub class: Option<Span>,
    /// `dependencies` (the base class's `[]` when unset).
    pub dependencies: Vec<Reference>,
    /// `replaces`.
    pub replaces: Vec<Reference>,
    /// `run_before`.
    pub run_before: Vec<Reference>,
    /// `initial`: `Some(true/false)` when set to a bool literal.
    pub initial: Option<bool>,
    /// Bindings that are not literals; the graph is unknown while any
    /// graph-shaping one is here.
    pub problems: Vec<Problem>,
    /// The first reason Python would refuse to import the file.
    pub syntax_error: Option<SyntaxError>,
    /// `operations` and `atomic`, for the deploy-safety lint (read only
    /// with the `safety` feature, only when asked for, and only when the
    /// file parses). Always serialized (`null` when absent): the cache and
    /// the guest carry facts as postcard, which has no optional fields.
    #[serde(default)]
    pub operations: Option<super::operations::Operations>,
}

/// Read one migration module. With `validate`, the whole file is checked as
/// that CPython would compile it (Django imports it, so a syntax error
/// anywhere stops `migrate`). The facts carry the operations (with the
/// `safety` feature); [`read_graph`] leaves them out.
pub fn read(bytes: &[u8], validate: Option<PythonVersion>) -> MigrationFacts {
    read_with(bytes, validate, true)
}

/// [`read`] without the operations: what the graph needs, for a check
/// without the deploy-safety lint (less to build, encode, cache and decode).
pub fn read_graph(bytes: &[u8], validate: Option<PythonVersion>) -> MigrationFacts {
    read_with(bytes, validate, false)
}

fn read_with(
    bytes: &[u8],
    validate: Option<PythonVersion>,
    with_operations: bool,
) -> MigrationFacts {
    // The operations come from the tree the validator parses anyway.
    #[cfg(feature = "safety")]
    let mut operations = None;
    #[cfg(not(feature = "safety"))]
    let _ = with_operations;
    let module = match validate {
        #[cfg(feature = "safety")]
        Some(version) if with_operations => {
            crate::parse::compile_module_visiting(bytes, version, &mut |tree| {
                operations = super::operations::from_module(tree);
            })
        }
        Some(version) => crate::parse::compile_module(bytes, version),
        None => crate::parse::parse_module(bytes),
    };
    let mut facts = MigrationFacts {
        syntax_error: module.facts.syntax_error.clone(),
        ..MigrationFacts::default()
    };
    let text = module.text();
    let mut reader = ClassReader {
        src: text,
        offset: module.facts.offset,
        facts: &mut facts,
        state: State::Module,
    };
    // A tokenizer error is already in `syntax_error` (the binding reader
    // met it too); the lines before it have been read.
    let _ = lexer::tokenize_into(text, &mut reader);
    #[cfg(feature = "safety")]
    if with_operations && facts.class.is_some() && facts.syntax_error.is_none() {
        let offset = module.facts.offset;
        facts.operations = match validate {
            Some(_) => operations.map(|mut ops| {
                ops.ignores = super::operations::ignores(text, 0);
                ops.shifted(offset)
            }),
            None => super::operations::read(text, offset),
        };
    }
    facts
}

/// [`read`] with the whole-file verdict computed elsewhere (the
/// playground's validator module runs `crate::parse::compile_module` on the
/// same bytes): `given` is what `read(bytes, Some(version))` would put in
/// [`MigrationFacts::syntax_error`], so the facts are the same.
pub fn read_given(
    bytes: &[u8],
    given: Option<&crate::request::GivenSyntaxError>,
) -> MigrationFacts {
    let mut facts = read(bytes, None);
    facts.syntax_error = given.map(Into::into);
    facts
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Outside `class Migration`.
    Module,
    /// In its body; the body's indentation once its first line is seen.
    Class(Option<usize>),
}

struct ClassReader<'s, 'f> {
    src: &'s str,
    offset: usize,
    facts: &'f mut MigrationFacts,
    state: State,
}

impl lexer::LineSink for &mut ClassReader<'_, '_> {
    fn wants(&self, indented: bool) -> bool {
        !indented || matches!(self.state, State::Class(_))
    }

    fn line(&mut self, line: &LogicalLine) {
        ClassReader::line(self, line);
    }
}

impl ClassReader<'_, '_> {
    fn text(&self, tok: &Token) -> &str {
        &self.src[tok.span.start..tok.span.end]
    }

    fn is_op(&self, tok: &Token, op: &str) -> bool {
        tok.kind == TokKind::Op && self.text(tok) == op
    }

    fn file_span(&self, span: Span) -> Span {
        Span::new(span.start + self.offset, span.end + self.offset)
    }

    fn column(&self, tok: &Token) -> usize {
        let line_start = self.src[..tok.span.start]
            .rfind(['\n', '\r'])
            .map_or(0, |at| at + 1);
        tok.span.start - line_start
    }

    fn line(&mut self, line: &LogicalLine) {
        let Some(first) = line.tokens.first() else {
            return;
        };
        if !line.indented {
            self.state = State::Module;
            self.module_statement(&line.tokens);
            return;
        }
        let State::Class(mut body) = self.state else {
            return;
        };
        let column = self.column(first);
        let body = *body.get_or_insert(column);
        self.state = State::Class(Some(body));
        if column != body {
            return; // inside a method or a nested block
        }
        for statement in split_top(self.src, &line.tokens, |t| self.is_op(t, ";")) {
            if !statement.is_empty() {
                self.class_statement(statement);
            }
        }
    }

    /// `class Migration(base):` starts the class this reader wants; any later
    /// module-level binding of `Migration` replaces it.
    fn module_statement(&mut self, tokens: &[Token]) {
        let [head, name, rest @ ..] = tokens else {
            return;
        };
        if self.text(head) == "class" && self.text(name) == "Migration" {
            // A new class: the attributes start again from the base's.
            *self.facts = MigrationFacts {
                class: Some(self.file_span(name.span)),
                syntax_error: self.facts.syntax_error.take(),
                ..MigrationFacts::default()
            };
            self.check_base(rest);
            let colon = tokens.iter().rposition(|t| self.is_op(t, ":"));
            match colon {
                Some(at) if at == tokens.len() - 1 => self.state = State::Class(None),
                // `class Migration(...): dependencies = []` on one line.
                Some(at) => self.class_statement(&tokens[at + 1..]),
                None => {}
            }
        } else if self.text(head) == "Migration" && self.is_op(name, "=") {
            let span = Span::new(head.span.start, tokens[tokens.len() - 1].span.end);
            self.facts.class = Some(self.file_span(head.span));
            self.facts.problems.push(Problem {
                field: None,
                reason: "`Migration` is assigned, not defined by a `class` statement".into(),
                span: self.file_span(span),
            });
        }
    }

    /// Attributes are inherited from the base class: revguard knows Django's
    /// own `Migration` (every attribute empty), not a project's subclass.
    fn check_base(&mut self, rest: &[Token]) {
        let Some(open) = rest.first().filter(|t| self.is_op(t, "(")) else {
            return;
        };
        let close = rest.iter().position(|t| self.is_op(t, ")"));
        let Some(close) = close else { return };
        let base: String = rest[1..close].iter().map(|t| self.text(t)).collect();
        if !matches!(base.as_str(), "migrations.Migration" | "Migration") {
            let span = Span::new(open.span.start, rest[close].span.end);
            self.facts.problems.push(Problem {
                field: None,
                reason: format!(
                    "`Migration` derives from `{base}`, whose attributes revguard cannot see"
                ),
                span: self.file_span(span),
            });
        }
    }

    fn class_statement(&mut self, tokens: &[Token]) {
        let parts = split_top(self.src, tokens, |t| self.is_op(t, "="));
        let span = Span::new(tokens[0].span.start, tokens[tokens.len() - 1].span.end);
        if parts.len() == 1 {
            // `dependencies += [...]` and friends.
            if let [name, op, ..] = tokens
                && let Some(field) = Field::from_name(self.text(name))
                && op.kind == TokKind::Op
                && self.text(op).ends_with('=')
                && !["==", "<=", ">=", "!="].contains(&self.text(op))
            {
                self.problem(field, format!("changed with `{}`", self.text(op)), span);
            }
            return;
        }
        let (value, targets) = parts.split_last().unwrap_or((&parts[0], &[]));
        for target in targets {
            let simple = match target {
                [name] => Some(name),
                [name, colon, ..] if self.is_op(colon, ":") => Some(name),
                _ => None,
            };
            let Some(name) = simple.filter(|n| n.kind == TokKind::Name) else {
                continue;
            };
            if let Some(field) = Field::from_name(self.text(name)) {
                self.bind(field, value, span);
            }
        }
    }

    fn problem(&mut self, field: Field, reason: String, span: Span) {
        let span = self.file_span(span);
        // The last binding wins: an earlier problem of this field is moot.
        self.facts.problems.retain(|p| p.field != Some(field));
        self.facts.problems.push(Problem {
            field: Some(field),
            reason,
            span,
        });
    }

    fn bind(&mut self, field: Field, tokens: &[Token], statement: Span) {
        self.facts.problems.retain(|p| p.field != Some(field));
        if field == Field::Initial {
            let text: Vec<&str> = tokens.iter().map(|t| self.text(t)).collect();
            match text.as_slice() {
                ["True"] => self.facts.initial = Some(true),
                ["False"] => self.facts.initial = Some(false),
                ["None"] => self.facts.initial = None,
                _ => self.problem(field, "not `True`, `False` or `None`".into(), statement),
            }
            return;
        }
        let value = parse_value(self.src, tokens);
        match self.references(&value) {
            Ok(references) => {
                let slot = match field {
                    Field::Dependencies => &mut self.facts.dependencies,
                    Field::Replaces => &mut self.facts.replaces,
                    _ => &mut self.facts.run_before,
                };
                *slot = references;
            }
            Err((reason, span)) => self.problem(field, reason, span),
        }
    }

    /// A list or tuple of references, or why not.
    fn references(&self, value: &Value) -> Result<Vec<Reference>, (String, Span)> {
        let Value::Seq { items, .. } = value else {
            return Err(describe(value));
        };
        items.iter().map(|item| self.reference(item)).collect()
    }

    fn reference(&self, item: &Value) -> Result<Reference, (String, Span)> {
        match item {
            Value::Seq {
                kind: SeqKind::Tuple,
                items,
                span,
            } => match items.as_slice() {
                [
                    Value::Str { value: app, .. },
                    Value::Str { value: name, .. },
                ] => Ok(Reference::Key {
                    app: app.clone(),
                    name: name.clone(),
                    span: self.file_span(*span),
                }),
                _ => Err((
                    "not a tuple of two string literals (app label, migration name)".into(),
                    *span,
                )),
            },
            Value::Seq {
                kind: SeqKind::List,
                span,
                ..
            } => Err((
                "a list, which Django cannot use as a graph key (it needs a tuple)".into(),
                *span,
            )),
            Value::Dynamic { span, .. } if self.is_swappable(*span) => Ok(Reference::Swappable {
                span: self.file_span(*span),
            }),
            other => Err(describe(other)),
        }
    }

    fn is_swappable(&self, span: Span) -> bool {
        let text: String = self.src[span.start..span.end]
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        let call = text.strip_prefix("migrations.").unwrap_or(&text);
        call == "swappable_dependency(settings.AUTH_USER_MODEL)"
    }
}

fn describe(value: &Value) -> (String, Span) {
    match value {
        Value::Dynamic { reason, span } => (reason.clone(), *span),
        Value::Invalid { what, span } => (format!("{what}, not a tuple or list"), *span),
        Value::Str { span, .. } => ("a string, not a tuple or list".into(), *span),
        Value::None { span } => ("`None`, not a tuple or list".into(), *span),
        Value::Seq { span, .. } => ("a nested sequence".into(), *span),
    }
}

#[cfg(test)]
#[path = "read_tests.rs"]
mod tests;
