//! JSONL export: a header line ([`ExportHeader`]) then one [`Row`](crate::Row) per
//! line, payloads embedded as JSON exactly as sent (unless redacted).

use std::io::Write;
use std::path::Path;

use super::{create, ExportHeader, ExportOptions, PROGRESS_EVERY};
use crate::error::CaptureError;
use crate::query::CaptureReader;

pub(crate) fn export(
    reader: &CaptureReader,
    path: &Path,
    opts: &ExportOptions,
    progress: &mut dyn FnMut(u64),
) -> Result<u64, CaptureError> {
    let mut w = create(path)?;
    let io = |e| CaptureError::io(path, e);
    let header = ExportHeader::build(reader, opts)?;
    serde_json::to_writer(&mut w, &header)?;
    w.write_all(b"\n").map_err(io)?;
    let mut n = 0u64;
    reader.scan(&opts.filter, |mut row| {
        opts.redaction.redact_row(&mut row)?;
        serde_json::to_writer(&mut w, &row)?;
        w.write_all(b"\n").map_err(io)?;
        n += 1;
        if n.is_multiple_of(PROGRESS_EVERY) {
            progress(n);
        }
        Ok(())
    })?;
    w.into_inner()
        .map_err(|e| io(e.into_error()))?
        .sync_all()
        .map_err(io)?;
    Ok(n)
}
