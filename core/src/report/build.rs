//! Assembling the [`Report`]: the last phase, after the checks.
//!
//! The checks only emit findings; this module puts them together with what
//! the earlier phases computed (files and their roles, revision objects and
//! their marks, heads and bases, Alembic's predicted outcome) into the one
//! serialisable contract every face reads.

use crate::checks;
use crate::graph::{Issue, RefKind, RevIx, Revision, RevisionGraph, alembic};
use crate::load::{Loaded, Status};
use crate::request::Request;
use crate::severity::Severity;

use super::{
    Diagnostic, FileEntry, FileRole, Mark, Report, RevisionEntry, SCHEMA_VERSION, Summary,
};

/// Run the checks and assemble the report.
pub fn build(request: &Request, loaded: &Loaded, graph: &RevisionGraph) -> Report {
    let diagnostics = checks::run(request, loaded, graph);
    let summary = summary(&diagnostics);
    Report {
        schema_version: SCHEMA_VERSION,
        revguard_version: env!("CARGO_PKG_VERSION").to_owned(),
        policy: request.options.policy,
        python: request.options.python.clone(),
        files: file_entries(loaded, graph),
        revisions: revision_entries(graph),
        heads: ids(graph, &graph.heads),
        real_heads: ids(graph, &graph.real_heads),
        bases: ids(graph, &graph.bases),
        real_bases: ids(graph, &graph.real_bases),
        label_owners: graph
            .label_owners()
            .map(|(label, ix)| (label.to_owned(), ix.0))
            .collect(),
        complete: graph.is_complete(),
        alembic: alembic::predict(loaded, graph),
        diagnostics,
        summary,
    }
}

fn summary(diagnostics: &[Diagnostic]) -> Summary {
    let mut summary = Summary::default();
    for d in diagnostics {
        match d.severity {
            Severity::Error => summary.errors += 1,
            Severity::Warning => summary.warnings += 1,
            Severity::Info => summary.infos += 1,
        }
    }
    summary
}

fn ids(graph: &RevisionGraph, list: &[RevIx]) -> Vec<String> {
    list.iter().map(|ix| graph.rev(*ix).id.clone()).collect()
}

fn file_entries(loaded: &Loaded, graph: &RevisionGraph) -> Vec<FileEntry> {
    let mut rev_of_file: Vec<Option<&Revision>> = vec![None; loaded.files.len()];
    for rev in &graph.revisions {
        rev_of_file[rev.file] = Some(rev);
    }
    let mut load_position: Vec<Option<usize>> = vec![None; loaded.files.len()];
    for (at, &file) in loaded.order.iter().enumerate() {
        load_position[file] = Some(at);
    }
    loaded
        .files
        .iter()
        .enumerate()
        .map(|(index, file)| {
            let rev = rev_of_file[index];
            let (role, load_index) = match &file.status {
                Status::Loaded(at) => (
                    match rev {
                        Some(r) if r.shadowed => FileRole::Shadowed,
                        Some(_) => FileRole::Loaded,
                        None => FileRole::Unknown,
                    },
                    Some(*at),
                ),
                Status::Unread(_) => (FileRole::Unknown, load_position[index]),
                Status::LoadedTwice(_) => (FileRole::LoadedTwice, None),
                Status::Stray(_) => (FileRole::Stray, None),
                Status::Ignored => (FileRole::Ignored, None),
            };
            FileEntry {
                path: file.display.clone(),
                role,
                load_index,
                revision: rev.map(|r| r.id.clone()),
            }
        })
        .collect()
}

fn revision_entries(graph: &RevisionGraph) -> Vec<RevisionEntry> {
    let mut in_cycle = vec![false; graph.len()];
    let mut missing = vec![false; graph.len()];
    for issue in &graph.issues {
        match issue {
            Issue::Cycle { path, .. } => path.iter().for_each(|ix| in_cycle[ix.0] = true),
            Issue::MissingRef {
                from,
                kind: RefKind::Down,
                ..
            } => missing[from.0] = true,
            _ => {}
        }
    }
    let mut is_head = vec![false; graph.len()];
    for head in &graph.heads {
        is_head[head.0] = true;
    }
    graph
        .revisions
        .iter()
        .enumerate()
        .map(|(i, rev)| {
            let ix = RevIx(i);
            let mut marks = Vec::new();
            if is_head[i] {
                if rev.shadowed {
                    marks.push(Mark::PhantomHead);
                } else if graph.is_effective_head(ix) {
                    marks.push(Mark::EffectiveHead);
                } else {
                    marks.push(Mark::Head);
                }
            }
            if rev.is_base() {
                marks.push(Mark::Base);
            }
            if rev.down().len() > 1 {
                marks.push(Mark::Mergepoint);
            }
            if !rev.shadowed && graph.children(ix).len() > 1 {
                marks.push(Mark::Branchpoint);
            }
            if in_cycle[i] {
                marks.push(Mark::Cycle);
            }
            if missing[i] {
                marks.push(Mark::MissingParent);
            }
            RevisionEntry {
                id: rev.id.clone(),
                file: rev.file,
                down_revisions: rev.down().to_vec(),
                branch_labels: rev.labels.clone(),
                depends_on: rev.deps.clone(),
                doc: rev.doc.clone(),
                shadowed: rev.shadowed,
                marks,
                parents: resolved(rev.down(), |name| graph.resolve_parent(name)),
                dependencies: resolved(&rev.deps, |name| graph.resolve_dependency(name)),
            }
        })
        .collect()
}

fn resolved(names: &[String], resolve: impl Fn(&str) -> Option<RevIx>) -> Vec<Option<usize>> {
    names
        .iter()
        .map(|name| resolve(name).map(|ix| ix.0))
        .collect()
}
