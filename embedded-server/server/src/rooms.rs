//! The room registry: room -> members, with each connection keeping the mirror list of its
//! rooms. Rooms are server-controlled and mixed-role; an empty room is removed.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};
use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::Value;

use super::conn::Conn;
use super::error::{MembershipError, PushError};
use super::introspect::RoomRoles;
use super::Server;
use crate::cluster::interest_key::InterestKey;
use crate::cluster::local_interest::LocalInterest;
use crate::wire::util::lock;
use crate::wire::Frame;

/// Members of one room, by connection id.
type Members = HashMap<Arc<str>, Conn>;

/// Room -> members. Built only here, so the only one is the registry's, behind its lock: a
/// `&mut RoomMap` proves that lock is held (which is how a connection's room mirror is edited
/// in lock order; see [`crate::mirror::Mirror`]).
pub(crate) struct RoomMap {
    rooms: HashMap<Arc<str>, Members>,
}

impl Deref for RoomMap {
    type Target = HashMap<Arc<str>, Members>;
    fn deref(&self) -> &Self::Target {
        &self.rooms
    }
}

impl DerefMut for RoomMap {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.rooms
    }
}

pub(crate) struct RoomRegistry {
    rooms: Mutex<RoomMap>,
    /// Told when a room gets its first member here and when it loses its last one.
    interest: Arc<LocalInterest>,
    /// How many rooms the map holds, stored under the lock as rooms are made and dropped: the
    /// console's counts read it without the lock, which a broadcast holds while it fans out.
    count: AtomicUsize,
}

/// Who, inside the targeted rooms, receives a broadcast.
#[derive(Debug, Clone, Default)]
pub(crate) struct Filter {
    pub except: Option<String>,
    pub only_conns: Option<HashSet<String>>,
    pub only_users: Option<HashSet<String>>,
}

impl Filter {
    fn admits(&self, conn: &Conn) -> bool {
        if self.except.as_deref() == Some(conn.id()) {
            return false;
        }
        if let Some(ids) = &self.only_conns {
            if !ids.contains(conn.id()) {
                return false;
            }
        }
        if let Some(users) = &self.only_users {
            if !users.contains(conn.user()) {
                return false;
            }
        }
        true
    }

    pub fn is_empty(&self) -> bool {
        self.except.is_none() && self.only_conns.is_none() && self.only_users.is_none()
    }

    pub fn describe(&self) -> Option<Value> {
        if self.is_empty() {
            return None;
        }
        Some(serde_json::json!({
            "except": self.except,
            "only_conns": self.only_conns.as_ref().map(|s| { let mut v: Vec<_> = s.iter().collect(); v.sort(); v }),
            "only_users": self.only_users.as_ref().map(|s| { let mut v: Vec<_> = s.iter().collect(); v.sort(); v }),
        }))
    }
}

impl RoomRegistry {
    pub fn new(interest: Arc<LocalInterest>) -> Self {
        RoomRegistry {
            rooms: Mutex::new(RoomMap {
                rooms: HashMap::new(),
            }),
            interest,
            count: AtomicUsize::new(0),
        }
    }

    /// Add `conn` to `room`; returns false when it was already a member or is closed.
    ///
    /// The open check is made under the registry's lock: cleanup marks a connection closed
    /// before [`remove_all`](Self::remove_all) takes this lock, so an add either lands first
    /// (and cleanup removes it) or sees the connection closed. Checked before the lock, an add
    /// could land after the cleanup and leave a member that never leaves.
    ///
    /// A connection already in `limit` rooms is refused before any room is created for it.
    pub fn add(&self, room: &str, conn: &Conn, limit: usize) -> Result<bool, MembershipError> {
        let mut rooms = lock(&self.rooms);
        if !conn.is_open() {
            return Ok(false);
        }
        let joined = conn.room_mirror().edit(&mut rooms).len();
        if joined >= limit {
            if rooms.get(room).is_some_and(|m| m.contains_key(conn.id())) {
                return Ok(false);
            }
            return Err(MembershipError::TooManyRooms {
                room: room.to_owned(),
                limit,
            });
        }
        let (name, members) = match rooms.entry(Arc::from(room)) {
            Entry::Occupied(slot) => (slot.key().clone(), slot.into_mut()),
            Entry::Vacant(slot) => {
                let name = slot.key().clone();
                self.interest.acquire(InterestKey::Room(name.clone()));
                self.count.fetch_add(1, Ordering::Relaxed);
                (name, slot.insert(Members::new()))
            }
        };
        if members.contains_key(conn.id()) {
            return Ok(false);
        }
        members.insert(conn.id_arc().clone(), conn.clone());
        conn.room_mirror().edit(&mut rooms).insert(name);
        Ok(true)
    }

    pub fn remove(&self, room: &str, conn: &Conn) -> bool {
        let mut rooms = lock(&self.rooms);
        let Some(members) = rooms.get_mut(room) else {
            return false;
        };
        let removed = members.remove(conn.id()).is_some();
        if members.is_empty() {
            self.forget(&mut rooms, room);
        }
        conn.room_mirror().edit(&mut rooms).remove(room);
        removed
    }

    /// Take `conn` out of every room (on disconnect); returns the rooms it left. Its own list
    /// says which: no other room is looked at. The connection must already be marked closed,
    /// so no [`add`](Self::add) can follow.
    pub fn remove_all(&self, conn: &Conn) -> Vec<Arc<str>> {
        let mut rooms = lock(&self.rooms);
        let mine: Vec<Arc<str>> = std::mem::take(&mut *conn.room_mirror().edit(&mut rooms))
            .into_iter()
            .collect();
        for room in &mine {
            if let Some(members) = rooms.get_mut(room) {
                members.remove(conn.id());
                if members.is_empty() {
                    self.forget(&mut rooms, room);
                }
            }
        }
        mine
    }

    /// Drop an empty room (the registry's lock is held: `rooms` is its map).
    fn forget(&self, rooms: &mut RoomMap, room: &str) {
        if let Some((name, _)) = rooms.remove_entry(room) {
            self.interest.release(InterestKey::Room(name));
            self.count.fetch_sub(1, Ordering::Relaxed);
        }
    }

    /// Room names, unsorted (for checking the cluster interest).
    pub fn names(&self) -> Vec<Arc<str>> {
        lock(&self.rooms).keys().cloned().collect()
    }

    pub fn has(&self, room: &str, conn_id: &str) -> bool {
        lock(&self.rooms)
            .get(room)
            .is_some_and(|m| m.contains_key(conn_id))
    }

    pub fn size(&self, room: &str) -> usize {
        lock(&self.rooms).get(room).map_or(0, |m| m.len())
    }

    pub fn members(&self, room: &str) -> Vec<Conn> {
        lock(&self.rooms)
            .get(room)
            .map(|m| m.values().cloned().collect())
            .unwrap_or_default()
    }

    /// Rooms with at least one member (no list is built and no lock taken: the console polls
    /// this while broadcasts hold the lock to fan out).
    pub fn room_count(&self) -> usize {
        self.count.load(Ordering::Relaxed)
    }

    /// Room names with their member counts.
    pub fn list(&self) -> Vec<(String, usize)> {
        let mut v: Vec<_> = lock(&self.rooms)
            .iter()
            .map(|(k, m)| (k.to_string(), m.len()))
            .collect();
        v.sort();
        v
    }

    /// Room names with their member counts and members per role (in first-seen order), read
    /// in one pass under the lock without copying a member: the console's room list asked
    /// each room for a copy of its members to count them, 10,000 handles for a big room.
    pub fn list_roles(&self) -> Vec<RoomRoles> {
        let rooms = lock(&self.rooms);
        let mut v: Vec<_> = rooms
            .iter()
            .map(|(name, members)| {
                // A contract has a handful of roles: a short list beats hashing each role.
                let mut roles: Vec<(&str, usize)> = Vec::new();
                for conn in members.values() {
                    let role = conn.role();
                    match roles.iter_mut().find(|(r, _)| *r == role) {
                        Some((_, n)) => *n += 1,
                        None => roles.push((role, 1)),
                    }
                }
                RoomRoles {
                    name: name.to_string(),
                    size: members.len(),
                    roles: roles.into_iter().map(|(r, n)| (r.to_owned(), n)).collect(),
                }
            })
            .collect();
        drop(rooms);
        v.sort_by(|a, b| a.name.cmp(&b.name));
        v
    }

    /// Queue `frame` to the admitted members of `rooms`, each connection once. Queuing never
    /// waits, so holding the lock while fanning out is short and keeps us allocation-free in
    /// the common single-room case.
    pub fn deliver(&self, rooms: &[String], filter: &Filter, frame: &Frame) -> usize {
        let registry = lock(&self.rooms);
        let mut delivered = 0;
        if let [room] = rooms {
            if let Some(members) = registry.get(room.as_str()) {
                for conn in members.values() {
                    if filter.admits(conn) && conn.deliver(frame) {
                        delivered += 1;
                    }
                }
            }
            return delivered;
        }
        let mut seen: HashSet<&str> = HashSet::new();
        for room in rooms {
            if let Some(members) = registry.get(room.as_str()) {
                for (id, conn) in members {
                    if seen.insert(id) && filter.admits(conn) && conn.deliver(frame) {
                        delivered += 1;
                    }
                }
            }
        }
        delivered
    }
}

/// A room on this server: membership and broadcasts.
#[derive(Clone)]
pub struct Room {
    pub(crate) server: Server,
    pub(crate) name: String,
}

impl Room {
    pub fn name(&self) -> &str {
        &self.name
    }
    /// Add a connection; `Ok(false)` if it already was a member (or is closing), an error if
    /// it is already in `ServerConfig::max_rooms_per_conn` rooms. A handler can return the
    /// error with `?`: the client is answered `LIMIT_EXCEEDED`.
    pub fn add(&self, conn: &Conn) -> Result<bool, MembershipError> {
        self.server.room_add(&self.name, conn)
    }
    /// Add a connection by id (for example from the console); `Ok(false)` if unknown or
    /// already in.
    pub fn add_id(&self, conn_id: &str) -> Result<bool, MembershipError> {
        match self.server.shared.registry().get(conn_id) {
            Some(conn) => self.add(&conn),
            None => Ok(false),
        }
    }
    pub fn remove(&self, conn: &Conn) -> bool {
        self.server.room_remove(&self.name, conn)
    }
    pub fn remove_id(&self, conn_id: &str) -> bool {
        match self.server.shared.registry().get(conn_id) {
            Some(conn) => self.remove(&conn),
            None => false,
        }
    }
    pub fn has(&self, conn: &Conn) -> bool {
        self.server.shared.rooms().has(&self.name, conn.id())
    }
    /// Members on this node.
    pub fn size(&self) -> usize {
        self.server.shared.rooms().size(&self.name)
    }
    pub fn connections(&self) -> Vec<Conn> {
        self.server.shared.rooms().members(&self.name)
    }
    /// Broadcast a shared event to every member. Returns how many received it.
    pub fn broadcast(&self, event: &str, payload: &Value) -> Result<usize, PushError> {
        self.target().broadcast(event, payload)
    }
    /// A broadcast target with filters.
    pub fn target(&self) -> RoomTarget {
        RoomTarget {
            server: Some(self.server.clone()),
            rooms: vec![self.name.clone()],
            filter: Filter::default(),
        }
    }
    pub fn except(&self, conn_id: &str) -> RoomTarget {
        self.target().except(conn_id)
    }
}

/// One or more rooms plus filters; each recipient gets one copy.
#[derive(Clone)]
pub struct RoomTarget {
    pub(crate) server: Option<Server>,
    pub(crate) rooms: Vec<String>,
    pub(crate) filter: Filter,
}

impl RoomTarget {
    pub(crate) fn from_conn(server: Option<Server>, rooms: Vec<String>, me: String) -> Self {
        RoomTarget {
            server,
            rooms,
            filter: Filter {
                except: Some(me),
                ..Filter::default()
            },
        }
    }
    /// Leave this connection out.
    pub fn except(mut self, conn_id: &str) -> Self {
        self.filter.except = Some(conn_id.to_owned());
        self
    }
    /// Include the calling connection after all (for targets made with `Conn::to_room`).
    pub fn include_self(mut self) -> Self {
        self.filter.except = None;
        self
    }
    /// Only these connection ids.
    pub fn only_conns<I: IntoIterator<Item = S>, S: Into<String>>(mut self, ids: I) -> Self {
        self.filter.only_conns = Some(ids.into_iter().map(Into::into).collect());
        self
    }
    /// Only connections of these users.
    pub fn only_users<I: IntoIterator<Item = S>, S: Into<String>>(mut self, users: I) -> Self {
        self.filter.only_users = Some(users.into_iter().map(Into::into).collect());
        self
    }
    /// Add another room to the target.
    pub fn and_room(mut self, room: &str) -> Self {
        self.rooms.push(room.to_owned());
        self
    }
    /// Broadcast a shared event; returns how many connections received it.
    pub fn broadcast(&self, event: &str, payload: &Value) -> Result<usize, PushError> {
        match &self.server {
            Some(server) => server.broadcast_rooms(self, event, payload),
            None => Ok(0),
        }
    }
}
