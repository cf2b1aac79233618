//! [`AttachedNodes`]: the set of nodes an attach-mode console follows, each through its own
//! [`RemoteNode`] link; nodes can be added and removed while the console runs.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use switchboard_inspector::protocol::Connection;
use switchboard_server::contract::CompiledContract;
use switchboard_server::wire::util::lock;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::remote::RemoteNode;
use super::sink::Sink;
use crate::types::NodeLink;

/// Why a node could not be added.
#[derive(Debug, thiserror::Error)]
pub enum AttachError {
    #[error(
        "`{0}` is not an attach URL: it must start with ws:// or wss:// (as `--inspect` prints it)"
    )]
    BadUrl(String),
    #[error("the console is already attached to {0}")]
    Duplicate(String),
}

pub struct AttachedNodes {
    links: Mutex<Vec<(Arc<RemoteNode>, JoinHandle<()>)>>,
    next_id: AtomicU32,
    sink: Arc<Sink>,
    stop: CancellationToken,
}

impl AttachedNodes {
    pub fn new(sink: Arc<Sink>, stop: CancellationToken) -> AttachedNodes {
        AttachedNodes {
            links: Mutex::new(Vec::new()),
            next_id: AtomicU32::new(0),
            sink,
            stop,
        }
    }

    /// Start following the node at `url`; it appears at once as `connecting`.
    pub fn add(&self, url: &str) -> Result<NodeLink, AttachError> {
        let url = url.trim();
        if !(url.starts_with("ws://") || url.starts_with("wss://")) {
            return Err(AttachError::BadUrl(super::convert::masked_url(url)));
        }
        let mut links = lock(&self.links);
        if links.iter().any(|(l, _)| l.url() == url) {
            return Err(AttachError::Duplicate(super::convert::masked_url(url)));
        }
        let id = self.next_id.fetch_add(1, Ordering::Relaxed) + 1;
        let link = Arc::new(RemoteNode::new(id, url.to_owned(), self.stop.child_token()));
        let task = tokio::spawn(link.clone().supervise(self.sink.clone()));
        let status = link.status();
        links.push((link, task));
        Ok(status)
    }

    /// Stop following link `id` (its recorded rows stay in the capture). False if unknown.
    pub fn remove(&self, id: u32) -> bool {
        let removed = {
            let mut links = lock(&self.links);
            let at = links.iter().position(|(l, _)| l.id == id);
            at.map(|i| links.remove(i))
        };
        match removed {
            Some((link, _task)) => {
                link.stop.cancel();
                self.sink.resync();
                true
            }
            None => false,
        }
    }

    pub fn links(&self) -> Vec<Arc<RemoteNode>> {
        lock(&self.links).iter().map(|(l, _)| l.clone()).collect()
    }

    pub fn status(&self) -> Vec<NodeLink> {
        self.links().iter().map(|l| l.status()).collect()
    }

    /// Every connection on every attached node.
    pub fn connections(&self) -> Vec<Connection> {
        self.links()
            .iter()
            .filter_map(|l| l.read(|n| n.connections.values().cloned().collect::<Vec<_>>()))
            .flatten()
            .collect()
    }

    /// The node holding connection `id`, and the connection.
    pub fn find_conn(&self, id: &str) -> Option<(Arc<RemoteNode>, Connection)> {
        self.links().into_iter().find_map(|l| {
            let conn = l.read(|n| n.connections.get(id).cloned()).flatten()?;
            Some((l, conn))
        })
    }

    /// Attached nodes that hold at least one connection of `user`.
    pub fn nodes_of_user(&self, user: &str) -> Vec<Arc<RemoteNode>> {
        self.links()
            .into_iter()
            .filter(|l| {
                l.read(|n| n.connections.values().any(|c| c.user == user))
                    .unwrap_or(false)
            })
            .collect()
    }

    /// The contract of the first node that announced one. Nodes of one application serve the
    /// same contract; with several, the first one added is shown.
    pub fn contract(&self) -> Option<Arc<CompiledContract>> {
        self.links().iter().find_map(|l| l.contract())
    }

    /// Distinct rooms across the attached nodes.
    pub fn room_count(&self) -> usize {
        let mut names = std::collections::BTreeSet::new();
        for l in self.links() {
            l.read(|n| names.extend(n.rooms.keys().cloned()));
        }
        names.len()
    }

    /// Distinct topics across the attached nodes.
    pub fn topic_count(&self) -> usize {
        let mut keys = std::collections::BTreeSet::new();
        for l in self.links() {
            l.read(|n| keys.extend(n.topics.keys().cloned()));
        }
        keys.len()
    }

    /// Stop every link and wait for their tasks.
    pub async fn shutdown(&self) {
        let links: Vec<_> = lock(&self.links).drain(..).collect();
        for (link, _) in &links {
            link.stop.cancel();
        }
        for (_, task) in links {
            let _ = task.await;
        }
    }
}
