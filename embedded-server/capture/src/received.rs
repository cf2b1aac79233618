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
//! The newest page of a filter naming only connections (the connection drawer's recent
//! traffic) derives only the pushes that page can reach, walking back from the newest row.

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
    let mut stmt = conn.prepare_cached(sql)?;
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
///
/// With `newest: Some(n)` (a newest page of a filter naming nothing but connections: the
/// connection drawer, a Traffic view opened on a connection) only the pushes a page of `n` rows
/// can show are derived: the candidates are walked back from the newest in growing seq windows
/// and the walk stops once `n` received pushes are found, or once it passes the `n`-th newest
/// row of the connections' own (older pushes cannot reach the page either way). Deriving from
/// the connection's first membership row instead walked every broadcast to its rooms since it
/// connected: 10,000s of rows per call for a connection in a busy room.
pub(crate) fn received_seqs(
    conn: &Connection,
    schema_version: i64,
    conns: &[String],
    newest: Option<usize>,
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
    let pushes = Pushes {
        conn,
        sql: candidates_sql(),
        rooms: json_list(rooms),
        users: json_list(users),
        topics: json_list(topics),
        membership: &membership,
        contracts: contracts(conn, &sessions)?,
    };
    let mut out = match newest {
        None => pushes.reached(first, i64::MAX)?,
        Some(n) => {
            // Pushes older than the n-th newest own row cannot be on a page of n rows.
            let floor = nth_newest_own(conn, of_conns, &names, n)?.map_or(first, |s| s.max(first));
            // Nothing reaches connections that have all gone: start from their last row then.
            let mut last: HashMap<&str, &Row> = HashMap::new();
            for r in &membership {
                last.extend(r.conn.as_deref().map(|c| (c, r)));
            }
            let gone = last
                .values()
                .all(|r| matches!(r.kind, TapKind::Disconnect | TapKind::HeartbeatReap));
            let mut hi: i64 = match membership.last() {
                Some(r) if gone => r.seq + 1,
                _ => conn.query_row("SELECT coalesce(max(seq), 0) + 1 FROM events", [], |r| {
                    r.get(0)
                })?,
            };
            // About 16 rows recorded per push the page needs, doubled for each further window.
            let mut window: i64 = (n as i64).saturating_mul(16).max(64);
            let mut found: Vec<Vec<i64>> = Vec::new();
            let mut total = 0;
            while hi > floor && total < n {
                let lo = hi.saturating_sub(window).max(floor);
                let seqs = pushes.reached(lo, hi)?;
                total += seqs.len();
                found.push(seqs);
                hi = lo;
                window = window.saturating_mul(2);
            }
            found.into_iter().rev().flatten().collect()
        }
    };
    if out.len() > MAX_RECEIVED {
        out.drain(..out.len() - MAX_RECEIVED);
    }
    Ok(out)
}

/// The pushes that may have reached a connection in a seq range. Each kind is found through an
/// index (`event_rooms` by room and seq, `events_kind` by kind and seq, which also serves
/// `to_user` and the topic publishes), so a range costs the pushes in it, not every row.
fn candidates_sql() -> String {
    let cols = light_columns();
    format!(
        "SELECT {cols} FROM events WHERE seq IN (\
           SELECT seq FROM event_rooms WHERE room IN (SELECT value FROM json_each(?3)) \
             AND seq >= ?1 AND seq < ?2 \
           UNION ALL SELECT seq FROM events WHERE kind IN \
             ('broadcast', 'to_user', 'role_publish', 'shared_publish') \
             AND seq >= ?1 AND seq < ?2\
         ) AND conn IS NULL AND (\
           (kind = 'room_broadcast' AND seq IN (SELECT seq FROM event_rooms \
              WHERE room IN (SELECT value FROM json_each(?3)))) \
           OR kind = 'broadcast' \
           OR (kind = 'to_user' AND user IN (SELECT value FROM json_each(?4))) \
           OR (kind IN ('role_publish', 'shared_publish') \
               AND topic IN (SELECT value FROM json_each(?5)))\
         ) ORDER BY seq"
    )
}

/// The seq of the `n`-th newest row of the connections' own, if they have that many.
fn nth_newest_own(
    conn: &Connection,
    of_conns: &str,
    names: &SqlValue,
    n: usize,
) -> Result<Option<i64>, CaptureError> {
    let Some(offset) = n.checked_sub(1) else {
        return Ok(None);
    };
    let mut stmt = conn.prepare(&format!(
        "SELECT seq FROM events WHERE {of_conns} ORDER BY seq DESC LIMIT 1 OFFSET ?2"
    ))?;
    let mut rows = stmt.query(rusqlite::params![names, offset as i64])?;
    Ok(match rows.next()? {
        Some(r) => Some(r.get(0)?),
        None => None,
    })
}

/// What decides whether a push reached the connections: their membership rows and the rooms,
/// users and topics those name.
struct Pushes<'a> {
    conn: &'a Connection,
    sql: String,
    rooms: SqlValue,
    users: SqlValue,
    topics: SqlValue,
    membership: &'a [Row],
    contracts: HashMap<i64, Value>,
}

impl Pushes<'_> {
    /// The seqs in `[lo, hi)` of the pushes that reached the connections, ascending. The
    /// membership is replayed from the connections' first row up to each push (a few rows per
    /// connection, so replaying it again for each range is cheap).
    fn reached(&self, lo: i64, hi: i64) -> Result<Vec<i64>, CaptureError> {
        let candidates = collect(
            self.conn,
            &self.sql,
            &[
                SqlValue::Integer(lo),
                SqlValue::Integer(hi),
                self.rooms.clone(),
                self.users.clone(),
                self.topics.clone(),
            ],
        )?;
        let mut members = Membership::new(self.contracts.clone());
        let mut membership = self.membership.iter().peekable();
        let mut out = Vec::new();
        for push in candidates {
            while let Some(m) = membership.next_if(|m| m.seq < push.seq) {
                members.apply(m);
            }
            if !members.recipients(&push).is_empty() {
                out.push(push.seq);
            }
        }
        Ok(out)
    }
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
