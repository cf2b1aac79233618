//! A node's link to the rest of the cluster: what this node has announced it wants, what every
//! other node wants, and the forwarding of pushes to exactly those nodes.
//!
//! Interest keys ([`InterestKey`]) name what a node has local receivers for: rooms, users,
//! shared and role topics, and any connection at all (for server-wide broadcasts). A push
//! crosses the adapter only to nodes that announced a matching key, so a broadcast to a room
//! with no members elsewhere never leaves the process.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::sync::oneshot;

use super::adapter::Adapter;
use super::envelope::{Body, Envelope};
use super::interest_key::InterestKey;
use super::interest_set::InterestSet;
use crate::error::RequestError;
use crate::shared::Shared;
use crate::wire::util::lock;

/// Timings of the cluster layer.
#[derive(Debug, Clone)]
pub struct ClusterConfig {
    /// How often a node refreshes its presence and re-announces its full interest. Default 1 s.
    pub heartbeat: Duration,
    /// A node not heard from for this long is considered dead: its presence entries expire and
    /// nobody routes to it. Default 5 s.
    pub node_ttl: Duration,
    /// How often connection changes are written to the presence registry. Default 250 ms.
    pub presence_flush: Duration,
}

impl Default for ClusterConfig {
    fn default() -> Self {
        ClusterConfig {
            heartbeat: Duration::from_secs(1),
            node_ttl: Duration::from_secs(5),
            presence_flush: Duration::from_millis(250),
        }
    }
}

pub(crate) const CTL: &str = "ctl";

pub(crate) fn node_channel(node: &str) -> String {
    format!("node:{node}")
}

struct RemoteNode {
    prefix: String,
    interest: InterestSet,
    last_seen: Instant,
}

#[derive(Default)]
struct LinkState {
    announced: HashSet<InterestKey>,
    remote: HashMap<String, RemoteNode>,
    dirty: HashSet<String>,
}

/// Totals of the cluster layer, for the console and tests.
#[derive(Debug, Default)]
pub struct ClusterCounters {
    pub published: AtomicU64,
    pub received: AtomicU64,
    pub rejected: AtomicU64,
    pub publish_failures: AtomicU64,
}

/// Another node as this node sees it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PeerInfo {
    pub id: String,
    pub conn_prefix: String,
    pub interest: Vec<String>,
    pub last_seen_ms_ago: u64,
}

pub(crate) struct ClusterLink {
    pub adapter: Arc<dyn Adapter>,
    pub node_id: Arc<str>,
    pub prefix: String,
    pub config: ClusterConfig,
    pub started_at_us: i64,
    state: Mutex<LinkState>,
    pending: Mutex<HashMap<u64, oneshot::Sender<Result<Value, RequestError>>>>,
    next_rid: AtomicU64,
    pub counters: ClusterCounters,
    /// Set when presence writes failed, so the next success rewrites everything.
    pub needs_resync: AtomicBool,
}

impl ClusterLink {
    pub fn new(
        adapter: Arc<dyn Adapter>,
        node_id: Arc<str>,
        prefix: String,
        config: ClusterConfig,
    ) -> Self {
        adapter.subscribe(CTL);
        adapter.subscribe(&node_channel(&node_id));
        ClusterLink {
            adapter,
            node_id,
            prefix,
            config,
            started_at_us: crate::tap::now_us(),
            state: Mutex::new(LinkState::default()),
            pending: Mutex::new(HashMap::new()),
            next_rid: AtomicU64::new(0),
            counters: ClusterCounters::default(),
            needs_resync: AtomicBool::new(true),
        }
    }

    fn publish(&self, shared: &Shared, channel: &str, body: Body) {
        let bytes = Envelope::encode(&self.node_id, body);
        match self.adapter.publish(channel, Bytes::from(bytes)) {
            Ok(()) => {
                self.counters.published.fetch_add(1, Ordering::Relaxed);
            }
            Err(e) => {
                self.counters
                    .publish_failures
                    .fetch_add(1, Ordering::Relaxed);
                shared.report(
                    crate::hooks::FaultKind::Adapter,
                    Some(channel),
                    e.to_string(),
                );
            }
        }
    }

    /// Send `body` to one node.
    pub fn send_to(&self, shared: &Shared, node: &str, body: Body) {
        self.publish(shared, &node_channel(node), body)
    }

    /// Send a body built per node to each of `nodes`.
    pub fn send_each(&self, shared: &Shared, nodes: &[String], mut body: impl FnMut() -> Body) {
        for node in nodes {
            self.send_to(shared, node, body());
        }
    }

    pub fn broadcast_ctl(&self, shared: &Shared, body: Body) {
        self.publish(shared, CTL, body)
    }

    /// Does this node currently have local receivers for `key`?
    fn has_local(shared: &Shared, key: InterestKey<&str>) -> bool {
        match key {
            InterestKey::Conns => shared.registry().len() > 0,
            InterestKey::Room(room) => shared.rooms().size(room) > 0,
            InterestKey::User(user) => !shared.registry().by_user(user).is_empty(),
            InterestKey::Topic(topic) => {
                shared.topics().count(&(None, topic.into())) > 0 || shared.bus().count(topic) > 0
            }
            InterestKey::RoleTopic { role, topic } => {
                shared.topics().count(&(Some(role.into()), topic.into())) > 0
            }
        }
    }

    /// Re-check `key` after a local change and announce the difference. The check runs under
    /// the link's lock, so the last change to be synced always announces the final state.
    pub fn sync_interest(&self, shared: &Shared, key: InterestKey<&str>) {
        let change = {
            let mut state = lock(&self.state);
            let now = Self::has_local(shared, key);
            let was = state.announced.contains(&key.to_owned_key());
            if now == was {
                None
            } else if now {
                state.announced.insert(key.to_owned_key());
                Some(Body::Interest {
                    add: vec![key.encode()],
                    remove: vec![],
                })
            } else {
                state.announced.remove(&key.to_owned_key());
                Some(Body::Interest {
                    add: vec![],
                    remove: vec![key.encode()],
                })
            }
        };
        if let Some(body) = change {
            if self.has_peers() {
                self.broadcast_ctl(shared, body);
            }
        }
    }

    fn has_peers(&self) -> bool {
        !lock(&self.state).remote.is_empty()
    }

    /// This node's full interest, recomputed from the registries (heals any drift).
    pub fn snapshot(&self, shared: &Shared) -> Vec<String> {
        let mut keys: HashSet<InterestKey> = HashSet::new();
        if shared.registry().len() > 0 {
            keys.insert(InterestKey::Conns);
        }
        shared.registry().for_each(|c| {
            keys.insert(InterestKey::User(c.user_arc().clone()));
        });
        for (room, _) in shared.rooms().list() {
            keys.insert(InterestKey::Room(room.into()));
        }
        for (role, topic, _) in shared.topics().list() {
            keys.insert(InterestKey::for_topic(role.as_deref(), &topic).to_owned_key());
        }
        for topic in shared.bus().topics() {
            keys.insert(InterestKey::Topic(topic.into()));
        }
        let mut wire: Vec<String> = keys.iter().map(InterestKey::encode).collect();
        wire.sort();
        lock(&self.state).announced = keys;
        wire
    }

    pub fn hello(&self, shared: &Shared) -> Body {
        Body::Hello {
            prefix: self.prefix.clone(),
            interest: self.snapshot(shared),
            started_at_us: self.started_at_us,
        }
    }

    /// Remote nodes interested in `key`.
    pub fn nodes_for(&self, key: InterestKey<&str>) -> Vec<String> {
        self.nodes_wanting(|interest| interest.contains(key))
    }

    /// Remote nodes whose interest satisfies `wants` (several keys at once: a multi-room
    /// broadcast goes once to each node, whichever of its rooms the node has).
    pub fn nodes_wanting(&self, wants: impl Fn(&InterestSet) -> bool) -> Vec<String> {
        let state = lock(&self.state);
        if state.remote.is_empty() {
            return Vec::new();
        }
        let mut v: Vec<String> = state
            .remote
            .iter()
            .filter(|(_, n)| wants(&n.interest))
            .map(|(id, _)| id.clone())
            .collect();
        v.sort();
        v
    }

    /// The node a connection id belongs to (ids start with their node's prefix).
    pub fn owner_of(&self, conn_id: &str) -> Option<String> {
        let prefix = conn_id.split('-').next()?;
        let state = lock(&self.state);
        state
            .remote
            .iter()
            .find(|(_, n)| n.prefix == prefix)
            .map(|(id, _)| id.clone())
    }

    pub fn mark_dirty(&self, conn_id: &str) {
        lock(&self.state).dirty.insert(conn_id.to_owned());
    }

    pub fn take_dirty(&self) -> Vec<String> {
        lock(&self.state).dirty.drain().collect()
    }

    // ----- remote state, updated by inbound control messages -----

    pub fn peer_hello(&self, node: &str, prefix: String, interest: Vec<String>) -> bool {
        let mut state = lock(&self.state);
        let new = !state.remote.contains_key(node);
        state.remote.insert(
            node.to_owned(),
            RemoteNode {
                prefix,
                interest: InterestSet::from_wire(interest),
                last_seen: Instant::now(),
            },
        );
        new
    }

    pub fn peer_interest(&self, node: &str, add: Vec<String>, remove: Vec<String>) {
        let mut state = lock(&self.state);
        let entry = state
            .remote
            .entry(node.to_owned())
            .or_insert_with(|| RemoteNode {
                prefix: String::new(),
                interest: InterestSet::default(),
                last_seen: Instant::now(),
            });
        // Removals first: a message that names a key in both lists leaves it wanted.
        entry.interest.apply_wire(remove, false);
        entry.interest.apply_wire(add, true);
        entry.last_seen = Instant::now();
    }

    pub fn peer_seen(&self, node: &str) {
        if let Some(n) = lock(&self.state).remote.get_mut(node) {
            n.last_seen = Instant::now();
        }
    }

    pub fn peer_gone(&self, node: &str) {
        lock(&self.state).remote.remove(node);
    }

    /// Forget nodes not heard from within the node TTL; returns their ids.
    pub fn expire_peers(&self) -> Vec<String> {
        let ttl = self.config.node_ttl;
        let mut state = lock(&self.state);
        let dead: Vec<String> = state
            .remote
            .iter()
            .filter(|(_, n)| n.last_seen.elapsed() > ttl)
            .map(|(id, _)| id.clone())
            .collect();
        for id in &dead {
            state.remote.remove(id);
        }
        dead
    }

    pub fn peers(&self) -> Vec<PeerInfo> {
        let state = lock(&self.state);
        let mut v: Vec<PeerInfo> = state
            .remote
            .iter()
            .map(|(id, n)| PeerInfo {
                id: id.clone(),
                conn_prefix: n.prefix.clone(),
                interest: n.interest.to_wire(),
                last_seen_ms_ago: n.last_seen.elapsed().as_millis() as u64,
            })
            .collect();
        v.sort_by(|a, b| a.id.cmp(&b.id));
        v
    }

    // ----- forwarded server-to-client requests -----

    pub fn register_remote_request(&self) -> (u64, oneshot::Receiver<Result<Value, RequestError>>) {
        let rid = self.next_rid.fetch_add(1, Ordering::Relaxed) + 1;
        let (tx, rx) = oneshot::channel();
        lock(&self.pending).insert(rid, tx);
        (rid, rx)
    }

    pub fn resolve_remote_request(&self, rid: u64, result: Result<Value, RequestError>) {
        if let Some(tx) = lock(&self.pending).remove(&rid) {
            let _ = tx.send(result);
        }
    }

    pub fn forget_remote_request(&self, rid: u64) {
        lock(&self.pending).remove(&rid);
    }
}
