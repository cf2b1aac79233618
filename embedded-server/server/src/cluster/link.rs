//! A node's link to the rest of the cluster: announcing what this node wants, knowing what
//! every other node wants, and forwarding pushes to exactly those nodes.
//!
//! Interest keys ([`InterestKey`]) name what a node has local receivers for: rooms, users,
//! shared and role topics, and any connection at all (for server-wide broadcasts). A push
//! crosses the adapter only to nodes that announced a matching key, so a broadcast to a room
//! with no members elsewhere never leaves the process.
//!
//! This node's own interest is kept by the registries as they change ([`LocalInterest`]);
//! the link announces the changes ([`ClusterLink::announce_changes`]) and, on every heartbeat
//! and on request, the whole set ([`ClusterLink::announce_all`]), without walking any
//! registry.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use serde_json::Value;
use tokio::sync::oneshot;

use super::adapter::{Adapter, AdapterError};
use super::envelope::{Body, Envelope};
use super::interest_key::InterestKey;
use super::interest_set::InterestSet;
use super::local_interest::LocalInterest;
use super::peers::Peers;
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

/// Pushes of a node waiting for acknowledgements at once; one more is sent without asking,
/// and its nodes are reported as not having answered.
pub(crate) const MAX_AWAITED_PUSHES: usize = 4096;

/// One push waiting for acknowledgements: only the nodes it was sent to are heard, each once.
struct Awaited {
    waiting: HashSet<String>,
    counts: Vec<(String, u64)>,
    /// Told once every node answered.
    done: Option<oneshot::Sender<()>>,
}

/// What the nodes asked to acknowledge a push answered.
#[derive(Debug, Default)]
pub(crate) struct Acknowledged {
    /// Node and how many connections it reached, in the order the answers came.
    pub counts: Vec<(String, u64)>,
    /// Nodes that did not answer.
    pub missing: Vec<String>,
}

pub(crate) fn node_channel(node: &str) -> String {
    format!("node:{node}")
}

/// Totals of the cluster layer, for the console and tests.
#[derive(Debug, Default)]
pub struct ClusterCounters {
    pub published: AtomicU64,
    pub received: AtomicU64,
    pub rejected: AtomicU64,
    pub publish_failures: AtomicU64,
}

pub(crate) struct ClusterLink {
    pub adapter: Arc<dyn Adapter>,
    pub node_id: Arc<str>,
    pub prefix: String,
    pub config: ClusterConfig,
    pub started_at_us: i64,
    /// How every message this node sends begins, so its own messages echoed back by the
    /// transport are dropped without being decoded.
    own_messages: Vec<u8>,
    /// This node's interest, kept by the registries.
    interest: Arc<LocalInterest>,
    /// Held while an announcement is taken and published, so announcements leave in the order
    /// their content was taken: a peer never sees an older state after a newer one. Never held
    /// with a registry lock; publishing does not wait (the adapter queues).
    announcing: Mutex<()>,
    peers: Peers,
    /// Connections whose presence entry must be rewritten.
    dirty: Mutex<HashSet<String>>,
    pending: Mutex<HashMap<u64, oneshot::Sender<Result<Value, RequestError>>>>,
    /// Pushes waiting for the acknowledgements of the nodes they were sent to (at most
    /// [`MAX_AWAITED_PUSHES`]).
    awaited: Mutex<HashMap<u64, Awaited>>,
    next_rid: AtomicU64,
    pub counters: ClusterCounters,
    /// Set when presence writes failed, so the next success rewrites everything.
    pub needs_resync: AtomicBool,
    /// The inspector address this node advertises in its presence record (no token).
    inspector: Mutex<Option<String>>,
}

impl ClusterLink {
    pub fn new(
        adapter: Arc<dyn Adapter>,
        node_id: Arc<str>,
        prefix: String,
        config: ClusterConfig,
        interest: Arc<LocalInterest>,
    ) -> Self {
        adapter.subscribe(CTL);
        adapter.subscribe(&node_channel(&node_id));
        ClusterLink {
            adapter,
            own_messages: Envelope::sender_prefix(&node_id),
            node_id,
            prefix,
            config,
            started_at_us: crate::tap::now_us(),
            interest,
            announcing: Mutex::new(()),
            peers: Peers::default(),
            dirty: Mutex::new(HashSet::new()),
            pending: Mutex::new(HashMap::new()),
            awaited: Mutex::new(HashMap::new()),
            next_rid: AtomicU64::new(0),
            counters: ClusterCounters::default(),
            needs_resync: AtomicBool::new(true),
            inspector: Mutex::new(None),
        }
    }

    /// The inspector address written into this node's presence record.
    pub fn inspector(&self) -> Option<String> {
        lock(&self.inspector).clone()
    }

    pub fn set_inspector(&self, url: Option<String>) {
        *lock(&self.inspector) = url;
    }

    /// Publish without reporting a failure (for callers holding the announcement turn: a
    /// report runs application hooks, which may change membership and announce in turn).
    fn try_publish(&self, channel: &str, body: Body) -> Result<(), AdapterError> {
        let bytes = Envelope::encode(&self.node_id, body);
        let result = self.adapter.publish(channel, Bytes::from(bytes));
        let counter = match result {
            Ok(()) => &self.counters.published,
            Err(_) => &self.counters.publish_failures,
        };
        counter.fetch_add(1, Ordering::Relaxed);
        result
    }

    fn report_failure(&self, shared: &Shared, channel: &str, result: Result<(), AdapterError>) {
        if let Err(e) = result {
            shared.report(
                crate::hooks::FaultKind::Adapter,
                Some(channel),
                e.to_string(),
            );
        }
    }

    fn publish(&self, shared: &Shared, channel: &str, body: Body) {
        let result = self.try_publish(channel, body);
        self.report_failure(shared, channel, result);
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

    /// Whether `payload` is a message this node sent (checked before decoding anything).
    pub fn is_own_message(&self, payload: &[u8]) -> bool {
        payload.starts_with(&self.own_messages)
    }

    /// Tell the other nodes what this node gained or lost since the last announcement. Every
    /// change of membership calls this once it has released its registry lock; with nothing
    /// changed it costs one uncontended lock.
    pub fn announce_changes(&self, shared: &Shared) {
        if !self.interest.has_changes() {
            return;
        }
        let result = {
            let _turn = lock(&self.announcing);
            let changes = self.interest.take_changes();
            // Sent even when no peer is known yet: a node that has just started may already
            // hear us before we have processed its hello, and a change dropped here would only
            // reach it with the next heartbeat's full announcement, after pushes it sent in
            // between were routed without it.
            if changes.add.is_empty() && changes.remove.is_empty() {
                return;
            }
            self.try_publish(
                CTL,
                Body::Interest {
                    add: changes.add,
                    remove: changes.remove,
                },
            )
        };
        self.report_failure(shared, CTL, result);
    }

    /// Announce this node and everything it wants (at start, every heartbeat, on request);
    /// it supersedes any change not yet announced.
    pub fn announce_all(&self, shared: &Shared) {
        let result = {
            let _turn = lock(&self.announcing);
            let hello = Body::Hello {
                prefix: self.prefix.clone(),
                interest: self.interest.snapshot(),
                started_at_us: self.started_at_us,
            };
            self.try_publish(CTL, hello)
        };
        self.report_failure(shared, CTL, result);
    }

    /// What this node currently wants, in wire form, sorted.
    pub fn interest(&self) -> Vec<String> {
        self.interest.keys()
    }

    /// The other nodes, as last heard from.
    pub fn peers(&self) -> &Peers {
        &self.peers
    }

    /// Remote nodes interested in `key`.
    pub fn nodes_for(&self, key: InterestKey<&str>) -> Vec<String> {
        self.peers.nodes_for(key)
    }

    /// Remote nodes whose interest satisfies `wants`; see [`Peers::nodes_wanting`].
    pub fn nodes_wanting(&self, wants: impl Fn(&InterestSet) -> bool) -> Vec<String> {
        self.peers.nodes_wanting(wants)
    }

    /// The node a connection id belongs to (ids start with their node's prefix).
    pub fn owner_of(&self, conn_id: &str) -> Option<String> {
        let prefix = conn_id.split('-').next()?;
        self.peers.with_prefix(prefix)
    }

    /// Forget nodes not heard from within the node TTL; returns their ids.
    pub fn expire_peers(&self) -> Vec<String> {
        self.peers.expire(self.config.node_ttl)
    }

    pub fn mark_dirty(&self, conn_id: &str) {
        lock(&self.dirty).insert(conn_id.to_owned());
    }

    pub fn take_dirty(&self) -> Vec<String> {
        lock(&self.dirty).drain().collect()
    }

    // ----- acknowledged pushes -----

    /// Wait for acknowledgements from `nodes`: the id to send with the push and what is told
    /// once all answered. `None` when too many pushes wait already.
    pub fn await_acks(&self, nodes: &[String]) -> Option<(u64, oneshot::Receiver<()>)> {
        let mut awaited = lock(&self.awaited);
        if awaited.len() >= MAX_AWAITED_PUSHES {
            return None;
        }
        let id = self.next_rid.fetch_add(1, Ordering::Relaxed) + 1;
        let (tx, rx) = oneshot::channel();
        awaited.insert(
            id,
            Awaited {
                waiting: nodes.iter().cloned().collect(),
                counts: Vec::new(),
                done: Some(tx),
            },
        );
        Some((id, rx))
    }

    /// A node's acknowledgement. Ignored unless that node was asked and had not answered yet
    /// (an unknown id, a repeat or a node not asked cannot change a count).
    pub fn acknowledged(&self, id: u64, node: &str, n: u64) {
        let mut awaited = lock(&self.awaited);
        let Some(entry) = awaited.get_mut(&id) else {
            return;
        };
        if !entry.waiting.remove(node) {
            return;
        }
        entry.counts.push((node.to_owned(), n));
        if entry.waiting.is_empty() {
            if let Some(done) = entry.done.take() {
                let _ = done.send(());
            }
        }
    }

    /// Stop waiting for `id`; returns what was heard and who stayed silent.
    pub fn finish_acks(&self, id: u64) -> Acknowledged {
        match lock(&self.awaited).remove(&id) {
            Some(entry) => {
                let mut missing: Vec<String> = entry.waiting.into_iter().collect();
                missing.sort();
                Acknowledged {
                    counts: entry.counts,
                    missing,
                }
            }
            None => Acknowledged::default(),
        }
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
