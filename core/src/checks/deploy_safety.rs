use super::{Context, Finding, Sink, declare_check};
use crate::load::Status;
use crate::safety::{self, DOCS_URL, one_line};
use crate::severity::Severity;

declare_check! {
    /// ## What it does
    /// Lints what each migration's `upgrade()` does to a live PostgreSQL with
    /// squawk's rules. Every `op.*` call whose arguments are literals is
    /// translated into the DDL `alembic upgrade --sql` emits for it, inside
    /// the migration's transaction; squawk's linter judges that script, and
    /// each violation is reported on the Python call (on the string literal
    /// for `op.execute`) under squawk's rule name, message and help, with a
    /// link to squawk's documentation of the rule. A call revguard cannot
    /// translate (a variable argument, an unknown operation, a call under a
    /// loop or a condition) is listed as not checked, never guessed.
    ///
    /// Findings are warnings, so the gate does not fail on them, unless the
    /// deploy-safety policy blocks: `check --deploy-safety block`,
    /// `blocking = true` in `[tool.revguard.safety]`, or the Argo CD and KRM
    /// setting `deploy-safety: block` make every safety warning an error.
    /// `deploy-safety = "error"` in the severity table
    /// (`[tool.revguard.severity]`) does the same, and a rule's own name
    /// there (or in `[tool.revguard.safety.severity]`) sets its severity
    /// alone. `docs/safety.md` describes the translation, the
    /// transaction rules and how to silence a finding.
    ///
    /// ## Why is this bad?
    /// A migration that takes an `ACCESS EXCLUSIVE` lock on a busy table,
    /// rewrites it, or breaks the previous release's pods during a rolling
    /// update is an outage even though `alembic upgrade head` succeeds.
    ///
    /// ## Example
    /// ```python
    /// def upgrade():
    ///     op.create_index("ix_users_email", "users", ["email"])
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// def upgrade():
    ///     with op.get_context().autocommit_block():
    ///         op.create_index(
    ///             "ix_users_email", "users", ["email"], postgresql_concurrently=True
    ///         )
    /// ```
    ///
    /// ## References
    /// squawk's rules: <https://squawkhq.com/docs/rules>
    pub struct DeploySafety {
        name: "deploy-safety",
        code: "RG401",
        severity: Warning,
        group: Safety,
    }
}

pub(super) fn run(cx: &Context<'_>, sink: &mut Sink<'_>) {
    let settings = &cx.request.options.safety;
    if !settings.enabled {
        return;
    }
    let fingerprint = settings.fingerprint();
    for (index, file) in cx.loaded.files.iter().enumerate() {
        if !matches!(file.status, Status::Loaded(_)) {
            continue;
        }
        let Some(module) = file.module.as_ref() else {
            continue;
        };
        if module.facts.syntax_error.is_some() {
            continue;
        }
        // The lint given with the request (the browser's lazily loaded
        // modules), else the per-file phase's, under these settings; else
        // lint now.
        let given = cx.request.options.lints.get(&index);
        let linted = match given.or(module.facts.safety.as_ref()) {
            Some(linted) if linted.fingerprint == fingerprint => linted.facts.clone(),
            _ => safety::check_file(module.text(), settings),
        };
        let Some(facts) = linted else {
            continue;
        };
        let offset = module.facts.offset;
        let shift = |span: crate::text::Span| {
            crate::text::Span::new(span.start + offset, span.end + offset)
        };
        for finding in facts.findings {
            let label = cx.label(
                index,
                shift(finding.span),
                format!("runs `{}`", one_line(&finding.sql)),
                true,
            );
            let mut out = Finding::new(finding.message, vec![label])
                .note(format!("squawk: {DOCS_URL}{}", finding.rule));
            if let Some(help) = finding.help {
                out = out.help(help);
            }
            if let Some(assumed) = &settings.assumed {
                out = out.note(format!("PostgreSQL assumed: {assumed}"));
            }
            if let Some(note) = &settings.transaction_note {
                out = out.note(note.clone());
            }
            sink.emit_promoted(&DeploySafety::INFO, &finding.rule, out, settings.blocking);
        }
        for call in facts.unchecked {
            let label = cx.label(index, shift(call.span), call.reason.clone(), true);
            let out = Finding::new(
                format!(
                    "`{}` not checked for deploy safety: {}",
                    call.call, call.reason
                ),
                vec![label],
            )
            .severity(Severity::Info);
            sink.emit(&DeploySafety::INFO, out);
        }
    }
}
