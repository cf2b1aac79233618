//! The other nodes as this node knows them: each one's connection-id prefix, what it wants,
//! and when it was last heard from. Updated by inbound control messages, read by every push
//! that may cross to another node.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::interest_key::InterestKey;
use super::interest_set::InterestSet;
use crate::wire::util::lock;

/// Another node as this node sees it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PeerInfo {
    pub id: String,
    pub conn_prefix: String,
    pub interest: Vec<String>,
    pub last_seen_ms_ago: u64,
}

struct Peer {
    prefix: String,
    interest: InterestSet,
    last_seen: Instant,
}

/// Known peers by node id. Its lock is a leaf, taken on the push path, so it holds nothing
/// but this map.
#[derive(Default)]
pub(crate) struct Peers {
    nodes: Mutex<HashMap<String, Peer>>,
}

impl Peers {
    pub fn count(&self) -> usize {
        lock(&self.nodes).len()
    }

    /// Nodes interested in `key`.
    pub fn nodes_for(&self, key: InterestKey<&str>) -> Vec<String> {
        self.nodes_wanting(|interest| interest.contains(key))
    }

    /// Nodes whose interest satisfies `wants` (several keys at once: a multi-room broadcast
    /// goes once to each node, whichever of its rooms the node has), sorted.
    pub fn nodes_wanting(&self, wants: impl Fn(&InterestSet) -> bool) -> Vec<String> {
        let nodes = lock(&self.nodes);
        if nodes.is_empty() {
            return Vec::new();
        }
        let mut v: Vec<String> = nodes
            .iter()
            .filter(|(_, n)| wants(&n.interest))
            .map(|(id, _)| id.clone())
            .collect();
        v.sort();
        v
    }

    /// The node whose connection ids start with `prefix`.
    pub fn with_prefix(&self, prefix: &str) -> Option<String> {
        lock(&self.nodes)
            .iter()
            .find(|(_, n)| n.prefix == prefix)
            .map(|(id, _)| id.clone())
    }

    /// A node's full state; returns whether the node is new to us.
    pub fn hello(&self, node: &str, prefix: String, interest: Vec<String>) -> bool {
        let peer = Peer {
            prefix,
            interest: InterestSet::from_wire(interest),
            last_seen: Instant::now(),
        };
        lock(&self.nodes).insert(node.to_owned(), peer).is_none()
    }

    /// A node's interest changes.
    pub fn interest(&self, node: &str, add: Vec<String>, remove: Vec<String>) {
        let mut nodes = lock(&self.nodes);
        let peer = nodes.entry(node.to_owned()).or_insert_with(|| Peer {
            prefix: String::new(),
            interest: InterestSet::default(),
            last_seen: Instant::now(),
        });
        // Removals first: a message that names a key in both lists leaves it wanted.
        peer.interest.apply_wire(remove, false);
        peer.interest.apply_wire(add, true);
        peer.last_seen = Instant::now();
    }

    pub fn seen(&self, node: &str) {
        if let Some(n) = lock(&self.nodes).get_mut(node) {
            n.last_seen = Instant::now();
        }
    }

    pub fn gone(&self, node: &str) {
        lock(&self.nodes).remove(node);
    }

    /// Forget nodes not heard from within `ttl`; returns their ids.
    pub fn expire(&self, ttl: Duration) -> Vec<String> {
        let mut nodes = lock(&self.nodes);
        let dead: Vec<String> = nodes
            .iter()
            .filter(|(_, n)| n.last_seen.elapsed() > ttl)
            .map(|(id, _)| id.clone())
            .collect();
        for id in &dead {
            nodes.remove(id);
        }
        dead
    }

    /// Every peer, sorted by id.
    pub fn list(&self) -> Vec<PeerInfo> {
        let nodes = lock(&self.nodes);
        let mut v: Vec<PeerInfo> = nodes
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
}
