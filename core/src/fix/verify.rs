//! Verify before writing: the full check, re-run on the fixed copy.

use serde::{Deserialize, Serialize};

use crate::checks::Group;
use crate::graph::outcome::{UpgradeHead, UpgradeVerdict};
use crate::policy::Policy;
use crate::request::Request;
use crate::severity::Severity;

/// What the check says about the tree after the planned changes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verdict {
    /// True when the changes may be written: no error-level graph finding
    /// remains and the predicted `alembic upgrade head` succeeds.
    pub accepted: bool,
    /// Why not, one line each: the error-level graph findings left after
    /// the changes (`check: message`), then the prediction when it is not a
    /// success.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<String>,
    /// The predicted outcome of `alembic upgrade head` after the changes
    /// (`ok`, `fails: ...` or `unknown: ...`).
    pub upgrade_head: UpgradeHead,
}

/// Under `branches`, several heads are the design: only `upgrade heads`
/// matters, and the prediction's only complaint may be the several heads.
fn upgrade_ok(outcome: &UpgradeHead, branches: bool) -> bool {
    match outcome {
        UpgradeHead::Ok => true,
        UpgradeHead::MultipleHeads => branches,
        _ => false,
    }
}

/// Check the fixed request. `changed`: the plan changes something (an empty
/// plan on a tree whose prediction is merely unknown is not refused: there
/// is nothing to write).
pub(super) fn verdict(request: &Request, changed: bool) -> Verdict {
    let report = crate::check(request);
    let errors: Vec<String> = report
        .diagnostics
        .iter()
        .filter(|d| {
            d.severity == Severity::Error
                && d.check_id()
                    .is_some_and(|id| id.info().group == Group::Graph)
        })
        .map(|d| format!("{}: {}", d.check, d.message))
        .collect();
    let branches = request.options.policy == Policy::Branches;
    let upgrade_head = report.alembic.upgrade_head;
    let mut reasons = errors;
    // An empty plan on a tree whose prediction is merely unknown (a
    // `branch_labels` from an imported constant) has nothing to refuse.
    let unknown_unchanged = !changed && upgrade_head.verdict() == UpgradeVerdict::Unknown;
    if !upgrade_ok(&upgrade_head, branches) && !unknown_unchanged {
        reasons.push(format!("predicted `alembic upgrade head`: {upgrade_head}"));
    }
    Verdict {
        accepted: reasons.is_empty(),
        reasons,
        upgrade_head,
    }
}
