//! Phase 1: the module-level bindings Alembic reads, found statically.
//!
//! Python semantics, restricted to what can be known without running code:
//! plain, annotated and chained assignments; `;`-separated statements;
//! backslash continuations; parenthesised multi-line tuples and lists; every
//! `str` literal form with implicit concatenation; `None`. The last binding
//! wins. Bindings inside `def`/`class` bodies never count. A binding Alembic
//! would see but whose value is not a literal (computed, conditional, imported,
//! a name, an f-string) is kept as [`Value::Dynamic`], never guessed.
//!
//! The grammar is in `docs/grammar.md`.

mod strings;
mod value;

use std::borrow::Cow;
use std::cell::{Cell, OnceCell};

use serde::{Deserialize, Serialize};

use crate::lexer::{self, LogicalLine, TokKind, Token};
use crate::python::PythonVersion;
use crate::syntax::decode::{Decoded, Decoding, decode};
pub use crate::syntax_error::SyntaxError;
use crate::text::{LineTable, Span};
pub(crate) use value::parse_value;
pub use value::{SeqKind, Value};

/// The four module attributes Alembic reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Attr {
    /// `revision`
    Revision,
    /// `down_revision`
    DownRevision,
    /// `branch_labels`
    BranchLabels,
    /// `depends_on`
    DependsOn,
}

impl Attr {
    /// All attributes.
    pub const ALL: [Attr; 4] = [
        Attr::Revision,
        Attr::DownRevision,
        Attr::BranchLabels,
        Attr::DependsOn,
    ];

    /// The Python name.
    pub fn name(self) -> &'static str {
        match self {
            Attr::Revision => "revision",
            Attr::DownRevision => "down_revision",
            Attr::BranchLabels => "branch_labels",
            Attr::DependsOn => "depends_on",
        }
    }

    fn from_name(name: &str) -> Option<Attr> {
        Attr::ALL.into_iter().find(|a| a.name() == name)
    }
}

/// The binding in effect at the end of the module.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Binding {
    /// The bound value.
    pub value: Value,
    /// The target name's span (`revision` in `revision = "x"`).
    pub name_span: Span,
    /// The whole statement (for fixes that rewrite the line).
    pub statement: Span,
}

/// A metadata line of the header docstring (`Revision ID: x`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeaderLine {
    /// The value after the colon, trimmed.
    pub value: String,
    /// Span of the value in the file, when it maps 1:1 to the source.
    pub span: Span,
}

/// The module docstring.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Docstring {
    /// Decoded text.
    pub text: String,
    /// The literal's span.
    pub span: Span,
    /// `Revision ID:` line.
    pub revision_id: Option<HeaderLine>,
    /// `Revises:` line.
    pub revises: Option<HeaderLine>,
}

/// Everything read from one file: its text and the [`FileFacts`] found in it.
///
/// The text borrows the file's bytes whenever they are UTF-8 (the common
/// case); only a Latin-1 file or one repaired around invalid bytes in a
/// comment owns a decoded copy. A module made from facts computed earlier
/// ([`ParsedModule::from_facts`]) decodes its text only when something asks
/// for it (a label's line and column, a slice for a message or a fix), so a
/// check that reports nothing on a file never decodes it.
#[derive(Debug, Clone, Default)]
pub struct ParsedModule<'a> {
    /// The file's bytes: the text when they are UTF-8.
    bytes: &'a [u8],
    /// How the text is read from the bytes, once decoded. It holds no
    /// borrow, so the module stays covariant in `'a`.
    text: OnceCell<Text>,
    /// What was read from the text.
    pub facts: FileFacts,
    /// The bytes were left out of the request (the facts stand in for
    /// them): asking for the text then sets `missing` and gets "".
    omitted: bool,
    /// Something asked for the text of an omitted file.
    missing: Cell<bool>,
}

/// A decoded text: where it is.
#[derive(Debug, Clone)]
enum Text {
    /// `bytes[offset..]`, valid UTF-8.
    Utf8 { offset: usize },
    /// A decoded copy (Latin-1, or repaired around invalid bytes in comments).
    Owned(String),
    /// The file cannot be decoded.
    Empty,
}

impl Text {
    fn new(offset: usize, text: Result<Cow<'_, str>, SyntaxError>) -> Text {
        match text {
            Ok(Cow::Borrowed(_)) => Text::Utf8 { offset },
            Ok(Cow::Owned(text)) => Text::Owned(text),
            Err(_) => Text::Empty,
        }
    }
}

impl PartialEq for ParsedModule<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.facts == other.facts && self.text() == other.text()
    }
}

impl Eq for ParsedModule<'_> {}

/// The last binding of each attribute, indexed by [`Attr`]: inline, because
/// a map's node allocation cost about a kilobyte per file (100 MB at 100,000
/// files).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Bindings(pub [Option<Binding>; 4]);

impl Bindings {
    /// The binding of one attribute.
    pub fn get(&self, attr: Attr) -> Option<&Binding> {
        self.0[attr as usize].as_ref()
    }

    /// Every binding, in [`Attr`] order.
    pub fn values(&self) -> impl Iterator<Item = &Binding> {
        self.0.iter().flatten()
    }
}

/// What the per-file phase learns from one file: everything later phases use
/// except the text itself. It depends only on the file's bytes and the target
/// Python version, so it can be computed in any order, in parallel guests,
/// and cached by content hash (see `docs/performance.md`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct FileFacts {
    /// Bytes before the text in the file (3 for a UTF-8 BOM).
    pub offset: usize,
    /// The last binding of each attribute, when there is one.
    pub bindings: Bindings,
    /// `down_revision: str` with no value: binds nothing, but is worth a hint.
    pub bare_annotations: Vec<(Attr, Span)>,
    /// The module docstring.
    pub docstring: Option<Docstring>,
    /// The first syntax error, if any (later statements are unknown).
    pub syntax_error: Option<SyntaxError>,
    /// Line starts of the decoded text, for labels' lines and columns.
    pub lines: LineTable,
    /// The deploy-safety lint of the file, when the per-file phase ran it
    /// (spans in text offsets, like the lint's own).
    pub safety: Option<crate::safety::Linted>,
}

impl FileFacts {
    /// The binding of one attribute.
    pub fn get(&self, attr: Attr) -> Option<&Binding> {
        self.bindings.get(attr)
    }
}

impl<'a> ParsedModule<'a> {
    /// A module from facts computed earlier (in another guest, or read from
    /// the cache) for exactly these bytes: only the text is decoded again.
    pub fn from_facts(bytes: &'a [u8], facts: FileFacts) -> ParsedModule<'a> {
        ParsedModule {
            bytes,
            text: OnceCell::new(),
            facts,
            omitted: false,
            missing: Cell::new(false),
        }
    }

    /// A module from facts alone, its bytes left out of the request: its
    /// text reads as "" and [`ParsedModule::text_missing`] then says so,
    /// so the caller can run the check again with the bytes.
    pub fn from_facts_only(facts: FileFacts) -> ParsedModule<'static> {
        ParsedModule {
            bytes: &[],
            text: OnceCell::new(),
            facts,
            omitted: true,
            missing: Cell::new(false),
        }
    }

    /// Whether something asked for the text of a module made by
    /// [`ParsedModule::from_facts_only`].
    pub fn text_missing(&self) -> bool {
        self.missing.get()
    }

    /// A module whose text is decoded already.
    fn decoded(bytes: &'a [u8], text: Text, facts: FileFacts) -> ParsedModule<'a> {
        ParsedModule {
            bytes,
            text: OnceCell::from(text),
            facts,
            omitted: false,
            missing: Cell::new(false),
        }
    }

    /// The decoded source text (BOM removed; empty when the file cannot be
    /// decoded). Offsets in the facts are into the original bytes, so add
    /// [`FileFacts::offset`] when slicing it.
    pub fn text(&self) -> &str {
        if self.omitted {
            self.missing.set(true);
            return "";
        }
        let text = self.text.get_or_init(|| {
            let decoded = decode(self.bytes);
            Text::new(decoded.offset, decoded.text)
        });
        match text {
            // Checked when decoded; checking again is the price of a text
            // that borrows without a lifetime in the cell.
            Text::Utf8 { offset } => self
                .bytes
                .get(*offset..)
                .and_then(|body| std::str::from_utf8(body).ok())
                .unwrap_or(""),
            Text::Owned(text) => text,
            Text::Empty => "",
        }
    }

    /// The same module with a text of its own.
    pub fn into_owned(self) -> ParsedModule<'static> {
        let text = Text::Owned(self.text().to_owned());
        ParsedModule::decoded(&[], text, self.facts)
    }

    /// Source text of a span (spans are file offsets).
    pub fn slice(&self, span: Span) -> &str {
        let text = self.text();
        let start = span.start.saturating_sub(self.facts.offset).min(text.len());
        let end = span
            .end
            .saturating_sub(self.facts.offset)
            .clamp(start, text.len());
        text.get(start..end).unwrap_or("")
    }
}

/// Read a file's bindings (nom) without validating the rest of it.
pub fn parse_module(bytes: &[u8]) -> ParsedModule<'_> {
    read_module(bytes, None, None)
}

/// Read a file's bindings and validate the whole file as CPython `version`
/// would compile it: [`FileFacts::syntax_error`] is then the first reason
/// the import fails, wherever it is in the file.
pub fn compile_module(bytes: &[u8], version: PythonVersion) -> ParsedModule<'_> {
    read_module(bytes, Some(version), None)
}

/// [`compile_module`], handing Ruff's tree of the decoded text to `visit`
/// when the file parses (its spans are text offsets: add
/// [`FileFacts::offset`] for file offsets).
pub fn compile_module_visiting<'b>(
    bytes: &'b [u8],
    version: PythonVersion,
    visit: &mut dyn FnMut(&crate::syntax::Module),
) -> ParsedModule<'b> {
    read_module(bytes, Some(version), Some(visit))
}

/// The per-file phase alone: [`compile_module`] without keeping the text.
pub fn analyze(bytes: &[u8], version: PythonVersion) -> FileFacts {
    compile_module(bytes, version).facts
}

/// [`analyze`], and with `safety` also the deploy-safety lint of a file
/// that compiles, so a check under the same settings finds it in the facts
/// (and a cached run lints nothing).
pub fn analyze_with(
    bytes: &[u8],
    version: PythonVersion,
    safety: Option<&crate::safety::SafetySettings>,
) -> FileFacts {
    let module = compile_module(bytes, version);
    let linted = match safety {
        Some(settings) if settings.enabled && module.facts.syntax_error.is_none() => {
            Some(crate::safety::lint_file(module.text(), settings))
        }
        _ => None,
    };
    let mut facts = module.facts;
    facts.safety = linted;
    facts
}

fn read_module<'b>(
    bytes: &'b [u8],
    validate: Option<PythonVersion>,
    visit: Option<&mut dyn FnMut(&crate::syntax::Module)>,
) -> ParsedModule<'b> {
    let Decoded {
        offset,
        text,
        decoding,
    } = decode(bytes);
    let mut facts = FileFacts {
        offset,
        ..FileFacts::default()
    };
    let text = match text {
        Ok(text) => text,
        Err(error) => {
            facts.syntax_error = Some(error);
            return ParsedModule::decoded(bytes, Text::Empty, facts);
        }
    };
    facts.lines = LineTable::new(&text);
    read_text(&mut facts, &text, validate, visit);
    if matches!(decoding, Decoding::Latin1) {
        // Every byte was one character: map spans back to file offsets.
        let high: Vec<usize> = text
            .char_indices()
            .filter(|(_, c)| !c.is_ascii())
            .map(|(i, _)| i)
            .collect();
        facts.remap(&|o| offset + o - high.partition_point(|&h| h < o));
    } else if offset > 0 {
        // Shift every span from text offsets to file offsets.
        facts.remap(&|o| o + offset);
    }
    ParsedModule::decoded(bytes, Text::new(offset, Ok(text)), facts)
}

/// Tokenize and read the statements of decoded text; with a version, also
/// validate the whole text.
fn read_text(
    facts: &mut FileFacts,
    text: &str,
    validate: Option<PythonVersion>,
    visit: Option<&mut dyn FnMut(&crate::syntax::Module)>,
) {
    let mut reader = Reader {
        src: text,
        module: facts,
        block: Block::None,
        first_statement: true,
    };
    let error = lexer::tokenize_into(text, &mut reader).err();
    if facts.syntax_error.is_none()
        && let Some(err) = error
    {
        facts.syntax_error = Some(SyntaxError {
            message: err.message,
            span: err.span,
            unsupported: false,
        });
    }
    if let Some(version) = validate {
        let found = crate::syntax::validate_visiting(text, version, visit);
        facts.syntax_error = choose_error(facts.syntax_error.take(), found.first());
    }
}

/// The error to report when the binding reader and the whole-file validator
/// both looked. The validator decides whether the file compiles; the binding
/// reader's tokenizer messages are CPython's own ("'(' was never closed",
/// "unterminated string literal"), so they are kept when both found a
/// problem. A binding-reader error the validator does not confirm is kept
/// too: the bindings after it could not be read.
fn choose_error(
    reader: Option<SyntaxError>,
    full: Option<&crate::syntax::CompileError>,
) -> Option<SyntaxError> {
    let full = full.map(|e| SyntaxError {
        message: e.message.clone(),
        span: e.span,
        unsupported: e.unsupported,
    });
    match (reader, full) {
        (Some(reader), Some(full)) => {
            let generic = matches!(
                reader.message.as_str(),
                "invalid syntax" | "unexpected indent"
            );
            Some(if generic && !full.unsupported {
                full
            } else {
                reader
            })
        }
        (reader, full) => full.or(reader),
    }
}

impl FileFacts {
    fn remap(&mut self, to_file: &dyn Fn(usize) -> usize) {
        let s = |span: &mut Span| {
            span.start = to_file(span.start);
            span.end = to_file(span.end);
        };
        for binding in self.bindings.0.iter_mut().flatten() {
            s(&mut binding.name_span);
            s(&mut binding.statement);
            binding.value.remap(to_file);
        }
        for (_, span) in &mut self.bare_annotations {
            s(span);
        }
        if let Some(doc) = &mut self.docstring {
            s(&mut doc.span);
            if let Some(line) = &mut doc.revision_id {
                s(&mut line.span);
            }
            if let Some(line) = &mut doc.revises {
                s(&mut line.span);
            }
        }
        if let Some(err) = &mut self.syntax_error {
            s(&mut err.span);
        }
    }
}

/// What kind of block the indented lines that follow belong to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Block {
    /// No block is open; an indented line is an error.
    None,
    /// `def`/`class`: bindings are local.
    Local,
    /// `if`/`try`/`for`/`while`/`with`/`match`: bindings are conditional.
    Conditional(&'static str),
}

struct Reader<'s, 'm> {
    src: &'s str,
    module: &'m mut FileFacts,
    block: Block,
    first_statement: bool,
}

const COMPOUND: [&str; 12] = [
    "if", "elif", "else", "try", "except", "finally", "for", "while", "with", "async", "match",
    "case",
];

impl lexer::LineSink for &mut Reader<'_, '_> {
    /// Lines [`Reader::line`] ignores are not collected: the indented lines
    /// of a `def`/`class` body (most of a migration's bytes) and everything
    /// after the first syntax error.
    fn wants(&self, indented: bool) -> bool {
        self.module.syntax_error.is_none() && !(indented && self.block == Block::Local)
    }

    fn line(&mut self, line: &LogicalLine) {
        Reader::line(self, line)
    }
}

impl Reader<'_, '_> {
    fn text(&self, tok: &Token) -> &str {
        &self.src[tok.span.start..tok.span.end]
    }

    fn is_op(&self, tok: &Token, op: &str) -> bool {
        tok.kind == TokKind::Op && self.text(tok) == op
    }

    fn error(&mut self, message: impl Into<String>, span: Span) {
        if self.module.syntax_error.is_none() {
            self.module.syntax_error = Some(SyntaxError {
                message: message.into(),
                span,
                unsupported: false,
            });
        }
    }

    fn line(&mut self, line: &LogicalLine) {
        if self.module.syntax_error.is_some() {
            return;
        }
        let Some(first) = line.tokens.first() else {
            return;
        };
        if line.indented {
            match self.block {
                Block::None => self.error("unexpected indent", first.span),
                Block::Local => {}
                Block::Conditional(kind) => self.conditional_body(&line.tokens, kind),
            }
            return;
        }
        self.block = Block::None;
        let statements = split_top(self.src, &line.tokens, |t| self.is_op(t, ";"));
        for statement in statements {
            if statement.is_empty() {
                continue;
            }
            self.statement(statement);
            self.first_statement = false;
        }
    }

    /// Bindings of our names anywhere in a conditional block are not static.
    fn conditional_body(&mut self, tokens: &[Token], kind: &'static str) {
        // A nested def/class inside the block binds locally.
        if let Some(first) = tokens.first()
            && matches!(self.text(first), "def" | "class" | "@")
        {
            return;
        }
        for (i, tok) in tokens.iter().enumerate() {
            if tok.kind != TokKind::Name {
                continue;
            }
            let Some(attr) = Attr::from_name(self.text(tok)) else {
                continue;
            };
            let after_dot = i > 0 && self.is_op(&tokens[i - 1], ".");
            let binds = tokens.get(i + 1).is_some_and(|next| {
                ["=", ":", ":="].contains(&self.text(next))
                    || self.text(next).ends_with('=') && self.text(next) != "=="
            }) || (i > 0
                && ["import", "as", "for", "del", ","].contains(&self.text(&tokens[i - 1])));
            if binds && !after_dot {
                let end = tokens.last().map_or(tok.span.end, |t| t.span.end);
                self.bind(
                    attr,
                    Value::Dynamic {
                        reason: format!("assigned inside a module-level `{kind}` block"),
                        span: Span::new(tok.span.start, end),
                    },
                    tok.span,
                    Span::new(tok.span.start, end),
                );
            }
        }
    }

    fn bind(&mut self, attr: Attr, value: Value, name_span: Span, statement: Span) {
        self.module.bindings.0[attr as usize] = Some(Binding {
            value,
            name_span,
            statement,
        });
    }

    fn statement(&mut self, tokens: &[Token]) {
        let first = &tokens[0];
        let head = self.text(first).to_owned();
        let span = Span::new(first.span.start, tokens[tokens.len() - 1].span.end);
        let ends_with_colon = tokens.last().is_some_and(|t| self.is_op(t, ":"));

        if first.kind == TokKind::Name && (head == "def" || head == "class")
            || self.is_op(first, "@")
        {
            if ends_with_colon {
                self.block = Block::Local;
            } else if head != "@" && !self.has_top_colon(tokens) {
                self.error("invalid syntax", span);
            }
            return;
        }
        if first.kind == TokKind::Name
            && COMPOUND.contains(&head.as_str())
            && self.has_top_colon(tokens)
        {
            // `match`/`case` are soft keywords: `match = 1` is an assignment.
            let is_assignment = tokens.get(1).is_some_and(|t| self.is_op(t, "="));
            if !is_assignment {
                let kind = COMPOUND.into_iter().find(|k| *k == head).unwrap_or("if");
                let kind = match kind {
                    "elif" | "else" => "if",
                    "except" | "finally" => "try",
                    "async" => "with",
                    "case" => "match",
                    other => other,
                };
                if ends_with_colon {
                    self.block = Block::Conditional(kind);
                } else {
                    // Inline body: `if x: revision = "a"`.
                    let colon = tokens.iter().position(|t| self.is_op(t, ":")).unwrap_or(0);
                    self.conditional_body(&tokens[colon + 1..], kind);
                }
                return;
            }
        }
        if first.kind == TokKind::Name && (head == "import" || head == "from") {
            self.imports(tokens);
            return;
        }
        if first.kind == TokKind::Name && head == "del" {
            for tok in &tokens[1..] {
                if let Some(attr) = Attr::from_name(self.text(tok)) {
                    self.bind(
                        attr,
                        Value::Dynamic {
                            reason: "deleted with `del`".into(),
                            span,
                        },
                        tok.span,
                        span,
                    );
                }
            }
            return;
        }
        self.walrus(tokens);
        let parts = split_top(self.src, tokens, |t| self.is_op(t, "="));
        if parts.len() == 1 {
            self.expression_statement(tokens, span);
            return;
        }
        let (value_tokens, targets) = parts.split_last().unwrap_or((&parts[0], &[]));
        let value = value::parse_value(self.src, value_tokens);
        for (index, target) in targets.iter().enumerate() {
            self.target(target, index == 0, &value, span);
        }
    }

    fn has_top_colon(&self, tokens: &[Token]) -> bool {
        let mut depth = 0i32;
        for tok in tokens {
            if tok.kind == TokKind::Op {
                match self.text(tok) {
                    "(" | "[" | "{" => depth += 1,
                    ")" | "]" | "}" => depth -= 1,
                    ":" if depth == 0 => return true,
                    _ => {}
                }
            }
        }
        false
    }

    fn walrus(&mut self, tokens: &[Token]) {
        for pair in tokens.windows(2) {
            if self.is_op(&pair[1], ":=")
                && let Some(attr) = Attr::from_name(self.text(&pair[0]))
            {
                let span = Span::new(pair[0].span.start, pair[1].span.end);
                self.bind(
                    attr,
                    Value::Dynamic {
                        reason: "bound by an assignment expression (`:=`)".into(),
                        span,
                    },
                    pair[0].span,
                    span,
                );
            }
        }
    }

    fn imports(&mut self, tokens: &[Token]) {
        // `import a as revision`, `from x import revision`, `from x import (a as depends_on)`.
        let import_at = tokens
            .iter()
            .position(|t| self.text(t) == "import")
            .unwrap_or(0);
        let span = Span::new(tokens[0].span.start, tokens[tokens.len() - 1].span.end);
        let names = &tokens[import_at + 1..];
        for (i, tok) in names.iter().enumerate() {
            let Some(attr) = Attr::from_name(self.text(tok)) else {
                continue;
            };
            let next = names.get(i + 1).map(|t| self.text(t));
            let after_dot = i > 0 && self.text(&names[i - 1]) == ".";
            let is_bound_name = !(matches!(next, Some("as") | Some(".")) || after_dot);
            if is_bound_name {
                self.bind(
                    attr,
                    Value::Dynamic {
                        reason: "imported from another module".into(),
                        span,
                    },
                    tok.span,
                    span,
                );
            }
        }
    }

    fn expression_statement(&mut self, tokens: &[Token], span: Span) {
        // Augmented assignment: `revision += "x"`.
        if let [name, op, ..] = tokens
            && let Some(attr) = Attr::from_name(self.text(name))
            && op.kind == TokKind::Op
            && self.text(op).ends_with('=')
            && !["==", "<=", ">=", "!="].contains(&self.text(op))
        {
            self.bind(
                attr,
                Value::Dynamic {
                    reason: format!("changed with `{}`", self.text(op)),
                    span,
                },
                name.span,
                span,
            );
            return;
        }
        // Bare annotation: `down_revision: str` binds nothing.
        if let [name, colon, ..] = tokens
            && self.is_op(colon, ":")
            && let Some(attr) = Attr::from_name(self.text(name))
        {
            self.module.bare_annotations.push((attr, span));
            return;
        }
        // The module docstring: the first statement, a string expression.
        if self.first_statement
            && let Value::Str { value, span: vspan } = value::parse_value(self.src, tokens)
            && tokens
                .iter()
                .all(|t| matches!(&t.kind, TokKind::Str(s) if !s.bytes && !s.interpolated))
        {
            let single_body = match tokens {
                [tok] => match &tok.kind {
                    TokKind::Str(s) => Some(s.body),
                    _ => None,
                },
                _ => None,
            };
            let header = |key: &str| header_line(self.src, &value, single_body, key);
            self.module.docstring = Some(Docstring {
                revision_id: header("Revision ID:"),
                revises: header("Revises:"),
                text: value,
                span: vspan,
            });
        }
    }

    fn target(&mut self, target: &[Token], first: bool, value: &Value, statement: Span) {
        // `= x` or `x = = y`: an empty target (found by the property run;
        // indexing it panicked). Python refuses the file.
        let Some(name) = target.first() else {
            self.error("invalid syntax", statement);
            return;
        };
        // `name` or `name: annotation`
        let simple =
            target.len() == 1 || (first && target.len() > 2 && self.is_op(&target[1], ":"));
        if name.kind == TokKind::Name && simple {
            if let Some(attr) = Attr::from_name(self.text(name)) {
                self.bind(attr, value.clone(), name.span, statement);
            }
            return;
        }
        // Unpacking: `revision, down_revision = ...` binds, but not statically.
        for (i, tok) in target.iter().enumerate() {
            let Some(attr) = Attr::from_name(self.text(tok)) else {
                continue;
            };
            let attribute_or_item =
                i > 0 && (self.is_op(&target[i - 1], ".") || self.is_op(&target[i - 1], "["));
            let subscripted = target
                .get(i + 1)
                .is_some_and(|t| self.is_op(t, "[") || self.is_op(t, "."));
            if tok.kind == TokKind::Name && !attribute_or_item && !subscripted {
                self.bind(
                    attr,
                    Value::Dynamic {
                        reason: "bound by unpacking".into(),
                        span: statement,
                    },
                    tok.span,
                    statement,
                );
            }
        }
    }
}

/// The value of a `Key: value` header line in a docstring, with its span when
/// the docstring is a single literal without escapes before the line.
fn header_line(src: &str, text: &str, body: Option<Span>, key: &str) -> Option<HeaderLine> {
    let line = text.lines().find(|l| l.trim_start().starts_with(key))?;
    let value = line.trim_start()[key.len()..].trim().to_owned();
    let span = body
        .and_then(|body| {
            let raw = &src[body.start..body.end];
            let at = raw.find(key)?;
            let after = at + key.len();
            let rest = &raw[after..];
            let lead = rest.len() - rest.trim_start_matches([' ', '\t']).len();
            let start = body.start + after + lead;
            let len = rest[lead..].find(['\n', '\r']).unwrap_or(rest.len() - lead);
            let trimmed = rest[lead..lead + len].trim_end().len();
            Some(Span::new(start, start + trimmed))
        })
        .unwrap_or_default();
    Some(HeaderLine { value, span })
}

/// Split tokens on a separator at bracket depth 0.
pub(crate) fn split_top<'t>(
    src: &str,
    tokens: &'t [Token],
    is_sep: impl Fn(&Token) -> bool,
) -> Vec<&'t [Token]> {
    let mut parts = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    for (i, tok) in tokens.iter().enumerate() {
        if tok.kind == TokKind::Op {
            match &src[tok.span.start..tok.span.end] {
                "(" | "[" | "{" => depth += 1,
                ")" | "]" | "}" => depth -= 1,
                _ => {}
            }
        }
        if depth == 0 && is_sep(tok) {
            parts.push(&tokens[start..i]);
            start = i + 1;
        }
    }
    parts.push(&tokens[start..]);
    parts
}

#[cfg(test)]
mod tests;
