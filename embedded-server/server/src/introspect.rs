//! Read-only views of the server for the console, the CLI and tests.

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;

use serde::{Deserialize, Serialize};

use super::conn::Conn;
use super::Server;

pub(crate) use crate::secrets::masked_params;

/// One connection as introspection shows it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ConnInfo {
    pub id: String,
    pub role: String,
    pub user: String,
    pub node: String,
    pub origin: String,
    pub connected_at_us: i64,
    pub last_ping_us: Option<i64>,
    pub last_pong_us: Option<i64>,
    pub missed_pongs: u32,
    pub rooms: Vec<String>,
    pub topics: Vec<String>,
    pub msgs_in: u64,
    pub msgs_out: u64,
    pub bytes_in: u64,
    pub bytes_out: u64,
    pub queue_depth: usize,
    /// Error replies, failed replies to server requests, denied subscriptions, bad frames.
    #[serde(default)]
    pub errors: u64,
    /// The client's address as the server saw it (`None` when the transport gave none).
    #[serde(default)]
    pub remote: Option<String>,
    /// The upgrade request's `User-Agent`.
    #[serde(default)]
    pub user_agent: Option<String>,
    /// Bytes waiting in the outbound queue or being written (bounded by
    /// `config.outbound_queue_bytes`).
    #[serde(default)]
    pub queue_bytes: usize,
    /// Upgrade query parameters, secrets masked.
    pub params: BTreeMap<String, String>,
    /// The upgrade request's headers (bounded), secrets masked.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RoomInfo {
    pub name: String,
    pub size: usize,
}

/// A room with its members per role (role, count), in no particular order.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RoomRoles {
    pub name: String,
    pub size: usize,
    pub roles: Vec<(String, usize)>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TopicInfo {
    /// `None` for a shared topic.
    pub role: Option<String>,
    pub topic: String,
    pub subscribers: usize,
    /// In-process bus listeners (shared topics only).
    pub listeners: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ServerStats {
    pub node_id: String,
    pub connections: usize,
    pub rooms: usize,
    pub connections_total: u64,
    pub refused_upgrades: u64,
    pub slow_consumers: u64,
    pub reaped: u64,
    pub frame_errors: u64,
    pub handler_panics: u64,
    pub listener_faults: u64,
    /// Calls to a tap that panicked.
    pub tap_faults: u64,
    /// Sockets still held by a writer task (closing connections included).
    #[serde(default)]
    pub open_sockets: u64,
    /// Connections still in their HTTP upgrade.
    #[serde(default)]
    pub pending_upgrades: u64,
    /// Upgrades dropped to make room under `max_pending_upgrades`.
    #[serde(default)]
    pub evicted_upgrades: u64,
    /// Upgrades dropped for taking longer than `upgrade_timeout` to send their headers.
    #[serde(default)]
    pub upgrade_timeouts: u64,
    /// Joins and subscribes refused by the per-connection room and topic caps.
    #[serde(default)]
    pub membership_refusals: u64,
}

fn opt(v: i64) -> Option<i64> {
    (v != 0).then_some(v)
}

impl Conn {
    pub fn info(&self) -> ConnInfo {
        let s = self.stats().snapshot();
        let node = self
            .server()
            .map(|s| s.node_id().to_owned())
            .unwrap_or_default();
        ConnInfo {
            id: self.id().to_owned(),
            role: self.role().to_owned(),
            user: self.user().to_owned(),
            node,
            origin: self.origin().as_str().to_owned(),
            connected_at_us: self.connected_at_us(),
            last_ping_us: opt(s.last_ping_us),
            last_pong_us: opt(s.last_pong_us),
            missed_pongs: s.missed_pongs,
            rooms: self.rooms(),
            topics: self.topics(),
            msgs_in: s.msgs_in,
            msgs_out: s.msgs_out,
            bytes_in: s.bytes_in,
            bytes_out: s.bytes_out,
            queue_depth: self.queue_depth(),
            errors: s.errors,
            remote: self.peer().remote.map(|a| a.to_string()),
            user_agent: self.peer().user_agent().map(str::to_owned),
            queue_bytes: self.queue_bytes(),
            params: masked_params(self.params()),
            headers: self.peer().headers.clone(),
        }
    }
}

impl Server {
    /// Connections on this node, oldest first.
    pub fn local(&self) -> Vec<ConnInfo> {
        let mut v: Vec<ConnInfo> = self
            .shared
            .registry()
            .all()
            .iter()
            .map(Conn::info)
            .collect();
        v.sort_by(|a, b| {
            a.connected_at_us
                .cmp(&b.connected_at_us)
                .then(a.id.cmp(&b.id))
        });
        v
    }

    /// Connections on this node in list order (role, oldest first, then id), from an index
    /// kept as they come and go: no sort per call.
    pub fn local_in_order(&self) -> Vec<Conn> {
        self.shared.registry().in_order()
    }

    /// Connections on this node in no particular order: for a walk that needs none (the
    /// console's membership counts), without the ordered index's lookups.
    pub fn local_unordered(&self) -> Vec<Conn> {
        self.shared.registry().all()
    }

    /// Connections per role on this node, counted as they come and go.
    pub fn role_counts(&self) -> Vec<(String, usize)> {
        self.shared.registry().role_counts()
    }

    pub fn connection_count(&self) -> usize {
        self.shared.registry().len()
    }

    /// Rooms with members on this node: `rooms_info().len()` without building the sorted list.
    pub fn room_count(&self) -> usize {
        self.shared.rooms().room_count()
    }

    /// Topics with client subscribers on this node (a role topic counts once per role):
    /// `topics_info().len()` without building the sorted list.
    pub fn topic_count(&self) -> usize {
        self.shared.topics().topic_count()
    }

    pub fn rooms_info(&self) -> Vec<RoomInfo> {
        self.shared
            .rooms()
            .list()
            .into_iter()
            .map(|(name, size)| RoomInfo { name, size })
            .collect()
    }

    /// [`rooms_info`](Self::rooms_info) with each room's members per role, counted in the
    /// same pass under the registry's lock (no member is copied), so a room's size is its
    /// roles' sum.
    pub fn rooms_roles(&self) -> Vec<RoomRoles> {
        self.shared.rooms().list_roles()
    }

    pub fn topics_info(&self) -> Vec<TopicInfo> {
        self.shared
            .topics()
            .list()
            .into_iter()
            .map(|(role, topic, subscribers)| {
                let listeners = if role.is_none() {
                    self.shared.bus().count(&topic)
                } else {
                    0
                };
                TopicInfo {
                    role,
                    topic,
                    subscribers,
                    listeners,
                }
            })
            .collect()
    }

    pub fn stats(&self) -> ServerStats {
        let c = self.shared.counters();
        ServerStats {
            node_id: self.node_id().to_owned(),
            connections: self.shared.registry().len(),
            rooms: self.shared.rooms().room_count(),
            connections_total: c.connections_total.load(Ordering::Relaxed),
            refused_upgrades: c.refused_upgrades.load(Ordering::Relaxed),
            slow_consumers: c.slow_consumers.load(Ordering::Relaxed),
            reaped: c.reaped.load(Ordering::Relaxed),
            frame_errors: c.frame_errors.load(Ordering::Relaxed),
            handler_panics: c.handler_panics.load(Ordering::Relaxed),
            listener_faults: c.listener_faults.load(Ordering::Relaxed),
            tap_faults: c.tap_faults.load(Ordering::Relaxed),
            open_sockets: c.open_sockets.load(Ordering::Relaxed),
            pending_upgrades: c.pending_upgrades.load(Ordering::Relaxed),
            evicted_upgrades: c.evicted_upgrades.load(Ordering::Relaxed),
            upgrade_timeouts: c.upgrade_timeouts.load(Ordering::Relaxed),
            membership_refusals: c.membership_refusals.load(Ordering::Relaxed),
        }
    }
}
