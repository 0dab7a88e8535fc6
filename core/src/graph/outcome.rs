//! What Alembic would do with these files, as the graph phase predicts it:
//! the exception it raises and what `alembic upgrade head` does. The report
//! carries these types as they are (`report` re-exports them).
//!
//! Both serialize to the strings the report has always carried (`KeyError`,
//! `fails: KeyError 'z'`, `ok`, …), so the JSON stays stable while every face
//! matches on variants instead of comparing text.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// What Alembic 1.20 would do when loading these files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AlembicOutcome {
    /// Warnings Alembic prints (once per distinct text).
    pub warnings: Vec<String>,
    /// The exception that aborts loading, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<AlembicError>,
    /// What `alembic upgrade head` would do: `ok`, or the failure.
    pub upgrade_head: UpgradeHead,
}

/// An exception Alembic raises while building its revision map.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AlembicError {
    /// The exception class, e.g. `KeyError`, `CycleDetected`, `RevisionError`.
    pub kind: AlembicErrorKind,
    /// Every message Alembic could print; more than one where Alembic itself
    /// is nondeterministic (hash-set iteration order).
    pub messages: Vec<String>,
}

/// The exception class Alembic raises while loading the revision files, or
/// `Unknown` when revguard cannot tell. The serialized form is the class name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum AlembicErrorKind {
    /// A file named just `.py` (Alembic's loader asserts on the empty stem).
    AssertionError,
    /// A revision module without `down_revision`.
    AttributeError,
    /// No revision id: no `revision` variable and no hex file name.
    CommandError,
    /// A cycle along `down_revision`.
    CycleDetected,
    /// A cycle once `depends_on` counts.
    DependencyCycleDetected,
    /// A revision that names itself in `depends_on`.
    DependencyLoopDetected,
    /// A reference to an id (or label) that is not there.
    KeyError,
    /// A revision that names itself in `down_revision`.
    LoopDetected,
    /// Illegal characters in an id, or a branch label used twice.
    RevisionError,
    /// A file that does not compile.
    SyntaxError,
    /// A value of the wrong type (`revision = None`, an int parent, …).
    TypeError,
    /// Not an exception: some value is not statically known, so revguard
    /// cannot tell what Alembic does.
    Unknown,
}

impl AlembicErrorKind {
    /// Every kind, in declaration order.
    pub const ALL: [AlembicErrorKind; 12] = [
        AlembicErrorKind::AssertionError,
        AlembicErrorKind::AttributeError,
        AlembicErrorKind::CommandError,
        AlembicErrorKind::CycleDetected,
        AlembicErrorKind::DependencyCycleDetected,
        AlembicErrorKind::DependencyLoopDetected,
        AlembicErrorKind::KeyError,
        AlembicErrorKind::LoopDetected,
        AlembicErrorKind::RevisionError,
        AlembicErrorKind::SyntaxError,
        AlembicErrorKind::TypeError,
        AlembicErrorKind::Unknown,
    ];

    /// The serialized name: Alembic's exception class.
    pub fn as_str(self) -> &'static str {
        match self {
            AlembicErrorKind::AssertionError => "AssertionError",
            AlembicErrorKind::AttributeError => "AttributeError",
            AlembicErrorKind::CommandError => "CommandError",
            AlembicErrorKind::CycleDetected => "CycleDetected",
            AlembicErrorKind::DependencyCycleDetected => "DependencyCycleDetected",
            AlembicErrorKind::DependencyLoopDetected => "DependencyLoopDetected",
            AlembicErrorKind::KeyError => "KeyError",
            AlembicErrorKind::LoopDetected => "LoopDetected",
            AlembicErrorKind::RevisionError => "RevisionError",
            AlembicErrorKind::SyntaxError => "SyntaxError",
            AlembicErrorKind::TypeError => "TypeError",
            AlembicErrorKind::Unknown => "Unknown",
        }
    }
}

impl fmt::Display for AlembicErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for AlembicErrorKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        AlembicErrorKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| format!("unknown Alembic error kind '{s}'"))
    }
}

/// The CLI text for `upgrade head` with several versioned heads.
pub const MULTIPLE_HEADS: &str = "Multiple head revisions are present for given argument 'head'; please specify a specific target revision, '<branchname>@head' to narrow to a specific head, or 'heads' for all heads";

/// What `alembic upgrade head` would do.
///
/// Serialized as one line of text: `ok`, `fails: <why>` or `unknown: <why>`
/// (see [`UpgradeHead::verdict`]).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum UpgradeHead {
    /// `ok`: it runs.
    #[default]
    Ok,
    /// `fails: <kind> <message>`: loading the files raises first.
    Raises {
        /// The exception (never [`AlembicErrorKind::Unknown`]).
        kind: AlembicErrorKind,
        /// Its first message, trailing whitespace trimmed.
        message: String,
    },
    /// `fails: Multiple head revisions …`: more than one versioned head.
    MultipleHeads,
    /// `fails: AssertionError (…)`: a revision is called `base`.
    ReservedBase,
    /// `unknown: …`: some value is not statically known.
    NotStatic,
    /// `unknown: …`: the walk from the head enters a cycle that Alembic's
    /// own check misses, so its topological sort may never finish.
    UndetectedCycle,
}

/// The three outcomes an [`UpgradeHead`] can have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpgradeVerdict {
    /// It runs.
    Ok,
    /// Alembic fails.
    Fails,
    /// revguard cannot tell.
    Unknown,
}

const RESERVED_BASE: &str = "AssertionError (`base` is a reserved revision name)";
const NOT_STATIC: &str = "some values are not statically known";
const UNDETECTED_CYCLE: &str =
    "the walk from the head enters a cycle Alembic does not detect; it may never finish";

impl UpgradeHead {
    /// `upgrade head` fails because loading raises `kind` with `message`.
    pub fn raises(kind: AlembicErrorKind, message: &str) -> UpgradeHead {
        UpgradeHead::Raises {
            kind,
            message: message.trim_end().to_owned(),
        }
    }

    /// Ok, fails or unknown.
    pub fn verdict(&self) -> UpgradeVerdict {
        match self {
            UpgradeHead::Ok => UpgradeVerdict::Ok,
            UpgradeHead::Raises { .. } | UpgradeHead::MultipleHeads | UpgradeHead::ReservedBase => {
                UpgradeVerdict::Fails
            }
            UpgradeHead::NotStatic | UpgradeHead::UndetectedCycle => UpgradeVerdict::Unknown,
        }
    }

    /// True when `alembic upgrade head` runs.
    pub fn is_ok(&self) -> bool {
        *self == UpgradeHead::Ok
    }

    /// The text after `fails: ` or `unknown: ` (empty for `ok`).
    pub fn detail(&self) -> String {
        match self {
            UpgradeHead::Ok => String::new(),
            UpgradeHead::Raises { kind, message } if message.is_empty() => kind.to_string(),
            UpgradeHead::Raises { kind, message } => format!("{kind} {message}"),
            UpgradeHead::MultipleHeads => MULTIPLE_HEADS.to_owned(),
            UpgradeHead::ReservedBase => RESERVED_BASE.to_owned(),
            UpgradeHead::NotStatic => NOT_STATIC.to_owned(),
            UpgradeHead::UndetectedCycle => UNDETECTED_CYCLE.to_owned(),
        }
    }
}

impl fmt::Display for UpgradeHead {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.verdict() {
            UpgradeVerdict::Ok => f.write_str("ok"),
            UpgradeVerdict::Fails => write!(f, "fails: {}", self.detail()),
            UpgradeVerdict::Unknown => write!(f, "unknown: {}", self.detail()),
        }
    }
}

impl FromStr for UpgradeHead {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text == "ok" {
            return Ok(UpgradeHead::Ok);
        }
        if let Some(why) = text.strip_prefix("unknown: ") {
            return match why {
                NOT_STATIC => Ok(UpgradeHead::NotStatic),
                UNDETECTED_CYCLE => Ok(UpgradeHead::UndetectedCycle),
                _ => Err(format!("unknown `upgrade head` outcome '{text}'")),
            };
        }
        let Some(why) = text.strip_prefix("fails: ") else {
            return Err(format!(
                "`upgrade head` outcome '{text}' is not `ok`, `fails: …` or `unknown: …`"
            ));
        };
        match why {
            MULTIPLE_HEADS => Ok(UpgradeHead::MultipleHeads),
            RESERVED_BASE => Ok(UpgradeHead::ReservedBase),
            _ => {
                let (kind, message) = why.split_once(' ').unwrap_or((why, ""));
                Ok(UpgradeHead::raises(kind.parse()?, message))
            }
        }
    }
}

impl Serialize for UpgradeHead {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for UpgradeHead {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(feature = "schema")]
impl schemars::JsonSchema for UpgradeHead {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "UpgradeHead".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "pattern": "^(ok$|fails: |unknown: )",
            "description": "What `alembic upgrade head` would do: `ok`, `fails: <why>` or `unknown: <why>`"
        })
    }
}

#[cfg(feature = "ts")]
impl ts_rs::TS for UpgradeHead {
    type WithoutGenerics = UpgradeHead;
    type OptionInnerType = UpgradeHead;

    fn name(_: &ts_rs::Config) -> String {
        "UpgradeHead".to_owned()
    }

    fn docs() -> Option<String> {
        Some(
            "/**\n * What `alembic upgrade head` would do: `ok`, `fails: <why>` or\n * `unknown: <why>`.\n */\n"
                .to_owned(),
        )
    }

    fn decl(config: &ts_rs::Config) -> String {
        format!("type {} = {};", Self::name(config), Self::inline(config))
    }

    fn decl_concrete(config: &ts_rs::Config) -> String {
        Self::decl(config)
    }

    fn inline(_: &ts_rs::Config) -> String {
        "\"ok\" | `fails: ${string}` | `unknown: ${string}`".to_owned()
    }

    fn output_path() -> Option<std::path::PathBuf> {
        Some("UpgradeHead.ts".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_outcome_round_trips_through_its_text() {
        let all = [
            UpgradeHead::Ok,
            UpgradeHead::raises(AlembicErrorKind::KeyError, "'z'"),
            UpgradeHead::raises(AlembicErrorKind::AssertionError, ""),
            UpgradeHead::raises(
                AlembicErrorKind::SyntaxError,
                "invalid syntax (a.py, line 3)  ",
            ),
            UpgradeHead::MultipleHeads,
            UpgradeHead::ReservedBase,
            UpgradeHead::NotStatic,
            UpgradeHead::UndetectedCycle,
        ];
        for outcome in all {
            let text = outcome.to_string();
            assert_eq!(text.parse::<UpgradeHead>(), Ok(outcome.clone()), "{text}");
            let json = serde_json::to_string(&outcome).unwrap();
            assert_eq!(json, serde_json::to_string(&text).unwrap());
            assert_eq!(serde_json::from_str::<UpgradeHead>(&json).unwrap(), outcome);
        }
    }

    #[test]
    fn the_text_is_what_the_report_always_said() {
        assert_eq!(UpgradeHead::Ok.to_string(), "ok");
        assert_eq!(
            UpgradeHead::raises(AlembicErrorKind::KeyError, "'z'").to_string(),
            "fails: KeyError 'z'"
        );
        assert_eq!(
            UpgradeHead::raises(AlembicErrorKind::AssertionError, "").to_string(),
            "fails: AssertionError"
        );
        assert_eq!(
            UpgradeHead::MultipleHeads.to_string(),
            format!("fails: {MULTIPLE_HEADS}")
        );
        assert_eq!(
            UpgradeHead::ReservedBase.to_string(),
            "fails: AssertionError (`base` is a reserved revision name)"
        );
        assert_eq!(
            UpgradeHead::NotStatic.to_string(),
            "unknown: some values are not statically known"
        );
        assert_eq!(
            UpgradeHead::UndetectedCycle.verdict(),
            UpgradeVerdict::Unknown
        );
        assert!("fails: Nonsense x".parse::<UpgradeHead>().is_err());
        assert!("maybe".parse::<UpgradeHead>().is_err());
    }

    #[test]
    fn kinds_serialize_as_exception_class_names() {
        for kind in AlembicErrorKind::ALL {
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{}\"", kind.as_str()));
            assert_eq!(kind.as_str().parse::<AlembicErrorKind>(), Ok(kind));
        }
    }
}
