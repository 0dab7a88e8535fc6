//! The project's settings in the browser: the `[django]` table of its
//! configuration (`revguard.toml`, else `[tool.revguard]` in
//! `pyproject.toml`, at the project's root), read by the CLI's parser
//! ([`revguard_core::config`]).
//!
//! The parser (the `toml` crate with serde) is about 140 KB gzipped as a
//! module, close to Django's whole one, so it is a module of its own (feature
//! `config`: `djangoSettings`), which the page fetches before checking a
//! Django project only when a root file may configure revguard
//! ([`revguard_core::config::may_configure`], `mayConfigure` in the first
//! module). Its answer, a [`DjangoSettings`], is Django's
//! `DjangoInput.settings`.

use std::collections::BTreeMap;

use revguard_core::config::Config;
use revguard_core::dialect::django::locate::Layout;
use serde::{Deserialize, Serialize};

#[cfg(feature = "config")]
use crate::dto::InputError;
#[cfg(feature = "config")]
use crate::sql::ProjectFile;

/// The `[django]` settings of the project's configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct DjangoSettings {
    /// The file they come from: `revguard.toml` or `pyproject.toml`.
    pub source: String,
    /// `user-model` (`AUTH_USER_MODEL`), when set.
    pub user_model: Option<String>,
    /// `labels`: app directory (relative, `/`-separated) → app label.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// `migration-modules` (`MIGRATION_MODULES`): app label → dotted
    /// module, or `null` for `None` (the app is unmigrated).
    #[serde(default)]
    pub migration_modules: BTreeMap<String, Option<String>>,
}

impl DjangoSettings {
    /// The settings of a parsed configuration.
    pub fn from_config(config: &Config) -> Self {
        DjangoSettings {
            source: config.source.display().to_string(),
            user_model: config.django_user_model.clone(),
            labels: config.django.labels.clone(),
            migration_modules: config.django.migration_modules.clone(),
        }
    }

    /// Where the apps and their migrations are, as the core's discovery
    /// takes it.
    pub fn layout(&self) -> Layout {
        Layout {
            labels: self.labels.clone(),
            migration_modules: self.migration_modules.clone(),
        }
    }
}

/// The project's `[django]` settings, found as the CLI finds its
/// configuration ([`revguard_core::config::FILE_NAMES`]: `revguard.toml`,
/// else a `pyproject.toml` with `[tool.revguard]`, at the root); `None`
/// without one. A file the CLI refuses is an error in the CLI's words,
/// naming the file, the line and the column.
#[cfg(feature = "config")]
pub fn django_settings(files: &[ProjectFile]) -> Result<Option<DjangoSettings>, InputError> {
    for name in revguard_core::config::FILE_NAMES {
        let Some(file) = files
            .iter()
            .find(|f| f.path.trim_start_matches("./") == name)
        else {
            continue;
        };
        let path = std::path::Path::new(name);
        if let Some(config) =
            revguard_core::config::parse_file(&file.text, path).map_err(InputError)?
        {
            return Ok(Some(DjangoSettings::from_config(&config)));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(feature = "config")]
    fn file(path: &str, text: &str) -> ProjectFile {
        ProjectFile {
            path: path.into(),
            text: text.into(),
        }
    }

    #[test]
    fn the_settings_cross_the_boundary_as_json_the_maps_may_be_left_out() {
        let settings: DjangoSettings =
            serde_json::from_str(r#"{"source": "revguard.toml", "user_model": null}"#).unwrap();
        assert_eq!(settings.layout(), Layout::default());
    }

    #[cfg(feature = "config")]
    #[test]
    fn the_settings_are_the_clis_and_a_pyproject_without_the_table_is_none() {
        let files = [
            file("pyproject.toml", "[project]\nname = \"shop\"\n"),
            file("sub/revguard.toml", "[django]\nuser-model = \"a.B\"\n"),
        ];
        assert_eq!(django_settings(&files).unwrap(), None);
        let files = [file(
            "pyproject.toml",
            "[tool.revguard.django]\nuser-model = \"accounts.User\"\nmigration-modules = { legacy = false }\n",
        )];
        let settings = django_settings(&files).unwrap().expect("settings");
        assert_eq!(settings.source, "pyproject.toml");
        assert_eq!(settings.user_model.as_deref(), Some("accounts.User"));
        assert_eq!(settings.migration_modules["legacy"], None);
    }
}
