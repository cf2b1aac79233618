//! The rows a per-message summary counts (the console's Contract panel: counts, errors and
//! answer latencies per request, event and topic), streamed in one pass with only the columns
//! it needs, so a caller can fold a capture of any size into a summary bounded per message.

use rusqlite::params_from_iter;
use rusqlite::types::Value as SqlValue;

use super::error::CaptureError;
use super::query::CaptureReader;
use crate::tap::TapKind;

/// One recorded message as a summary counts it: what it was, by whom, and for an answer how
/// long the handler took (`meta.duration_us`, as the server measured it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MessageRow<'a> {
    pub kind: TapKind,
    pub name: &'a str,
    pub role: Option<&'a str>,
    pub duration_us: Option<u64>,
}

impl CaptureReader {
    /// Calls `f` with every named row of one of `kinds` recorded by a session older than
    /// `before_session` (every session when `None`): a console that opens an existing capture
    /// counts what earlier runs and imports recorded, and its own session live. Returns the
    /// rows read.
    ///
    /// One pass over the table in `seq` order (no sort, no temporary B-tree); only `kind`,
    /// `name`, `role` and one field of `meta` are read into Rust.
    pub fn message_rows(
        &self,
        kinds: &[TapKind],
        before_session: Option<i64>,
        mut f: impl FnMut(MessageRow<'_>),
    ) -> Result<u64, CaptureError> {
        if kinds.is_empty() {
            return Ok(0);
        }
        let marks = vec!["?"; kinds.len()].join(",");
        let mut params: Vec<SqlValue> = kinds
            .iter()
            .map(|k| SqlValue::Text(k.as_str().to_owned()))
            .collect();
        let session = match before_session {
            Some(id) => {
                params.push(id.into());
                " AND session_id < ?"
            }
            None => "",
        };
        let sql = format!(
            "SELECT kind, name, role, json_extract(meta, '$.duration_us') FROM events \
             WHERE name IS NOT NULL AND kind IN ({marks}){session}"
        );
        let mut stmt = self.conn().prepare(&sql)?;
        let mut rows = stmt.query(params_from_iter(params.iter()))?;
        let mut n = 0;
        while let Some(r) = rows.next()? {
            n += 1;
            let kind = r.get_ref(0)?.as_str().ok().and_then(TapKind::parse);
            let name = r.get_ref(1)?.as_str().ok();
            let (Some(kind), Some(name)) = (kind, name) else {
                // A kind this build does not know, or a name that is not text (a damaged or
                // hand-edited file): not counted.
                continue;
            };
            let role = r.get_ref(2)?.as_str().ok();
            // Durations are integers; anything else in a hand-edited meta counts untimed.
            let duration_us = r.get_ref(3)?.as_i64().ok().map(|d| d.max(0) as u64);
            f(MessageRow {
                kind,
                name,
                role,
                duration_us,
            });
        }
        Ok(n)
    }
}
