//! JUnit XML output (`--format junit`), for CI test-report views (GitLab's
//! `artifacts: reports: junit`, Woodpecker and Jenkins plugins, …).
//!
//! Shape, chosen so the report's colour matches revguard's exit code:
//! - one `<testsuite>` per check of the registry (`RG101 duplicate-revision`),
//!   so a clean run still shows what was checked;
//! - a check without findings is one passing `<testcase>` named after it; a
//!   check switched `off` in the configuration is a `<skipped>` one;
//! - each finding is a `<testcase>` named `path:line: message`; an
//!   error-level finding carries a `<failure>`, a warning or info passes
//!   with the finding in `<system-out>` (JUnit has no warning state, and a
//!   red test for a run that exits 0 would be a lie).
//!
//! No timestamps or durations: the output is deterministic.

use std::fmt::Write as _;

use revguard_core::report::{Diagnostic, Report};
use revguard_core::{Options, Severity, SeverityOverride};

struct Case {
    name: String,
    file: Option<(String, usize)>,
    outcome: Outcome,
}

enum Outcome {
    Passed,
    Skipped(&'static str),
    Failed { message: String, text: String },
    Noted(String),
}

/// The suite of a finding, by its check's name. A name that is not a
/// registered check's gets a suite of its own after them: one of squawk's
/// rules (reported with `deploy-safety`'s code), or a check this build does
/// not know.
fn suite_index(suites: &mut Vec<(String, String, Vec<Case>)>, d: &Diagnostic) -> usize {
    match suites.iter().position(|(name, _, _)| *name == d.check) {
        Some(i) => i,
        None => {
            suites.push((d.check.clone(), d.code.clone(), Vec::new()));
            suites.len() - 1
        }
    }
}

/// Render a report as JUnit XML. `options` tells which checks were off.
pub fn render(report: &Report, options: &Options) -> String {
    let checks: Vec<(&str, &str, bool)> = revguard_core::checks::registry()
        .map(|info| {
            let off = [info.name, info.code]
                .iter()
                .any(|key| options.severity.get(*key) == Some(&SeverityOverride::Off));
            (info.name, info.code, off)
        })
        .collect();
    render_checks(&checks, &report.diagnostics)
}

/// Render findings (of any dialect) as JUnit XML: one suite per entry of
/// `checks` (name, code, switched off), in that order.
pub fn render_checks(checks: &[(&str, &str, bool)], diagnostics: &[Diagnostic]) -> String {
    let mut suites: Vec<(String, String, Vec<Case>)> = Vec::new();
    for &(name, code, off) in checks {
        suites.push((name.to_owned(), code.to_owned(), Vec::new()));
        if off {
            let suite = suites.last_mut().map(|s| &mut s.2);
            if let Some(cases) = suite {
                cases.push(Case {
                    name: name.to_owned(),
                    file: None,
                    outcome: Outcome::Skipped("disabled in configuration"),
                });
            }
        }
    }
    for d in diagnostics {
        let index = suite_index(&mut suites, d);
        suites[index].2.push(finding(d));
    }
    for (name, _, cases) in &mut suites {
        if cases.is_empty() {
            cases.push(Case {
                name: name.clone(),
                file: None,
                outcome: Outcome::Passed,
            });
        }
    }

    let count =
        |cases: &[Case], f: fn(&Outcome) -> bool| cases.iter().filter(|c| f(&c.outcome)).count();
    let failed = |o: &Outcome| matches!(o, Outcome::Failed { .. });
    let skipped = |o: &Outcome| matches!(o, Outcome::Skipped(_));
    let all: Vec<&Case> = suites.iter().flat_map(|s| &s.2).collect();
    let total_failed = all.iter().filter(|c| failed(&c.outcome)).count();
    let total_skipped = all.iter().filter(|c| skipped(&c.outcome)).count();

    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"revguard\" tests=\"{}\" failures=\"{total_failed}\" errors=\"0\" skipped=\"{total_skipped}\">",
        all.len()
    );
    for (name, code, cases) in &suites {
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"{}\">",
            escape(&format!("{code} {name}")),
            cases.len(),
            count(cases, failed),
            count(cases, skipped),
        );
        for case in cases {
            let _ = write!(
                out,
                "    <testcase name=\"{}\" classname=\"revguard.{}\"",
                escape(&case.name),
                escape(name)
            );
            if let Some((file, line)) = &case.file {
                let _ = write!(out, " file=\"{}\" line=\"{line}\"", escape(file));
            }
            match &case.outcome {
                Outcome::Passed => out.push_str("/>\n"),
                Outcome::Skipped(why) => {
                    let _ = writeln!(
                        out,
                        ">\n      <skipped message=\"{}\"/>\n    </testcase>",
                        escape(why)
                    );
                }
                Outcome::Failed { message, text } => {
                    let _ = writeln!(
                        out,
                        ">\n      <failure type=\"{}\" message=\"{}\">{}</failure>\n    </testcase>",
                        escape(code),
                        escape(message),
                        escape_text(text)
                    );
                }
                Outcome::Noted(text) => {
                    let _ = writeln!(
                        out,
                        ">\n      <system-out>{}</system-out>\n    </testcase>",
                        escape_text(text)
                    );
                }
            }
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

fn finding(d: &Diagnostic) -> Case {
    let primary = d.labels.iter().find(|l| l.primary).or(d.labels.first());
    let name = match primary {
        Some(l) => format!("{}:{}: {}", l.path, l.start.line.max(1), d.message),
        None => d.message.clone(),
    };
    let mut text = format!("{}[{}]: {}\n", d.severity.as_str(), d.code, d.message);
    for l in &d.labels {
        let _ = writeln!(
            text,
            "  --> {}:{}:{}{}{}",
            l.path,
            l.start.line.max(1),
            l.start.column.max(1),
            if l.message.is_empty() { "" } else { ": " },
            l.message
        );
    }
    for note in &d.notes {
        let _ = writeln!(text, "  = note: {note}");
    }
    if let Some(help) = &d.help {
        let _ = writeln!(text, "  = help: {help}");
    }
    let outcome = match d.severity {
        Severity::Error => Outcome::Failed {
            message: d.message.clone(),
            text,
        },
        Severity::Warning | Severity::Info => Outcome::Noted(text),
    };
    Case {
        name,
        file: primary.map(|l| (l.path.clone(), l.start.line.max(1))),
        outcome,
    }
}

/// Escape text for XML content and attributes; characters XML 1.0 cannot
/// carry at all (most C0 controls) are dropped.
pub fn escape(text: &str) -> String {
    escape_xml(text, true)
}

/// Escape element content: like [`escape`], but newlines stay literal.
pub fn escape_text(text: &str) -> String {
    escape_xml(text, false)
}

fn escape_xml(text: &str, attribute: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' if !attribute => out.push('\n'),
            '\n' | '\t' | '\r' => {
                let _ = write!(out, "&#{};", c as u32);
            }
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escapes_markup_and_drops_illegal_characters() {
        assert_eq!(escape("a<b>&\"c'\u{1}"), "a&lt;b&gt;&amp;&quot;c&apos;");
        assert_eq!(escape("x\ny"), "x&#10;y");
        assert_eq!(super::escape_text("x\ny"), "x\ny");
    }
}
