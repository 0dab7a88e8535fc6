use super::{Context, Finding, Sink, declare_check};
use crate::graph::RevIx;
use crate::parse::Attr;

declare_check! {
    /// ## What it does
    /// Reports revision ids that look like placeholders copied from docs or
    /// typed by hand: `a1b2c3d4e5f6`, `123456789abc`, `abcdef123456`,
    /// `000000000000`, `deadbeef...`, `xxxx`.
    ///
    /// ## Why is this bad?
    /// Alembic generates 12 random hex digits so that two branches never pick
    /// the same id. Hand-typed placeholder ids collide: the next copy of the
    /// same example creates a duplicate id.
    ///
    /// ## Example
    /// ```python
    /// revision = "a1b2c3d4e5f6"
    /// ```
    ///
    /// ## Use instead
    /// Let `alembic revision` generate the id, or use your project's
    /// sequence-number convention consistently.
    pub struct PlaceholderRevisionId {
        name: "placeholder-revision-id",
        code: "RG203",
        severity: Warning,
        group: Hygiene,
    }
}

/// Known placeholder shapes.
pub(crate) fn is_placeholder(id: &str) -> bool {
    let lower = id.to_ascii_lowercase();
    if lower.len() < 4 {
        return false;
    }
    let first = lower.chars().next().unwrap_or('0');
    let same = lower.chars().all(|c| c == first);
    let known = [
        "a1b2c3d4e5f6",
        "123456789abc",
        "abcdef123456",
        "abc123",
        "abcd1234",
        "1234abcd",
        "deadbeef",
        "cafebabe",
        "123456789012",
        "abcdefabcdef",
        "xxxxxxxxxxxx",
        "revision",
        "rev_id",
        "todo",
        "fixme",
        "changeme",
    ];
    let counting = lower
        .as_bytes()
        .windows(2)
        .all(|w| w[1] == w[0] + 1 || (w[0] == b'9' && w[1] == b'a'));
    (same
        && lower.chars().all(|c| c.is_ascii_alphanumeric())
        && lower.len() >= 4
        && !lower.chars().all(|c| c.is_ascii_digit()))
        || (same && lower.len() >= 6)
        || known
            .iter()
            .any(|k| lower == *k || (k.len() >= 8 && lower.starts_with(k)))
        || (counting && lower.len() >= 6)
}

pub(super) fn run(cx: &Context<'_>, sink: &mut Sink<'_>) {
    for (i, rev) in cx.graph.revisions.iter().enumerate() {
        if !is_placeholder(&rev.id) {
            continue;
        }
        sink.emit(
            &PlaceholderRevisionId::INFO,
            Finding::new(
                format!("revision id `{}` looks like a placeholder", rev.id),
                vec![cx.attr_label(RevIx(i), Attr::Revision, "placeholder-like id", true)],
            )
            .help("use a generated id (`alembic revision` makes 12 random hex digits) or your sequence convention"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::is_placeholder;

    #[test]
    fn placeholders() {
        for id in [
            "a1b2c3d4e5f6",
            "000000000000",
            "abcdef123456",
            "123456789abc",
            "xxxx",
            "deadbeef0001",
        ] {
            assert!(is_placeholder(id), "{id}");
        }
        for id in ["1975ea83b712", "041", "0001", "3f2a9c1d8e7b", "add_users"] {
            assert!(!is_placeholder(id), "{id}");
        }
    }
}
