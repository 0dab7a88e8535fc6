//! `revguard heads`: the heads as `alembic heads` prints them.

use std::io::Write;

use anyhow::Result;
use revguard_core::Report;
use revguard_core::report::AlembicErrorKind;

use super::load_and_check;
use crate::cli::{EngineArgs, HeadsArgs};
use crate::output::print;

pub(super) fn heads(args: &HeadsArgs, engine_args: &EngineArgs) -> Result<u8> {
    if let Some(checked) = super::django_checked(&args.project, &args.django, engine_args)? {
        return django_leaves(&checked);
    }
    let (_, report) = load_and_check(&args.project, engine_args)?;
    let list = if args.resolve_dependencies {
        &report.real_heads
    } else {
        &report.heads
    };
    let mut out = String::new();
    for id in list {
        out.push_str(&heads_line(&report, id));
        out.push('\n');
    }
    print(&out)?;
    let Some(error) = &report.alembic.error else {
        return Ok(0);
    };
    let mut stderr = std::io::stderr().lock();
    let message = error.messages.first().map(String::as_str).unwrap_or("");
    let _ = if error.kind == AlembicErrorKind::Unknown {
        writeln!(
            stderr,
            "revguard: note: revguard cannot tell whether Alembic loads these files ({message}); run `revguard check` for details"
        )
    } else {
        writeln!(
            stderr,
            "revguard: note: `alembic heads` would fail on these files ({}: {message}); the heads above are what can be known statically; run `revguard check` for the cause",
            error.kind
        )
    };
    Ok(heads_exit_code(error.kind, args.resolve_dependencies))
}

/// Django's leaves (`leaf_nodes()`), one `app.name` a line in app order;
/// when the graph does not load, Django's error on stderr and exit 1, as
/// `showmigrations` fails.
fn django_leaves(checked: &crate::django::Checked) -> Result<u8> {
    let mut out = String::new();
    for (app, names) in &checked.loaded.leaves {
        for name in names {
            out.push_str(&format!("{app}.{name}"));
            if names.len() > 1 {
                out.push_str(" (conflicting leaf)");
            }
            out.push('\n');
        }
    }
    print(&out)?;
    let Some(error) = checked.loaded.errors.first() else {
        return Ok(0);
    };
    let _ = writeln!(
        std::io::stderr().lock(),
        "revguard: note: Django cannot load this graph ({}: {}); run `revguard check --dialect django` for the cause",
        error.exception(),
        error.message()
    );
    Ok(1)
}

/// What `alembic heads` exits with when loading fails: plain `heads` reads
/// the head list outside Alembic's error wrapper, so every failure is a
/// traceback and exit 1; with `--resolve-dependencies` the revision-map
/// errors (cycles, label clashes, …) become `FAILED:` and exit 255.
fn heads_exit_code(kind: AlembicErrorKind, resolve_dependencies: bool) -> u8 {
    let wrapped = matches!(
        kind,
        AlembicErrorKind::RevisionError
            | AlembicErrorKind::CycleDetected
            | AlembicErrorKind::DependencyCycleDetected
            | AlembicErrorKind::LoopDetected
            | AlembicErrorKind::DependencyLoopDetected
            | AlembicErrorKind::CommandError
    );
    if resolve_dependencies && wrapped {
        255
    } else {
        1
    }
}

/// One line of `alembic heads`: the id (looked up through the map, so a
/// phantom shows its surviving copy), labels, and `(head)` or
/// `(effective head)`.
fn heads_line(report: &Report, id: &str) -> String {
    use revguard_core::report::Mark;
    let Some(rev) = report
        .revisions
        .iter()
        .rev()
        .find(|r| r.id == id && !r.shadowed)
    else {
        return id.to_owned();
    };
    let mut labels: Vec<String> = rev.branch_labels.clone();
    // Labels propagate to every descendant; heads inherit their ancestors'.
    let mut stack: Vec<&str> = rev.down_revisions.iter().map(String::as_str).collect();
    let mut seen = std::collections::HashSet::new();
    while let Some(parent) = stack.pop() {
        if !seen.insert(parent) {
            continue;
        }
        if let Some(p) = report
            .revisions
            .iter()
            .rev()
            .find(|r| r.id == parent && !r.shadowed)
        {
            labels.extend(p.branch_labels.iter().cloned());
            stack.extend(p.down_revisions.iter().map(String::as_str));
        }
    }
    labels.sort();
    labels.dedup();
    let mut line = rev.id.clone();
    if !labels.is_empty() {
        line.push_str(&format!(" ({})", labels.join(", ")));
    }
    if rev.marks.contains(&Mark::Head) {
        line.push_str(" (head)");
    } else if rev.marks.contains(&Mark::EffectiveHead) {
        line.push_str(" (effective head)");
    }
    line
}
