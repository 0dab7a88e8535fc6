use super::{Context, Finding, Sink, declare_check};
use crate::load::Status;
use crate::parse::Attr;
use crate::report::Span;

declare_check! {
    /// ## What it does
    /// Reports a file that looks like a migration (it binds `revision` and
    /// `down_revision`) but that Alembic will never load: in a subdirectory
    /// without `recursive_version_locations = true`, named `.PY`, starting
    /// with `__init__` or `.#`; and a file reached twice through overlapping
    /// version locations or symlinks.
    ///
    /// ## Why is this bad?
    /// The migration silently never runs. Nothing fails until someone notices
    /// that a column is missing in production.
    ///
    /// ## Example
    /// `versions/2024/041_add_index.py` with the default, non-recursive
    /// configuration.
    ///
    /// ## Use instead
    /// Move the file into the version location, rename it to end in `.py`,
    /// or set `recursive_version_locations = true`.
    pub struct StrayMigration {
        name: "stray-migration",
        code: "RG204",
        severity: Warning,
        group: Hygiene,
    }
}

pub(super) fn run(cx: &Context<'_>, sink: &mut Sink<'_>) {
    for (index, file) in cx.loaded.files.iter().enumerate() {
        match &file.status {
            Status::Loaded(_) if file.name == ".py" => {
                sink.emit(
                    &StrayMigration::INFO,
                    Finding::new(
                        format!(
                            "{} is named exactly `.py`; Alembic's loader crashes on it",
                            file.display
                        ),
                        vec![cx.label(index, Span::default(), "AssertionError in Alembic", true)],
                    )
                    .severity(crate::severity::Severity::Error)
                    .help("give the file a real name, e.g. `<revision>_<slug>.py`, or delete it"),
                );
            }
            Status::Stray(reason) => {
                let span = file
                    .module
                    .as_ref()
                    .and_then(|m| m.facts.get(Attr::Revision))
                    .map_or(Span::default(), |b| b.statement);
                sink.emit(
                    &StrayMigration::INFO,
                    Finding::new(
                        format!("{} looks like a migration, but Alembic will not load it", file.display),
                        vec![cx.label(index, span, "declares a revision", true)],
                    )
                    .note(format!("not loaded because {reason}"))
                    .help("move or rename it into the version location (or enable `recursive_version_locations`); delete it if it is obsolete"),
                );
            }
            Status::LoadedTwice(first) if crate::load::is_source_candidate(&file.name) => {
                sink.emit(
                    &StrayMigration::INFO,
                    Finding::new(
                        format!("{} is the same file as {}; Alembic loads it once", file.display, cx.path(*first)),
                        vec![cx.label(index, Span::default(), "reached a second time", true)],
                    )
                    .note("Alembic warns \"File ... loaded twice! ignoring. Please ensure version_locations is unique.\"")
                    .help("make `version_locations` entries distinct and not nested, and avoid symlinks into them"),
                );
            }
            _ => {}
        }
    }
}
