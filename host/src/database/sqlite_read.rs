//! SQLite: a read-only open of an existing file (never created).

use rusqlite::{Connection, OpenFlags};
use std::path::Path;

use super::{ReadOptions, missing_table, quote};

pub(super) fn read(path: &Path, options: &ReadOptions, shown: &str) -> Result<Vec<String>, String> {
    if !path.is_file() {
        return Err(format!(
            "{shown}: no SQLite database at {} (relative paths start at the current directory: `sqlite:///rel.db`, absolute ones have four slashes: `sqlite:////abs.db`)",
            path.display()
        ));
    }
    // READ_ONLY without CREATE: a wrong path is an error, not a new file.
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let cx = |e: rusqlite::Error| format!("{shown}: {e}");
    let conn = Connection::open_with_flags(path, flags).map_err(cx)?;
    conn.busy_timeout(options.timeout).map_err(cx)?;
    conn.pragma_update(None, "query_only", true).map_err(cx)?;
    // A writer holding the lock makes us wait at most the timeout; the
    // caller's wall-clock guard bounds everything else.
    let schema = options.schema.as_deref().unwrap_or("main");
    let master = format!(
        "SELECT count(*) FROM {}.sqlite_master WHERE type = 'table' AND name = ?1",
        quote(schema)
    );
    let exists: i64 = conn
        .query_row(&master, [&options.table], |row| row.get(0))
        .map_err(|e| match e {
            rusqlite::Error::SqliteFailure(_, Some(m)) if m.contains("unknown database") => {
                format!("{shown}: there is no schema `{schema}` (--version-table-schema names an attached database in SQLite)")
            }
            rusqlite::Error::SqliteFailure(_, Some(m)) if m.contains("file is not a database") => {
                format!("{shown}: {} is not a SQLite database", path.display())
            }
            e => cx(e),
        })?;
    if exists == 0 {
        let table = match &options.schema {
            Some(s) => format!("{s}.{}", options.table),
            None => options.table.clone(),
        };
        return Err(missing_table(shown, &table));
    }
    let sql = format!(
        "SELECT version_num FROM {}.{}",
        quote(schema),
        quote(&options.table)
    );
    let mut statement = conn.prepare(&sql).map_err(cx)?;
    let rows = statement
        .query_map([], |row| row.get::<_, String>(0))
        .map_err(cx)?
        .collect::<Result<Vec<String>, _>>()
        .map_err(cx)?;
    Ok(rows)
}
