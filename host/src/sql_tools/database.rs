//! `--database-url` for the SQL-file tools: each tool's history table, read
//! with the shared read-only reader (SQLite, PostgreSQL), its columns
//! joined into one text per row and split back into [`AppliedRow`]s.

use std::time::Duration;

use anyhow::{Result, bail};
use revguard_core::dialect::sql::{AppliedRow, Tool};

use crate::database::{self, Columns, ReadOptions};

const SEP: char = '\u{1f}';

/// (SQLite, PostgreSQL) expressions of the columns each tool's rows need,
/// joined by the unit separator.
fn expressions(tool: Tool) -> (String, String) {
    let join = |parts: &[&str], sep: &str| parts.join(&format!(" || {sep} || "));
    let (sqlite, postgres): (Vec<&str>, Vec<&str>) = match tool {
        Tool::Flyway => (
            vec![
                "COALESCE(version, '')",
                "COALESCE(CAST(checksum AS TEXT), '')",
                "CAST(success AS TEXT)",
                "type",
            ],
            vec![
                "COALESCE(version, '')",
                "COALESCE(checksum::text, '')",
                "success::text",
                "type",
            ],
        ),
        Tool::GolangMigrate => (
            vec!["CAST(version AS TEXT)", "CAST(dirty AS TEXT)"],
            vec!["version::text", "dirty::text"],
        ),
        Tool::Dbmate => (vec!["version"], vec!["version"]),
        Tool::Goose => (
            vec![
                "CAST(id AS TEXT)",
                "CAST(version_id AS TEXT)",
                "CAST(is_applied AS TEXT)",
            ],
            vec!["id::text", "version_id::text", "is_applied::text"],
        ),
        Tool::Sqlx => (
            vec![
                "CAST(version AS TEXT)",
                "lower(hex(checksum))",
                "CAST(success AS TEXT)",
            ],
            vec!["version::text", "encode(checksum, 'hex')", "success::text"],
        ),
        Tool::Prisma => (
            vec![
                "migration_name",
                "checksum",
                "CAST(finished_at IS NOT NULL AS TEXT)",
                "CAST(rolled_back_at IS NOT NULL AS TEXT)",
                "CAST(started_at AS TEXT)",
            ],
            vec![
                "migration_name",
                "checksum",
                "(finished_at IS NOT NULL)::text",
                "(rolled_back_at IS NOT NULL)::text",
                "to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')",
            ],
        ),
    };
    (join(&sqlite, "char(31)"), join(&postgres, "chr(31)"))
}

fn truthy(text: &str) -> bool {
    matches!(text, "1" | "true" | "t" | "TRUE")
}

/// Read the tool's history table, read-only, into applied rows.
pub fn read(
    tool: Tool,
    url: &str,
    schema: Option<String>,
    seconds: f64,
) -> Result<Vec<AppliedRow>> {
    if !(seconds.is_finite() && seconds > 0.0 && seconds <= 3600.0) {
        bail!("--database-timeout must be between 0 and 3600 seconds");
    }
    if url == "from-config" {
        bail!(
            "--database-url from-config reads alembic.ini; give the database URL for {}",
            tool.name()
        );
    }
    if url.starts_with("mysql") || url.starts_with("mariadb") {
        bail!(
            "--database-url: MySQL and MariaDB are not supported for {} yet (SQLite and PostgreSQL are)",
            tool.name()
        );
    }
    let (sqlite, postgres) = expressions(tool);
    let options = ReadOptions {
        table: tool.history_table().to_owned(),
        schema,
        timeout: Duration::from_secs_f64(seconds),
        django: false,
        columns: Some(Columns {
            sqlite,
            postgres,
            tool: tool.name().to_owned(),
        }),
    };
    let state = database::read(url, &options)?;
    parse_rows(tool, &state.rows)
}

/// Split the joined rows back into applied rows, as the tool reads them.
pub fn parse_rows(tool: Tool, rows: &[String]) -> Result<Vec<AppliedRow>> {
    let split: Vec<Vec<&str>> = rows.iter().map(|r| r.split(SEP).collect()).collect();
    let bad = |row: &[&str]| {
        anyhow::anyhow!(
            "unexpected {} row `{}`",
            tool.history_table(),
            row.join("|")
        )
    };
    let mut out = Vec::new();
    match tool {
        Tool::Flyway => {
            let deleted: Vec<&str> = split
                .iter()
                .filter(|r| r.get(3) == Some(&"DELETE"))
                .map(|r| r[0])
                .collect();
            for row in &split {
                let [version, checksum, success, kind] = row[..] else {
                    return Err(bad(row));
                };
                if version.is_empty()
                    || kind == "SCHEMA"
                    || kind == "DELETE"
                    || deleted.contains(&version)
                {
                    continue;
                }
                out.push(AppliedRow {
                    checksum: (!checksum.is_empty()).then(|| checksum.to_owned()),
                    success: truthy(success),
                    ..AppliedRow::version(version)
                });
            }
        }
        Tool::GolangMigrate => {
            for row in &split {
                let [version, dirty] = row[..] else {
                    return Err(bad(row));
                };
                out.push(AppliedRow {
                    success: !truthy(dirty),
                    ..AppliedRow::version(version)
                });
            }
        }
        Tool::Dbmate => out.extend(rows.iter().map(AppliedRow::version)),
        Tool::Goose => out = goose_rows(&split)?,
        Tool::Sqlx => {
            for row in &split {
                let [version, checksum, success] = row[..] else {
                    return Err(bad(row));
                };
                out.push(AppliedRow {
                    checksum: Some(checksum.to_owned()),
                    success: truthy(success),
                    ..AppliedRow::version(version)
                });
            }
        }
        Tool::Prisma => {
            for row in &split {
                let [name, checksum, finished, rolled_back, started] = row[..] else {
                    return Err(bad(row));
                };
                out.push(AppliedRow {
                    checksum: Some(checksum.to_owned()),
                    success: truthy(finished),
                    rolled_back: truthy(rolled_back),
                    started_at: Some(prisma_timestamp(started)),
                    ..AppliedRow::version(name)
                });
            }
        }
    }
    Ok(out)
}

/// `started_at` as Prisma prints it in P3009 (chrono's `DateTime<Utc>`:
/// `2024-02-01 00:00:00 UTC`, a fraction in groups of three digits only when
/// there is one). The PostgreSQL reader gives UTC without an offset; a
/// SQLite text may end in `Z` or a zero offset.
fn prisma_timestamp(text: &str) -> String {
    let text = text.trim();
    let text = ["Z", "+00:00", "+00", " UTC"]
        .iter()
        .find_map(|suffix| text.strip_suffix(suffix))
        .unwrap_or(text)
        .replacen('T', " ", 1);
    let (seconds, fraction) = text.split_once('.').unwrap_or((&text, ""));
    let digits = fraction.trim_end_matches('0');
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return format!("{seconds} UTC");
    }
    let width = digits.len().div_ceil(3) * 3;
    format!("{seconds}.{digits:0<width$} UTC")
}

/// goose's applied set: the latest row (by `id`) of each version decides.
fn goose_rows(split: &[Vec<&str>]) -> Result<Vec<AppliedRow>> {
    let mut events: Vec<(i64, i64, bool)> = Vec::new();
    for row in split {
        let [id, version, applied] = row[..] else {
            bail!("unexpected goose_db_version row `{}`", row.join("|"));
        };
        let (Ok(id), Ok(version)) = (id.parse(), version.parse()) else {
            bail!("unexpected goose_db_version row `{}`", row.join("|"));
        };
        events.push((id, version, truthy(applied)));
    }
    events.sort_unstable();
    let mut state: Vec<(i64, bool)> = Vec::new();
    for (_, version, applied) in events {
        state.retain(|(v, _)| *v != version);
        state.push((version, applied));
    }
    state.sort_unstable();
    Ok(state
        .into_iter()
        .filter(|(v, applied)| *applied && *v > 0)
        .map(|(v, _)| AppliedRow::version(v.to_string()))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::prisma_timestamp;

    #[test]
    fn prisma_timestamps_print_as_chrono_does() {
        assert_eq!(
            prisma_timestamp("2024-02-01 00:00:00.000000"),
            "2024-02-01 00:00:00 UTC"
        );
        assert_eq!(
            prisma_timestamp("2024-02-01 00:00:00.120000"),
            "2024-02-01 00:00:00.120 UTC"
        );
        assert_eq!(
            prisma_timestamp("2024-02-01 00:00:00.1234"),
            "2024-02-01 00:00:00.123400 UTC"
        );
        assert_eq!(
            prisma_timestamp("2024-02-01T00:00:00Z"),
            "2024-02-01 00:00:00 UTC"
        );
        assert_eq!(
            prisma_timestamp("2024-02-01 00:00:00"),
            "2024-02-01 00:00:00 UTC"
        );
    }
}
