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
            let Some(info) = revguard_core::checks::find(name) else {
                bail!("unknown check `{name}`; run `revguard explain` for the list");
            };
            let docs: String = info
                .docs
                .lines()
                .map(|l| l.strip_prefix(' ').unwrap_or(l))
                .collect::<Vec<_>>()
                .join("\n");
            print(&format!(
                "# {} ({})\n\nDefault severity: {}\n\n{}\n",
                info.name,
                info.code,
                info.severity.as_str(),
                docs.trim()
            ))?;
            Ok(0)
        }
    }
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
