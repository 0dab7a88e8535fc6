//! Graph-shape policies.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Which shapes of revision graph a project accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "kebab-case")]
pub enum Policy {
    /// `alembic upgrade head` must work: exactly one versioned head.
    #[default]
    SingleHead,
    /// No branches and no merges at all: one straight chain.
    Linear,
    /// Labelled branches are fine: at most one head per branch label.
    Branches,
}

impl Policy {
    /// Every policy, in documentation order.
    pub const ALL: [Policy; 3] = [Policy::SingleHead, Policy::Linear, Policy::Branches];

    /// The kebab-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Policy::SingleHead => "single-head",
            Policy::Linear => "linear",
            Policy::Branches => "branches",
        }
    }
}

impl fmt::Display for Policy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Policy {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Policy::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| {
                format!("unknown policy '{s}' (expected single-head, linear or branches)")
            })
    }
}
