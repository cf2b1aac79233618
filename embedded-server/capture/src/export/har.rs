//! HAR 1.2 export: one entry per WebSocket connection, its frames in `_webSocketMessages`
//! (`{type: "send" | "receive", time: epoch seconds, opcode: 1, data}`), the shape browser
//! devtools write and read, so a capture opens in tools people already have.
//!
//! The capture stores one row per broadcast, not one per delivery, so deliveries are rebuilt:
//! while walking the selection in order, connections, room memberships and topic subscriptions
//! are tracked from `connect`/`disconnect`/`room_*`/`subscribe` rows, and each room broadcast,
//! broadcast, to-user push or topic publish is added to the connections that were members at that
//! moment. Only rows in the selection count, so a filter that leaves out membership rows leaves
//! out those deliveries too. `data` is the super-line frame rebuilt from the row (`t`, the name
//! field and `d`; `i`, `code` and `m` when the server put them in `meta`).

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use serde_json::{json, Map, Value};

use super::{create, ExportOptions, PROGRESS_EVERY};
use crate::error::CaptureError;
use crate::filter::format_time;
use crate::query::CaptureReader;
use crate::row::Row;
use crate::tap::TapKind;

#[derive(Default)]
struct Entry {
    started_us: i64,
    ended_us: i64,
    role: Option<String>,
    user: Option<String>,
    node: String,
    messages: Vec<Value>,
}

#[derive(Default)]
struct State {
    /// Connections in order of first appearance.
    order: Vec<String>,
    entries: HashMap<String, Entry>,
    /// Connected now: conn -> (role, user).
    live: HashMap<String, (Option<String>, Option<String>)>,
    rooms: HashMap<String, BTreeSet<String>>,
    topics: HashMap<String, BTreeSet<String>>,
}

impl State {
    fn entry(&mut self, conn: &str, row: &Row) -> &mut Entry {
        let order = &mut self.order;
        let e = self.entries.entry(conn.to_string()).or_insert_with(|| {
            order.push(conn.to_string());
            Entry {
                started_us: row.at_us,
                ended_us: row.at_us,
                node: row.node_id.clone(),
                ..Entry::default()
            }
        });
        e.ended_us = e.ended_us.max(row.at_us);
        if e.role.is_none() {
            e.role = row.role.clone();
        }
        if e.user.is_none() {
            e.user = row.user.clone();
        }
        e
    }

    fn push(&mut self, conn: &str, row: &Row, send: bool, data: &str) {
        let msg = json!({
            "type": if send { "send" } else { "receive" },
            "time": row.at_us as f64 / 1e6,
            "opcode": 1,
            "data": data,
        });
        self.entry(conn, row).messages.push(msg);
    }

    fn apply(&mut self, row: &Row) {
        let conn = row.conn.as_deref();
        match (row.kind, conn) {
            (TapKind::Connect, Some(c)) => {
                self.live
                    .insert(c.to_string(), (row.role.clone(), row.user.clone()));
                self.entry(c, row);
            }
            (TapKind::Disconnect | TapKind::HeartbeatReap, Some(c)) => {
                self.live.remove(c);
                for members in self.rooms.values_mut().chain(self.topics.values_mut()) {
                    members.remove(c);
                }
                self.entry(c, row);
            }
            (TapKind::RoomAdd, Some(c)) => {
                for r in &row.rooms {
                    self.rooms
                        .entry(r.clone())
                        .or_default()
                        .insert(c.to_string());
                }
                self.entry(c, row);
            }
            (TapKind::RoomRemove, Some(c)) => {
                for r in &row.rooms {
                    if let Some(m) = self.rooms.get_mut(r) {
                        m.remove(c);
                    }
                }
                self.entry(c, row);
            }
            (TapKind::Subscribe, Some(c)) => {
                if let Some(t) = &row.topic {
                    self.topics
                        .entry(t.clone())
                        .or_default()
                        .insert(c.to_string());
                }
                self.push(c, row, true, &frame(row));
            }
            (TapKind::Unsubscribe, Some(c)) => {
                if let Some(t) = &row.topic {
                    if let Some(m) = self.topics.get_mut(t) {
                        m.remove(c);
                    }
                }
                self.push(c, row, true, &frame(row));
            }
            (
                TapKind::RequestIn
                | TapKind::ServerReply
                | TapKind::ServerReplyError
                | TapKind::FrameError
                | TapKind::Pong,
                Some(c),
            ) => self.push(c, row, true, &frame(row)),
            (
                TapKind::ResponseOut
                | TapKind::ErrorOut
                | TapKind::ServerRequest
                | TapKind::Emit
                | TapKind::ToConn
                | TapKind::SubscribeDenied
                | TapKind::Env
                | TapKind::SubscribeAck
                | TapKind::ConnError
                | TapKind::Ping,
                Some(c),
            ) => self.push(c, row, false, &frame(row)),
            (TapKind::RoomBroadcast, _) => {
                let targets: BTreeSet<String> = row
                    .rooms
                    .iter()
                    .filter_map(|r| self.rooms.get(r))
                    .flatten()
                    .cloned()
                    .collect();
                self.fan_out(row, targets);
            }
            (TapKind::Broadcast, _) => {
                let targets = self.live.keys().cloned().collect();
                self.fan_out(row, targets);
            }
            (TapKind::ToUser, _) => {
                let targets = self
                    .live
                    .iter()
                    .filter(|(_, (_, user))| user.is_some() && *user == row.user)
                    .map(|(c, _)| c.clone())
                    .collect();
                self.fan_out(row, targets);
            }
            (TapKind::RolePublish | TapKind::SharedPublish, _) => {
                let subs = row
                    .topic
                    .as_ref()
                    .and_then(|t| self.topics.get(t))
                    .cloned()
                    .unwrap_or_default();
                let targets = subs
                    .into_iter()
                    .filter(|c| {
                        row.kind == TapKind::SharedPublish
                            || row.role.is_none()
                            || self.live.get(c).is_some_and(|(role, _)| *role == row.role)
                    })
                    .collect();
                self.fan_out(row, targets);
            }
            _ => {}
        }
    }

    fn fan_out(&mut self, row: &Row, targets: BTreeSet<String>) {
        if targets.is_empty() {
            return;
        }
        let data = frame(row);
        for c in targets {
            self.push(&c, row, false, &data);
        }
    }
}

/// The super-line frame a row stands for, rebuilt as text.
fn frame(row: &Row) -> String {
    if row.kind == TapKind::FrameError {
        return row.payload_str().unwrap_or_default().to_string();
    }
    let meta = row.meta.as_ref().and_then(Value::as_object);
    let from_meta = |k: &str| meta.and_then(|m| m.get(k)).cloned();
    let name = row.name.clone().map(Value::String);
    let (t, fields): (&str, Vec<(&str, Option<Value>)>) = match row.kind {
        TapKind::RequestIn => ("req", vec![("i", from_meta("i")), ("m", name)]),
        TapKind::ResponseOut | TapKind::SubscribeAck => ("res", vec![("i", from_meta("i"))]),
        TapKind::Env => ("env", vec![]),
        TapKind::Ping => ("ping", vec![]),
        TapKind::Pong => ("pong", vec![]),
        TapKind::ErrorOut | TapKind::SubscribeDenied | TapKind::ConnError => (
            "err",
            vec![
                ("i", from_meta("i")),
                ("code", from_meta("code")),
                ("m", from_meta("m").or_else(|| from_meta("message"))),
            ],
        ),
        TapKind::ServerRequest => ("sreq", vec![("i", from_meta("i")), ("m", name)]),
        TapKind::ServerReply => ("sres", vec![("i", from_meta("i"))]),
        TapKind::ServerReplyError => (
            "serr",
            vec![
                ("i", from_meta("i")),
                ("code", from_meta("code")),
                ("m", from_meta("m")),
            ],
        ),
        TapKind::Subscribe => (
            "sub",
            vec![
                ("i", from_meta("i")),
                ("c", row.topic.clone().map(Value::String)),
            ],
        ),
        TapKind::Unsubscribe => ("unsub", vec![("c", row.topic.clone().map(Value::String))]),
        TapKind::RolePublish | TapKind::SharedPublish => (
            "pub",
            vec![(
                "c",
                row.topic.clone().or(row.name.clone()).map(Value::String),
            )],
        ),
        _ => ("evt", vec![("e", name)]),
    };
    let mut out = String::with_capacity(64 + row.size as usize);
    out.push_str("{\"t\":\"");
    out.push_str(t);
    out.push('"');
    for (k, v) in fields {
        if let Some(v) = v {
            out.push_str(&format!(",\"{k}\":{v}"));
        }
    }
    if let Some(p) = row.payload_str().filter(|_| row.payload.is_some()) {
        out.push_str(",\"d\":");
        out.push_str(p);
    }
    if t == "pub" {
        out.push_str(&format!(",\"nd\":{}", Value::String(row.node_id.clone())));
    }
    out.push('}');
    out
}

pub(crate) fn export(
    reader: &CaptureReader,
    path: &Path,
    opts: &ExportOptions,
    progress: &mut dyn FnMut(u64),
) -> Result<u64, CaptureError> {
    let mut state = State::default();
    let mut n = 0u64;
    reader.scan(&opts.filter, |mut row| {
        opts.redaction.redact_row(&mut row)?;
        state.apply(&row);
        n += 1;
        if n.is_multiple_of(PROGRESS_EVERY) {
            progress(n);
        }
        Ok(())
    })?;
    let State {
        order, mut entries, ..
    } = state;
    let mut list = Vec::with_capacity(order.len());
    for conn in order {
        let Some(e) = entries.remove(&conn) else {
            continue;
        };
        let mut query = vec![json!({"name": "conn", "value": conn})];
        for (k, v) in [("role", &e.role), ("user", &e.user)] {
            if let Some(v) = v {
                query.push(json!({"name": k, "value": v}));
            }
        }
        let mut qs = url::form_urlencoded::Serializer::new(String::new());
        for q in &query {
            qs.append_pair(
                q["name"].as_str().unwrap_or_default(),
                q["value"].as_str().unwrap_or_default(),
            );
        }
        let mut entry = Map::new();
        entry.insert("startedDateTime".into(), json!(format_time(e.started_us)));
        entry.insert(
            "time".into(),
            json!((e.ended_us - e.started_us).max(0) as f64 / 1000.0),
        );
        entry.insert(
            "request".into(),
            json!({
                "method": "GET",
                "url": format!(
                    "ws://switchboard/{}?{}",
                    url::form_urlencoded::byte_serialize(e.node.as_bytes()).collect::<String>(),
                    qs.finish()
                ),
                "httpVersion": "HTTP/1.1",
                "cookies": [],
                "headers": [],
                "queryString": query,
                "headersSize": -1,
                "bodySize": 0,
            }),
        );
        entry.insert(
            "response".into(),
            json!({
                "status": 101,
                "statusText": "Switching Protocols",
                "httpVersion": "HTTP/1.1",
                "cookies": [],
                "headers": [],
                "content": {"size": 0, "mimeType": "x-unknown"},
                "redirectURL": "",
                "headersSize": -1,
                "bodySize": 0,
            }),
        );
        entry.insert("cache".into(), json!({}));
        entry.insert(
            "timings".into(),
            json!({"send": 0, "wait": 0, "receive": 0}),
        );
        entry.insert(
            "comment".into(),
            json!(format!("switchboard connection {conn}")),
        );
        entry.insert("_resourceType".into(), json!("websocket"));
        entry.insert("_webSocketMessages".into(), Value::Array(e.messages));
        list.push(Value::Object(entry));
    }
    let har = json!({
        "log": {
            "version": "1.2",
            "creator": {"name": "switchboard", "version": opts.tool_version},
            "entries": list,
            "comment": format!(
                "switchboard capture export; filter {}; redaction {}",
                serde_json::to_string(&opts.filter)?,
                serde_json::to_string(&opts.redaction.summary())?,
            ),
        }
    });
    let mut w = create(path)?;
    serde_json::to_writer(&mut w, &har)?;
    w.into_inner()
        .map_err(|e| CaptureError::io(path, e.into_error()))?
        .sync_all()
        .map_err(|e| CaptureError::io(path, e))?;
    Ok(n)
}
