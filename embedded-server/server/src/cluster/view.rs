//! Cluster-wide reads of the presence registry.

use serde::{Deserialize, Serialize};

use super::adapter::{AdapterError, ConnDescriptor, NodeRecord};
use crate::hooks::FaultKind;
use crate::Server;

/// Totals of the cluster layer on this node.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ClusterStats {
    pub transport: String,
    pub published: u64,
    pub received: u64,
    /// Messages that were not ours (garbage, another format or version): dropped.
    pub rejected: u64,
    pub publish_failures: u64,
    pub peers: usize,
}

/// One node in the topology.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct NodeTopology {
    pub id: String,
    pub connections: usize,
    pub rooms: usize,
    /// Whether the node's presence record is live (it refreshed within the TTL).
    pub alive: bool,
    pub is_self: bool,
}

/// Reads of the cluster's presence registry. In a single node these answer from the local
/// registry through the in-process adapter, so code written for a cluster runs unchanged.
#[derive(Clone)]
pub struct ClusterView {
    pub(crate) server: Server,
}

impl ClusterView {
    fn fail<T>(&self, e: AdapterError) -> Result<T, AdapterError> {
        self.server.shared.report(
            FaultKind::Adapter,
            None,
            format!("cluster query failed: {e}"),
        );
        Err(e)
    }

    pub async fn nodes(&self) -> Result<Vec<NodeRecord>, AdapterError> {
        match self
            .server
            .shared
            .cluster()
            .adapter
            .presence()
            .nodes()
            .await
        {
            Ok(v) => Ok(v),
            Err(e) => self.fail(e),
        }
    }

    /// Every connection in the cluster.
    pub async fn connections(&self) -> Result<Vec<ConnDescriptor>, AdapterError> {
        let presence = self.server.shared.cluster().adapter.presence();
        let mut all = Vec::new();
        for node in self.nodes().await? {
            match presence.conns(node.id).await {
                Ok(v) => all.extend(v),
                Err(e) => return self.fail(e),
            }
        }
        all.sort_by(|a, b| {
            a.connected_at_us
                .cmp(&b.connected_at_us)
                .then(a.id.cmp(&b.id))
        });
        Ok(all)
    }

    pub async fn count(&self) -> Result<usize, AdapterError> {
        Ok(self.connections().await?.len())
    }

    pub async fn by_user(&self, user: &str) -> Result<Vec<ConnDescriptor>, AdapterError> {
        Ok(self
            .connections()
            .await?
            .into_iter()
            .filter(|c| c.user == user)
            .collect())
    }

    pub async fn is_online(&self, user: &str) -> Result<bool, AdapterError> {
        Ok(!self.by_user(user).await?.is_empty())
    }

    /// Members of a room on every node.
    pub async fn room(&self, name: &str) -> Result<Vec<ConnDescriptor>, AdapterError> {
        Ok(self
            .connections()
            .await?
            .into_iter()
            .filter(|c| c.rooms.iter().any(|r| r == name))
            .collect())
    }

    /// Every live node with its connections and rooms, counted from its presence entries.
    pub async fn topology(&self) -> Result<Vec<NodeTopology>, AdapterError> {
        let me = self.server.node_id().to_owned();
        let presence = self.server.shared.cluster().adapter.presence();
        let mut out = Vec::new();
        for n in self.nodes().await? {
            // This node's counts are kept locally: listing its presence would copy every
            // connection with its rooms (10,000 of them on a busy node) only to count them.
            if n.id == me {
                out.push(NodeTopology {
                    is_self: true,
                    connections: self.server.connection_count(),
                    rooms: self.server.room_count(),
                    id: n.id,
                    alive: true,
                });
                continue;
            }
            let conns = match presence.conns(n.id.clone()).await {
                Ok(v) => v,
                Err(e) => return self.fail(e),
            };
            let mut rooms: Vec<&String> = conns.iter().flat_map(|c| c.rooms.iter()).collect();
            rooms.sort();
            rooms.dedup();
            out.push(NodeTopology {
                is_self: n.id == me,
                connections: conns.len(),
                rooms: rooms.len(),
                id: n.id,
                alive: true,
            });
        }
        Ok(out)
    }
}

impl Server {
    /// Cluster-wide presence reads.
    pub fn cluster(&self) -> ClusterView {
        ClusterView {
            server: self.clone(),
        }
    }

    /// Publish (or, with `None`, withdraw) where a console attaches to this node's inspector,
    /// in the node's presence record, so `switchboard attach --redis` finds every node of a
    /// cluster. The URL is `ws://HOST:PORT/` without a token: the token is shared out of band
    /// (a flag or the environment), never stored in Redis. It is written with the next
    /// heartbeat (at most `ClusterConfig::heartbeat` later). `Inspector::start` calls this.
    pub fn advertise_inspector(&self, url: Option<String>) {
        self.shared.cluster().set_inspector(url);
    }

    /// What [`Server::advertise_inspector`] last set.
    pub fn advertised_inspector(&self) -> Option<String> {
        self.shared.cluster().inspector()
    }

    /// Other nodes this node currently knows, with what each one wants.
    pub fn cluster_peers(&self) -> Vec<crate::cluster::PeerInfo> {
        self.shared.cluster().peers().list()
    }

    /// What this node announces it wants (interest keys in wire form, sorted): pushes from
    /// other nodes reach it only for these.
    pub fn cluster_interest(&self) -> Vec<String> {
        self.shared.cluster().interest()
    }

    /// Check the interest this node keeps as connections, rooms and subscriptions change
    /// against one computed from scratch from its registries. For tests: only meaningful
    /// while nothing changes.
    #[doc(hidden)]
    pub fn audit_cluster_interest(&self) -> Result<(), crate::cluster::InterestDrift> {
        crate::cluster::interest_audit::audit(&self.shared)
    }

    /// Cluster message counters: published, received, rejected (not ours), publish failures.
    pub fn cluster_stats(&self) -> ClusterStats {
        let c = &self.shared.cluster().counters;
        use std::sync::atomic::Ordering::Relaxed;
        ClusterStats {
            transport: self.shared.cluster().adapter.kind().to_owned(),
            published: c.published.load(Relaxed),
            received: c.received.load(Relaxed),
            rejected: c.rejected.load(Relaxed),
            publish_failures: c.publish_failures.load(Relaxed),
            peers: self.shared.cluster().peers().count(),
        }
    }

    /// The transport in use: "memory" or "redis".
    pub fn cluster_transport(&self) -> &'static str {
        self.shared.cluster().adapter.kind()
    }
}
