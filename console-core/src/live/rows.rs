//! Turning what the server tapped, or what the capture file holds, into [`TrafficRow`]s.

use serde_json::value::RawValue;
use switchboard_capture::Row;
use switchboard_server::tap::{TapEvent, TapPayload};
use switchboard_server::wire::util::truncate_utf8;

use crate::types::TrafficRow;

/// Live payloads larger than this are cut (the recorded row keeps the whole payload).
pub const LIVE_PAYLOAD_LIMIT: usize = 64 * 1024;

fn cut(text: &str) -> String {
    format!(
        "{}… [cut: {} bytes in all]",
        truncate_utf8(text, LIVE_PAYLOAD_LIMIT),
        text.len()
    )
}

/// A live row: no `seq` yet.
pub fn from_tap(ev: &TapEvent) -> TrafficRow {
    let (payload, payload_text) = match &ev.payload {
        None => (None, None),
        Some(TapPayload::Text(t)) => (None, Some(t.clone())),
        Some(p) => {
            let text = p.to_text();
            if text.len() > LIVE_PAYLOAD_LIMIT {
                (None, Some(cut(&text)))
            } else {
                match RawValue::from_string(text) {
                    Ok(raw) => (Some(raw), None),
                    Err(e) => (None, Some(format!("(unreadable payload: {e})"))),
                }
            }
        }
    };
    TrafficRow {
        seq: None,
        at_us: ev.at_us,
        kind: ev.kind,
        name: ev.name.as_deref().map(str::to_owned),
        conn: ev.conn.as_deref().map(str::to_owned),
        role: ev.role.as_deref().map(str::to_owned),
        user: ev.user.as_deref().map(str::to_owned),
        rooms: ev.rooms.iter().map(|r| r.to_string()).collect(),
        topic: ev.topic.as_deref().map(str::to_owned),
        payload,
        payload_text,
        size: ev.size as u64,
        recipients: ev.recipients,
        origin: ev.origin,
        meta: ev.meta.clone(),
        node: (!ev.node.is_empty()).then(|| ev.node.to_string()),
        direction: direction(ev.kind),
        cause: None,
        request_seq: None,
        latency_us: None,
        code: ev
            .meta
            .as_ref()
            .and_then(|m| m.get("code"))
            .and_then(|c| c.as_str())
            .map(str::to_owned),
    }
}

fn direction(kind: switchboard_server::tap::TapKind) -> Option<String> {
    switchboard_capture::received::direction(kind).map(str::to_owned)
}

/// A recorded row.
pub fn from_capture(row: Row) -> TrafficRow {
    let (cause, request_seq, latency_us) = (row.cause(), row.request_seq(), row.latency_us());
    let code = row.code().map(str::to_owned);
    TrafficRow {
        direction: direction(row.kind),
        cause,
        request_seq,
        latency_us,
        code,
        seq: Some(row.seq),
        at_us: row.at_us,
        kind: row.kind,
        name: row.name,
        conn: row.conn,
        role: row.role,
        user: row.user,
        rooms: row.rooms,
        topic: row.topic,
        payload: row.payload,
        payload_text: row.payload_text,
        size: row.size,
        recipients: row.recipients,
        origin: row.origin,
        meta: row.meta,
        node: Some(row.node_id),
    }
}
