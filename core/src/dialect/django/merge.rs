//! The merge migration `makemigrations --merge --no-header` writes for an
//! app with several leaves (`docs/django-semantics.md`, "The merge
//! migration"), verified in memory before anyone writes it.

use super::graph::{Loaded, Migration, Project, load};
use super::read::read;

/// One merge migration to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergeMigration {
    /// The app label.
    pub app: String,
    /// The module name (`0004_merge_<leaves>`).
    pub name: String,
    /// The file's text.
    pub content: String,
}

/// `MigrationAutodetector.parse_number`.
pub fn parse_number(name: &str) -> Option<u64> {
    if let Some(at) = name.rfind("_squashed_") {
        let digits: String = name[at + 10..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        if let Ok(n) = digits.parse() {
            return Some(n);
        }
    }
    let digits: String = name.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// The merge migration's name for these leaves; `timestamp` is
/// `get_migration_name_timestamp()` (`%Y%m%d_%H%M`), used when the joined
/// leaf names are longer than 47 characters.
pub fn merge_name(leaves: &[String], timestamp: &str) -> String {
    let biggest = leaves
        .iter()
        .filter_map(|l| parse_number(l))
        .max()
        .unwrap_or(1);
    let mut sorted: Vec<&str> = leaves.iter().map(String::as_str).collect();
    sorted.sort_unstable();
    let joined = sorted.join("_");
    let tail = if joined.chars().count() > 47 {
        timestamp
    } else {
        &joined
    };
    format!("{:04}_merge_{tail}", biggest + 1)
}

/// The file `MigrationWriter` writes without a header.
pub fn merge_content(app: &str, leaves: &[String]) -> String {
    let mut lines: Vec<String> = leaves
        .iter()
        .map(|leaf| format!("        {},", super::Key::new(app, leaf).repr()))
        .collect();
    lines.sort();
    let mut out = String::from(
        "from django.db import migrations\n\n\nclass Migration(migrations.Migration):\n\n    dependencies = [\n",
    );
    for line in lines {
        out.push_str(&line);
        out.push('\n');
    }
    out.push_str("    ]\n\n    operations = [\n    ]\n");
    out
}

/// The merge migrations for every conflicting app of `project` (whose
/// verdict is `loaded`), or why none can be written: the graph must load,
/// the new names must be free, and with the merges added Django must see
/// one leaf per app and nothing else wrong.
pub fn plan(
    project: &Project,
    loaded: &Loaded,
    timestamp: &str,
) -> Result<Vec<MergeMigration>, String> {
    if let Some(error) = loaded.errors.first() {
        return Err(format!(
            "the graph does not load ({}: {}); fix that first",
            error.exception(),
            error.message()
        ));
    }
    let mut merges = Vec::new();
    let mut merged = project.clone();
    for (app, leaves) in &loaded.conflicts {
        let name = merge_name(leaves, timestamp);
        let content = merge_content(app, leaves);
        let Some(target) = merged.apps.iter_mut().find(|a| a.label == *app) else {
            return Err(format!("app `{app}` is not in the repository"));
        };
        if target.migrations.iter().any(|m| m.name == name) {
            return Err(format!("migration `{app}.{name}` already exists"));
        }
        target.migrations.push(Migration {
            name: name.clone(),
            facts: read(content.as_bytes(), None),
        });
        merges.push(MergeMigration {
            app: app.clone(),
            name,
            content,
        });
    }
    let after = load(&merged);
    if let Some(error) = after.errors.first() {
        return Err(format!(
            "with the merge migrations the graph would not load ({}: {})",
            error.exception(),
            error.message()
        ));
    }
    if let Some(message) = after.conflict_message() {
        return Err(format!(
            "the merge migrations would leave a conflict: {message}"
        ));
    }
    if !after.inconsistent.is_empty() {
        return Err("the merge migrations would leave an inconsistent history".to_owned());
    }
    Ok(merges)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_makemigrations() {
        let leaves = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(
            merge_name(&leaves(&["0003_b", "0003_a"]), "20260101_0000"),
            "0004_merge_0003_a_0003_b"
        );
        assert_eq!(
            merge_name(&leaves(&["0001_squashed_0009_x", "0003_a"]), "T"),
            "0010_merge_0001_squashed_0009_x_0003_a"
        );
        assert_eq!(
            merge_name(&leaves(&["alpha", "beta"]), "T"),
            "0002_merge_alpha_beta"
        );
        let long = leaves(&[
            "0042_a_rather_long_migration_name",
            "0042_another_long_one_here",
        ]);
        assert_eq!(
            merge_name(&long, "20261206_1412"),
            "0043_merge_20261206_1412"
        );
        assert_eq!(parse_number("0012_x"), Some(12));
        assert_eq!(parse_number("x_0012"), None);
    }

    #[test]
    fn content_is_the_writers() {
        let leaves = vec!["0003_b".to_owned(), "0003_a".to_owned()];
        assert_eq!(
            merge_content("shop", &leaves),
            "from django.db import migrations\n\n\nclass Migration(migrations.Migration):\n\n    dependencies = [\n        ('shop', '0003_a'),\n        ('shop', '0003_b'),\n    ]\n\n    operations = [\n    ]\n"
        );
    }
}
