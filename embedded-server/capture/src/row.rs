//! The stored form of one captured event, shared by the query API, the exports, the importer,
//! the console and the replayer.
//!
//! [`Row`] serialises to exactly one JSONL export line. The payload is kept as a
//! [`RawValue`] so the bytes that went on the wire survive a
//! round trip through the file, an export and an import unchanged (unless redaction had to
//! rewrite them).

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::Value;

use super::error::CaptureError;
use crate::tap::{Origin, TapKind};

/// One captured message or membership change.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Row {
    /// Position in the file: strictly increasing, never reused (also after pruning).
    pub seq: i64,
    /// When it happened, microseconds since the Unix epoch (kept as-is by imports).
    pub at_us: i64,
    /// The node that recorded it.
    pub node_id: String,
    /// The capture session (see [`SessionInfo`]).
    pub session_id: i64,
    pub kind: TapKind,
    /// Request, event or topic name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rooms: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
    /// The payload JSON exactly as it went on the wire.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload: Option<Box<RawValue>>,
    /// A payload that is not JSON (the bounded prefix of a frame that failed to parse).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload_text: Option<String>,
    /// Bytes of the frame (or of the payload when there was no frame).
    pub size: u64,
    /// How many connections a push reached.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipients: Option<u32>,
    pub origin: Origin,
    /// Close codes, durations, error codes, filters: whatever the server attached.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Value>,
}

impl Row {
    /// The payload's text (JSON or raw), if any.
    pub fn payload_str(&self) -> Option<&str> {
        self.payload
            .as_deref()
            .map(RawValue::get)
            .or(self.payload_text.as_deref())
    }

    fn meta_i64(&self, key: &str) -> Option<i64> {
        self.meta.as_ref()?.get(key)?.as_i64()
    }

    /// The `seq` of the `request_in` row whose handler made this row happen (the recorder
    /// pairs them; rows recorded before pairing existed have none).
    pub fn cause(&self) -> Option<i64> {
        self.meta_i64("cause")
    }

    /// On a `response_out` or `error_out` row: the `seq` of the request it answers.
    pub fn request_seq(&self) -> Option<i64> {
        self.meta_i64("request")
    }

    /// On a `response_out` or `error_out` row: microseconds from the request to its answer.
    pub fn latency_us(&self) -> Option<i64> {
        self.meta_i64("latency_us")
    }

    /// The error code of an `error_out`, `subscribe_denied` or `server_reply_error` row.
    pub fn code(&self) -> Option<&str> {
        self.meta.as_ref()?.get("code")?.as_str()
    }

    /// Reads a row selected with [`super::schema::ROW_COLUMNS`].
    pub(crate) fn from_sql(r: &rusqlite::Row<'_>) -> Result<Row, CaptureError> {
        let seq: i64 = r.get(0)?;
        let corrupt = |message: String| CaptureError::Corrupt { seq, message };
        let kind: String = r.get(4)?;
        let kind = TapKind::parse(&kind)
            .ok_or_else(|| corrupt(format!("unknown kind {kind:?} (written by a newer build?)")))?;
        let origin: String = r.get(15)?;
        let origin =
            Origin::parse(&origin).ok_or_else(|| corrupt(format!("unknown origin {origin:?}")))?;
        let rooms: Option<String> = r.get(9)?;
        let rooms = match rooms {
            Some(text) => {
                serde_json::from_str(&text).map_err(|e| corrupt(format!("rooms: {e}")))?
            }
            None => Vec::new(),
        };
        let payload: Option<String> = r.get(11)?;
        let payload = match payload {
            Some(text) => {
                Some(RawValue::from_string(text).map_err(|e| corrupt(format!("payload: {e}")))?)
            }
            None => None,
        };
        let meta: Option<String> = r.get(16)?;
        let meta = match meta {
            Some(text) => {
                Some(serde_json::from_str(&text).map_err(|e| corrupt(format!("meta: {e}")))?)
            }
            None => None,
        };
        let recipients: Option<i64> = r.get(14)?;
        Ok(Row {
            seq,
            at_us: r.get(1)?,
            node_id: r.get(2)?,
            session_id: r.get(3)?,
            kind,
            name: r.get(5)?,
            conn: r.get(6)?,
            role: r.get(7)?,
            user: r.get(8)?,
            rooms,
            topic: r.get(10)?,
            payload,
            payload_text: r.get(12)?,
            size: r.get::<_, i64>(13)?.max(0) as u64,
            recipients: recipients.map(|n| n.clamp(0, u32::MAX as i64) as u32),
            origin,
            meta,
        })
    }

    /// Binds this row to [`super::schema::INSERT_EVENT`] (`keep_seq: false`) or
    /// [`super::schema::INSERT_EVENT_WITH_SEQ`] (`keep_seq: true`) and runs it, with the row's
    /// `event_rooms` and `event_conns` rows. Returns the seq.
    pub(crate) fn insert(
        &self,
        conn: &rusqlite::Connection,
        session_id: i64,
        keep_seq: bool,
    ) -> Result<i64, CaptureError> {
        let rooms = if self.rooms.is_empty() {
            None
        } else {
            Some(serde_json::to_string(&self.rooms)?)
        };
        let meta = match &self.meta {
            Some(m) => Some(serde_json::to_string(m)?),
            None => None,
        };
        let payload = self.payload.as_deref().map(RawValue::get);
        let sql = if keep_seq {
            super::schema::INSERT_EVENT_WITH_SEQ
        } else {
            super::schema::INSERT_EVENT
        };
        let mut stmt = conn.prepare_cached(sql)?;
        let kind = self.kind.as_str();
        let mut params: Vec<&dyn rusqlite::ToSql> = vec![
            &self.at_us,
            &self.node_id,
            &session_id,
            &kind,
            &self.name,
            &self.conn,
            &self.role,
            &self.user,
            &rooms,
            &self.topic,
            &payload,
            &self.payload_text,
        ];
        let size = self.size.min(i64::MAX as u64) as i64;
        let origin = self.origin.as_str();
        params.extend_from_slice(&[&size, &self.recipients, &origin, &meta]);
        if keep_seq {
            params.push(&self.seq);
        }
        stmt.execute(params.as_slice())?;
        let seq = conn.last_insert_rowid();
        if !self.rooms.is_empty() {
            let mut room_stmt = conn.prepare_cached(super::schema::INSERT_ROOM)?;
            for room in &self.rooms {
                room_stmt.execute(rusqlite::params![room, seq])?;
            }
        }
        if let Some(c) = &self.conn {
            conn.prepare_cached(super::schema::INSERT_CONN)?
                .execute(rusqlite::params![c, seq])?;
        }
        Ok(seq)
    }
}

/// One capture session: a recorder run, or one imported source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionInfo {
    pub id: i64,
    /// When the recorder started (for an import: when the original session started).
    pub started_us: i64,
    pub node_id: String,
    /// Version of the tool that recorded it.
    pub tool_version: String,
    /// The contract the server had loaded, so a replay knows what the traffic meant.
    #[serde(default)]
    pub contract: Option<Value>,
    /// The file it was imported from; `None` for a live recording.
    #[serde(default)]
    pub imported_from: Option<String>,
    /// Its session id inside that file.
    #[serde(default)]
    pub source_session: Option<i64>,
    /// When the recorder stopped cleanly (`None` if it is running or was killed).
    #[serde(default)]
    pub ended_us: Option<i64>,
    #[serde(default)]
    pub rows_written: u64,
    /// Rows the server could not queue because the recorder's queue was full.
    #[serde(default)]
    pub dropped: u64,
    /// Batch commits that failed (disk full, file removed).
    #[serde(default)]
    pub write_errors: u64,
    /// Rows in those failed batches.
    #[serde(default)]
    pub rows_lost: u64,
}
