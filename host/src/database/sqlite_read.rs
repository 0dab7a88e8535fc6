//! SQLite: a read-only open of an existing file that creates nothing beside
//! it (never the database, a `-journal`, a `-wal` or a `-shm`).
//!
//! The file is opened through a URI, `file:/abs/path?mode=ro`, and with
//! `&immutable=1` exactly when it is in WAL mode and has no `-wal` file (or
//! an empty one) and no `-shm` beside it. Then every committed transaction
//! is in the main file, and a plain read-only open would create `-wal` and
//! `-shm` (or, where the directory is not writable, fail with "attempt to
//! write a readonly database"). `immutable` skips locking and change
//! detection: a writer that starts during those milliseconds and
//! checkpoints into the main file can make the read inconsistent (see the
//! README). When `-wal` and `-shm` both exist a writer may be live, so the
//! read goes through them with SQLite's normal locking and sees exactly the
//! committed transactions; a non-empty `-wal` without its `-shm` (a writer
//! that stopped abruptly) cannot be read without creating one and is
//! refused. A rollback-journal database never needs a side file to be read.

use std::io::Read;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, ErrorCode, OpenFlags};

use super::{ReadOptions, missing_table, quote};

/// How the file is opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Open {
    /// `mode=ro`: SQLite's own locking, shared with any writer.
    ReadOnly,
    /// `mode=ro&immutable=1`: no locks, no side files.
    Immutable,
}

/// `path` with a suffix (`-wal`, `-shm`) appended to its file name.
fn beside(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// Is the file a SQLite database in WAL mode? (Bytes 18 and 19 of the
/// header, the write and read format versions, are 2 in WAL mode.)
fn is_wal(path: &Path) -> std::io::Result<bool> {
    let mut header = [0u8; 20];
    let mut file = std::fs::File::open(path)?;
    let mut read = 0;
    while read < header.len() {
        match file.read(&mut header[read..])? {
            0 => return Ok(false),
            n => read += n,
        }
    }
    Ok(header.starts_with(b"SQLite format 3\0") && (header[18] == 2 || header[19] == 2))
}

/// Choose how to open `path` (see the module documentation).
fn choose(path: &Path, shown: &str) -> Result<Open, String> {
    let wal = is_wal(path).map_err(|e| format!("{shown}: cannot read {}: {e}", path.display()))?;
    if !wal {
        return Ok(Open::ReadOnly);
    }
    let wal_len = std::fs::metadata(beside(path, "-wal"))
        .map(|m| m.len())
        .ok();
    let shm = beside(path, "-shm").exists();
    match (wal_len, shm) {
        (Some(_), true) => Ok(Open::ReadOnly),
        (None | Some(0), _) => Ok(Open::Immutable),
        (Some(_), false) => Err(format!(
            "{shown}: {}-wal holds transactions but there is no {}-shm beside it (a writer stopped abruptly); reading it would create that file: open the database once with `sqlite3` where writing is allowed, or check a copy of both files",
            path.display(),
            path.display()
        )),
    }
}

/// The `file:` URI of `path`: absolute, every byte but `A-Za-z0-9-._~/`
/// percent-encoded (so `?`, `#` and `%` in a file name stay in the path).
fn uri(path: &Path, open: Open) -> std::io::Result<String> {
    let absolute = std::path::absolute(path)?;
    let mut out = String::from("file:");
    for &byte in absolute.as_os_str().as_encoded_bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out.push_str(match open {
        Open::ReadOnly => "?mode=ro",
        Open::Immutable => "?mode=ro&immutable=1",
    });
    Ok(out)
}

/// A SQLite error as a message naming the file.
fn describe(e: &rusqlite::Error, path: &Path, shown: &str) -> String {
    match e.sqlite_error_code() {
        Some(ErrorCode::ReadOnly) => format!(
            "{shown}: SQLite cannot read {} without writing beside it (a `-journal` or `-wal` left by a writer that stopped, where revguard may not write): open it once with `sqlite3` where writing is allowed, or check a copy ({e})",
            path.display()
        ),
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => format!(
            "{shown}: {} stayed locked by a writer for the whole --database-timeout ({e})",
            path.display()
        ),
        Some(ErrorCode::NotADatabase) => {
            format!("{shown}: {} is not a SQLite database", path.display())
        }
        _ => format!("{shown}: {e}"),
    }
}

pub(super) fn read(path: &Path, options: &ReadOptions, shown: &str) -> Result<Vec<String>, String> {
    if !path.is_file() {
        return Err(format!(
            "{shown}: no SQLite database at {} (relative paths start at the current directory: `sqlite:///rel.db`, absolute ones have four slashes: `sqlite:////abs.db`)",
            path.display()
        ));
    }
    let open = choose(path, shown)?;
    let uri = uri(path, open).map_err(|e| format!("{shown}: {}: {e}", path.display()))?;
    // READ_ONLY without CREATE: a wrong path is an error, not a new file.
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
        | OpenFlags::SQLITE_OPEN_URI
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let cx = |e: rusqlite::Error| describe(&e, path, shown);
    let conn = Connection::open_with_flags(&uri, flags).map_err(cx)?;
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
            e => cx(e),
        })?;
    if exists == 0 {
        let table = match &options.schema {
            Some(s) => format!("{s}.{}", options.table),
            None => options.table.clone(),
        };
        return Err(missing_table(shown, &table, options));
    }
    let sql = format!(
        "SELECT {} FROM {}.{}",
        super::column(options, false),
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
