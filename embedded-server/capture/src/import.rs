//! Importing an export (JSONL or SQLite snapshot) into a capture file, so a teammate can open a
//! bug report's capture in the console and replay it.
//!
//! Each session of the source becomes a new session in the target, marked with the source file
//! and its original session id; rows keep their original timestamps and get new `seq` values
//! after the target's existing rows. Rows are inserted in transactions of a few thousand.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::Path;

use rusqlite::Connection;
use serde::{Deserialize, Serialize};

use super::error::CaptureError;
use super::export::{ExportHeader, FORMAT_NAME, FORMAT_VERSION};
use super::filter::Filter;
use super::query::CaptureReader;
use super::row::{Row, SessionInfo};
use super::schema;

/// Rows per import transaction.
const BATCH: u64 = 4096;

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
    let conn = schema::open_rw(db)?;
    let label = input.display().to_string();
    let mut target = Target {
        conn,
        label,
        sessions: HashMap::new(),
        created: Vec::new(),
        pending: 0,
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

struct Target {
    conn: Connection,
    label: String,
    /// Source session id -> (new id, rows imported).
    sessions: HashMap<i64, (i64, u64)>,
    created: Vec<i64>,
    pending: u64,
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
        self.pending += 1;
        if self.pending >= BATCH {
            self.conn.execute_batch("COMMIT")?;
            self.begin()?;
            self.pending = 0;
        }
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
    let mut read_line = |buf: &mut String| -> Result<usize, CaptureError> {
        buf.clear();
        reader
            .read_line(buf)
            .map_err(|e| CaptureError::io(input, e))
    };
    let mut done = read_line(&mut line)? as u64;
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
        let n = read_line(&mut line)?;
        if n == 0 {
            break;
        }
        number += 1;
        done += n as u64;
        if line.trim().is_empty() {
            continue;
        }
        let row: Row = serde_json::from_str(&line).map_err(|e| bad(number, e.to_string()))?;
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
