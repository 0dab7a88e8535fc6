//! Flyway (community `flyway-core`): `ResourceNameParser` for the names,
//! `MigrationVersion` for the versions, `CompositeMigrationResolver` for
//! duplicates and `MigrationInfoImpl.validate` (run by `migrate` since
//! `validateOnMigrate` is on by default) for the applied history.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use super::{AppliedRow, Check, FlywayConfig, History, Resolved, Verdict, from_lock};
use crate::Severity;

/// A Flyway version: `MigrationVersion`'s parts (`_` read as `.`, split at
/// each `.` before a digit, each part a `BigInteger`, trailing zero parts
/// dropped), and its display text (the version with `_` replaced by `.`).
#[derive(Debug, Clone)]
pub struct Version {
    parts: Vec<BigPart>,
    /// `toString()`: the text with `_` replaced by `.`.
    pub display: String,
}

/// One `BigInteger` part: sign and digits without leading zeros.
#[derive(Debug, Clone, PartialEq, Eq)]
struct BigPart {
    negative: bool,
    digits: String,
}

impl BigPart {
    fn parse(text: &str) -> Option<BigPart> {
        let (negative, digits) = match text.as_bytes().first() {
            Some(b'-') => (true, &text[1..]),
            Some(b'+') => (false, &text[1..]),
            _ => (false, text),
        };
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let digits = digits.trim_start_matches('0');
        Some(BigPart {
            negative: negative && !digits.is_empty(),
            digits: digits.to_owned(),
        })
    }

    fn is_zero(&self) -> bool {
        self.digits.is_empty()
    }

    fn magnitude(&self, other: &BigPart) -> Ordering {
        self.digits
            .len()
            .cmp(&other.digits.len())
            .then_with(|| self.digits.cmp(&other.digits))
    }
}

impl Ord for BigPart {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self.negative, other.negative) {
            (false, false) => self.magnitude(other),
            (true, true) => other.magnitude(self),
            (true, false) => Ordering::Less,
            (false, true) => Ordering::Greater,
        }
    }
}

impl PartialOrd for BigPart {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Version {
    /// `MigrationVersion.fromVersion`; `None` where Flyway throws "Version
    /// may only contain 0..9 and . (dot)".
    pub fn parse(text: &str) -> Option<Version> {
        let display = text.replace('_', ".");
        let mut parts = Vec::new();
        let mut start = 0;
        let bytes = display.as_bytes();
        for i in 0..bytes.len() {
            if bytes[i] == b'.' && bytes.get(i + 1).is_some_and(u8::is_ascii_digit) {
                parts.push(&display[start..i]);
                start = i + 1;
            }
        }
        parts.push(&display[start..]);
        // Java's String.split drops trailing empty strings.
        while parts.len() > 1 && parts.last() == Some(&"") {
            parts.pop();
        }
        let mut parts: Vec<BigPart> = parts
            .into_iter()
            .map(BigPart::parse)
            .collect::<Option<_>>()?;
        while parts.len() > 1 && parts.last().is_some_and(BigPart::is_zero) {
            parts.pop();
        }
        Some(Version { parts, display })
    }
}

impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Version {}

impl Ord for Version {
    /// `MigrationVersion.compareTo`: part by part, a missing part is 0.
    fn cmp(&self, other: &Self) -> Ordering {
        let zero = BigPart {
            negative: false,
            digits: String::new(),
        };
        for i in 0..self.parts.len().max(other.parts.len()) {
            let a = self.parts.get(i).unwrap_or(&zero);
            let b = other.parts.get(i).unwrap_or(&zero);
            match a.cmp(b) {
                Ordering::Equal => {}
                unequal => return unequal,
            }
        }
        Ordering::Equal
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// What `ResourceNameParser` makes of a file name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Name {
    /// A versioned migration (`V<version>__<description>.sql`).
    Versioned {
        /// The version text before the separator.
        version: String,
        /// The description (`_` read as a space).
        description: String,
    },
    /// A repeatable migration (`R__<description>.sql`).
    Repeatable {
        /// The description.
        description: String,
    },
    /// An undo (`U`) or baseline (`B`) migration, or an SQL callback: not
    /// part of the versioned sequence `migrate` checks here.
    Other,
    /// Not a migration Flyway runs: the reason, in Flyway's words.
    Invalid(String),
    /// Does not end with a migration suffix at all.
    NotSql,
}

/// The event names of Flyway's SQL callbacks (`beforeMigrate.sql`...).
fn is_callback(name: &str) -> bool {
    ["before", "after", "createSchema"]
        .iter()
        .any(|p| name.starts_with(p))
}

/// Parse a file name as `ResourceNameParser.parse` does.
pub fn parse_name(file: &str, config: &FlywayConfig) -> Name {
    let Some(stem) = config
        .sql_migration_suffixes
        .iter()
        .find_map(|s| file.strip_suffix(s.as_str()))
    else {
        let lower = file.to_ascii_lowercase();
        if config
            .sql_migration_suffixes
            .iter()
            .any(|s| lower.ends_with(&s.to_ascii_lowercase()))
        {
            return Name::Invalid(format!(
                "Unrecognised migration name format: {file} (the suffix is case-sensitive)"
            ));
        }
        return Name::NotSql;
    };
    if is_callback(stem) {
        return Name::Other;
    }
    let mut prefixes = [
        (&config.sql_migration_prefix, 'V'),
        (&config.undo_sql_migration_prefix, 'U'),
        (&config.repeatable_sql_migration_prefix, 'R'),
        (&config.baseline_migration_prefix, 'B'),
    ];
    // Longest prefix first, as Flyway sorts them.
    prefixes.sort_by_key(|(p, _)| std::cmp::Reverse(p.len()));
    let Some((prefix, kind)) = prefixes
        .iter()
        .find(|(p, _)| !p.is_empty() && stem.starts_with(p.as_str()))
    else {
        return Name::Invalid(format!("Unrecognised migration name format: {file}"));
    };
    let rest = &stem[prefix.len()..];
    let separator = config.sql_migration_separator.as_str();
    let (version, description) = match rest.find(separator) {
        Some(at) => (&rest[..at], &rest[at + separator.len()..]),
        None => (rest, ""),
    };
    let description = description.replace('_', " ");
    match kind {
        'R' if !version.is_empty() => Name::Invalid(format!(
            "Invalid repeatable migration name format: {file} (unexpected version number {version})"
        )),
        'R' => Name::Repeatable { description },
        _ if version.is_empty() || Version::parse(version).is_none() => Name::Invalid(format!(
            "Invalid versioned migration name format: {file} (could not recognise version number {version})"
        )),
        'V' => Name::Versioned {
            version: version.to_owned(),
            description,
        },
        _ => Name::Other,
    }
}

struct Migration {
    version: Version,
    description: String,
    file: usize,
}

/// Judge a Flyway history.
pub fn judge(history: &History) -> Verdict {
    let mut verdict = Verdict::new(super::Tool::Flyway);
    let config = &history.flyway;
    let mut versioned: Vec<Migration> = Vec::new();
    let mut repeatable: Vec<(String, usize)> = Vec::new();
    let mut invalid = Vec::new();
    for (i, file) in history.files.iter().enumerate() {
        match parse_name(&file.name, config) {
            Name::Versioned {
                version,
                description,
            } => versioned.push(Migration {
                version: Version::parse(&version).expect("validated by parse_name"),
                description,
                file: i,
            }),
            Name::Repeatable { description } => repeatable.push((description, i)),
            Name::Invalid(reason) => invalid.push((i, reason)),
            Name::Other | Name::NotSql => {}
        }
    }
    versioned.sort_by(|a, b| a.version.cmp(&b.version));
    repeatable.sort();
    misnamed(history, &mut verdict, &invalid);
    duplicates(history, &mut verdict, &versioned, &repeatable);
    verdict.migrations = versioned
        .iter()
        .map(|m| Resolved {
            version: m.version.display.clone(),
            description: m.description.clone(),
            file: m.file,
        })
        .collect();
    if verdict.fails.is_none() {
        validate(history, &mut verdict, &versioned);
    }
    verdict
}

fn misnamed(history: &History, verdict: &mut Verdict, invalid: &[(usize, String)]) {
    let config = &history.flyway;
    for (file, reason) in invalid {
        let severity = if config.validate_migration_naming {
            Severity::Error
        } else {
            Severity::Warning
        };
        verdict.push(
            Check::StrayMigration,
            severity,
            format!(
                "`{}` misses Flyway's naming convention ({}<version>{}<description>{}), so `flyway migrate` never runs it",
                history.files[*file].path,
                config.sql_migration_prefix,
                config.sql_migration_separator,
                config.sql_migration_suffixes.first().map_or("", String::as_str)
            ),
            vec![*file],
        );
        verdict.note(reason.clone());
        verdict.help(
            "rename it to the convention, e.g. `V2__add_table.sql` (the prefix is case-sensitive and the separator is two underscores)",
        );
    }
    if invalid.is_empty() {
        return;
    }
    if config.validate_migration_naming {
        let reasons: Vec<&str> = invalid.iter().map(|(_, r)| r.as_str()).collect();
        verdict.fail(format!(
            "Invalid SQL filenames found:\n{}",
            reasons.join("\n")
        ));
    } else if let Some(finding) = verdict.findings.last_mut() {
        finding.notes.push(format!(
            "Flyway only logs at INFO: \"{} SQL migrations were detected but not run because they did not follow the filename convention.\"",
            invalid.len()
        ));
    }
}

fn duplicates(
    history: &History,
    verdict: &mut Verdict,
    versioned: &[Migration],
    repeatable: &[(String, usize)],
) {
    let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (i, m) in versioned.iter().enumerate() {
        let first = versioned
            .iter()
            .position(|o| o.version == m.version)
            .unwrap_or(i);
        groups.entry(first).or_default().push(m.file);
    }
    for (first, files) in groups.into_iter().filter(|(_, f)| f.len() > 1) {
        let version = &versioned[first].version.display;
        let paths: Vec<String> = files
            .iter()
            .map(|f| history.files[*f].path.clone())
            .collect();
        verdict.push(
            Check::DuplicateRevision,
            Severity::Error,
            format!(
                "{} files have Flyway version {version}: {}",
                files.len(),
                super::list(&paths)
            ),
            files.clone(),
        );
        let message = format!(
            "Found more than one migration with version {version}\nOffenders:\n-> {} (SQL)\n-> {} (SQL)",
            paths[0], paths[1]
        );
        verdict.note(format!(
            "`flyway migrate` fails before touching the database: FlywayException: {message}"
        ));
        verdict.note(
            "Flyway normalises versions (`_` is `.`, leading zeros and trailing `.0` parts do not count); it prints absolute paths, in the order of its scan"
                .to_owned(),
        );
        verdict.help("give one of them the next free version");
        verdict.fail(message);
    }
    for pair in repeatable.windows(2) {
        if pair[0].0 == pair[1].0 {
            let (a, b) = (
                &history.files[pair[0].1].path,
                &history.files[pair[1].1].path,
            );
            let message = format!(
                "Found more than one repeatable migration with description {}\nOffenders:\n-> {a} (SQL)\n-> {b} (SQL)",
                pair[0].0
            );
            verdict.push(
                Check::DuplicateRevision,
                Severity::Error,
                format!(
                    "two repeatable migrations have the description `{}`: `{a}` and `{b}`",
                    pair[0].0
                ),
                vec![pair[0].1, pair[1].1],
            );
            verdict.note(format!(
                "`flyway migrate` fails: FlywayException: {message}"
            ));
            verdict.fail(message);
        }
    }
}

/// `validate` against the applied rows, then what `migrate` runs.
fn validate(history: &History, verdict: &mut Verdict, versioned: &[Migration]) {
    let Some(applied) = &history.applied else {
        verdict.runs = versioned.iter().map(|m| m.file).collect();
        return;
    };
    let rows: Vec<(Version, &AppliedRow)> = applied
        .iter()
        .filter_map(|r| Version::parse(&r.version).map(|v| (v, r)))
        .collect();
    let max_applied = rows.iter().map(|(v, _)| v).max();
    let max_resolved = versioned.iter().map(|m| &m.version).max();
    let lock = from_lock(history);
    let mut errors = Vec::new();
    for (version, row) in &rows {
        let resolved = versioned.iter().find(|m| &m.version == version);
        match resolved {
            Some(m) if !row.success => {
                let message = format!(
                    "Detected failed migration to version {} ({}).\nPlease remove any half-completed changes then run repair to fix the schema history.",
                    row.version, m.description
                );
                verdict.push(
                    Check::DatabaseState,
                    Severity::Error,
                    format!(
                        "the schema history records version {} as failed",
                        row.version
                    ),
                    vec![m.file],
                );
                errors.push(message);
            }
            Some(m) => {
                let local = history.files[m.file].facts.flyway_crc32.to_string();
                if let Some(stored) = row.checksum.as_ref().filter(|c| **c != local) {
                    edited(
                        history,
                        verdict,
                        &mut errors,
                        (m, &row.version),
                        stored,
                        &local,
                        lock,
                    );
                }
            }
            None if max_resolved.is_some_and(|max| version < max) => {
                let message = format!(
                    "Detected applied migration not resolved locally: {}.\nIf you removed this migration intentionally, run repair to mark the migration as deleted.",
                    row.version
                );
                verdict.push(
                    Check::DeployedRevisionMissing,
                    Severity::Error,
                    format!(
                        "version {} is applied but no migration file has it any more",
                        row.version
                    ),
                    Vec::new(),
                );
                errors.push(message);
            }
            None => {}
        }
    }
    let mut runs = Vec::new();
    for m in versioned {
        if rows.iter().any(|(v, _)| *v == m.version) {
            continue;
        }
        if max_applied.is_some_and(|max| m.version < *max) {
            below(history, verdict, &mut errors, m, max_applied);
            if history.flyway.out_of_order {
                runs.push(m.file);
            }
        } else {
            runs.push(m.file);
        }
    }
    if errors.is_empty() {
        verdict.runs = runs;
    } else {
        verdict.fail(format!(
            "Validate failed: Migrations have failed validation\n{}",
            errors.join("\n")
        ));
    }
}

fn edited(
    history: &History,
    verdict: &mut Verdict,
    errors: &mut Vec<String>,
    (m, version): (&Migration, &str),
    stored: &str,
    local: &str,
    lock: bool,
) {
    let message = format!(
        "Migration checksum mismatch for migration version {version}\n-> Applied to database : {stored}\n-> Resolved locally    : {local}\nEither revert the changes to the migration, or run repair to update the schema history."
    );
    let source = if lock {
        "the lock"
    } else {
        "the schema history"
    };
    verdict.push(
        Check::AppliedMigrationEdited,
        Severity::Error,
        format!(
            "`{}` (version {version}) was edited after it was applied: its checksum is {local}, {source} has {stored}",
            history.files[m.file].path
        ),
        vec![m.file],
    );
    verdict.note(format!("`flyway migrate` fails validation: {message}"));
    verdict.help("revert the edit and put the change in a new migration");
    errors.push(message);
}

fn below(
    history: &History,
    verdict: &mut Verdict,
    errors: &mut Vec<String>,
    m: &Migration,
    max_applied: Option<&Version>,
) {
    let max = max_applied.map_or("", |v| v.display.as_str());
    let path = &history.files[m.file].path;
    if history.flyway.out_of_order {
        verdict.push(
            Check::InsertedBelowDeployed,
            Severity::Warning,
            format!(
                "`{path}` (version {}) is below the deployed version {max}; with outOfOrder Flyway runs it after newer ones",
                m.version.display
            ),
            vec![m.file],
        );
        return;
    }
    let message = format!(
        "Detected resolved migration not applied to database: {}.\nTo ignore this migration, set -ignoreMigrationPatterns='*:ignored'. To allow executing this migration, set -outOfOrder=true.",
        m.version.display
    );
    verdict.push(
        Check::InsertedBelowDeployed,
        Severity::Error,
        format!(
            "`{path}` (version {}) is below the deployed version {max} and not applied: `flyway migrate` refuses it",
            m.version.display
        ),
        vec![m.file],
    );
    verdict.note(format!("`flyway migrate` fails validation: {message}"));
    verdict.help("give it a version above the deployed one");
    errors.push(message);
}
