//! `revguard explain`: a check's documentation, or the list of checks.

use anyhow::{Result, bail};

use crate::output::print;

pub(super) fn explain(check: Option<&str>) -> Result<u8> {
    match check {
        None => {
            let mut out = String::new();
            for info in revguard_core::checks::registry() {
                let summary = info
                    .docs
                    .lines()
                    .map(str::trim)
                    .find(|l| !l.is_empty() && !l.starts_with('#'))
                    .unwrap_or("");
                out.push_str(&format!(
                    "{:<6} {:<24} {:<8} {}\n",
                    info.code,
                    info.name,
                    info.severity.as_str(),
                    summary
                ));
            }
            out.push_str(&format!(
                "\nDjango (--dialect django): {}\n",
                crate::django::diagnostics::CHECKS
                    .iter()
                    .map(|(name, code, _)| format!("{name} ({code})"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
            out.push_str("\n`revguard explain fix`: what `revguard fix` will and will not do\n");
            print(&out)?;
            Ok(0)
        }
        Some(name) if name.eq_ignore_ascii_case("fix") => {
            print(revguard_core::fix::DOCS)?;
            Ok(0)
        }
        Some(name) => {
            if revguard_core::checks::find(name).is_none()
                && let Some(rule) = revguard_core::safety::rule(name)
            {
                return explain_rule(&rule);
            }
            let django = django_check(name);
            let Some(info) = revguard_core::checks::find(name) else {
                let Some((django_name, code, docs)) = django else {
                    bail!("unknown check `{name}`; run `revguard explain` for the list");
                };
                print(&format!(
                    "# {django_name} ({code}, Django)\n\nDefault severity: error\n\n{}\n",
                    docs.trim()
                ))?;
                return Ok(0);
            };
            let docs: String = info
                .docs
                .lines()
                .map(|l| l.strip_prefix(' ').unwrap_or(l))
                .collect::<Vec<_>>()
                .join("\n");
            let mut out = format!(
                "# {} ({})\n\nDefault severity: {}\n\n{}\n",
                info.name,
                info.code,
                info.severity.as_str(),
                docs.trim()
            );
            if let Some((django_name, code, docs)) = django {
                out.push_str(&format!(
                    "\n# {django_name} ({code}): for Django (--dialect django)\n\n{}\n",
                    demote(docs.trim())
                ));
            }
            print(&out)?;
            Ok(0)
        }
    }
}

/// The Django check a name or code means, with its documentation: by
/// name, or by code (`RG102` is `multiple-heads` for Alembic and
/// `multiple-leaves` for Django).
fn django_check(name: &str) -> Option<(&'static str, &'static str, &'static str)> {
    let &(check, code, _) =
        crate::django::diagnostics::CHECKS
            .iter()
            .find(|(check, code, _)| {
                check.eq_ignore_ascii_case(name) || code.eq_ignore_ascii_case(name)
            })?;
    Some((check, code, crate::django::docs::docs(check)?))
}

/// Section headings one level down, under the Django heading.
fn demote(docs: &str) -> String {
    docs.lines()
        .map(|l| match l.strip_prefix("## ") {
            Some(rest) => format!("### {rest}"),
            None => l.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// One of squawk's rules, reported by `deploy-safety`: squawk documents it.
fn explain_rule(rule: &str) -> Result<u8> {
    use revguard_core::safety::{DOCS_URL, SQUAWK_VERSION};
    print(&format!(
        "# {rule} (squawk {SQUAWK_VERSION}, reported by deploy-safety, RG401)\n\n\
         A squawk rule: revguard lints the SQL each Alembic `op.*` call emits on\n\
         PostgreSQL with squawk's linter and reports this rule on the Python call\n\
         (docs/safety.md). Default severity: warning; set it with\n\
         `{rule} = \"error\"` (or `\"off\"`) under [tool.revguard.severity], or\n\
         silence it on one line with `# revguard: ignore[{rule}]`.\n\n\
         squawk's documentation of the rule: {DOCS_URL}{rule}\n"
    ))?;
    Ok(0)
}
