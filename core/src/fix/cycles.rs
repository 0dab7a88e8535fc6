//! Step 3: cycles and self-references are refused, never repaired.

use super::*;

/// Cycles and self-references are never repaired: which edge is wrong is a
/// decision about the project's history.
pub(super) fn unrepairable(work: &mut Work<'_>, out: &mut FixPlan) {
    let (_, graph) = build(&work.request());
    for issue in &graph.issues {
        let (check, message) = match issue {
            Issue::Cycle {
                path, dependency, ..
            } => {
                let mut ids: Vec<&str> = path.iter().map(|&r| graph.rev(r).id.as_str()).collect();
                ids.extend(ids.first().copied());
                (
                    "cycle",
                    format!(
                        "{}{}: fix never breaks a cycle or merges it away; point one `{}` at the revision that really precedes it",
                        if *dependency {
                            "dependency cycle "
                        } else {
                            "cycle "
                        },
                        ids.join(" -> "),
                        if *dependency {
                            "depends_on"
                        } else {
                            "down_revision"
                        }
                    ),
                )
            }
            Issue::SelfReference { rev, kind } => (
                "self-reference",
                format!(
                    "`{}` names itself in `{}`: fix does not guess the real parent; write the revision it follows",
                    graph.rev(*rev).id,
                    if *kind == RefKind::Down {
                        "down_revision"
                    } else {
                        "depends_on"
                    }
                ),
            ),
            _ => continue,
        };
        out.refused.push(FixNote {
            check: check.into(),
            message,
            choices: Vec::new(),
        });
    }
}
