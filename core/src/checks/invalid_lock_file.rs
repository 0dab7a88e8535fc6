use super::{Context, Finding, Sink, declare_check};

declare_check! {
    /// ## What it does
    /// Reports a `revguard.lock` that cannot be read: git conflict markers,
    /// a line that is not `<revision> <down_revision> sha256:<hash> <file>`,
    /// or a `head` line that disagrees with the revision lines.
    ///
    /// ## Why is this bad?
    /// The lock is the record of what is already applied; while it cannot
    /// be read, none of the other history checks can run. Conflict markers
    /// mean two branches each added a migration on top of the same head:
    /// exactly the race the lock exists to catch.
    ///
    /// ## Example
    /// ```text
    /// <<<<<<< HEAD
    /// 044 043 sha256:… 044_add_invoices.py
    /// head 044
    /// =======
    /// 044 043 sha256:… 044_add_refunds.py
    /// head 044
    /// >>>>>>> feature/refunds
    /// ```
    ///
    /// ## Use instead
    /// Re-point one of the new migrations onto the other (`down_revision`,
    /// and a new id if they clash), then run `revguard lock` to write the
    /// lock again. Never merge lock lines by hand.
    pub struct InvalidLockFile {
        name: "invalid-lock-file",
        code: "RG306",
        severity: Error,
        group: History,
    }
}

pub(super) fn run(cx: &Context<'_>, sink: &mut Sink<'_>) {
    if cx.request.options.history.lock.is_none() {
        return;
    }
    let state = cx.history();
    let Some((path, Err(error))) = &state.lock else {
        return;
    };
    let at = if error.line > 0 {
        format!("{path}:{}", error.line)
    } else {
        path.clone()
    };
    let mut finding = Finding::new(format!("{at}: {}", error.message), Vec::new());
    finding = if error.conflict {
        finding
            .note("history checks against the lock are skipped until it is readable")
            .help("re-point one of the new migrations onto the other (its `down_revision`, and a new id if they clash), then run `revguard lock`; do not merge lock lines by hand")
    } else {
        finding
            .note("history checks against the lock are skipped until it is readable")
            .help("restore the lock from version control, or write it again with `revguard lock` once the history is right")
    };
    sink.emit(&InvalidLockFile::INFO, finding);
}
