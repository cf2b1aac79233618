//! From a capture to a replay plan: which connections to re-create, what each one sends and in
//! which order, what it should get back, and which pushes to fire again.
//!
//! The plan is built in one pass over the rows of the selected sessions, in `seq` order. The
//! whole session is walked even when the selection is narrower, because membership (rooms,
//! topics, who is online) decides what a connection received, and because a request's reply may
//! lie outside a time window; only rows *in the selection* become actions and expectations.
//!
//! Bad input never fails the plan. Rows that cannot be used become [`SkippedRow`]s with a
//! reason: a kind this build does not know, a reply whose request is missing, a bad frame of
//! which only a prefix was recorded, a refused upgrade. A request whose reply is missing stays
//! an action, with no expectation.
//!
//! Rows recorded by an earlier replay (origin `replay`) are left out unless rows are selected
//! explicitly by seq, so replaying a capture that also holds a replay does not replay twice.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::error::ReplayError;
use super::membership::{Key, Membership};
use crate::capture::schema::{self, ROW_COLUMNS};
use crate::capture::{CaptureError, Row};
use crate::tap::{Origin, TapKind};

/// Which rows of a capture to replay. Empty fields do not restrict; given fields must all
/// match.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Selection {
    /// One capture session (default: every session in the file).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session: Option<i64>,
    /// Rows at or after this time (µs since the Unix epoch).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub since_us: Option<i64>,
    /// Rows strictly before this time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub until_us: Option<i64>,
    /// Only these recorded connections.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub conns: Vec<String>,
    /// Exactly these rows (as selected in the console's Traffic view).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub seqs: Vec<i64>,
}

/// One thing a replayed connection does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum ActionKind {
    /// Open the WebSocket (always a connection's first action).
    Connect,
    Request {
        name: String,
        input: Value,
    },
    Subscribe {
        topic: String,
    },
    Unsubscribe {
        topic: String,
    },
    /// Re-send a frame the server could not read, when the capture holds all of it.
    BadFrame {
        text: String,
    },
    /// Close the WebSocket, as the recorded client did.
    Close,
}

impl ActionKind {
    /// Whether the server answers this action (a reply is awaited before the next one).
    pub fn expects_reply(&self) -> bool {
        matches!(
            self,
            ActionKind::Request { .. } | ActionKind::Subscribe { .. } | ActionKind::BadFrame { .. }
        )
    }

    /// The request, topic or a short label, for reports.
    pub fn label(&self) -> String {
        match self {
            ActionKind::Connect => "connect".into(),
            ActionKind::Request { name, .. } => name.clone(),
            ActionKind::Subscribe { topic } => format!("sub {topic}"),
            ActionKind::Unsubscribe { topic } => format!("unsub {topic}"),
            ActionKind::BadFrame { .. } => "bad frame".into(),
            ActionKind::Close => "close".into(),
        }
    }
}

/// A recorded frame to compare with, and the row it came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Expected {
    pub seq: i64,
    /// Normalised frame (see [`super::compare`]).
    pub frame: Value,
}

/// One action of a connection, at its recorded time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Action {
    /// The row it was planned from (for a `Connect` whose row is not in the capture: the
    /// connection's first row).
    pub seq: i64,
    pub at_us: i64,
    #[serde(flatten)]
    pub kind: ActionKind,
    /// The recorded reply; `None` when the server answers nothing or the capture lacks it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected: Option<Expected>,
}

/// A push a recorded connection received, rebuilt from the capture.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExpectedPush {
    pub seq: i64,
    pub at_us: i64,
    /// Event, topic or server-request name.
    pub name: String,
    pub frame: Value,
    pub origin: Origin,
}

impl ExpectedPush {
    /// Pushes the server made on its own (timers, the console, other nodes) are not re-created
    /// by replaying the clients.
    pub fn reproducible(&self) -> bool {
        matches!(self.origin, Origin::Client | Origin::Replay)
    }
}

/// How the recorded client answered a server request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum SreqAnswer {
    Reply {
        d: Value,
    },
    Error {
        code: String,
        message: String,
    },
    /// The client never answered (timeout, disconnect): the replay does not answer either.
    None,
}

/// A recorded connection, as the replay re-creates it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlannedConn {
    pub session_id: i64,
    /// The recorded connection id (the replayed one gets a new id from the server).
    pub conn: String,
    pub role: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// The recorded upgrade parameters, masked values included (see [`PlannedConn::redacted`]).
    pub params: BTreeMap<String, String>,
    /// Parameters whose recorded value is a mask: a value must be given to send the real one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub redacted: Vec<String>,
    /// Remarks about how the connection was planned (missing `connect` row, ...).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    pub actions: Vec<Action>,
    /// What it received, in order.
    pub pushes: Vec<ExpectedPush>,
    /// Answers to the server's requests, in the order they were asked.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sreq_answers: Vec<SreqAnswer>,
    /// How the recording's connection ended, when the server (not the client) closed it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_close: Option<Value>,
}

/// A recorded push, for push replay.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlannedPush {
    pub seq: i64,
    pub at_us: i64,
    pub kind: TapKind,
    /// Event or topic name.
    pub name: String,
    pub payload: Value,
    /// The recorded target connection (emit, to_conn), its role and user.
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
    /// Connections it reached when recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipients: Option<u32>,
    /// Room broadcast filter mapped to users (`except` / `only_conns` name connections, which
    /// do not survive into another run).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub except_user: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub only_users: Option<Vec<String>>,
}

/// A row the replay cannot use, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkippedRow {
    pub seq: i64,
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conn: Option<String>,
    pub reason: String,
}

/// Everything a replay will do, built from a capture and a [`Selection`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReplayPlan {
    /// The capture file, when loaded from one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    pub selection: Selection,
    /// Sessions the rows came from.
    pub sessions: Vec<i64>,
    /// Time of the first selected row: the schedule's zero.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_at_us: Option<i64>,
    pub connections: Vec<PlannedConn>,
    pub pushes: Vec<PlannedPush>,
    pub skipped: Vec<SkippedRow>,
    /// Selected rows of kinds a replay has no use for (heartbeats, bus traffic, ...), by kind.
    pub ignored: BTreeMap<String, u64>,
    /// False when rows were picked by seq and none of them is a push: then only replies are
    /// compared, since the pushes around them were deliberately left out.
    pub compare_pushes: bool,
    /// Rows read from the capture (whole sessions).
    pub rows_read: u64,
}

/// A row as loaded: usable, or skipped with the reason.
type Loaded = Result<Row, SkippedRow>;

impl ReplayPlan {
    /// Reads the selected sessions of a capture file and plans the replay of `selection`.
    ///
    /// Rows of kinds this build does not know, or with fields it cannot read, are reported in
    /// [`ReplayPlan::skipped`] instead of failing the load.
    pub fn load(path: impl AsRef<Path>, selection: &Selection) -> Result<ReplayPlan, ReplayError> {
        let path = path.as_ref();
        let conn = schema::open_ro(path)?;
        let sessions = schema::sessions(&conn)?;
        if let Some(id) = selection.session {
            if !sessions.iter().any(|s| s.id == id) {
                let available: Vec<String> = sessions.iter().map(|s| s.id.to_string()).collect();
                return Err(ReplayError::UnknownSession {
                    session: id,
                    available: if available.is_empty() {
                        "none".into()
                    } else {
                        available.join(", ")
                    },
                });
            }
        }
        let contracts: HashMap<i64, Value> = sessions
            .iter()
            .filter_map(|s| Some((s.id, s.contract.clone()?)))
            .collect();
        let (sql, params): (String, Vec<i64>) = match selection.session {
            Some(id) => (
                format!("SELECT {ROW_COLUMNS} FROM events WHERE session_id = ?1 ORDER BY seq"),
                vec![id],
            ),
            None => (
                format!("SELECT {ROW_COLUMNS} FROM events ORDER BY seq"),
                vec![],
            ),
        };
        let mut stmt = conn.prepare(&sql).map_err(CaptureError::from)?;
        let mut rows = stmt
            .query(rusqlite::params_from_iter(params.iter()))
            .map_err(CaptureError::from)?;
        let mut loaded = Vec::new();
        while let Some(r) = rows.next().map_err(CaptureError::from)? {
            loaded.push(match Row::from_sql(r) {
                Ok(row) => Ok(row),
                Err(e) => {
                    // A row from a newer build (unknown kind) or with an unreadable field: keep
                    // going, and say which row and why.
                    let seq = r.get::<_, i64>(0).unwrap_or(-1);
                    let kind = r.get::<_, String>(4).unwrap_or_else(|_| "?".into());
                    let conn = r.get::<_, Option<String>>(6).unwrap_or(None);
                    let reason = match e {
                        CaptureError::Corrupt { message, .. } => message,
                        other => other.to_string(),
                    };
                    Err(SkippedRow {
                        seq,
                        kind,
                        conn,
                        reason,
                    })
                }
            });
        }
        let mut plan = build(loaded, contracts, selection);
        plan.source = Some(path.display().to_string());
        Ok(plan)
    }

    /// Plans a replay from rows already in memory (an import, the console's selection), in
    /// `seq` order. `contract` (as stored in a session) lets to-user pushes be matched to the
    /// roles that may receive them.
    pub fn from_rows(
        rows: impl IntoIterator<Item = Row>,
        contract: Option<&Value>,
        selection: &Selection,
    ) -> ReplayPlan {
        let mut rows: Vec<Row> = rows.into_iter().collect();
        rows.sort_by_key(|r| r.seq);
        let mut contracts = HashMap::new();
        if let Some(c) = contract {
            for r in &rows {
                contracts.entry(r.session_id).or_insert_with(|| c.clone());
            }
        }
        build(rows.into_iter().map(Ok).collect(), contracts, selection)
    }

    /// Actions of client replay (connects included).
    pub fn action_count(&self) -> usize {
        self.connections.iter().map(|c| c.actions.len()).sum()
    }

    /// Whether there is nothing to replay in this mode.
    pub fn is_empty(&self) -> bool {
        self.connections.is_empty() && self.pushes.is_empty()
    }
}

/// The frame a reply or a push row stands for, normalised for comparison.
fn payload_value(row: &Row) -> Result<Value, String> {
    match (&row.payload, &row.payload_text) {
        (Some(raw), _) => serde_json::from_str(raw.get()).map_err(|e| format!("payload: {e}")),
        (None, Some(_)) => Err("the payload is not JSON".into()),
        (None, None) => Ok(Value::Null),
    }
}

fn meta_i(row: &Row) -> Option<u64> {
    row.meta.as_ref()?.get("i")?.as_u64()
}

fn meta_str(row: &Row, key: &str) -> Option<String> {
    Some(row.meta.as_ref()?.get(key)?.as_str()?.to_owned())
}

fn err_frame(code: &str, message: &str, d: Option<Value>) -> Value {
    let mut frame = json!({ "t": "err", "code": code, "m": message });
    if let Some(d) = d.filter(|d| !d.is_null()) {
        frame["d"] = d;
    }
    frame
}

/// Whether a string is a mask left by the server (`********`) or by an export's redaction.
pub(crate) fn is_mask(value: &str) -> bool {
    value == "********" || (value.starts_with("[redacted:") && value.ends_with(']'))
}

fn is_push(kind: TapKind) -> bool {
    matches!(
        kind,
        TapKind::Emit
            | TapKind::ToConn
            | TapKind::ToUser
            | TapKind::RoomBroadcast
            | TapKind::Broadcast
            | TapKind::RolePublish
            | TapKind::SharedPublish
    )
}

struct Builder<'a> {
    selection: &'a Selection,
    seqs: HashSet<i64>,
    members: Membership,
    conns: Vec<PlannedConn>,
    index: HashMap<Key, usize>,
    /// Requests and subscribes waiting for their reply row: (conn, i) -> (conn index, action).
    waiting: HashMap<(Key, u64), (usize, usize)>,
    /// Requests seen anywhere in the session, planned or not.
    seen_requests: HashSet<(Key, u64)>,
    /// Server requests waiting for the client's answer: (conn, i) -> (conn index, answer).
    sreqs: HashMap<(Key, u64), (usize, usize)>,
    pushes: Vec<PlannedPush>,
    skipped: Vec<SkippedRow>,
    ignored: BTreeMap<String, u64>,
    any_push_selected: bool,
    first_at_us: Option<i64>,
    sessions: Vec<i64>,
}

fn build(rows: Vec<Loaded>, contracts: HashMap<i64, Value>, selection: &Selection) -> ReplayPlan {
    let mut b = Builder {
        selection,
        seqs: selection.seqs.iter().copied().collect(),
        members: Membership::new(contracts),
        conns: Vec::new(),
        index: HashMap::new(),
        waiting: HashMap::new(),
        seen_requests: HashSet::new(),
        sreqs: HashMap::new(),
        pushes: Vec::new(),
        skipped: Vec::new(),
        ignored: BTreeMap::new(),
        any_push_selected: false,
        first_at_us: None,
        sessions: Vec::new(),
    };
    let rows_read = rows.len() as u64;
    for loaded in rows {
        match loaded {
            Ok(row) => b.row(row),
            Err(skip) => {
                if b.seqs.is_empty() || b.seqs.contains(&skip.seq) {
                    b.skipped.push(skip);
                }
            }
        }
    }
    b.finish(rows_read)
}

impl Builder<'_> {
    fn in_scope(&self, row: &Row) -> bool {
        let s = self.selection;
        if s.since_us.is_some_and(|t| row.at_us < t) || s.until_us.is_some_and(|t| row.at_us >= t) {
            return false;
        }
        if !self.seqs.is_empty() {
            return self.seqs.contains(&row.seq);
        }
        row.origin != Origin::Replay
    }

    fn conn_selected(&self, conn: &str) -> bool {
        self.selection.conns.is_empty() || self.selection.conns.iter().any(|c| c == conn)
    }

    fn skip(&mut self, row: &Row, reason: impl Into<String>) {
        self.skipped.push(SkippedRow {
            seq: row.seq,
            kind: row.kind.as_str().to_owned(),
            conn: row.conn.clone(),
            reason: reason.into(),
        });
    }

    fn ignore(&mut self, row: &Row) {
        *self
            .ignored
            .entry(row.kind.as_str().to_owned())
            .or_default() += 1;
    }

    /// The planned connection for `key`, created (with its `Connect` action) on first use.
    fn planned(&mut self, key: &Key, row: &Row) -> Option<usize> {
        if let Some(&i) = self.index.get(key) {
            return Some(i);
        }
        if !self.conn_selected(&key.1) {
            return None;
        }
        let track = self.members.track(key).cloned().unwrap_or_default();
        let mut notes = Vec::new();
        let role = track
            .role
            .clone()
            .or_else(|| row.role.clone())
            .unwrap_or_default();
        let params = match track.params.clone() {
            Some(p) => p,
            None => {
                notes.push(format!(
                    "the capture has no `connect` row for {}: connecting with role={role}{} \
                     (the default authentication's parameters)",
                    key.1,
                    track
                        .user
                        .as_deref()
                        .map(|u| format!(" and name={u}"))
                        .unwrap_or_default()
                ));
                let mut p = BTreeMap::new();
                p.insert("role".to_owned(), role.clone());
                if let Some(u) = &track.user {
                    p.insert("name".to_owned(), u.clone());
                }
                p
            }
        };
        let redacted = params
            .iter()
            .filter(|(_, v)| is_mask(v))
            .map(|(k, _)| k.clone())
            .collect();
        let connect_seq = match (track.connect_seq, row.kind) {
            (Some(seq), _) => seq.min(row.seq),
            (None, _) => row.seq,
        };
        let conn = PlannedConn {
            session_id: key.0,
            conn: key.1.clone(),
            role,
            user: track.user.clone(),
            params,
            redacted,
            notes,
            actions: vec![Action {
                seq: connect_seq,
                at_us: row.at_us,
                kind: ActionKind::Connect,
                expected: None,
            }],
            pushes: Vec::new(),
            sreq_answers: Vec::new(),
            server_close: None,
        };
        if !self.sessions.contains(&key.0) {
            self.sessions.push(key.0);
        }
        self.conns.push(conn);
        self.index.insert(key.clone(), self.conns.len() - 1);
        Some(self.conns.len() - 1)
    }

    fn act(&mut self, key: &Key, row: &Row, kind: ActionKind, expected: Option<Expected>) {
        let Some(c) = self.planned(key, row) else {
            return;
        };
        let i = meta_i(row);
        let is_request = matches!(kind, ActionKind::Request { .. });
        self.conns[c].actions.push(Action {
            seq: row.seq,
            at_us: row.at_us,
            kind,
            expected,
        });
        if is_request {
            if let Some(i) = i {
                let a = self.conns[c].actions.len() - 1;
                self.waiting.insert((key.clone(), i), (c, a));
            }
        }
    }

    fn row(&mut self, row: Row) {
        let in_scope = self.in_scope(&row);
        if in_scope {
            self.first_at_us = Some(self.first_at_us.map_or(row.at_us, |t| t.min(row.at_us)));
        }
        let key: Option<Key> = row.conn.clone().map(|c| (row.session_id, c));
        // Membership first: a `connect` row must be known before the connection is planned,
        // and a disconnect's effect applies after its own row is handled below.
        if row.kind != TapKind::Disconnect {
            self.members.apply(&row);
        }
        match (row.kind, key) {
            (TapKind::Connect, Some(key)) => {
                if in_scope {
                    self.planned(&key, &row);
                }
            }
            (TapKind::Disconnect, Some(key)) => {
                if in_scope && self.index.contains_key(&key) {
                    match Membership::close_by(&row) {
                        None | Some("client" | "shutdown") => {
                            self.act(&key, &row, ActionKind::Close, None)
                        }
                        Some(_) => {
                            let c = self.index[&key];
                            self.conns[c].server_close = row.meta.clone();
                        }
                    }
                }
                self.members.apply(&row);
            }
            (TapKind::RequestIn, Some(key)) => {
                if let Some(i) = meta_i(&row) {
                    self.seen_requests.insert((key.clone(), i));
                }
                if in_scope {
                    let name = row.name.clone().unwrap_or_default();
                    match payload_value(&row) {
                        Ok(input) => {
                            self.act(&key, &row, ActionKind::Request { name, input }, None)
                        }
                        Err(e) => {
                            self.skip(&row, format!("request `{name}` cannot be re-sent: {e}"))
                        }
                    }
                }
            }
            (TapKind::ResponseOut | TapKind::ErrorOut, Some(key)) => {
                self.reply(key, &row, in_scope)
            }
            (TapKind::Subscribe | TapKind::SubscribeDenied, Some(key)) => {
                if in_scope {
                    let topic = row
                        .topic
                        .clone()
                        .or_else(|| row.name.clone())
                        .unwrap_or_default();
                    let frame = if row.kind == TapKind::Subscribe {
                        json!({ "t": "res", "d": null })
                    } else {
                        err_frame(
                            &meta_str(&row, "code").unwrap_or_default(),
                            &meta_str(&row, "message").unwrap_or_default(),
                            None,
                        )
                    };
                    let expected = Expected {
                        seq: row.seq,
                        frame,
                    };
                    self.act(&key, &row, ActionKind::Subscribe { topic }, Some(expected));
                }
            }
            (TapKind::Unsubscribe, Some(key)) => {
                // Unsubscribes the server made while cleaning up a closed connection are not
                // something the client sent.
                let implicit = meta_str(&row, "reason").as_deref() == Some("disconnect");
                if in_scope && !implicit {
                    let topic = row
                        .topic
                        .clone()
                        .or_else(|| row.name.clone())
                        .unwrap_or_default();
                    self.act(&key, &row, ActionKind::Unsubscribe { topic }, None);
                }
            }
            (TapKind::FrameError, Some(key)) => {
                if in_scope {
                    self.bad_frame(key, &row);
                }
            }
            (TapKind::ServerRequest, Some(key)) => {
                if in_scope {
                    self.server_request(key, &row);
                }
            }
            (TapKind::ServerReply | TapKind::ServerReplyError, Some(key)) => {
                self.server_answer(key, &row);
            }
            (TapKind::AuthRefused, _) => {
                if in_scope {
                    self.skip(
                        &row,
                        "a refused upgrade is not re-attempted (its parameters are only kept masked)",
                    );
                }
            }
            (kind, _) if is_push(kind) => {
                if in_scope {
                    self.any_push_selected = true;
                    self.push(&row);
                }
            }
            (TapKind::RoomAdd | TapKind::RoomRemove, _) => {}
            (kind, None) if needs_conn(kind) => {
                if in_scope {
                    self.skip(&row, "the row names no connection");
                }
            }
            _ => {
                if in_scope {
                    self.ignore(&row);
                }
            }
        }
    }

    fn reply(&mut self, key: Key, row: &Row, in_scope: bool) {
        let name = row.name.clone().unwrap_or_default();
        let Some(i) = meta_i(row) else {
            if in_scope {
                self.skip(row, format!("reply to `{name}` without a request id"));
            }
            return;
        };
        let frame = if row.kind == TapKind::ResponseOut {
            match payload_value(row) {
                Ok(d) => json!({ "t": "res", "d": d }),
                Err(e) => {
                    self.skip(row, format!("reply to `{name}` cannot be compared: {e}"));
                    return;
                }
            }
        } else {
            err_frame(
                &meta_str(row, "code").unwrap_or_default(),
                &meta_str(row, "message").unwrap_or_default(),
                payload_value(row).ok(),
            )
        };
        match self.waiting.remove(&(key.clone(), i)) {
            Some((c, a)) => {
                self.conns[c].actions[a].expected = Some(Expected {
                    seq: row.seq,
                    frame,
                });
            }
            // The request was recorded but is outside the selection: not replayed, nothing to
            // compare.
            None if self.seen_requests.contains(&(key, i)) => {}
            None => {
                if in_scope {
                    self.skip(
                        row,
                        format!(
                            "reply to `{name}` (i={i}) without its request: the capture has no \
                             request_in row for it, so there is nothing to re-send"
                        ),
                    );
                }
            }
        }
    }

    fn bad_frame(&mut self, key: Key, row: &Row) {
        let text = row.payload_text.clone().unwrap_or_default();
        let closed = row
            .meta
            .as_ref()
            .and_then(|m| m.get("closed"))
            .and_then(Value::as_bool)
            .unwrap_or(false);
        if closed {
            return self.skip(
                row,
                "an oversized frame (the server closed the socket): only a prefix was recorded",
            );
        }
        if text.len() as u64 != row.size {
            return self.skip(
                row,
                format!(
                    "a bad frame of {} bytes of which only {} were recorded: re-sending a prefix \
                     would test something else",
                    row.size,
                    text.len()
                ),
            );
        }
        let message = meta_str(row, "error").unwrap_or_default();
        let expected = Expected {
            seq: row.seq,
            frame: err_frame("BAD_REQUEST", &message, None),
        };
        self.act(&key, row, ActionKind::BadFrame { text }, Some(expected));
    }

    fn server_request(&mut self, key: Key, row: &Row) {
        let name = row.name.clone().unwrap_or_default();
        let d = match payload_value(row) {
            Ok(d) => d,
            Err(e) => return self.skip(row, format!("server request `{name}`: {e}")),
        };
        let Some(c) = self.planned(&key, row) else {
            return;
        };
        let conn = &mut self.conns[c];
        conn.pushes.push(ExpectedPush {
            seq: row.seq,
            at_us: row.at_us,
            name: name.clone(),
            frame: json!({ "t": "sreq", "m": name, "d": d }),
            origin: row.origin,
        });
        conn.sreq_answers.push(SreqAnswer::None);
        if let Some(i) = meta_i(row) {
            let a = conn.sreq_answers.len() - 1;
            self.sreqs.insert((key, i), (c, a));
        }
    }

    fn server_answer(&mut self, key: Key, row: &Row) {
        let Some((c, a)) = meta_i(row).and_then(|i| self.sreqs.remove(&(key, i))) else {
            return;
        };
        let answer = if row.kind == TapKind::ServerReply {
            match payload_value(row) {
                Ok(d) => SreqAnswer::Reply { d },
                Err(_) => SreqAnswer::None,
            }
        } else {
            // `RequestError` text: "the client answered with an error: CODE: message"; other
            // failures (timeout, disconnect) mean the client gave no answer.
            let error = meta_str(row, "error").unwrap_or_default();
            match error
                .strip_prefix("the client answered with an error: ")
                .and_then(|rest| rest.split_once(": "))
            {
                Some((code, message)) => SreqAnswer::Error {
                    code: code.to_owned(),
                    message: message.to_owned(),
                },
                None => SreqAnswer::None,
            }
        };
        self.conns[c].sreq_answers[a] = answer;
    }

    fn push(&mut self, row: &Row) {
        let name = row
            .name
            .clone()
            .or_else(|| row.topic.clone())
            .unwrap_or_default();
        let d = match payload_value(row) {
            Ok(d) => d,
            Err(e) => return self.skip(row, format!("push `{name}`: {e}")),
        };
        let frame = match row.kind {
            TapKind::RolePublish | TapKind::SharedPublish => {
                let topic = row.topic.clone().unwrap_or_else(|| name.clone());
                json!({ "t": "pub", "c": topic, "d": d })
            }
            _ => json!({ "t": "evt", "e": name, "d": d }),
        };
        let recipients = self.members.recipients(row);
        let mut reaches_selected = self.selection.conns.is_empty()
            || row.conn.as_deref().is_some_and(|c| self.conn_selected(c));
        for key in &recipients {
            if let Some(c) = self.planned(key, row) {
                reaches_selected = true;
                self.conns[c].pushes.push(ExpectedPush {
                    seq: row.seq,
                    at_us: row.at_us,
                    name: name.clone(),
                    frame: frame.clone(),
                    origin: row.origin,
                });
            }
        }
        if !reaches_selected {
            return;
        }
        let user_of = |conn: &str| {
            self.members
                .track(&(row.session_id, conn.to_owned()))
                .and_then(|t| t.user.clone())
        };
        let filter = row
            .meta
            .as_ref()
            .filter(|_| row.kind == TapKind::RoomBroadcast);
        let except_user = filter
            .and_then(|f| f.get("except"))
            .and_then(Value::as_str)
            .and_then(user_of);
        let only_users = filter.and_then(|f| {
            let mut users: Vec<String> = f
                .get("only_users")
                .and_then(|v| serde_json::from_value(v.clone()).ok())
                .unwrap_or_default();
            let conns: Vec<String> = f
                .get("only_conns")
                .and_then(|v| serde_json::from_value(v.clone()).ok())
                .unwrap_or_default();
            users.extend(conns.iter().filter_map(|c| user_of(c)));
            let given = f.get("only_users").is_some_and(|v| !v.is_null())
                || f.get("only_conns").is_some_and(|v| !v.is_null());
            given.then_some(users)
        });
        let (role, user) = match &row.conn {
            Some(c) => {
                let t = self.members.track(&(row.session_id, c.clone()));
                (
                    row.role.clone().or_else(|| t.and_then(|t| t.role.clone())),
                    row.user.clone().or_else(|| t.and_then(|t| t.user.clone())),
                )
            }
            None => (row.role.clone(), row.user.clone()),
        };
        self.pushes.push(PlannedPush {
            seq: row.seq,
            at_us: row.at_us,
            kind: row.kind,
            name,
            payload: d,
            conn: row.conn.clone(),
            role,
            user,
            rooms: row.rooms.clone(),
            topic: row.topic.clone(),
            recipients: row.recipients,
            except_user,
            only_users,
        });
    }

    fn finish(mut self, rows_read: u64) -> ReplayPlan {
        // Requests still waiting had no reply in the capture: they stay, with no expectation,
        // and the report says so.
        for conn in &mut self.conns {
            conn.actions.sort_by_key(|a| a.seq);
        }
        self.sessions.sort_unstable();
        let compare_pushes = self.seqs.is_empty() || self.any_push_selected;
        ReplayPlan {
            source: None,
            selection: self.selection.clone(),
            sessions: self.sessions,
            first_at_us: self.first_at_us,
            connections: self.conns,
            pushes: self.pushes,
            skipped: self.skipped,
            ignored: self.ignored,
            compare_pushes,
            rows_read,
        }
    }
}

/// Kinds that only make sense about one connection.
fn needs_conn(kind: TapKind) -> bool {
    matches!(
        kind,
        TapKind::Connect
            | TapKind::Disconnect
            | TapKind::RequestIn
            | TapKind::ResponseOut
            | TapKind::ErrorOut
            | TapKind::Subscribe
            | TapKind::SubscribeDenied
            | TapKind::Unsubscribe
            | TapKind::FrameError
            | TapKind::ServerRequest
    )
}
