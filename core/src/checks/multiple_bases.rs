use super::{Context, Finding, Sink, declare_check, list};
use crate::graph::RevIx;
use crate::parse::Attr;

declare_check! {
    /// ## What it does
    /// Reports more than one base revision (`down_revision = None`) unless
    /// every base starts a labelled branch (`branch_labels`).
    ///
    /// ## Why is this bad?
    /// Alembic accepts several roots, but an unlabelled second root is
    /// almost always a migration created with the wrong `down_revision`
    /// (or none): it runs in an order nobody chose and becomes a second head
    /// at the top.
    ///
    /// ## Example
    /// `041.py` has `down_revision = None` although `001.py` is the base.
    ///
    /// ## Use instead
    /// Point it at its real parent, or label each independent branch.
    pub struct MultipleBases {
        name: "multiple-bases",
        code: "RG205",
        severity: Warning,
        group: Hygiene,
    }
}

pub(super) fn run(cx: &Context<'_>, sink: &mut Sink<'_>) {
    let graph = cx.graph;
    let bases: Vec<RevIx> = graph
        .bases
        .iter()
        .copied()
        .filter(|&b| !graph.rev(b).shadowed)
        .collect();
    if bases.len() < 2 || bases.iter().all(|&b| !graph.rev(b).labels.is_empty()) {
        return;
    }
    let ids: Vec<String> = bases.iter().map(|&b| cx.id(b).to_owned()).collect();
    let labels = bases
        .iter()
        .map(|&b| {
            cx.attr_label(
                b,
                Attr::DownRevision,
                format!("`{}` is a base", cx.id(b)),
                true,
            )
        })
        .collect();
    sink.emit(
        &MultipleBases::INFO,
        Finding::new(format!("{} base revisions: {}", bases.len(), list(&ids)), labels)
            .help("point each extra base at its real parent, or give every independent branch a `branch_labels` entry"),
    );
}
