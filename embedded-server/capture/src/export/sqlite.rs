//! SQLite snapshot export: a new capture file holding only the selection, with the same schema,
//! the original `seq` values and session ids, and the export header in its `info` table
//! (`key = 'export'`). It opens in the console like any capture and re-imports cleanly.

use std::path::Path;

use super::{ExportHeader, ExportOptions, PROGRESS_EVERY};
use crate::error::CaptureError;
use crate::query::CaptureReader;
use crate::schema;

pub(crate) fn export(
    reader: &CaptureReader,
    path: &Path,
    opts: &ExportOptions,
    progress: &mut dyn FnMut(u64),
) -> Result<u64, CaptureError> {
    for suffix in ["", "-wal", "-shm"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        match std::fs::remove_file(&p) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(CaptureError::io(path, e));
            }
            _ => {}
        }
    }
    let mut conn = schema::open_rw(path)?;
    let header = ExportHeader::build(reader, opts)?;
    let tx = conn.transaction()?;
    for s in &header.sessions {
        schema::insert_session(&tx, Some(s.id), s)?;
    }
    tx.execute(
        "INSERT INTO info (key, value) VALUES ('export', ?1)",
        [serde_json::to_string(&header)?],
    )?;
    let mut n = 0u64;
    reader.scan(&opts.filter, |mut row| {
        opts.redaction.redact_row(&mut row)?;
        row.insert(&tx, row.session_id, true)?;
        n += 1;
        if n.is_multiple_of(PROGRESS_EVERY) {
            progress(n);
        }
        Ok(())
    })?;
    tx.commit()?;
    // Fold the WAL into the file so the snapshot is one self-contained file.
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    conn.execute_batch("PRAGMA journal_mode = DELETE")?;
    drop(conn);
    Ok(n)
}
