//! The deploy-safety lint for a Django project (`docs/safety.md`): which
//! database its migrations target and the lint's settings. The lint itself
//! runs in the core's semantics step (the sandbox), because Django's SQL for
//! an operation depends on the migrations before it; its findings become
//! diagnostics through the same [`Policy`] as the SQL-file tools'.

use std::path::{Path, PathBuf};

use anyhow::Result;
use revguard_core::safety::Mode;

use crate::safety::is_postgres;
use crate::sql_tools::safety::{Policy, finish_policy, read_small};

/// Django's PostgreSQL backends (`ENGINE`), the core's and GeoDjango's.
const POSTGRES_ENGINES: &[&str] = &[
    "django.db.backends.postgresql",
    "django.db.backends.postgresql_psycopg2",
    "django.contrib.gis.db.backends.postgis",
];

/// The lint's policy for the Django project at `root`, or `None` when it
/// does not run (the database is not PostgreSQL, or `--deploy-safety
/// off`). `database_url` is `--database-url`, which names the database
/// best; else the literal `ENGINE` of the settings module `manage.py`
/// names; else PostgreSQL is assumed and every finding says so.
pub fn policy(
    root: &Path,
    database_url: Option<&str>,
    mode: Option<Mode>,
) -> Result<Option<Policy>> {
    let root = &root
        .canonicalize()
        .map_err(|err| anyhow::anyhow!("{}: {err}", root.display()))?;
    let mut options = revguard_core::request::Options::default();
    let settings = &mut options.safety;
    match database_url.and_then(crate::safety::scheme) {
        Some(scheme) => settings.enabled = is_postgres(scheme),
        None => match engine(root) {
            Ok(engine) => settings.enabled = POSTGRES_ENGINES.contains(&engine.as_str()),
            Err(looked) => settings.assumed = Some(looked),
        },
    }
    crate::safety::read_squawk_toml(root, root, settings)?;
    finish_policy(root, options, mode)
}

/// The `ENGINE` of the default database, when the settings module that
/// `manage.py` names sets it as a string literal; else where revguard
/// looked, for the report's note.
fn engine(root: &Path) -> Result<String, String> {
    let manage = read_small(root, &root.join("manage.py"))
        .ok_or("no manage.py at the project root and no --database-url")?;
    let module = literal_after(&manage, "DJANGO_SETTINGS_MODULE")
        .ok_or("manage.py sets no literal DJANGO_SETTINGS_MODULE and there is no --database-url")?;
    let file = settings_file(root, &module)
        .ok_or_else(|| format!("the settings module `{module}` is not in the repository"))?;
    let text = read_small(root, &file).unwrap_or_default();
    literal_after(&text, "ENGINE")
        .ok_or_else(|| format!("`{module}` sets no literal ENGINE and there is no --database-url"))
}

/// `settings/__init__.py` or `settings.py` of a dotted module name.
fn settings_file(root: &Path, module: &str) -> Option<PathBuf> {
    let base = module
        .split('.')
        .fold(root.to_path_buf(), |p, part| p.join(part));
    [base.with_extension("py"), base.join("__init__.py")]
        .into_iter()
        .find(|p| p.is_file())
}

/// The first string literal after the first quoted `key` (`"ENGINE":
/// "django..."`, `os.environ.setdefault("DJANGO_SETTINGS_MODULE",
/// "site.settings")`).
fn literal_after(text: &str, key: &str) -> Option<String> {
    let quoted = [format!("\"{key}\""), format!("'{key}'")];
    let at = quoted.iter().filter_map(|q| text.find(q.as_str())).min()?;
    let rest = &text[at + key.len() + 2..];
    let rest = rest.trim_start_matches(|c: char| c.is_whitespace() || c == ':' || c == ',');
    let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let body = &rest[1..];
    Some(body[..body.find(quote)?].to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_settings_modules_engine_decides() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(
            root.join("manage.py"),
            "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'site.settings')\n",
        )
        .unwrap();
        std::fs::create_dir(root.join("site")).unwrap();
        let settings = root.join("site/settings.py");
        std::fs::write(
            &settings,
            "DATABASES = {'default': {'ENGINE': 'django.db.backends.postgresql'}}\n",
        )
        .unwrap();
        let on = policy(root, None, None).unwrap().expect("linted");
        assert_eq!(on.settings.assumed, None);
        std::fs::write(
            &settings,
            "DATABASES = {\"default\": {\"ENGINE\": \"django.db.backends.mysql\"}}\n",
        )
        .unwrap();
        assert!(policy(root, None, None).unwrap().is_none());
        assert!(
            policy(root, Some("postgres://db/app"), None)
                .unwrap()
                .is_some()
        );
        std::fs::write(&settings, "DATABASES = {'default': env.db()}\n").unwrap();
        let assumed = policy(root, None, None).unwrap().expect("assumed");
        assert!(assumed.settings.assumed.unwrap().contains("site.settings"));
        assert!(policy(root, None, Some(Mode::Off)).unwrap().is_none());
    }
}
