//! What a connection received, derived when it is asked for: the recorder stores one row per
//! broadcast, topic publish, server-wide broadcast and to-user push (its speed depends on it),
//! so "the rows of connection X" are its own rows plus the pushes that reached it, rebuilt from
//! its recorded membership (connect/disconnect, rooms joined and left, topics subscribed) with
//! the rules the replay uses (`replay/membership.rs`). [`CaptureReader`](crate::CaptureReader)
//! applies it to every filter naming connections, so the Traffic view, the connection drawer,
//! the counts and every export filtered by connection show the same set.
//!
//! Bounded: at most [`MAX_RECEIVED`] derived rows per query (the newest are kept); a filter
//! naming connections that received more shows their own rows and the newest received ones.

use std::collections::{BTreeSet, HashMap};

use rusqlite::types::Value as SqlValue;
use rusqlite::{params_from_iter, Connection};
use serde_json::Value;

use super::error::CaptureError;
use super::replay::membership::Membership;
use super::row::Row;
use super::schema::{self, ROW_COLUMNS};
use crate::tap::TapKind;

/// Received rows derived for one query (docs/reliability.md).
pub const MAX_RECEIVED: usize = 100_000;

const MEMBERSHIP_KINDS: &str =
    "'connect', 'disconnect', 'heartbeat_reap', 'room_add', 'room_remove', 'subscribe', 'unsubscribe'";

/// The rows' columns without their payloads (not needed to decide who received a row).
fn light_columns() -> String {
    ROW_COLUMNS.replace("payload, payload_text", "NULL, NULL")
}

fn json_list<'a>(items: impl IntoIterator<Item = &'a str>) -> SqlValue {
    let list: Vec<&str> = items.into_iter().collect();
    SqlValue::Text(serde_json::to_string(&list).unwrap_or_else(|_| "[]".into()))
}

fn collect(conn: &Connection, sql: &str, params: &[SqlValue]) -> Result<Vec<Row>, CaptureError> {
    let mut stmt = conn.prepare(sql)?;
    let mut rows = stmt.query(params_from_iter(params.iter()))?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        // A row this build cannot read decides nothing; the page itself reports it.
        if let Ok(row) = Row::from_sql(r) {
            out.push(row);
        }
    }
    Ok(out)
}

/// The `seq`s of the pushes stored once (room broadcasts, broadcasts, to-user pushes, topic
/// publishes) that reached one of `conns`, in ascending order.
pub(crate) fn received_seqs(
    conn: &Connection,
    schema_version: i64,
    conns: &[String],
) -> Result<Vec<i64>, CaptureError> {
    if conns.is_empty() {
        return Ok(Vec::new());
    }
    let cols = light_columns();
    let names = json_list(conns.iter().map(String::as_str));
    let of_conns = if schema_version >= 2 {
        "seq IN (SELECT seq FROM event_conns WHERE conn IN (SELECT value FROM json_each(?1)))"
    } else {
        "conn IN (SELECT value FROM json_each(?1))"
    };
    let membership = collect(
        conn,
        &format!(
            "SELECT {cols} FROM events WHERE {of_conns} AND kind IN ({MEMBERSHIP_KINDS}) \
             ORDER BY seq"
        ),
        std::slice::from_ref(&names),
    )?;
    let Some(first) = membership.first().map(|r| r.seq) else {
        return Ok(Vec::new());
    };
    let mut rooms = BTreeSet::new();
    let mut topics = BTreeSet::new();
    let mut users = BTreeSet::new();
    let mut sessions = BTreeSet::new();
    for r in &membership {
        rooms.extend(r.rooms.iter().map(String::as_str));
        topics.extend(r.topic.as_deref());
        users.extend(r.user.as_deref());
        sessions.insert(r.session_id);
    }
    // Pushes that may have reached them, from their first membership row on.
    let candidates = collect(
        conn,
        &format!(
            "SELECT {cols} FROM events WHERE seq >= ?1 AND conn IS NULL AND (\
               (kind = 'room_broadcast' AND seq IN (SELECT seq FROM event_rooms \
                  WHERE room IN (SELECT value FROM json_each(?2)))) \
               OR kind = 'broadcast' \
               OR (kind = 'to_user' AND user IN (SELECT value FROM json_each(?3))) \
               OR (kind IN ('role_publish', 'shared_publish') \
                   AND topic IN (SELECT value FROM json_each(?4)))\
             ) ORDER BY seq"
        ),
        &[
            SqlValue::Integer(first),
            json_list(rooms),
            json_list(users),
            json_list(topics),
        ],
    )?;
    let contracts = contracts(conn, &sessions)?;
    let mut members = Membership::new(contracts);
    let mut out = Vec::new();
    let mut membership = membership.into_iter().peekable();
    for push in candidates {
        while let Some(m) = membership.next_if(|m| m.seq < push.seq) {
            members.apply(&m);
        }
        if !members.recipients(&push).is_empty() {
            out.push(push.seq);
        }
    }
    if out.len() > MAX_RECEIVED {
        out.drain(..out.len() - MAX_RECEIVED);
    }
    Ok(out)
}

/// The contracts of `sessions` (to tell which roles may receive a to-user event).
fn contracts(
    conn: &Connection,
    sessions: &BTreeSet<i64>,
) -> Result<HashMap<i64, Value>, CaptureError> {
    Ok(schema::sessions(conn)?
        .into_iter()
        .filter(|s| sessions.contains(&s.id))
        .filter_map(|s| Some((s.id, s.contract.filter(|c| !c.is_null())?)))
        .collect())
}

/// Whether a row of this kind went from the client to the server (`sent`) or the other way
/// (`received`), from the connection's side; `None` for lifecycle and membership rows.
pub fn direction(kind: TapKind) -> Option<&'static str> {
    match kind {
        TapKind::RequestIn
        | TapKind::ServerReply
        | TapKind::ServerReplyError
        | TapKind::Subscribe
        | TapKind::Unsubscribe
        | TapKind::FrameError
        | TapKind::Pong => Some("sent"),
        TapKind::ResponseOut
        | TapKind::ErrorOut
        | TapKind::ServerRequest
        | TapKind::Emit
        | TapKind::ToConn
        | TapKind::ToUser
        | TapKind::RoomBroadcast
        | TapKind::Broadcast
        | TapKind::RolePublish
        | TapKind::SharedPublish
        | TapKind::SubscribeDenied
        | TapKind::Env
        | TapKind::SubscribeAck
        | TapKind::ConnError
        | TapKind::Ping => Some("received"),
        _ => None,
    }
}
