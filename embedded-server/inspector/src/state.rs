//! [`NodeState`]: a snapshot kept current by the change stream, for consoles to build on.
//!
//! Why applying an event that the snapshot already reflects is harmless: every change-stream
//! event *sets* a fact rather than toggling it (`room_add` means "this connection is in this
//! room", not "one more member"), and counts are only moved when a set actually changes. The
//! session installs its tap before it takes the snapshot, so the events that follow the
//! snapshot start at or before the moment it was taken; replaying them in order, each fact
//! ends at its latest value whichever of them the snapshot had already seen.

use std::collections::BTreeMap;

use serde_json::Value;
use switchboard_server::tap::TapKind;

use crate::protocol::{Connection, Event, Hello, Room, Snapshot, Stats, Topic};

/// Which scope a connection of `role` subscribing to `topic` is in: `Some(role)` when the
/// contract declares the topic for that role, `None` (shared) otherwise.
pub fn topic_scope(contract: &Value, role: &str, topic: &str) -> Option<String> {
    let declared =
        contract["roles"][role]["serverToClient"][topic]["subscribe"] == Value::Bool(true);
    declared.then(|| role.to_owned())
}

/// A node's connections, rooms and topics, indexed, kept current by [`NodeState::apply`].
#[derive(Debug, Clone, Default)]
pub struct NodeState {
    contract: Value,
    pub node: String,
    /// When the last snapshot was taken.
    pub snapshot_at_us: i64,
    /// By id.
    pub connections: BTreeMap<String, Connection>,
    /// Room name to members on this node.
    pub rooms: BTreeMap<String, usize>,
    /// (role for a role topic, topic) to its counts.
    pub topics: BTreeMap<(Option<String>, String), Topic>,
    /// `connections` and `rooms` follow every change; the other counters are as of the last
    /// snapshot, except `connections_total`, which counts the connects seen since.
    pub stats: Stats,
}

impl NodeState {
    pub fn new(hello: &Hello, snapshot: Snapshot) -> NodeState {
        let mut state = NodeState {
            contract: hello.contract.clone(),
            ..NodeState::default()
        };
        state.reset(snapshot);
        state
    }

    /// Start again from a fresh snapshot (the answer to a `snapshot` command, after drops).
    pub fn reset(&mut self, snapshot: Snapshot) {
        self.node = snapshot.node;
        self.snapshot_at_us = snapshot.at_us;
        self.connections = snapshot
            .connections
            .into_iter()
            .map(|c| (c.id.clone(), c))
            .collect();
        self.rooms = snapshot
            .rooms
            .into_iter()
            .map(|r| (r.name, r.size))
            .collect();
        self.topics = snapshot
            .topics
            .into_iter()
            .map(|t| ((t.role.clone(), t.topic.clone()), t))
            .collect();
        self.stats = snapshot.stats;
    }

    /// Apply one event; returns whether the state changed. Only the change stream changes it
    /// (`connect`, `disconnect`, `room_add`, `room_remove`, `subscribe`, `unsubscribe`); other
    /// kinds, events of other nodes, and events about connections this state does not know
    /// (their `connect` was dropped) leave it as it is.
    pub fn apply(&mut self, event: &Event) -> bool {
        if !self.node.is_empty() && event.node != self.node {
            return false;
        }
        let Some(conn) = event.conn.as_deref() else {
            return false;
        };
        let changed = match event.tap_kind() {
            Some(TapKind::Connect) => self.connect(conn, event),
            Some(TapKind::Disconnect) => self.disconnect(conn),
            Some(TapKind::RoomAdd) => event
                .rooms
                .iter()
                .fold(false, |any, room| self.room(conn, room, true) | any),
            Some(TapKind::RoomRemove) => event
                .rooms
                .iter()
                .fold(false, |any, room| self.room(conn, room, false) | any),
            Some(TapKind::Subscribe) => self.topic(conn, event, true),
            Some(TapKind::Unsubscribe) => self.topic(conn, event, false),
            _ => false,
        };
        self.stats.connections = self.connections.len();
        self.stats.rooms = self.rooms.len();
        changed
    }

    /// Back to the wire form, ordered as a node orders a snapshot.
    pub fn to_snapshot(&self) -> Snapshot {
        let mut connections: Vec<Connection> = self.connections.values().cloned().collect();
        connections.sort_by(|a, b| {
            a.connected_at_us
                .cmp(&b.connected_at_us)
                .then(a.id.cmp(&b.id))
        });
        Snapshot {
            at_us: self.snapshot_at_us,
            node: self.node.clone(),
            connections,
            rooms: self
                .rooms
                .iter()
                .map(|(name, size)| Room {
                    name: name.clone(),
                    size: *size,
                })
                .collect(),
            topics: self.topics.values().cloned().collect(),
            stats: self.stats.clone(),
        }
    }

    fn connect(&mut self, id: &str, event: &Event) -> bool {
        if self.connections.contains_key(id) {
            return false;
        }
        let params = event
            .meta
            .as_ref()
            .and_then(|m| serde_json::from_value(m["params"].clone()).ok())
            .unwrap_or_default();
        self.connections.insert(
            id.to_owned(),
            Connection {
                id: id.to_owned(),
                role: event.role.clone().unwrap_or_default(),
                user: event.user.clone().unwrap_or_default(),
                node: event.node.clone(),
                origin: event.origin.clone(),
                connected_at_us: event.at_us,
                params,
                ..Connection::default()
            },
        );
        self.stats.connections_total += 1;
        true
    }

    fn disconnect(&mut self, id: &str) -> bool {
        let Some(conn) = self.connections.remove(id) else {
            return false;
        };
        for room in &conn.rooms {
            self.count_room(room, false);
        }
        for topic in &conn.topics {
            let key = (
                topic_scope(&self.contract, &conn.role, topic),
                topic.clone(),
            );
            self.count_topic(key, false);
        }
        true
    }

    fn room(&mut self, id: &str, room: &str, add: bool) -> bool {
        let Some(conn) = self.connections.get_mut(id) else {
            return false;
        };
        let changed = if add {
            conn.rooms.insert(room.to_owned())
        } else {
            conn.rooms.remove(room)
        };
        if changed {
            self.count_room(room, add);
        }
        changed
    }

    fn topic(&mut self, id: &str, event: &Event, add: bool) -> bool {
        let Some(topic) = event.topic.as_deref().or(event.name.as_deref()) else {
            return false;
        };
        let Some(conn) = self.connections.get_mut(id) else {
            return false;
        };
        let changed = if add {
            conn.topics.insert(topic.to_owned())
        } else {
            conn.topics.remove(topic)
        };
        if changed {
            let key = (
                topic_scope(&self.contract, &conn.role, topic),
                topic.to_owned(),
            );
            self.count_topic(key, add);
        }
        changed
    }

    fn count_room(&mut self, room: &str, add: bool) {
        if add {
            *self.rooms.entry(room.to_owned()).or_default() += 1;
        } else if let Some(size) = self.rooms.get_mut(room) {
            *size = size.saturating_sub(1);
            if *size == 0 {
                self.rooms.remove(room);
            }
        }
    }

    fn count_topic(&mut self, key: (Option<String>, String), add: bool) {
        if add {
            self.topics
                .entry(key.clone())
                .or_insert_with(|| Topic {
                    role: key.0,
                    topic: key.1,
                    subscribers: 0,
                    listeners: 0,
                })
                .subscribers += 1;
        } else if let Some(t) = self.topics.get_mut(&key) {
            t.subscribers = t.subscribers.saturating_sub(1);
            if t.subscribers == 0 && t.listeners == 0 {
                self.topics.remove(&key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn hello() -> Hello {
        Hello {
            protocol: crate::protocol::PROTOCOL.into(),
            version: crate::protocol::VERSION,
            node: "n".into(),
            server_version: "0".into(),
            contract: json!({"roles":{"user":{"serverToClient":{"ticker":{"payload":{},"subscribe":true}}}}}),
            capabilities: vec![],
            limits: crate::protocol::Limits {
                queue_frames: 1,
                queue_bytes: 1,
                max_command_bytes: 1,
                max_inflight_requests: 1,
                batch_interval_ms: 0,
            },
            transport: None,
        }
    }

    fn ev(kind: &str, conn: &str, f: impl FnOnce(&mut Event)) -> Event {
        let mut e = Event {
            kind: kind.into(),
            node: "n".into(),
            conn: Some(conn.into()),
            role: Some("user".into()),
            user: Some("alice".into()),
            origin: "client".into(),
            ..Event::default()
        };
        f(&mut e);
        e
    }

    fn room_add(conn: &str, room: &str) -> Event {
        ev("room_add", conn, |e| e.rooms = vec![room.into()])
    }

    fn room_remove(conn: &str, room: &str) -> Event {
        ev("room_remove", conn, |e| e.rooms = vec![room.into()])
    }

    fn empty() -> Snapshot {
        Snapshot {
            node: "n".into(),
            ..Snapshot::default()
        }
    }

    /// The stream a session could deliver: connect c1, join lobby, subscribe ticker, connect
    /// c2, join lobby, leave lobby (c1), disconnect c2.
    fn stream() -> Vec<Event> {
        vec![
            ev("connect", "c1", |_| {}),
            room_add("c1", "lobby"),
            ev("subscribe", "c1", |e| e.topic = Some("ticker".into())),
            ev("connect", "c2", |_| {}),
            room_add("c2", "lobby"),
            room_remove("c1", "lobby"),
            ev("disconnect", "c2", |_| {}),
        ]
    }

    #[test]
    fn replaying_events_the_snapshot_already_saw_converges_to_the_same_state() {
        let events = stream();
        // The state after every event, from an empty start.
        let mut truth = NodeState::new(&hello(), empty());
        for e in &events {
            truth.apply(e);
        }
        // Whatever prefix a snapshot had already seen, applying the whole stream ends at the
        // same state.
        for seen in 0..=events.len() {
            let mut at_snapshot = NodeState::new(&hello(), empty());
            for e in &events[..seen] {
                at_snapshot.apply(e);
            }
            let mut state = NodeState::new(&hello(), at_snapshot.to_snapshot());
            for e in &events {
                state.apply(e);
            }
            assert_eq!(state.connections, truth.connections, "seen {seen}");
            assert_eq!(state.rooms, truth.rooms, "seen {seen}");
            assert_eq!(state.topics, truth.topics, "seen {seen}");
        }
        assert_eq!(truth.connections.len(), 1);
        assert!(truth.rooms.is_empty());
        let ticker = &truth.topics[&(Some("user".to_owned()), "ticker".to_owned())];
        assert_eq!(ticker.subscribers, 1);
    }

    #[test]
    fn events_about_unknown_connections_or_other_kinds_change_nothing() {
        let mut s = NodeState::new(&hello(), empty());
        assert!(!s.apply(&room_add("ghost", "r")));
        assert!(!s.apply(&ev("room_broadcast", "c1", |_| {})));
        assert!(s.apply(&ev("connect", "c1", |_| {})));
        assert!(!s.apply(&ev("connect", "c1", |_| {})), "set semantics");
        assert!(s.apply(&room_add("c1", "r")));
        assert!(!s.apply(&room_add("c1", "r")), "set semantics");
        assert_eq!(s.rooms["r"], 1);
        assert_eq!(s.stats.connections, 1);
        assert_eq!(s.stats.rooms, 1);
    }
}
