//! The names Django's schema editor generates and quotes.

use md5::{Digest, Md5};

/// PostgreSQL's identifier limit (`max_name_length`).
const MAX_NAME_LENGTH: usize = 63;

/// `quote_name`: every identifier in double quotes.
pub(super) fn quote(name: &str) -> String {
    if name.starts_with('"') && name.ends_with('"') && name.len() > 1 {
        name.to_owned()
    } else {
        format!("\"{name}\"")
    }
}

/// `names_digest(*args, length=8)`: the first hex digits of the MD5 of the
/// arguments' bytes, one after the other.
fn digest(parts: &[&str]) -> String {
    let mut hash = Md5::new();
    for part in parts {
        hash.update(part.as_bytes());
    }
    let hex: String = hash
        .finalize()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    hex[..8].to_owned()
}

/// `_create_index_name(table, columns, suffix)`.
pub(super) fn index_name(table: &str, columns: &[&str], suffix: &str) -> String {
    // `split_identifier`: a schema-qualified table keeps its last part.
    let table = table.rsplit("\".\"").next().unwrap_or(table);
    let mut parts = vec![table];
    parts.extend_from_slice(columns);
    let mut hash_suffix = format!("{}{suffix}", digest(&parts));
    let joined = columns.join("_");
    let name = format!("{table}_{joined}_{hash_suffix}");
    if name.len() <= MAX_NAME_LENGTH {
        return name;
    }
    if hash_suffix.len() > MAX_NAME_LENGTH / 3 {
        hash_suffix = cut(&hash_suffix, MAX_NAME_LENGTH / 3).to_owned();
    }
    let other = (MAX_NAME_LENGTH - hash_suffix.len()) / 2 - 1;
    let name = format!(
        "{}_{}_{hash_suffix}",
        cut(table, other),
        cut(&joined, other)
    );
    if name.starts_with('_') || name.starts_with(|c: char| c.is_ascii_digit()) {
        let mut shorter: Vec<char> = name.chars().collect();
        shorter.pop();
        format!("D{}", shorter.into_iter().collect::<String>())
    } else {
        name
    }
}

/// The first `chars` characters (Python's `s[:n]`).
fn cut(text: &str, chars: usize) -> &str {
    text.char_indices()
        .nth(chars)
        .map_or(text, |(at, _)| &text[..at])
}

/// The name PostgreSQL gives a constraint declared in a column's
/// definition (`<table>_<column>_key`, `_check`, `_pkey`...), truncated to
/// the identifier limit the way PostgreSQL's `ChooseRelationName` does.
pub(super) fn implicit(table: &str, column: &str, label: &str) -> String {
    let overhead = label.len() + 2;
    let mut table = table.to_owned();
    let mut column = column.to_owned();
    while table.len() + column.len() + overhead > MAX_NAME_LENGTH {
        if table.len() > column.len() {
            table.pop();
        } else {
            column.pop();
        }
    }
    format!("{table}_{column}_{label}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_djangos() {
        // What Django 6.1's `_create_index_name` returns for the same input.
        assert_eq!(
            index_name("shop_book", &["price"], ""),
            "shop_book_price_6dcff04d"
        );
        assert_eq!(
            index_name(&"t".repeat(80), &["column"], "_like"),
            "tttttttttttttttttttttttt_column_af5c05cd_like"
        );
        assert_eq!(implicit("shop_book", "isbn", "key"), "shop_book_isbn_key");
        assert_eq!(quote("order"), "\"order\"");
    }
}
