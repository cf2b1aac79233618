//! The file format: embedded migrations, connection settings, and the statements shared by the
//! recorder, the importer and the snapshot export.
//!
//! Migrations are plain `.sql` files compiled into the binary and recorded in
//! `schema_migrations`, so a file says which version wrote it and an older build refuses a newer
//! file instead of misreading it. The file is marked with an SQLite `application_id` so the
//! reader can tell a capture from any other database.

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension};

use super::error::CaptureError;
use super::row::SessionInfo;

/// `PRAGMA application_id` of a capture file: "SWBC".
pub const APPLICATION_ID: i32 = 0x5357_4243;

/// The migrations, in order. A version is never edited once released; changes are new files.
const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "0001_init", include_str!("migrations/0001_init.sql")),
    (
        2,
        "0002_keyed_side_tables",
        include_str!("migrations/0002_keyed_side_tables.sql"),
    ),
];

/// The newest schema version this build writes and reads.
pub const SCHEMA_VERSION: i64 = 2;

/// The oldest schema version this build reads without upgrading the file: version 1 differs
/// only in how rows are found by connection (see [`super::filter::Filter`]), so a v1 file (an
/// old capture or snapshot) opens read-only as it is, and can be imported.
pub const OLDEST_READABLE_VERSION: i64 = 1;

/// Column list of `events` in the order [`super::row::Row::from_sql`] reads it.
pub(crate) const ROW_COLUMNS: &str = "seq, at_us, node_id, session_id, kind, name, conn, role, \
     user, rooms, topic, payload, payload_text, size, recipients, origin, meta";

/// Insert of one event; `seq` is left to AUTOINCREMENT (recorder, import).
pub(crate) const INSERT_EVENT: &str = "INSERT INTO events (at_us, node_id, session_id, kind, \
     name, conn, role, user, rooms, topic, payload, payload_text, size, recipients, origin, meta) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)";

/// Insert of one event keeping its `seq` (snapshot export).
pub(crate) const INSERT_EVENT_WITH_SEQ: &str = "INSERT INTO events (at_us, node_id, session_id, \
     kind, name, conn, role, user, rooms, topic, payload, payload_text, size, recipients, origin, \
     meta, seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)";

pub(crate) const INSERT_ROOM: &str =
    "INSERT OR IGNORE INTO event_rooms (room, seq) VALUES (?1, ?2)";

/// The row of a connection (recorder, import, snapshot export); see migration 0002.
pub(crate) const INSERT_CONN: &str =
    "INSERT OR IGNORE INTO event_conns (conn, seq) VALUES (?1, ?2)";

/// Parameters per row of [`INSERT_EVENT`].
pub(crate) const EVENT_PARAMS: usize = 16;

/// `single`, an insert of one row of `columns` numbered parameters, rewritten to insert `rows`
/// rows in one statement (the recorder's batches): the parameters of row `i` are
/// `i * columns + 1 ..= (i + 1) * columns`, in the order of `single`.
pub(crate) fn insert_many_sql(single: &str, columns: usize, rows: usize) -> String {
    let head = single.split_once("VALUES").map_or(single, |(head, _)| head);
    let row = format!("({})", vec!["?"; columns].join(", "));
    format!("{head}VALUES {}", vec![row; rows.max(1)].join(", "))
}

const SESSION_COLUMNS: &str = "id, started_us, node_id, tool_version, contract, imported_from, \
     source_session, ended_us, rows_written, dropped, write_errors, rows_lost";

/// Opens (creating if needed) a capture file for writing and brings its schema up to date.
///
/// Every failure is reported as [`CaptureError::NotWritable`] with the reason, because at this
/// point the only question the caller has is "can I record there?".
pub(crate) fn open_rw(path: &Path) -> Result<Connection, CaptureError> {
    let not_writable = |reason: String| CaptureError::NotWritable {
        path: path.to_path_buf(),
        reason,
    };
    if path.is_dir() {
        return Err(not_writable("it is a directory".into()));
    }
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        if !parent.is_dir() {
            return Err(not_writable(format!(
                "directory {} does not exist",
                parent.display()
            )));
        }
    }
    // SQLite happily turns a short file of any content into a database; never clobber a file
    // that is not already one.
    if let Ok(meta) = std::fs::metadata(path) {
        if meta.len() > 0 && !has_sqlite_header(path) {
            return Err(not_writable(
                "the file exists and is not a SQLite database".into(),
            ));
        }
    }
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let mut conn =
        Connection::open_with_flags(path, flags).map_err(|e| not_writable(e.to_string()))?;
    // Identify the file before changing anything in it: a database that is not a capture is
    // refused exactly as it was found (switching it to WAL would rewrite its header and add
    // -wal and -shm files beside it).
    conn.busy_timeout(Duration::from_secs(5))
        .map_err(|e| not_writable(e.to_string()))?;
    check_application_id(&conn, path, true)?;
    configure_rw(&conn).map_err(|e| not_writable(e.to_string()))?;
    migrate(&mut conn).map_err(|e| match e {
        CaptureError::Sqlite(e) => not_writable(e.to_string()),
        other => other,
    })?;
    check_version(&conn, path, SCHEMA_VERSION)?;
    Ok(conn)
}

/// Caps the database size (`PRAGMA max_page_count`): past it, writes fail with SQLITE_FULL,
/// exactly like a full disk. `None` leaves SQLite's own limit.
pub(crate) fn set_hard_max(conn: &Connection, max_bytes: Option<u64>) -> Result<(), CaptureError> {
    let Some(max) = max_bytes else { return Ok(()) };
    let page_size: i64 = conn.query_row("PRAGMA page_size", [], |r| r.get(0))?;
    let pages = (max / page_size.max(512) as u64).max(1);
    conn.query_row(&format!("PRAGMA max_page_count = {pages}"), [], |_| Ok(()))?;
    Ok(())
}

/// Whether the file starts with SQLite's magic header.
pub(crate) fn has_sqlite_header(path: &Path) -> bool {
    use std::io::Read;
    let mut magic = [0u8; 16];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut magic))
        .is_ok_and(|()| &magic == b"SQLite format 3\0")
}

/// Opens an existing capture file for reading only. Returns the connection and the file's
/// schema version (at least [`OLDEST_READABLE_VERSION`]).
pub(crate) fn open_ro(path: &Path) -> Result<(Connection, i64), CaptureError> {
    let open_err = |reason: String| CaptureError::Open {
        path: path.to_path_buf(),
        reason,
    };
    if !path.is_file() {
        return Err(open_err("no such file".into()));
    }
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).map_err(|e| open_err(e.to_string()))?;
    conn.busy_timeout(Duration::from_secs(5))
        .map_err(|e| open_err(e.to_string()))?;
    // Readers sort and group in memory; a few MiB of cache keeps paging through a large file fast.
    conn.execute_batch("PRAGMA cache_size = -16384; PRAGMA temp_store = MEMORY;")
        .map_err(|e| open_err(e.to_string()))?;
    check_application_id(&conn, path, false)?;
    let version = check_version(&conn, path, OLDEST_READABLE_VERSION)?;
    Ok((conn, version))
}

/// WAL lets readers (the console, an export) run while the recorder writes; `synchronous =
/// NORMAL` in WAL mode survives a process crash (SIGKILL) and loses at most the last commits on
/// a power cut, which is the guarantee we document.
fn configure_rw(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(Duration::from_secs(5))?;
    let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        tracing::warn!(
            mode,
            "capture file is not in WAL mode; readers may block the recorder"
        );
    }
    // A 64 MiB page cache and a checkpoint every ~40 MiB of WAL: fewer, larger checkpoints
    // write each hot page once instead of many times (measured in docs/benchmarks.md). The
    // recorder turns the automatic checkpoint off and runs its own on another thread
    // (`checkpoint.rs`); imports keep this one.
    conn.execute_batch(
        "PRAGMA synchronous = NORMAL;
         PRAGMA temp_store = MEMORY;
         PRAGMA cache_size = -65536;
         PRAGMA wal_autocheckpoint = 10000;
         PRAGMA journal_size_limit = 67108864;
         PRAGMA foreign_keys = OFF;",
    )
}

fn check_application_id(conn: &Connection, path: &Path, claim: bool) -> Result<(), CaptureError> {
    let id: i32 = conn.query_row("PRAGMA application_id", [], |r| r.get(0))?;
    if id == APPLICATION_ID {
        return Ok(());
    }
    let tables: i64 = conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))?;
    if id == 0 && tables == 0 && claim {
        conn.execute_batch(&format!("PRAGMA application_id = {APPLICATION_ID}"))?;
        return Ok(());
    }
    if id == 0 && tables == 0 {
        return Err(CaptureError::Open {
            path: path.to_path_buf(),
            reason: "the file is empty (no capture has been written to it)".into(),
        });
    }
    Err(CaptureError::Open {
        path: path.to_path_buf(),
        reason: "not a Switchboard capture file".into(),
    })
}

fn migrate(conn: &mut Connection) -> Result<(), CaptureError> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             version    INTEGER PRIMARY KEY,
             name       TEXT NOT NULL,
             applied_us INTEGER NOT NULL
         )",
    )?;
    for (version, name, sql) in MIGRATIONS {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let done: Option<i64> = tx
            .query_row(
                "SELECT version FROM schema_migrations WHERE version = ?1",
                [version],
                |r| r.get(0),
            )
            .optional()?;
        if done.is_none() {
            tx.execute_batch(sql)?;
            tx.execute(
                "INSERT INTO schema_migrations (version, name, applied_us) VALUES (?1, ?2, ?3)",
                rusqlite::params![version, name, crate::tap::now_us()],
            )?;
        }
        tx.commit()?;
    }
    Ok(())
}

/// The file's schema version, if this build can use it: from `oldest` to [`SCHEMA_VERSION`].
fn check_version(conn: &Connection, path: &Path, oldest: i64) -> Result<i64, CaptureError> {
    let found: Option<i64> = conn
        .query_row("SELECT max(version) FROM schema_migrations", [], |r| {
            r.get(0)
        })
        .map_err(|e| CaptureError::Open {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
    match found {
        Some(v) if v > SCHEMA_VERSION => Err(CaptureError::SchemaTooNew {
            path: path.to_path_buf(),
            found: v,
            supported: SCHEMA_VERSION,
        }),
        Some(v) if v >= oldest => Ok(v),
        other => Err(CaptureError::Open {
            path: path.to_path_buf(),
            reason: format!(
                "schema version {} is older than {oldest}; open it once with the recorder \
                 or `capture import` to upgrade it",
                other.unwrap_or(0)
            ),
        }),
    }
}

/// Inserts a session row. `id: None` lets SQLite choose; `Some` keeps an id (snapshot export,
/// or re-creating a removed file under the same session).
pub(crate) fn insert_session(
    conn: &Connection,
    id: Option<i64>,
    s: &SessionInfo,
) -> Result<i64, CaptureError> {
    let contract = match &s.contract {
        Some(c) => Some(serde_json::to_string(c)?),
        None => None,
    };
    conn.execute(
        &format!("INSERT INTO sessions ({SESSION_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"),
        rusqlite::params![
            id,
            s.started_us,
            s.node_id,
            s.tool_version,
            contract,
            s.imported_from,
            s.source_session,
            s.ended_us,
            s.rows_written as i64,
            s.dropped as i64,
            s.write_errors as i64,
            s.rows_lost as i64,
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

/// All sessions, oldest first.
pub(crate) fn sessions(conn: &Connection) -> Result<Vec<SessionInfo>, CaptureError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {SESSION_COLUMNS} FROM sessions ORDER BY id"
    ))?;
    let mut rows = stmt.query([])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let contract: Option<String> = r.get(4)?;
        let contract = match contract {
            Some(text) => Some(serde_json::from_str(&text)?),
            None => None,
        };
        out.push(SessionInfo {
            id: r.get(0)?,
            started_us: r.get(1)?,
            node_id: r.get(2)?,
            tool_version: r.get(3)?,
            contract,
            imported_from: r.get(5)?,
            source_session: r.get(6)?,
            ended_us: r.get(7)?,
            rows_written: r.get::<_, i64>(8)?.max(0) as u64,
            dropped: r.get::<_, i64>(9)?.max(0) as u64,
            write_errors: r.get::<_, i64>(10)?.max(0) as u64,
            rows_lost: r.get::<_, i64>(11)?.max(0) as u64,
        });
    }
    Ok(out)
}
