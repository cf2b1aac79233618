//! Importing an export (JSONL or SQLite snapshot) into a capture file, so a teammate can open a
//! bug report's capture in the console and replay it.
//!
//! Each session of the source becomes a new session in the target, marked with the source file
//! and its original session id; rows keep their original timestamps and get new `seq` values
//! after the target's existing rows.
//!
//! An import is all or nothing: it runs in one transaction, so a bad line anywhere (or a full
//! disk, or a crash) leaves the target as it was, without a partial session. The target is
//! checked before anything is written to it (a database that is not a capture stays
//! byte-identical), and a capture is never imported into itself. Rows are held to the wire's
//! limits (payload size and nesting depth): a capture can only hold what a server could have
//! sent or received, so everything imported can be queried and exported again.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use rusqlite::Connection;
use serde::{Deserialize, Serialize};

use super::error::CaptureError;
use super::export::{ExportHeader, FORMAT_NAME, FORMAT_VERSION};
use super::filter::Filter;
use super::query::CaptureReader;
use super::row::{Row, SessionInfo};
use super::schema;
use crate::wire::limits::{nesting_depth, MAX_DEPTH};

/// Rows between two progress reports.
const BATCH: u64 = 4096;

/// The longest JSONL line read: a row is its payload (at most a frame, 1 MiB by default) plus
/// a few short fields and its meta. A longer line is refused before it is held in memory whole.
pub const MAX_LINE_BYTES: usize = 8 * 1024 * 1024;

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportSummary {
    /// The sessions created in the target, in source order.
    pub sessions: Vec<i64>,
    pub rows: u64,
}

/// Imports `input` (detected by content: a SQLite capture or a JSONL export) into the capture
/// file `db`, creating it if needed. `progress(done, total)` counts bytes for JSONL and rows for
/// SQLite.
pub fn import(
    db: &Path,
    input: &Path,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<ImportSummary, CaptureError> {
    std::fs::metadata(input).map_err(|e| CaptureError::io(input, e))?;
    if same_file(db, input) {
        return Err(CaptureError::ImportIntoItself {
            path: input.to_path_buf(),
        });
    }
    let conn = schema::open_rw(db)?;
    let label = input.display().to_string();
    let mut target = Target {
        conn,
        label,
        sessions: HashMap::new(),
        created: Vec::new(),
        limits: Limits::wire(),
    };
    target.begin()?;
    let result = if schema::has_sqlite_header(input) {
        import_sqlite(&mut target, input, progress)
    } else {
        import_jsonl(&mut target, input, progress)
    };
    match result {
        Ok(rows) => {
            target.finish()?;
            Ok(ImportSummary {
                sessions: target.created,
                rows,
            })
        }
        Err(e) => {
            let _ = target.conn.execute_batch("ROLLBACK");
            Err(e)
        }
    }
}

/// Whether two paths name one file (through links, `..` or another spelling). A destination
/// that does not exist yet is never the source.
fn same_file(a: &Path, b: &Path) -> bool {
    let (Ok(x), Ok(y)) = (std::fs::metadata(a), std::fs::metadata(b)) else {
        return false;
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        x.dev() == y.dev() && x.ino() == y.ino()
    }
    #[cfg(not(unix))]
    {
        let _ = (x, y);
        matches!(
            (std::fs::canonicalize(a), std::fs::canonicalize(b)),
            (Ok(p), Ok(q)) if p == q
        )
    }
}

/// What one imported row may hold: the same bounds a frame meets on the wire.
struct Limits {
    /// Bytes of a payload: the server's default largest frame (`ServerConfig::max_frame_bytes`).
    payload_bytes: usize,
    /// Nesting of a payload: one level inside its frame ([`MAX_DEPTH`]).
    payload_depth: usize,
}

impl Limits {
    fn wire() -> Limits {
        Limits {
            payload_bytes: switchboard_server::ServerConfig::default().max_frame_bytes,
            payload_depth: MAX_DEPTH - 1,
        }
    }

    /// Why `row` cannot be imported, if it cannot.
    fn check(&self, row: &Row) -> Result<(), String> {
        let text = row.payload_str().unwrap_or("");
        if text.len() > self.payload_bytes {
            return Err(format!(
                "the payload is {} bytes, more than a frame may carry ({} bytes)",
                text.len(),
                self.payload_bytes
            ));
        }
        if let Some(raw) = &row.payload {
            let depth = nesting_depth(raw.get());
            if depth > self.payload_depth {
                return Err(format!(
                    "the payload nests {depth} levels deep, more than a frame allows ({})",
                    self.payload_depth
                ));
            }
        }
        Ok(())
    }
}

struct Target {
    conn: Connection,
    label: String,
    /// Source session id -> (new id, rows imported).
    sessions: HashMap<i64, (i64, u64)>,
    created: Vec<i64>,
    limits: Limits,
}

impl Target {
    fn begin(&self) -> Result<(), CaptureError> {
        Ok(self.conn.execute_batch("BEGIN IMMEDIATE")?)
    }

    fn add_session(&mut self, s: &SessionInfo) -> Result<i64, CaptureError> {
        if let Some((id, _)) = self.sessions.get(&s.id) {
            return Ok(*id);
        }
        let info = SessionInfo {
            imported_from: Some(self.label.clone()),
            source_session: Some(s.id),
            rows_written: 0,
            ..s.clone()
        };
        let id = schema::insert_session(&self.conn, None, &info)?;
        self.sessions.insert(s.id, (id, 0));
        self.created.push(id);
        Ok(id)
    }

    fn insert(&mut self, row: &Row, tool_version: &str) -> Result<(), CaptureError> {
        if !self.sessions.contains_key(&row.session_id) {
            // A row whose session the source did not describe: give it a minimal session.
            self.add_session(&SessionInfo {
                id: row.session_id,
                started_us: row.at_us,
                node_id: row.node_id.clone(),
                tool_version: tool_version.to_string(),
                contract: None,
                imported_from: None,
                source_session: None,
                ended_us: None,
                rows_written: 0,
                dropped: 0,
                write_errors: 0,
                rows_lost: 0,
            })?;
        }
        let Some(entry) = self.sessions.get_mut(&row.session_id) else {
            return Ok(());
        };
        entry.1 += 1;
        let id = entry.0;
        row.insert(&self.conn, id, false)?;
        Ok(())
    }

    fn finish(&mut self) -> Result<(), CaptureError> {
        for (id, rows) in self.sessions.values() {
            self.conn.execute(
                "UPDATE sessions SET rows_written = ?1 WHERE id = ?2",
                rusqlite::params![*rows as i64, id],
            )?;
        }
        self.conn.execute_batch("COMMIT")?;
        Ok(())
    }
}

fn import_jsonl(
    target: &mut Target,
    input: &Path,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<u64, CaptureError> {
    let file = std::fs::File::open(input).map_err(|e| CaptureError::io(input, e))?;
    let total = file.metadata().map(|m| m.len()).unwrap_or(0);
    let mut reader = BufReader::with_capacity(1 << 16, file);
    let bad = |line: u64, message: String| CaptureError::Import {
        path: input.to_path_buf(),
        line,
        message,
    };
    let mut line = String::new();
    // Reads one line of at most MAX_LINE_BYTES; `Ok(None)` when it is longer.
    let mut read_line = |buf: &mut String| -> Result<Option<usize>, CaptureError> {
        buf.clear();
        let n = (&mut reader)
            .take(MAX_LINE_BYTES as u64 + 1)
            .read_line(buf)
            .map_err(|e| CaptureError::io(input, e))?;
        Ok((n <= MAX_LINE_BYTES || buf.ends_with('\n')).then_some(n))
    };
    let too_long = |line: u64| bad(line, format!("line longer than {MAX_LINE_BYTES} bytes"));
    let mut done = read_line(&mut line)?.ok_or_else(|| too_long(1))? as u64;
    if done == 0 {
        return Err(bad(1, "empty file: expected an export header line".into()));
    }
    let header: ExportHeader =
        serde_json::from_str(&line).map_err(|e| bad(1, format!("not an export header: {e}")))?;
    if header.format != FORMAT_NAME {
        return Err(bad(
            1,
            format!("format is {:?}, expected {FORMAT_NAME:?}", header.format),
        ));
    }
    if header.format_version > FORMAT_VERSION {
        return Err(bad(
            1,
            format!(
                "format version {} is newer than this build reads ({FORMAT_VERSION})",
                header.format_version
            ),
        ));
    }
    for s in &header.sessions {
        target.add_session(s)?;
    }
    let mut rows = 0u64;
    let mut number = 1u64;
    loop {
        let n = read_line(&mut line)?.ok_or_else(|| too_long(number + 1))?;
        if n == 0 {
            break;
        }
        number += 1;
        done += n as u64;
        if line.trim().is_empty() {
            continue;
        }
        let row: Row = serde_json::from_str(&line).map_err(|e| bad(number, e.to_string()))?;
        target.limits.check(&row).map_err(|m| bad(number, m))?;
        target.insert(&row, &header.tool_version)?;
        rows += 1;
        if rows.is_multiple_of(BATCH) {
            progress(done, total);
        }
    }
    progress(done, total);
    Ok(rows)
}

fn import_sqlite(
    target: &mut Target,
    input: &Path,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<u64, CaptureError> {
    let source = CaptureReader::open(input)?;
    let all = Filter::default();
    let total = source.count(&all)?;
    for s in source.sessions()? {
        target.add_session(&s)?;
    }
    let tool_version = env!("CARGO_PKG_VERSION");
    let mut rows = 0u64;
    source.scan(&all, |row| {
        target
            .limits
            .check(&row)
            .map_err(|m| CaptureError::Import {
                path: input.to_path_buf(),
                line: 0,
                message: format!("row {}: {m}", row.seq),
            })?;
        target.insert(&row, tool_version)?;
        rows += 1;
        if rows.is_multiple_of(BATCH) {
            progress(rows, total);
        }
        Ok(())
    })?;
    progress(rows, total);
    Ok(rows)
}
