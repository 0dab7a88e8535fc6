//! The scopes CPython's symbol table sees, for Ruff's `SemanticSyntaxChecker`.
//!
//! CPython raises some `SyntaxError`s only after parsing, while it builds the
//! symbol table and compiles: `return` outside a function, `await` outside an
//! async function, `nonlocal` without a binding, a repeated keyword argument,
//! `break` outside a loop, … Ruff's checker knows those rules but asks its
//! caller where it is (module, class, function, lambda, comprehension, loop)
//! and what each scope binds. [`Walker`] answers: it walks the AST once,
//! keeping a stack of scopes, and each function, class and module scope is
//! pre-scanned for its `global` declarations and the names it binds (CPython
//! resolves `nonlocal` against the whole enclosing body, not just the lines
//! above it).

use std::cell::RefCell;

use ruff_python_ast::visitor::{self, Visitor};
use ruff_python_ast::{self as ast, Expr, ExprContext, Parameters, Pattern, Stmt};
use ruff_python_parser::semantic_errors::{
    LazyImportContext, SemanticSyntaxChecker, SemanticSyntaxContext, SemanticSyntaxError,
};
use ruff_text_size::TextRange;
use rustc_hash::{FxHashMap, FxHashSet};

/// Every compile-time error Ruff's checker finds in `suite`.
pub(super) fn semantic_errors(
    suite: &[Stmt],
    source: &str,
    version: ruff_python_ast::PythonVersion,
) -> Vec<SemanticSyntaxError> {
    let mut walker = Walker {
        checker: SemanticSyntaxChecker::new(),
        cx: Context {
            source,
            version,
            scopes: vec![Scope::new(Kind::Module, suite, None)],
            in_try: false,
            future_annotations: has_future_annotations(suite),
            errors: RefCell::new(Vec::new()),
        },
    };
    walker.visit_body(suite);
    walker.cx.errors.into_inner()
}

fn has_future_annotations(suite: &[Stmt]) -> bool {
    suite.iter().any(|stmt| match stmt {
        Stmt::ImportFrom(ast::StmtImportFrom {
            module: Some(module),
            names,
            ..
        }) => {
            module.as_str() == "__future__"
                && names
                    .iter()
                    .any(|alias| alias.name.as_str() == "annotations")
        }
        _ => false,
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Module,
    Class,
    Function { is_async: bool },
    Lambda,
    Comprehension { is_async: bool, generator: bool },
}

/// One scope on the stack.
struct Scope {
    kind: Kind,
    /// Inside a `for`/`while` body of this scope (not its `else`).
    in_loop: bool,
    /// `global NAME` declarations of this scope, with the statement's range.
    globals: FxHashMap<String, TextRange>,
    /// Names this scope binds (assignments, imports, defs, parameters, …).
    bound: FxHashSet<String>,
    /// The parameters of a function or lambda scope.
    parameters: FxHashSet<String>,
}

impl Scope {
    fn new(kind: Kind, body: &[Stmt], parameters: Option<&Parameters>) -> Scope {
        let mut names = Names::default();
        for stmt in body {
            names.visit_stmt(stmt);
        }
        let parameters: FxHashSet<String> = parameters
            .map(|p| p.iter().map(|p| p.name().to_string()).collect())
            .unwrap_or_default();
        names.bound.extend(parameters.iter().cloned());
        Scope {
            kind,
            in_loop: false,
            globals: names.globals,
            bound: names.bound,
            parameters,
        }
    }

    fn bare(kind: Kind, parameters: Option<&Parameters>) -> Scope {
        Scope::new(kind, &[], parameters)
    }

    fn is_function_like(&self) -> bool {
        matches!(self.kind, Kind::Function { .. } | Kind::Lambda)
    }
}

/// The answers Ruff's checker asks for, from the current scope stack.
struct Context<'s> {
    source: &'s str,
    version: ruff_python_ast::PythonVersion,
    scopes: Vec<Scope>,
    in_try: bool,
    future_annotations: bool,
    errors: RefCell<Vec<SemanticSyntaxError>>,
}

impl Context<'_> {
    fn current(&self) -> &Scope {
        // The module scope is pushed first and never popped.
        &self.scopes[self.scopes.len() - 1]
    }

    /// The innermost scope that is not a comprehension or lambda: the one
    /// whose `global` statements apply.
    fn statement_scope(&self) -> &Scope {
        self.scopes
            .iter()
            .rev()
            .find(|s| !matches!(s.kind, Kind::Comprehension { .. } | Kind::Lambda))
            .unwrap_or(&self.scopes[0])
    }

    /// The innermost function or lambda scope, looking through comprehensions only.
    fn function_through_comprehensions(&self) -> Option<&Scope> {
        for scope in self.scopes.iter().rev() {
            match scope.kind {
                Kind::Comprehension { .. } => continue,
                Kind::Function { .. } | Kind::Lambda => return Some(scope),
                Kind::Module | Kind::Class => return None,
            }
        }
        None
    }
}

impl SemanticSyntaxContext for Context<'_> {
    fn future_annotations_or_stub(&self) -> bool {
        self.future_annotations
    }

    fn lazy_import_context(&self) -> Option<LazyImportContext> {
        match self.current().kind {
            Kind::Function { .. } | Kind::Lambda => Some(LazyImportContext::Function),
            Kind::Class => Some(LazyImportContext::Class),
            _ if self.in_try => Some(LazyImportContext::TryExceptBlocks),
            _ => None,
        }
    }

    fn python_version(&self) -> ruff_python_ast::PythonVersion {
        self.version
    }

    fn source(&self) -> &str {
        self.source
    }

    fn global(&self, name: &str) -> Option<TextRange> {
        self.statement_scope().globals.get(name).copied()
    }

    fn has_nonlocal_binding(&self, name: &str) -> bool {
        // Skip the scope that declares `nonlocal`; look in enclosing
        // functions (class bodies are transparent, the module is not).
        for scope in self.scopes.iter().rev().skip(1) {
            match scope.kind {
                Kind::Function { .. } | Kind::Lambda => {
                    if scope.globals.contains_key(name) {
                        return false;
                    }
                    if scope.bound.contains(name) {
                        return true;
                    }
                }
                Kind::Class | Kind::Comprehension { .. } => {}
                Kind::Module => return false,
            }
        }
        false
    }

    fn in_async_context(&self) -> bool {
        for scope in self.scopes.iter().rev() {
            match scope.kind {
                Kind::Comprehension { .. } => continue,
                Kind::Function { is_async } => return is_async,
                Kind::Lambda | Kind::Class | Kind::Module => return false,
            }
        }
        false
    }

    fn in_await_allowed_context(&self) -> bool {
        self.function_through_comprehensions().is_some()
    }

    fn in_yield_allowed_context(&self) -> bool {
        self.current().is_function_like()
    }

    fn in_sync_comprehension(&self) -> bool {
        for scope in self.scopes.iter().rev() {
            match scope.kind {
                Kind::Comprehension {
                    is_async: false,
                    generator: false,
                } => return true,
                Kind::Comprehension { .. } => continue,
                _ => return false,
            }
        }
        false
    }

    fn in_class_body_comprehension(&self) -> bool {
        for scope in self.scopes.iter().rev() {
            match scope.kind {
                Kind::Comprehension { .. } => continue,
                Kind::Class => return true,
                _ => return false,
            }
        }
        false
    }

    fn in_module_scope(&self) -> bool {
        self.current().kind == Kind::Module
    }

    fn in_function_scope(&self) -> bool {
        self.current().is_function_like()
    }

    fn in_generator_context(&self) -> bool {
        for scope in self.scopes.iter().rev() {
            match scope.kind {
                Kind::Comprehension {
                    generator: true, ..
                } => return true,
                Kind::Comprehension { .. } => continue,
                _ => return false,
            }
        }
        false
    }

    fn in_notebook(&self) -> bool {
        false
    }

    fn report_semantic_error(&self, error: SemanticSyntaxError) {
        self.errors.borrow_mut().push(error);
    }

    fn in_loop_context(&self) -> bool {
        self.current().in_loop
    }

    fn is_bound_parameter(&self, name: &str) -> bool {
        let scope = self.current();
        scope.is_function_like() && scope.parameters.contains(name)
    }
}

/// Walks the AST, feeding every statement and expression to the checker
/// with the scope stack kept current.
struct Walker<'s> {
    checker: SemanticSyntaxChecker,
    cx: Context<'s>,
}

impl Walker<'_> {
    fn scoped(&mut self, scope: Scope, f: impl FnOnce(&mut Self)) {
        self.cx.scopes.push(scope);
        f(self);
        self.cx.scopes.pop();
    }

    fn looped<'a>(&mut self, body: &'a [Stmt], orelse: &'a [Stmt])
    where
        Self: Visitor<'a>,
    {
        let depth = self.cx.scopes.len() - 1;
        let outer = std::mem::replace(&mut self.cx.scopes[depth].in_loop, true);
        self.visit_body(body);
        self.cx.scopes[depth].in_loop = outer;
        self.visit_body(orelse);
    }

    fn function<'a>(&mut self, def: &'a ast::StmtFunctionDef)
    where
        Self: Visitor<'a>,
    {
        for decorator in &def.decorator_list {
            self.visit_decorator(decorator);
        }
        if let Some(type_params) = &def.type_params {
            self.visit_type_params(type_params);
        }
        self.visit_parameters(&def.parameters);
        if let Some(returns) = &def.returns {
            self.visit_annotation(returns);
        }
        let kind = Kind::Function {
            is_async: def.is_async,
        };
        let scope = Scope::new(kind, &def.body, Some(&def.parameters));
        self.scoped(scope, |w| w.visit_body(&def.body));
    }

    fn class<'a>(&mut self, def: &'a ast::StmtClassDef)
    where
        Self: Visitor<'a>,
    {
        for decorator in &def.decorator_list {
            self.visit_decorator(decorator);
        }
        if let Some(type_params) = &def.type_params {
            self.visit_type_params(type_params);
        }
        if let Some(arguments) = &def.arguments {
            self.visit_arguments(arguments);
        }
        let scope = Scope::new(Kind::Class, &def.body, None);
        self.scoped(scope, |w| w.visit_body(&def.body));
    }

    /// A comprehension: the first iterable is evaluated in the enclosing
    /// scope, everything else in the comprehension's own.
    fn comprehension<'a>(
        &mut self,
        generators: &'a [ast::Comprehension],
        elements: &[&'a Expr],
        generator: bool,
    ) where
        Self: Visitor<'a>,
    {
        let Some((first, rest)) = generators.split_first() else {
            return;
        };
        self.visit_expr(&first.iter);
        let kind = Kind::Comprehension {
            is_async: generators.iter().any(|g| g.is_async),
            generator,
        };
        self.scoped(Scope::bare(kind, None), |w| {
            w.visit_expr(&first.target);
            for condition in &first.ifs {
                w.visit_expr(condition);
            }
            for comprehension in rest {
                w.visit_comprehension(comprehension);
            }
            for element in elements {
                w.visit_expr(element);
            }
        });
    }
}

impl<'a> Visitor<'a> for Walker<'_> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        self.checker.visit_stmt(stmt, &self.cx);
        match stmt {
            Stmt::FunctionDef(def) => self.function(def),
            Stmt::ClassDef(def) => self.class(def),
            Stmt::For(ast::StmtFor {
                target,
                iter,
                body,
                orelse,
                ..
            }) => {
                self.visit_expr(iter);
                self.visit_expr(target);
                self.looped(body, orelse);
            }
            Stmt::While(ast::StmtWhile {
                test, body, orelse, ..
            }) => {
                self.visit_expr(test);
                self.looped(body, orelse);
            }
            Stmt::Try(_) => {
                let outer = std::mem::replace(&mut self.cx.in_try, true);
                visitor::walk_stmt(self, stmt);
                self.cx.in_try = outer;
            }
            _ => visitor::walk_stmt(self, stmt),
        }
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        self.checker.visit_expr(expr, &self.cx);
        match expr {
            Expr::Lambda(lambda) => {
                if let Some(parameters) = &lambda.parameters {
                    self.visit_parameters(parameters);
                }
                let scope = Scope::bare(Kind::Lambda, lambda.parameters.as_deref());
                self.scoped(scope, |w| w.visit_expr(&lambda.body));
            }
            Expr::ListComp(ast::ExprListComp {
                elt, generators, ..
            })
            | Expr::SetComp(ast::ExprSetComp {
                elt, generators, ..
            }) => self.comprehension(generators, &[elt], false),
            Expr::Generator(ast::ExprGenerator {
                elt, generators, ..
            }) => self.comprehension(generators, &[elt], true),
            Expr::DictComp(ast::ExprDictComp {
                key,
                value,
                generators,
                ..
            }) => {
                let mut elements: Vec<&Expr> = key.iter().map(|k| &**k).collect();
                elements.push(value);
                self.comprehension(generators, &elements, false);
            }
            _ => visitor::walk_expr(self, expr),
        }
    }
}

/// The names one scope's body binds and declares `global`, without
/// descending into nested scopes.
#[derive(Default)]
struct Names {
    bound: FxHashSet<String>,
    globals: FxHashMap<String, TextRange>,
}

impl Names {
    fn pattern(&mut self, pattern: &Pattern) {
        match pattern {
            Pattern::MatchAs(ast::PatternMatchAs { name, pattern, .. }) => {
                if let Some(name) = name {
                    self.bound.insert(name.to_string());
                }
                if let Some(pattern) = pattern {
                    self.pattern(pattern);
                }
            }
            Pattern::MatchStar(ast::PatternMatchStar {
                name: Some(name), ..
            }) => {
                self.bound.insert(name.to_string());
            }
            Pattern::MatchMapping(ast::PatternMatchMapping { patterns, rest, .. }) => {
                if let Some(rest) = rest {
                    self.bound.insert(rest.to_string());
                }
                patterns.iter().for_each(|p| self.pattern(p));
            }
            Pattern::MatchSequence(ast::PatternMatchSequence { patterns, .. })
            | Pattern::MatchOr(ast::PatternMatchOr { patterns, .. }) => {
                patterns.iter().for_each(|p| self.pattern(p));
            }
            Pattern::MatchClass(ast::PatternMatchClass { arguments, .. }) => {
                arguments.patterns.iter().for_each(|p| self.pattern(p));
                arguments
                    .keywords
                    .iter()
                    .for_each(|k| self.pattern(&k.pattern));
            }
            _ => {}
        }
    }
}

impl<'a> Visitor<'a> for Names {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::FunctionDef(ast::StmtFunctionDef { name, .. })
            | Stmt::ClassDef(ast::StmtClassDef { name, .. }) => {
                // The body is another scope.
                self.bound.insert(name.to_string());
            }
            Stmt::Import(ast::StmtImport { names, .. })
            | Stmt::ImportFrom(ast::StmtImportFrom { names, .. }) => {
                for alias in names {
                    let name = alias.asname.as_ref().unwrap_or(&alias.name).as_str();
                    let first = name.split('.').next().unwrap_or(name);
                    self.bound.insert(first.to_owned());
                }
            }
            Stmt::Global(ast::StmtGlobal { names, range, .. }) => {
                for name in names {
                    self.globals.entry(name.to_string()).or_insert(*range);
                }
            }
            Stmt::Nonlocal(ast::StmtNonlocal { names, .. }) => {
                // A free variable passed through: inner `nonlocal` may use it.
                self.bound.extend(names.iter().map(|n| n.to_string()));
            }
            Stmt::Match(ast::StmtMatch { subject, cases, .. }) => {
                self.visit_expr(subject);
                for case in cases {
                    self.pattern(&case.pattern);
                    if let Some(guard) = &case.guard {
                        self.visit_expr(guard);
                    }
                    self.visit_body(&case.body);
                }
            }
            _ => visitor::walk_stmt(self, stmt),
        }
    }

    fn visit_except_handler(&mut self, handler: &'a ast::ExceptHandler) {
        let ast::ExceptHandler::ExceptHandler(inner) = handler;
        if let Some(name) = &inner.name {
            self.bound.insert(name.to_string());
        }
        visitor::walk_except_handler(self, handler);
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        match expr {
            Expr::Name(ast::ExprName { id, ctx, .. }) => {
                if matches!(ctx, ExprContext::Store | ExprContext::Del) {
                    self.bound.insert(id.to_string());
                }
            }
            // A lambda's body is another scope; its defaults are ours.
            Expr::Lambda(ast::ExprLambda {
                parameters: Some(parameters),
                ..
            }) => {
                for default in parameters
                    .iter_non_variadic_params()
                    .filter_map(|p| p.default.as_deref())
                {
                    self.visit_expr(default);
                }
            }
            Expr::Lambda(_) => {}
            // A comprehension is another scope, except for its first iterable.
            Expr::ListComp(ast::ExprListComp { generators, .. })
            | Expr::SetComp(ast::ExprSetComp { generators, .. })
            | Expr::DictComp(ast::ExprDictComp { generators, .. })
            | Expr::Generator(ast::ExprGenerator { generators, .. }) => {
                if let Some(first) = generators.first() {
                    self.visit_expr(&first.iter);
                }
            }
            _ => visitor::walk_expr(self, expr),
        }
    }
}
