//! `revguard check`: the main job.

use std::io::IsTerminal;
use std::time::Duration;

use anyhow::{Result, bail};

use super::load_project;
use crate::cli::{CheckArgs, ColorArg, DialectArg, EngineArgs, HistoryArgs, ProjectArgs};
use crate::output::print;
use crate::project::Project;
use crate::render::{self, Format};
use crate::{database, history};

pub(super) fn check(args: &CheckArgs, engine_args: &EngineArgs) -> Result<u8> {
    let format = args.format.unwrap_or_else(default_format);
    let configured = django_config(&args.project.path).and_then(|c| c.dialect);
    if args.dialect.is_none()
        && configured.is_none()
        && let Some(found) = crate::detect::several(&args.project.path)?
    {
        super::several::refuse_single_history_flags(args, found.len())?;
        let (text, code) = super::several::check(args, engine_args, &found, format);
        print(&text)?;
        return Ok(code);
    }
    let (text, code) = check_one(args, engine_args, format)?;
    print(&text)?;
    Ok(code)
}

/// `check` of one history: the report in `format`, and the exit code.
pub(super) fn check_one(
    args: &CheckArgs,
    engine_args: &EngineArgs,
    format: Format,
) -> Result<(String, u8)> {
    if let Some(user_model) = django_user_model(&args.project, args.dialect, &args.user_model) {
        return check_django(args, engine_args, &user_model, format);
    }
    if let Some(found) = sql_history(&args.project, args.dialect)? {
        return check_sql(args, engine_args, found, format);
    }
    let mut project = load_project(&args.project)?;
    if let Some(mode) = args.deploy_safety {
        revguard_core::safety::Mode::from(mode).apply(&mut project.request.options.safety);
    }
    project.request.options.history.deployed = args.history.deployed.clone();
    if let Some(base) = &args.history.base {
        history::attach_base(&mut project, base)?;
    }
    if let Some(url) = &args.history.database_url {
        attach_database(&mut project, &args.project, &args.history, url)?;
    }
    let report = engine_args.engine()?.run(&project.request)?;
    let color = match args.color {
        ColorArg::Always => true,
        ColorArg::Never => false,
        ColorArg::Auto => {
            std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    };
    let text = match format {
        Format::Human => render::human::render(&report, &project, color),
        Format::Json => render::json::render(&report),
        Format::Sarif => render::sarif::render(&report),
        Format::Github => render::github::render(&report),
        Format::Gitlab => render::gitlab::render(&report),
        Format::Junit => render::junit::render(&report, &project.request.options),
    };
    Ok((text, u8::from(report.has_errors())))
}

/// `check --dialect django`: every output format; the history inputs come
/// with the history source (ADR 0003).
fn check_django(
    args: &CheckArgs,
    engine_args: &EngineArgs,
    user_model: &str,
    format: Format,
) -> Result<(String, u8)> {
    let history = &args.history;
    let applied = match &history.database_url {
        Some(url) => Some(django_applied(history, url)?),
        None => None,
    };
    let python = args
        .project
        .python_version
        .unwrap_or(revguard_core::python::PythonVersion::DEFAULT);
    let engine = engine_args.engine()?;
    let root = &args.project.path;
    let recorded = crate::django::history::input(
        root,
        history.deployed.as_deref(),
        history.base.as_deref(),
        python,
        &engine,
    )?;
    let policy = crate::django::safety::policy(
        root,
        history.database_url.as_deref(),
        args.deploy_safety.map(revguard_core::safety::Mode::from),
    )?;
    let checked =
        crate::django::check(root, user_model, python, &engine, applied, recorded, policy)?;
    let text = match format {
        Format::Human => checked.render_human(),
        Format::Json => {
            let mut json = serde_json::to_string_pretty(&checked)?;
            json.push('\n');
            json
        }
        Format::Sarif => render::sarif::render_run(
            crate::django::Checked::sarif_rules(),
            &checked.diagnostics(),
            env!("CARGO_PKG_VERSION"),
            checked.sarif_properties(),
        ),
        Format::Github => {
            let diagnostics = checked.diagnostics();
            let summary = crate::django::Checked::summary(&diagnostics);
            render::github::render_diagnostics(&diagnostics, &summary)
        }
        Format::Gitlab => render::gitlab::render_diagnostics(&checked.diagnostics()),
        Format::Junit => render::junit::render_checks(
            &crate::django::Checked::junit_checks(),
            &checked.diagnostics(),
        ),
    };
    Ok((text, u8::from(checked.has_errors())))
}

/// The SQL-file tool's history when the project is one's: by `--dialect`,
/// by `dialect` in configuration, else by detection when the path is not
/// an Alembic project (a path where nothing is found is an error saying
/// what was looked for). `None`: Alembic.
pub(super) fn sql_history(
    project: &ProjectArgs,
    dialect: Option<DialectArg>,
) -> Result<Option<crate::sql_tools::Found>> {
    let configured = django_config(&project.path).and_then(|c| c.dialect);
    let tool = match (dialect, configured) {
        (Some(dialect), _) => match dialect.sql_tool() {
            Some(tool) => Some(tool),
            None => return Ok(None),
        },
        (None, Some(crate::config::Dialect::Sql(tool))) => Some(tool),
        (None, Some(_)) => return Ok(None),
        (None, None) => None,
    };
    if tool.is_some() {
        return crate::sql_tools::find(&project.path, tool).map(Some);
    }
    if looks_like_alembic(&project.path) {
        return Ok(None);
    }
    crate::sql_tools::find(&project.path, None).map(Some)
}

/// Whether `path` is (or may be) an Alembic project: a file, a directory
/// with Alembic's or revguard's configuration, `env.py`, a `versions`
/// directory, or Python files. Anything else is looked at by the SQL
/// tools' discovery.
fn looks_like_alembic(path: &std::path::Path) -> bool {
    if !path.is_dir() {
        return true;
    }
    let named_versions = std::fs::canonicalize(path)
        .ok()
        .and_then(|p| p.file_name().map(|n| n == "versions"))
        .unwrap_or(false);
    let configured = ["alembic.ini", "env.py", "revguard.toml"]
        .iter()
        .any(|f| path.join(f).exists())
        || std::fs::read_to_string(path.join("pyproject.toml"))
            .is_ok_and(|t| t.contains("[tool.alembic") || t.contains("[tool.revguard"));
    let python = std::fs::read_dir(path).is_ok_and(|entries| {
        entries
            .flatten()
            .any(|e| e.path().extension().is_some_and(|x| x == "py"))
    });
    named_versions || configured || python
}

/// `check` for a SQL-file tool: every output format; the applied rows come
/// from `--database-url` (the tool's history table) or else the lock.
fn check_sql(
    args: &CheckArgs,
    engine_args: &EngineArgs,
    found: crate::sql_tools::Found,
    format: Format,
) -> Result<(String, u8)> {
    let history = &args.history;
    let tool = found.tool;
    if history.deployed.is_some() || history.base.is_some() {
        bail!(
            "--deployed and --base are not supported with --dialect {} yet",
            tool.name()
        );
    }
    let applied = match &history.database_url {
        Some(url) => Some((
            crate::sql_tools::database::read(
                tool,
                url,
                history.version_table_schema.clone(),
                history.database_timeout,
            )?,
            "database",
        )),
        None => crate::sql_tools::lock::read(&args.project.path, tool)?.map(|rows| (rows, "lock")),
    };
    let engine = engine_args.engine()?;
    let policy = crate::sql_tools::safety::policy(
        &args.project.path,
        &found,
        history.database_url.as_deref(),
        args.deploy_safety.map(revguard_core::safety::Mode::from),
    )?;
    let checked = crate::sql_tools::check(found, &engine, applied, false, policy)?;
    let diagnostics = checked.diagnostics();
    let text = match format {
        Format::Human => checked.render_human(),
        Format::Json => {
            let mut json = serde_json::to_string_pretty(&checked)?;
            json.push('\n');
            json
        }
        Format::Sarif => render::sarif::render_run(
            crate::sql_tools::Checked::sarif_rules(),
            &diagnostics,
            env!("CARGO_PKG_VERSION"),
            checked.sarif_properties(),
        ),
        Format::Github => {
            let summary = crate::sql_tools::Checked::summary(&diagnostics);
            render::github::render_diagnostics(&diagnostics, &summary)
        }
        Format::Gitlab => render::gitlab::render_diagnostics(&diagnostics),
        Format::Junit => {
            render::junit::render_checks(&crate::sql_tools::Checked::junit_checks(), &diagnostics)
        }
    };
    Ok((text, u8::from(checked.has_errors())))
}

/// The user model when the project is Django's (by `--dialect` or the
/// configuration), else `None` (Alembic).
pub(super) fn django_user_model(
    project: &ProjectArgs,
    dialect: Option<DialectArg>,
    user_model: &Option<String>,
) -> Option<String> {
    let config = django_config(&project.path);
    let configured = config.as_ref().and_then(|c| c.dialect);
    let django = match (dialect, configured) {
        (Some(dialect), _) => dialect == DialectArg::Django,
        (None, Some(configured)) => configured == crate::config::Dialect::Django,
        // Detected: `manage.py`, and nothing of Alembic's.
        (None, None) => crate::detect::is_django(&project.path),
    };
    django.then(|| {
        user_model
            .clone()
            .or_else(|| config.and_then(|c| c.django_user_model))
            .unwrap_or_else(|| "auth.User".to_owned())
    })
}

/// `--format` when not given: GitHub annotations on GitHub Actions.
fn default_format() -> Format {
    if std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true") {
        Format::Github
    } else {
        Format::Human
    }
}

/// The configuration of the project directory `path` (when it is one), for
/// `dialect` and `[django]`. An unreadable or invalid file counts as none
/// here: the Alembic path reads it again and reports it exactly as before.
fn django_config(path: &std::path::Path) -> Option<crate::config::Config> {
    let dir = std::fs::canonicalize(path).ok().filter(|p| p.is_dir())?;
    crate::config::load(&dir, &dir).ok().flatten()
}

/// `django_migrations(app, name)` of the database, read-only: the applied
/// set Django's semantics judge the history by.
fn django_applied(
    history: &HistoryArgs,
    url: &str,
) -> Result<Vec<revguard_core::dialect::django::Key>> {
    let seconds = history.database_timeout;
    if !(seconds.is_finite() && seconds > 0.0 && seconds <= 3600.0) {
        bail!("--database-timeout must be between 0 and 3600 seconds");
    }
    if url == "from-config" {
        bail!(
            "--database-url from-config reads alembic.ini; give the database URL for --dialect django"
        );
    }
    let options = database::ReadOptions {
        table: "django_migrations".to_owned(),
        schema: history.version_table_schema.clone(),
        timeout: Duration::from_secs_f64(seconds),
        django: true,
        columns: None,
    };
    let state = database::read(url, &options)?;
    state
        .rows
        .iter()
        .map(|row| match row.split_once('.') {
            Some((app, name)) => Ok(revguard_core::dialect::django::Key::new(app, name)),
            None => bail!("{}: unexpected django_migrations row `{row}`", state.url),
        })
        .collect()
}

/// Read the version table and put its rows into the request.
fn attach_database(
    project: &mut Project,
    project_args: &ProjectArgs,
    history: &HistoryArgs,
    url: &str,
) -> Result<()> {
    let seconds = history.database_timeout;
    if !(seconds.is_finite() && seconds > 0.0 && seconds <= 3600.0) {
        bail!("--database-timeout must be between 0 and 3600 seconds");
    }
    let url = if url == "from-config" {
        database::url_from_config(&project_args.path, &project_args.name)?
    } else {
        url.to_owned()
    };
    let options = database::ReadOptions {
        table: history.version_table.clone(),
        schema: history.version_table_schema.clone(),
        timeout: Duration::from_secs_f64(seconds),
        django: false,
        columns: None,
    };
    project.request.options.history.database = Some(database::read(&url, &options)?);
    Ok(())
}
