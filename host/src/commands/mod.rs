//! What each subcommand does: [`run`] takes the parsed command line and
//! returns the exit code (0 no error-level finding, 1 error-level findings,
//! 2 is the binary's answer to an `Err`).
//!
//! The subcommands with a module of their own (`argocd`, `krm`, `repair`,
//! `render`) are called from here; none of them depends on this module or
//! on [`crate::cli`] for anything but its argument types.

mod check;
mod explain;
mod heads;
mod several;

use anyhow::{Result, bail};
use revguard_core::Report;
use revguard_core::python::PythonTarget;

use crate::cli::{
    Cli, Command, DjangoArgs, EngineArgs, GraphArgs, GraphFormatArg, LockArgs, ProjectArgs,
};
use crate::output::print;
use crate::project::{self, DiscoverOptions, Project};
use crate::{argocd, config, history, krm, render, repair};

/// Run the parsed command line; returns the exit code.
pub fn run(cli: Cli) -> Result<u8> {
    match cli.command {
        Command::Check(args) => check::check(&args, &cli.engine),
        Command::Heads(args) => heads::heads(&args, &cli.engine),
        Command::Explain { check, dialect } => explain::explain(check.as_deref(), dialect),
        Command::Graph(args) => graph(&args, &cli.engine),
        Command::Schema => {
            print(&render::schema::render())?;
            Ok(0)
        }
        Command::Argocd(command) => Ok(exit_code(argocd::run(&command))),
        Command::Krm(args) => Ok(exit_code(krm::run(&args))),
        Command::Lock(args) => lock(&args, &cli.engine),
        Command::Fix(args) => {
            if let Some(user_model) =
                check::django_user_model(&args.project, args.dialect, &args.user_model)
            {
                let checked = django_graph(&args.project, &user_model, &cli.engine)?;
                return crate::django::fix::fix(&args.project.path, &checked, args.write);
            }
            if let Some(found) = check::sql_history(&args.project, args.dialect)? {
                let engine = cli.engine.engine()?;
                let applied = crate::sql_tools::lock::read(&args.project.path, found.tool)?
                    .map(|rows| (rows, "lock"));
                let checked = crate::sql_tools::check(found, &engine, applied, false, None)?;
                return crate::sql_tools::fix::fix(
                    &args.project.path,
                    &checked,
                    &engine,
                    &args.keep,
                    args.write,
                );
            }
            let project = load_project(&args.project)?;
            repair::fix(
                &project,
                &repair::FixOptions {
                    write: args.write,
                    keep: args.keep,
                    parent: args.parent,
                },
            )
        }
    }
}

fn exit_code(code: i32) -> u8 {
    u8::try_from(code).unwrap_or(2)
}

/// `revguard graph`.
fn graph(args: &GraphArgs, engine_args: &EngineArgs) -> Result<u8> {
    let format = match args.format {
        GraphFormatArg::Dot => render::graph::GraphFormat::Dot,
        GraphFormatArg::Mermaid => render::graph::GraphFormat::Mermaid,
        GraphFormatArg::Json => render::graph::GraphFormat::Json,
    };
    if let Some(checked) = django_checked(&args.project, &args.django, engine_args)? {
        print(&checked.render_graph(format))?;
        return Ok(0);
    }
    let (_, report) = load_and_check(&args.project, engine_args)?;
    print(&render::graph::render(&report, format))?;
    Ok(0)
}

/// The Django project at the path, checked, when the flags or the
/// configuration say the project is Django's; `None` for Alembic.
fn django_checked(
    project: &ProjectArgs,
    django: &DjangoArgs,
    engine_args: &EngineArgs,
) -> Result<Option<crate::django::Checked>> {
    let Some(user_model) = check::django_user_model(project, django.dialect, &django.user_model)
    else {
        return Ok(None);
    };
    let python = project
        .python_version
        .unwrap_or(revguard_core::python::PythonVersion::DEFAULT);
    let engine = engine_args.engine()?;
    crate::django::check(
        &project.path,
        &user_model,
        python,
        &engine,
        None,
        None,
        None,
    )
    .map(Some)
}

/// A Django project's graph checked without history (what `fix` and `lock`
/// start from).
fn django_graph(
    project: &crate::cli::ProjectArgs,
    user_model: &str,
    engine_args: &EngineArgs,
) -> Result<crate::django::Checked> {
    let python = project
        .python_version
        .unwrap_or(revguard_core::python::PythonVersion::DEFAULT);
    let engine = engine_args.engine()?;
    crate::django::check(&project.path, user_model, python, &engine, None, None, None)
}

/// `revguard lock`: refuses a graph with errors, then writes (or checks)
/// the lock file.
fn lock(args: &LockArgs, engine_args: &EngineArgs) -> Result<u8> {
    if let Some(user_model) =
        check::django_user_model(&args.project, args.dialect, &args.user_model)
    {
        let checked = django_graph(&args.project, &user_model, engine_args)?;
        return crate::django::history::lock(&args.project.path, &checked, args.check);
    }
    if let Some(found) = check::sql_history(&args.project, args.dialect)? {
        let engine = engine_args.engine()?;
        let checked = crate::sql_tools::check(found, &engine, None, false, None)?;
        return crate::sql_tools::lock::lock(&args.project.path, &checked, args.check);
    }
    let project = load_project(&args.project)?;
    let report = engine_args.engine()?.run(&project.request)?;
    let graph_errors = graph_errors(&report);
    if !graph_errors.is_empty() {
        bail!(
            "cannot lock a broken graph; fix it first (`revguard fix`, `revguard check`):\n{}",
            graph_errors.join("\n")
        );
    }
    repair::lock(&project, args.check)
}

/// The error-level findings of the graph checks, one indented line each.
fn graph_errors(report: &Report) -> Vec<String> {
    if !report.has_errors() {
        return Vec::new();
    }
    report
        .diagnostics
        .iter()
        .filter(|d| {
            d.severity == revguard_core::Severity::Error
                && d.check_id()
                    .is_some_and(|id| id.info().group == revguard_core::checks::Group::Graph)
        })
        .map(|d| format!("  {}: {}", d.check, d.message))
        .collect()
}

/// Discover the project, apply configuration and flags, and check it.
pub fn load_and_check(args: &ProjectArgs, engine_args: &EngineArgs) -> Result<(Project, Report)> {
    // The engine first: its flags (--no-cache) decide how the guest loads;
    // it starts loading while the project is read.
    let engine = engine_args.engine()?;
    engine.prewarm();
    let project = load_project(args)?;
    let report = engine.run(&project.request)?;
    Ok((project, report))
}

/// Discover the project, apply configuration and flags, and attach its lock
/// file (when there is one).
pub fn load_project(args: &ProjectArgs) -> Result<Project> {
    let options = DiscoverOptions {
        name: args.name.clone(),
        max_file_bytes: args.max_file_size,
        max_total_bytes: args.max_total_size,
        max_files: args.max_files,
        root: None,
        display_base: std::env::current_dir().ok(),
    };
    let mut project = project::discover(&args.path, &options)?;
    if let Some(config) = config::load(&project.root, &project.dir)? {
        config.apply(&mut project.request.options);
    }
    if let Some(policy) = args.policy {
        project.request.options.policy = policy.into();
    }
    if let Some(version) = args.python_version {
        project.request.options.python = PythonTarget {
            version,
            source: "--python-version".into(),
        };
    }
    history::attach_lock(&mut project)?;
    Ok(project)
}
