//! Who was connected, in which rooms, subscribed to what, at each point of a capture.
//!
//! The capture stores one row per push (never one per delivery), so what each connection
//! *received* is rebuilt by walking the rows in order and tracking connections, room memberships
//! and topic subscriptions, the same way the HAR export does. Unlike the HAR export, the walk
//! always covers the whole session, not only the selected rows: a replay of the last minute
//! still needs to know who joined a room an hour earlier.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::Value;

use crate::tap::{Origin, TapKind};
use crate::Row;

/// A connection inside one capture session (connection ids are only unique per server run).
pub(crate) type Key = (i64, String);

/// What is known about one recorded connection.
#[derive(Debug, Clone, Default)]
pub(crate) struct Track {
    pub role: Option<String>,
    pub user: Option<String>,
    /// The upgrade's query parameters, from the `connect` row (secrets already masked).
    pub params: Option<BTreeMap<String, String>>,
    /// The path it upgraded on, when the capture says (a proxy's `connect` row does).
    pub path: Option<String>,
    /// Seq of the `connect` row, when the capture has it.
    pub connect_seq: Option<i64>,
    pub live: bool,
    pub rooms: BTreeSet<String>,
    /// The rooms among `rooms` the console put it in by hand (origin `manual`): client replay
    /// does not re-create such a membership, nor what it brought.
    pub by_hand: BTreeSet<String>,
    pub topics: BTreeSet<String>,
}

/// The tracked state of a whole capture at the current row.
#[derive(Debug, Default)]
pub(crate) struct Membership {
    pub tracks: BTreeMap<Key, Track>,
    rooms: HashMap<(i64, String), BTreeSet<String>>,
    topics: HashMap<(i64, String), BTreeSet<String>>,
    users: HashMap<(i64, String), BTreeSet<String>>,
    /// Contracts per session, to tell which roles may receive a to-user event.
    contracts: HashMap<i64, Value>,
}

fn meta_str<'a>(row: &'a Row, key: &str) -> Option<&'a str> {
    row.meta.as_ref()?.get(key)?.as_str()
}

impl Membership {
    pub fn new(contracts: HashMap<i64, Value>) -> Membership {
        Membership {
            contracts,
            ..Membership::default()
        }
    }

    pub fn track(&self, key: &Key) -> Option<&Track> {
        self.tracks.get(key)
    }

    /// Whether `key` receives this room broadcast only through memberships the console made
    /// by hand.
    pub fn by_hand_only(&self, key: &Key, row: &Row) -> bool {
        if row.kind != TapKind::RoomBroadcast {
            return false;
        }
        let Some(t) = self.tracks.get(key) else {
            return false;
        };
        let mut via = row.rooms.iter().filter(|r| t.rooms.contains(*r)).peekable();
        via.peek().is_some() && via.all(|r| t.by_hand.contains(r))
    }

    /// Applies a row's effect on connections, rooms and subscriptions.
    pub fn apply(&mut self, row: &Row) {
        let Some(conn) = row.conn.clone() else {
            return;
        };
        let session = row.session_id;
        let key = (session, conn.clone());
        match row.kind {
            TapKind::Connect => {
                let params = row
                    .meta
                    .as_ref()
                    .and_then(|m| m.get("params"))
                    .and_then(|p| serde_json::from_value(p.clone()).ok());
                let path = meta_str(row, "path").map(str::to_owned);
                let track = Track {
                    role: row.role.clone(),
                    user: row.user.clone(),
                    params,
                    path,
                    connect_seq: Some(row.seq),
                    live: true,
                    ..Track::default()
                };
                if let Some(user) = &track.user {
                    self.users
                        .entry((session, user.clone()))
                        .or_default()
                        .insert(conn);
                }
                self.tracks.insert(key, track);
            }
            TapKind::Disconnect => self.drop_conn(&key),
            TapKind::RoomAdd | TapKind::RoomRemove => {
                let add = row.kind == TapKind::RoomAdd;
                self.touch(key.clone(), row);
                for room in &row.rooms {
                    let members = self.rooms.entry((session, room.clone())).or_default();
                    let mine = self.tracks.get_mut(&key);
                    if add {
                        members.insert(conn.clone());
                        if let Some(t) = mine {
                            t.rooms.insert(room.clone());
                            if row.origin == Origin::Manual {
                                t.by_hand.insert(room.clone());
                            } else {
                                t.by_hand.remove(room);
                            }
                        }
                    } else {
                        members.remove(&conn);
                        if let Some(t) = mine {
                            t.rooms.remove(room);
                            t.by_hand.remove(room);
                        }
                    }
                }
            }
            TapKind::Subscribe | TapKind::Unsubscribe => {
                let Some(topic) = row.topic.clone() else {
                    return;
                };
                self.touch(key.clone(), row);
                let subs = self.topics.entry((session, topic.clone())).or_default();
                let mine = self.tracks.get_mut(&key).map(|t| &mut t.topics);
                if row.kind == TapKind::Subscribe {
                    subs.insert(conn);
                    if let Some(topics) = mine {
                        topics.insert(topic);
                    }
                } else {
                    subs.remove(&conn);
                    if let Some(topics) = mine {
                        topics.remove(&topic);
                    }
                }
            }
            _ => {
                // Any other row about a connection tells its role and user, which matters when
                // the capture lost its `connect` row.
                self.touch(key, row);
            }
        }
    }

    /// The track of a connection a row talks about. A connection first seen in a row other than
    /// `connect` (the capture lost that row, or the selection starts later) was evidently
    /// connected, so it counts as live.
    fn touch(&mut self, key: Key, row: &Row) -> &mut Track {
        let session = key.0;
        let conn = key.1.clone();
        let track = self.tracks.entry(key).or_default();
        if track.connect_seq.is_none() && !track.live && track.role.is_none() {
            track.live = true;
        }
        if track.role.is_none() {
            track.role = row.role.clone();
        }
        if track.user.is_none() {
            if let Some(user) = &row.user {
                track.user = Some(user.clone());
                self.users
                    .entry((session, user.clone()))
                    .or_default()
                    .insert(conn);
            }
        }
        track
    }

    fn drop_conn(&mut self, key: &Key) {
        let Some(track) = self.tracks.get_mut(key) else {
            return;
        };
        track.live = false;
        track.by_hand.clear();
        let session = key.0;
        for room in std::mem::take(&mut track.rooms) {
            if let Some(m) = self.rooms.get_mut(&(session, room)) {
                m.remove(&key.1);
            }
        }
        for topic in std::mem::take(&mut track.topics) {
            if let Some(m) = self.topics.get_mut(&(session, topic)) {
                m.remove(&key.1);
            }
        }
        if let Some(user) = &track.user {
            if let Some(m) = self.users.get_mut(&(session, user.clone())) {
                m.remove(&key.1);
            }
        }
    }

    /// The recorded connections a push row reached, rebuilt from the state at this row.
    pub fn recipients(&self, row: &Row) -> Vec<Key> {
        let session = row.session_id;
        let keyed = |set: Option<&BTreeSet<String>>| -> Vec<Key> {
            set.into_iter()
                .flatten()
                .map(|c| (session, c.clone()))
                .collect()
        };
        let name = row.name.as_deref().unwrap_or_default();
        match row.kind {
            TapKind::Emit | TapKind::ToConn => match &row.conn {
                Some(c) if row.recipients != Some(0) => vec![(session, c.clone())],
                _ => Vec::new(),
            },
            TapKind::ToUser => {
                if let Some(c) = &row.conn {
                    return vec![(session, c.clone())];
                }
                let Some(user) = &row.user else {
                    return Vec::new();
                };
                keyed(self.users.get(&(session, user.clone())))
                    .into_iter()
                    .filter(|k| {
                        let role = self.tracks.get(k).and_then(|t| t.role.as_deref());
                        self.role_receives(session, role, name)
                    })
                    .collect()
            }
            TapKind::RoomBroadcast => {
                let mut set = BTreeSet::new();
                for room in &row.rooms {
                    if let Some(m) = self.rooms.get(&(session, room.clone())) {
                        set.extend(m.iter().cloned());
                    }
                }
                let filter = row.meta.as_ref();
                let except = filter.and_then(|f| f.get("except")).and_then(Value::as_str);
                let list = |k: &str| -> Option<Vec<String>> {
                    filter
                        .and_then(|f| f.get(k))
                        .and_then(|v| serde_json::from_value(v.clone()).ok())
                };
                let only_conns = list("only_conns");
                let only_users = list("only_users");
                set.into_iter()
                    .filter(|c| Some(c.as_str()) != except)
                    .filter(|c| only_conns.as_ref().is_none_or(|ids| ids.contains(c)))
                    .filter(|c| {
                        only_users.as_ref().is_none_or(|users| {
                            self.tracks
                                .get(&(session, c.clone()))
                                .and_then(|t| t.user.as_ref())
                                .is_some_and(|u| users.contains(u))
                        })
                    })
                    .map(|c| (session, c))
                    .collect()
            }
            TapKind::Broadcast => self
                .tracks
                .range((session, String::new())..)
                .take_while(|(k, _)| k.0 == session)
                .filter(|(_, t)| t.live)
                .map(|(k, _)| k.clone())
                .collect(),
            // A publish recorded per receiving connection (by the console's proxy, which sees
            // each `pub` frame as it passes): that connection alone.
            TapKind::RolePublish | TapKind::SharedPublish if row.conn.is_some() => {
                match &row.conn {
                    Some(c) if row.recipients != Some(0) => vec![(session, c.clone())],
                    _ => Vec::new(),
                }
            }
            TapKind::RolePublish | TapKind::SharedPublish => {
                let topic = row.topic.clone().or_else(|| row.name.clone());
                let Some(topic) = topic else {
                    return Vec::new();
                };
                keyed(self.topics.get(&(session, topic)))
                    .into_iter()
                    .filter(|k| {
                        row.kind == TapKind::SharedPublish
                            || row.role.is_none()
                            || self.tracks.get(k).and_then(|t| t.role.as_ref()) == row.role.as_ref()
                    })
                    .collect()
            }
            _ => Vec::new(),
        }
    }

    /// Whether `role` may receive `event` under the session's contract (unknown: yes).
    fn role_receives(&self, session: i64, role: Option<&str>, event: &str) -> bool {
        let Some(contract) = self.contracts.get(&session) else {
            return true;
        };
        let declares = |v: Option<&Value>| {
            v.and_then(|s| s.get("serverToClient"))
                .and_then(|s| s.get(event))
                .is_some()
        };
        if declares(contract.get("shared")) {
            return true;
        }
        match role {
            Some(role) => declares(contract.get("roles").and_then(|r| r.get(role))),
            None => true,
        }
    }

    /// Why a recorded disconnect happened: `client`, `server`, `shutdown`, ...
    pub fn close_by(row: &Row) -> Option<&str> {
        meta_str(row, "by")
    }
}
