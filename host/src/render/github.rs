//! GitHub Actions output (`--format github`, chosen automatically when
//! `GITHUB_ACTIONS=true`): one workflow command per primary label, e.g.
//!
//! ```text
//! ::error title=RG101 duplicate-revision,file=versions/041_a.py,line=3,endLine=3,col=1,endColumn=17::revision `041` is declared by 2 files…
//! ```
//!
//! GitHub turns each into an annotation on the pull request's diff and the
//! run's summary. Notes and help follow the message on their own lines
//! (`%0A`). Columns are given only for single-line spans, as GitHub ignores
//! them otherwise. A closing plain line counts findings for the log reader.
//!
//! Escaping follows `@actions/core`: in the message `%`, CR and LF are
//! percent-encoded; in properties `:` and `,` are too.

use std::fmt::Write as _;

use revguard_core::Severity;
use revguard_core::report::{Diagnostic, Report, Summary};

/// Render a report as GitHub workflow commands.
pub fn render(report: &Report) -> String {
    render_diagnostics(&report.diagnostics, &report.summary)
}

/// Render findings (of any dialect) as GitHub workflow commands.
pub fn render_diagnostics(diagnostics: &[Diagnostic], summary: &Summary) -> String {
    let mut out = String::new();
    for d in diagnostics {
        let command = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let title = format!("{} {}", d.code, d.check);
        let mut body = d.message.clone();
        for note in &d.notes {
            body.push_str("\nnote: ");
            body.push_str(note);
        }
        if let Some(help) = &d.help {
            body.push_str("\nhelp: ");
            body.push_str(help);
        }
        let primary: Vec<_> = d.labels.iter().filter(|l| l.primary).collect();
        if primary.is_empty() {
            let _ = writeln!(
                out,
                "::{command} title={}::{}",
                property(&title),
                data(&body)
            );
            continue;
        }
        let several = primary.len() > 1;
        for label in primary {
            let mut props = format!("title={},file={}", property(&title), property(&label.path));
            let line = label.start.line.max(1);
            let end_line = label.end.line.max(line);
            let _ = write!(props, ",line={line},endLine={end_line}");
            if end_line == line {
                let col = label.start.column.max(1);
                let _ = write!(props, ",col={col},endColumn={}", label.end.column.max(col));
            }
            let text = if several && !label.message.is_empty() {
                format!("{}\nhere: {}", body, label.message)
            } else {
                body.clone()
            };
            let _ = writeln!(out, "::{command} {props}::{}", data(&text));
        }
    }
    let s = summary;
    let _ = writeln!(
        out,
        "revguard: {} error{}, {} warning{}, {} info",
        s.errors,
        if s.errors == 1 { "" } else { "s" },
        s.warnings,
        if s.warnings == 1 { "" } else { "s" },
        s.infos
    );
    out
}

/// Escape a command's message (`escapeData` in `@actions/core`).
pub fn data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escape a command property (`escapeProperty` in `@actions/core`).
pub fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_matches_actions_core() {
        assert_eq!(data("50% done\r\nnext"), "50%25 done%0D%0Anext");
        assert_eq!(property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
        // The message may contain `::` and commas unescaped.
        assert_eq!(data("a::b, c"), "a::b, c");
    }
}
