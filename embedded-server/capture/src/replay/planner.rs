//! The single pass that turns capture rows into a [`ReplayPlan`]: membership is tracked for
//! every row, and rows inside the selection become actions, expectations, pushes to fire, or
//! skipped rows with their reason. The rules are described in [`super::plan`].

use std::collections::{BTreeMap, HashMap, HashSet};

use serde_json::{json, Value};

use super::membership::{Key, Membership};
use super::plan::{
    is_mask, Action, ActionKind, Expected, ExpectedPush, Loaded, PlannedConn, PlannedPush,
    ReplayPlan, Selection, SkippedRow, SreqAnswer,
};
use crate::tap::{Origin, TapKind};
use crate::Row;

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

/// Whether the console's proxy recorded the row as it relayed an upstream's frame.
fn relayed(row: &Row) -> bool {
    row.meta
        .as_ref()
        .and_then(|m| m.get("relayed"))
        .and_then(Value::as_bool)
        .unwrap_or(false)
}

/// Whether the row records something the application did to a connection rather than a frame
/// the client sent.
fn by_server(row: &Row) -> bool {
    meta_str(row, "by").as_deref() == Some("server")
}

fn err_frame(code: &str, message: &str, d: Option<Value>) -> Value {
    let mut frame = json!({ "t": "err", "code": code, "m": message });
    if let Some(d) = d.filter(|d| !d.is_null()) {
        frame["d"] = d;
    }
    frame
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
    sessions: Vec<i64>,
    /// Planned requests by the `seq` of their row, to note their effects (`cause`).
    by_request: HashMap<i64, (usize, usize)>,
    /// Per connection, the first broadcast since its last action that leaves it out and that no
    /// request caused: what the server did as it went (an `on_disconnect` hook's notice), which
    /// is recorded before the connection's `disconnect` row and is its close's first effect.
    closing: HashMap<Key, i64>,
}

pub(crate) fn build(
    rows: Vec<Loaded>,
    contracts: HashMap<i64, Value>,
    selection: &Selection,
) -> ReplayPlan {
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
        sessions: Vec::new(),
        by_request: HashMap::new(),
        closing: HashMap::new(),
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
        // The replayer's own traffic and the console's test connections are tools' traffic,
        // not the application's.
        !matches!(row.origin, Origin::Replay | Origin::Console)
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
                effect_seq: None,
                expected: None,
            }],
            pushes: Vec::new(),
            sreq_answers: Vec::new(),
            server_close: None,
            path: track.path.clone(),
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
        // What the server does as a connection goes comes after its last other action.
        let effect_seq = match kind {
            ActionKind::Close => self.closing.remove(key),
            _ => {
                self.closing.remove(key);
                None
            }
        };
        self.conns[c].actions.push(Action {
            seq: row.seq,
            at_us: row.at_us,
            kind,
            effect_seq,
            expected,
        });
        if is_request {
            let a = self.conns[c].actions.len() - 1;
            self.by_request.insert(row.seq, (c, a));
            if let Some(i) = i {
                self.waiting.insert((key.clone(), i), (c, a));
            }
        }
    }

    /// Row `seq` was an effect of the planned request `(c, a)`: the request took effect no
    /// later than there.
    fn effect(&mut self, (c, a): (usize, usize), seq: i64) {
        let action = &mut self.conns[c].actions[a];
        action.effect_seq = Some(action.effect_seq.map_or(seq, |s| s.min(seq)));
    }

    fn row(&mut self, row: Row) {
        let in_scope = self.in_scope(&row);
        if let Some(at) = row.cause().and_then(|s| self.by_request.get(&s).copied()) {
            self.effect(at, row.seq);
        }
        if row.cause().is_none() && row.kind == TapKind::RoomBroadcast {
            if let Some(except) = meta_str(&row, "except") {
                self.closing
                    .entry((row.session_id, except))
                    .or_insert(row.seq);
            }
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
                // A subscription the application made (`Conn::subscribe`, in `on_connect` for
                // instance) is not something the client sent: the target's application makes
                // it again.
                if in_scope && !by_server(&row) {
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
                let implicit =
                    meta_str(&row, "reason").as_deref() == Some("disconnect") || by_server(&row);
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
            // The `env` a proxy relayed: the first frame of every connection, which a replayed
            // connection reads as it opens, not a push to compare.
            (TapKind::Emit, _) if meta_str(&row, "frame").as_deref() == Some("env") => {
                if in_scope {
                    *self.ignored.entry("env".to_owned()).or_default() += 1;
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
                // A proxy's answer row tells nothing of where the request took effect: the
                // pushes its handler sent to the same connection are recorded before it, with
                // no cause to pair them. The request row is where it passed on to the server,
                // so that stays its place in the causal order.
                if !relayed(row) {
                    self.effect((c, a), row.seq);
                }
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
            by_hand: false,
            relayed: relayed(row),
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
                let by_hand = self.members.by_hand_only(key, row);
                self.conns[c].pushes.push(ExpectedPush {
                    seq: row.seq,
                    at_us: row.at_us,
                    name: name.clone(),
                    frame: frame.clone(),
                    origin: row.origin,
                    by_hand,
                    relayed: relayed(row),
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
        // The schedule starts at the first thing this plan does, not at the first selected row
        // (which may belong to a connection left out of the selection).
        let first_at_us = self
            .conns
            .iter()
            .flat_map(|c| c.actions.iter().map(|a| a.at_us))
            .chain(self.pushes.iter().map(|p| p.at_us))
            .min();
        ReplayPlan {
            source: None,
            selection: self.selection.clone(),
            sessions: self.sessions,
            first_at_us,
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
