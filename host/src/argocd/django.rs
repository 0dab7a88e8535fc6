//! The check step of `generate` and `krm` for a Django project: Django's
//! discovery, reader and semantics (in the sandbox), and the messages Argo
//! CD shows, in Django's own words.

use anyhow::{Result, bail};
use revguard_core::Severity;
use revguard_core::report::Diagnostic;
use std::path::Path;

use super::config::Config;
use super::{Located, clean, locate, push_errors};
use crate::django::Checked;

/// Check the Django project at `project` (inside `root`) in the sandbox,
/// with the deploy-safety lint under `deploy_safety` (the Application's or
/// the admin's setting; else the project's `[safety]`).
pub fn check(
    project: &Path,
    user_model: Option<&str>,
    deploy_safety: Option<revguard_core::safety::Mode>,
    run: &super::CheckRun,
) -> Result<Checked> {
    let engine = crate::engine::Engine::new(run.engine, run.limits.clone());
    let policy = crate::django::safety::policy(project, None, deploy_safety)?;
    crate::django::check(
        project,
        user_model.unwrap_or("auth.User"),
        revguard_core::python::PythonVersion::DEFAULT,
        &engine,
        None,
        None,
        policy,
    )
}

/// The settings that only mean something for Alembic, refused for Django
/// rather than silently ignored.
pub fn refuse_alembic_settings(settings: &[(&str, bool)]) -> Result<()> {
    for (name, set) in settings {
        if *set {
            bail!(
                "the setting {name} is for Alembic projects; this is a Django project (set dialect=alembic if it is not)"
            );
        }
    }
    Ok(())
}

/// Pass (the log line) or fail (the UI message) for the located project.
pub(super) fn verdict(
    config: &Config,
    found: &Located,
    run: &super::CheckRun,
) -> Result<Result<String, String>> {
    refuse_alembic_settings(&[
        ("expected-head", config.expected_head.is_some()),
        ("deployed-revision", config.deployed.is_some()),
    ])?;
    let checked = check(
        &found.project,
        config.user_model.as_deref(),
        config.deploy_safety,
        run,
    )?;
    let where_ = match locate::display(&found.root, &found.project).as_str() {
        "." => "at the repository root".to_string(),
        dir => format!("in {dir}"),
    };
    let diagnostics = checked.diagnostics();
    if checked.has_errors() {
        return Ok(Err(failure_message(&diagnostics, &where_, found)));
    }
    let migrations: usize = checked.apps.iter().map(|a| a.migrations.len()).sum();
    let leaves: Vec<String> = checked
        .loaded
        .leaves
        .iter()
        .flat_map(|(app, names)| names.iter().map(move |n| format!("{app}.{n}")))
        .collect();
    let mut out = format!(
        "revguard: the Django migration graph {where_} is OK: {} app{}, {migrations} migration{}, leaves {}; manage.py migrate runs.",
        checked.apps.len(),
        if checked.apps.len() == 1 { "" } else { "s" },
        if migrations == 1 { "" } else { "s" },
        if leaves.is_empty() {
            "none".to_string()
        } else {
            leaves.join(", ")
        },
    );
    if !checked.loaded.external.is_empty() {
        let external: Vec<String> = checked.loaded.external.iter().map(|k| k.dotted()).collect();
        out.push_str(&format!(
            "\nnote: assumed installed (outside the repository): {}",
            external.join(", ")
        ));
    }
    Ok(Ok(clean(&out)))
}

/// The short stderr text Argo CD shows as the ComparisonError, with
/// Django's exception and message for each finding.
fn failure_message(diagnostics: &[Diagnostic], where_: &str, found: &Located) -> String {
    let errors: Vec<&Diagnostic> = diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .collect();
    // Only the deploy-safety lint's errors (its `block` policy, or an
    // operation Django refuses in a transaction): the graph is fine.
    let unsafe_only = errors
        .iter()
        .all(|d| matches!(d.code.as_str(), "RG401" | "RG402"));
    let mut out = format!(
        "revguard: the Django migration graph {where_} {} ({} error{}); manifests were not generated.",
        if unsafe_only {
            "is not deploy-safe"
        } else {
            "is broken"
        },
        errors.len(),
        if errors.len() == 1 { "" } else { "s" }
    );
    push_errors(
        &mut out,
        &errors,
        found,
        true,
        "revguard check --dialect django",
    );
    out
}
