//! The Python version a project's migrations are compiled by.
//!
//! The grammar changed across 3.8–3.14 (`match`, `except*`, PEP 695 type
//! parameters, PEP 701 f-strings, …), so whether a file compiles depends on
//! the interpreter that imports it. The host decides the version (flag,
//! config, `requires-python`, `.python-version`, else [`PythonVersion::DEFAULT`])
//! and passes it, with where it came from, as a [`PythonTarget`].

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A CPython feature version, `3.10`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PythonVersion {
    /// Always 3.
    pub major: u8,
    /// The feature release.
    pub minor: u8,
}

impl PythonVersion {
    /// The oldest CPython still supported upstream: used when a project says nothing.
    pub const DEFAULT: PythonVersion = PythonVersion::new(3, 10);
    /// The oldest version revguard validates.
    pub const OLDEST: PythonVersion = PythonVersion::new(3, 8);
    /// The newest version revguard validates.
    pub const NEWEST: PythonVersion = PythonVersion::new(3, 14);

    /// A version from its parts.
    pub const fn new(major: u8, minor: u8) -> PythonVersion {
        PythonVersion { major, minor }
    }

    #[cfg(feature = "python")]
    pub(crate) fn to_ruff(self) -> ruff_python_ast::PythonVersion {
        ruff_python_ast::PythonVersion {
            major: self.major,
            minor: self.minor,
        }
    }
}

impl fmt::Display for PythonVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// Why a version string was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionError(pub String);

impl fmt::Display for VersionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for VersionError {}

impl FromStr for PythonVersion {
    type Err = VersionError;

    /// `3.10`, `3.10.4`, `3.13t` (a free-threaded build) or `cpython-3.12`;
    /// the patch level is ignored.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let trimmed = text.trim();
        let bare = trimmed
            .strip_prefix("cpython-")
            .or_else(|| trimmed.strip_prefix("python"))
            .or_else(|| trimmed.strip_prefix("py"))
            .unwrap_or(trimmed);
        let mut parts = bare.split('.');
        let number = |part: Option<&str>| -> Option<u8> {
            let digits: &str = part?.trim_end_matches(|c: char| c.is_ascii_alphabetic());
            (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
                .then(|| digits.parse().ok())
                .flatten()
        };
        let (Some(major), Some(minor)) = (number(parts.next()), number(parts.next())) else {
            return Err(VersionError(format!(
                "`{trimmed}` is not a Python version: write it as MAJOR.MINOR, for example 3.12"
            )));
        };
        let version = PythonVersion::new(major, minor);
        if !(PythonVersion::OLDEST..=PythonVersion::NEWEST).contains(&version) {
            return Err(VersionError(format!(
                "Python {version} is not supported: revguard validates Python {} to {}",
                PythonVersion::OLDEST,
                PythonVersion::NEWEST
            )));
        }
        Ok(version)
    }
}

impl Serialize for PythonVersion {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for PythonVersion {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(feature = "ts")]
impl ts_rs::TS for PythonVersion {
    type WithoutGenerics = PythonVersion;
    type OptionInnerType = PythonVersion;

    fn name(_: &ts_rs::Config) -> String {
        "string".to_owned()
    }

    fn inline(config: &ts_rs::Config) -> String {
        Self::name(config)
    }
}

#[cfg(feature = "schema")]
impl schemars::JsonSchema for PythonVersion {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "PythonVersion".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "pattern": "^3\\.[0-9]+$",
            "description": "A CPython feature version, MAJOR.MINOR"
        })
    }
}

/// The version files are validated for, and where that choice came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct PythonTarget {
    /// The version.
    pub version: PythonVersion,
    /// Where it came from, e.g. `--python-version`, `pyproject.toml
    /// [project] requires-python = ">=3.11"`, or `default`.
    pub source: String,
}

impl Default for PythonTarget {
    fn default() -> Self {
        PythonTarget {
            version: PythonVersion::DEFAULT,
            source: "default: the oldest CPython still supported".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_common_spellings() {
        for (text, want) in [
            ("3.10", (3, 10)),
            ("3.12.4", (3, 12)),
            (" 3.13t ", (3, 13)),
            ("cpython-3.11.9", (3, 11)),
            ("py3.9", (3, 9)),
            ("3.8", (3, 8)),
        ] {
            let v: PythonVersion = text.parse().unwrap();
            assert_eq!((v.major, v.minor), want, "{text}");
        }
    }

    #[test]
    fn refuses_nonsense_and_unsupported() {
        for text in ["", "3", "three.ten", "2.7", "3.7", "3.99", "3.x"] {
            assert!(text.parse::<PythonVersion>().is_err(), "{text}");
        }
        let err = "2.7".parse::<PythonVersion>().unwrap_err();
        assert!(err.0.contains("3.8 to 3.14"), "{err}");
    }

    #[test]
    fn serializes_as_a_string() {
        let json = serde_json::to_string(&PythonVersion::new(3, 12)).unwrap();
        assert_eq!(json, "\"3.12\"");
        let back: PythonVersion = serde_json::from_str(&json).unwrap();
        assert_eq!(back, PythonVersion::new(3, 12));
    }
}
