//! `revguard explain`: a check's documentation, or the list of checks.

use anyhow::{Result, bail};

use revguard_core::dialect::sql::Tool;

use crate::cli::DialectArg;
use crate::output::print;

pub(super) fn explain(check: Option<&str>, dialect: Option<DialectArg>) -> Result<u8> {
    match check {
        None => {
            print(&list())?;
            Ok(0)
        }
        Some(name) if name.eq_ignore_ascii_case("fix") => {
            print(revguard_core::fix::DOCS)?;
            Ok(0)
        }
        Some(name) => {
            let text = match dialect {
                None => every_dialect(name)?,
                Some(DialectArg::Alembic) => {
                    alembic(name)?.ok_or_else(|| unknown(name, "an Alembic check"))?
                }
                Some(DialectArg::Django) => {
                    let (django_name, code, docs) =
                        django_check(name).ok_or_else(|| unknown(name, "a Django check"))?;
                    django_page(django_name, code, docs)
                }
                Some(other) => {
                    let tool = other.sql_tool().unwrap_or(Tool::Flyway);
                    let page = crate::sql_tools::docs::page(name).ok_or_else(|| {
                        unknown(name, &format!("a check {} reports", tool.name()))
                    })?;
                    crate::sql_tools::docs::render(page, Some(tool), false)
                }
            };
            print(&text)?;
            Ok(0)
        }
    }
}

/// Every check: code, name, default severity, first line; then the
/// Django and SQL-file tools' checks.
fn list() -> String {
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
    out.push_str(&format!(
        "\nSQL-file tools (--dialect {}): {}\n",
        crate::sql_tools::docs::ORDER.map(Tool::name).join(", "),
        crate::sql_tools::docs::PAGES
            .iter()
            .map(|p| format!("{} ({})", p.check.name(), p.check.code()))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    out.push_str("\n`revguard explain fix`: what `revguard fix` will and will not do\n");
    out.push_str("`revguard explain --dialect TOOL CHECK`: only that tool's page of a check\n");
    out
}

/// The error for a name that is not one of `what`.
fn unknown(name: &str, what: &str) -> anyhow::Error {
    anyhow::anyhow!("`{name}` is not {what}; run `revguard explain` for the list")
}

/// A check's page for every dialect that has it: Alembic's (or squawk's
/// rule), then Django's, then the SQL-file tools'.
fn every_dialect(name: &str) -> Result<String> {
    if revguard_core::checks::find(name).is_none()
        && let Some(rule) = revguard_core::safety::rule(name)
    {
        return Ok(explain_rule(&rule));
    }
    let django = django_check(name);
    let sql = crate::sql_tools::docs::page(name);
    let Some(mut out) = alembic(name)? else {
        if let Some((django_name, code, docs)) = django {
            return Ok(django_page(django_name, code, docs));
        }
        let Some(page) = sql else {
            bail!("unknown check `{name}`; run `revguard explain` for the list");
        };
        return Ok(crate::sql_tools::docs::render(page, None, false));
    };
    if let Some((django_name, code, docs)) = django {
        out.push_str(&format!(
            "\n# {django_name} ({code}): for Django (--dialect django)\n\n{}\n",
            demote(docs.trim())
        ));
    }
    if let Some(page) = sql {
        out.push('\n');
        out.push_str(&crate::sql_tools::docs::render(page, None, true));
    }
    Ok(out)
}

/// The registered (Alembic) check's page, or squawk's rule's.
fn alembic(name: &str) -> Result<Option<String>> {
    let Some(info) = revguard_core::checks::find(name) else {
        return Ok(revguard_core::safety::rule(name).map(|rule| explain_rule(&rule)));
    };
    let docs: String = info
        .docs
        .lines()
        .map(|l| l.strip_prefix(' ').unwrap_or(l))
        .collect::<Vec<_>>()
        .join("\n");
    Ok(Some(format!(
        "# {} ({})\n\nDefault severity: {}\n\n{}\n",
        info.name,
        info.code,
        info.severity.as_str(),
        docs.trim()
    )))
}

/// Django's page of a check, on its own.
fn django_page(name: &str, code: &str, docs: &str) -> String {
    format!(
        "# {name} ({code}, Django)\n\nDefault severity: error\n\n{}\n",
        docs.trim()
    )
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
fn explain_rule(rule: &str) -> String {
    use revguard_core::safety::{DOCS_URL, SQUAWK_VERSION};
    format!(
        "# {rule} (squawk {SQUAWK_VERSION}, reported by deploy-safety, RG401)\n\n\
         A squawk rule: revguard lints the SQL each Alembic `op.*` call emits on\n\
         PostgreSQL with squawk's linter and reports this rule on the Python call\n\
         (docs/safety.md). Default severity: warning; set it with\n\
         `{rule} = \"error\"` (or `\"off\"`) under [tool.revguard.severity], or\n\
         silence it on one line with `# revguard: ignore[{rule}]`.\n\n\
         squawk's documentation of the rule: {DOCS_URL}{rule}\n"
    )
}
