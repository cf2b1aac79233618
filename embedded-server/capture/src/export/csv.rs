//! CSV export: one row per line under a header row. Times are RFC 3339 in UTC (plus the raw
//! microseconds), `rooms` is a JSON array, `payload` and `meta` are JSON text, `direction` is
//! `sent` or `received` from the connection's side (empty for lifecycle and membership rows).

use std::path::Path;

use super::{create, ExportOptions, PROGRESS_EVERY};
use crate::error::CaptureError;
use crate::filter::format_time;
use crate::query::CaptureReader;

/// The header row, in column order.
pub const COLUMNS: [&str; 18] = [
    "seq",
    "time",
    "at_us",
    "node_id",
    "session_id",
    "kind",
    "name",
    "conn",
    "role",
    "user",
    "rooms",
    "topic",
    "origin",
    "size",
    "recipients",
    "payload",
    "meta",
    "direction",
];

pub(crate) fn export(
    reader: &CaptureReader,
    path: &Path,
    opts: &ExportOptions,
    progress: &mut dyn FnMut(u64),
) -> Result<u64, CaptureError> {
    let mut w = csv::Writer::from_writer(create(path)?);
    w.write_record(COLUMNS)?;
    let mut n = 0u64;
    reader.scan(&opts.filter, |mut row| {
        opts.redaction.redact_row(&mut row)?;
        let rooms = if row.rooms.is_empty() {
            String::new()
        } else {
            serde_json::to_string(&row.rooms)?
        };
        let meta = match &row.meta {
            Some(m) => m.to_string(),
            None => String::new(),
        };
        let opt = |s: &Option<String>| s.clone().unwrap_or_default();
        w.write_record([
            row.seq.to_string(),
            format_time(row.at_us),
            row.at_us.to_string(),
            row.node_id.clone(),
            row.session_id.to_string(),
            row.kind.as_str().to_string(),
            opt(&row.name),
            opt(&row.conn),
            opt(&row.role),
            opt(&row.user),
            rooms,
            opt(&row.topic),
            row.origin.as_str().to_string(),
            row.size.to_string(),
            row.recipients.map(|r| r.to_string()).unwrap_or_default(),
            row.payload_str().unwrap_or_default().to_string(),
            meta,
            crate::received::direction(row.kind)
                .unwrap_or_default()
                .to_string(),
        ])?;
        n += 1;
        if n.is_multiple_of(PROGRESS_EVERY) {
            progress(n);
        }
        Ok(())
    })?;
    let buf = w
        .into_inner()
        .map_err(|e| CaptureError::io(path, e.into_error()))?;
    buf.into_inner()
        .map_err(|e| CaptureError::io(path, e.into_error()))?
        .sync_all()
        .map_err(|e| CaptureError::io(path, e))?;
    Ok(n)
}
