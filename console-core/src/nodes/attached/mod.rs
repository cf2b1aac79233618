//! [`AttachedNodes`]: the set of nodes an attach-mode console follows, each through its own
//! [`RemoteNode`] link; nodes can be added and removed while the console runs, by hand or by
//! cluster discovery ([`Discovery`]).
//!
//! As the console's node source ([`crate::nodes::NodeView`], `view.rs`): `conns.rs` every
//! node's connections, one connection, disconnect; `rooms.rs` rooms merged across nodes and
//! membership changes; `push.rs` pushes by hand through the nodes' inspectors; `overview.rs`
//! one Overview row per node.

mod conns;
mod overview;
mod push;
mod rooms;
mod view;

use std::collections::HashSet;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use switchboard_inspector::protocol::Connection;
use switchboard_server::contract::CompiledContract;
use switchboard_server::wire::util::lock;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::discovery::{Discovery, MAX_DISCOVERED};
use super::remote::RemoteNode;
use super::sink::Sink;
use crate::types::{DiscoveryStatus, LinkState, NodeLink};

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
    /// Cluster discovery's status and task, when the console follows a cluster.
    discovery: Mutex<Option<DiscoveryStatus>>,
    discovery_task: Mutex<Option<JoinHandle<()>>>,
    /// Discovered nodes removed by hand: not attached again while they stay in presence.
    dismissed: Mutex<HashSet<String>>,
}

impl AttachedNodes {
    pub fn new(sink: Arc<Sink>, stop: CancellationToken) -> AttachedNodes {
        AttachedNodes {
            links: Mutex::new(Vec::new()),
            next_id: AtomicU32::new(0),
            sink,
            stop,
            discovery: Mutex::new(None),
            discovery_task: Mutex::new(None),
            dismissed: Mutex::new(HashSet::new()),
        }
    }

    /// Follow every node `discovery` finds, as nodes come and go, until the console stops.
    /// Call from inside the runtime.
    pub fn discover(self: &Arc<Self>, discovery: Discovery) {
        *lock(&self.discovery) = Some(discovery.initial_status());
        let task = tokio::spawn(discovery.run(self.clone()));
        if let Some(old) = lock(&self.discovery_task).replace(task) {
            old.abort();
        }
    }

    pub fn discovery_status(&self) -> Option<DiscoveryStatus> {
        lock(&self.discovery).clone()
    }

    pub(crate) fn stopping(&self) -> CancellationToken {
        self.stop.clone()
    }

    pub(crate) fn discovery_paused(&self, why: String) {
        if let Some(d) = lock(&self.discovery).as_mut() {
            if d.state != "paused" {
                tracing::warn!("discovery paused (attached nodes stay attached): {why}");
            }
            d.state = "paused".into();
            d.last_error = Some(why);
        }
    }

    pub(crate) fn discovery_following(&self, advertised: u32, skipped: u32) {
        if let Some(d) = lock(&self.discovery).as_mut() {
            d.state = "following".into();
            d.advertised = advertised;
            d.skipped = skipped;
            d.listings += 1;
        }
    }

    /// Follow node `node` at `url`, as discovery found it: a node already followed (by this
    /// node id, by URL, or added by hand and known by its hello) is left alone except that a
    /// discovered link whose address changed is retargeted. False when the node had to be
    /// skipped because [`MAX_DISCOVERED`] are already followed.
    pub(crate) fn follow_discovered(&self, node: &str, url: &str) -> bool {
        if lock(&self.dismissed).contains(node) {
            return true;
        }
        let mut links = lock(&self.links);
        if let Some((link, _)) = links
            .iter()
            .find(|(l, _)| l.discovered.as_deref() == Some(node))
        {
            if link.retarget(url) {
                tracing::info!(node, url = %super::convert::masked_url(url), "discovery: the node's inspector moved");
            }
            return true;
        }
        if links
            .iter()
            .any(|(l, _)| l.url() == url || l.node_id().as_deref() == Some(node))
        {
            return true;
        }
        if links.iter().filter(|(l, _)| l.discovered.is_some()).count() >= MAX_DISCOVERED {
            return false;
        }
        tracing::info!(node, url = %super::convert::masked_url(url), "discovery: following a new node");
        self.spawn_link(&mut links, url.to_owned(), Some(node.to_owned()));
        true
    }

    /// Forget the hand removals of nodes that left presence: if one comes back later, it is
    /// a new arrival and is attached.
    pub(crate) fn keep_dismissed(&self, present: &[String]) {
        lock(&self.dismissed).retain(|node| present.contains(node));
    }

    /// Node ids of the links discovery added.
    pub(crate) fn discovered_ids(&self) -> Vec<String> {
        lock(&self.links)
            .iter()
            .filter_map(|(l, _)| l.discovered.clone())
            .collect()
    }

    /// Stop following discovered node `node` unless it is attached right now. True if it
    /// was dropped.
    pub(crate) fn forget_discovered(&self, node: &str) -> bool {
        let id = lock(&self.links).iter().find_map(|(l, _)| {
            (l.discovered.as_deref() == Some(node) && l.state() != LinkState::Attached)
                .then_some(l.id)
        });
        id.is_some_and(|id| self.remove_link(id, false))
    }

    fn spawn_link(
        &self,
        links: &mut Vec<(Arc<RemoteNode>, JoinHandle<()>)>,
        url: String,
        discovered: Option<String>,
    ) -> NodeLink {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed) + 1;
        let link = Arc::new(RemoteNode::new(
            id,
            url,
            discovered,
            self.stop.child_token(),
        ));
        let task = tokio::spawn(link.clone().supervise(self.sink.clone()));
        let status = link.status();
        links.push((link, task));
        status
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
        Ok(self.spawn_link(&mut links, url.to_owned(), None))
    }

    /// Follow `server`, a server in this process, through an in-process inspector session:
    /// the same link, state and commands as a node attached by URL (so a console can follow
    /// its own server beside remote nodes). Refused if a link already follows that node id.
    pub fn add_local(&self, server: &switchboard_server::Server) -> Result<NodeLink, AttachError> {
        let mut links = lock(&self.links);
        let node = server.node_id();
        if links.iter().any(|(l, _)| {
            l.local_server().map(|s| s.node_id()) == Some(node)
                || l.node_id().as_deref() == Some(node)
        }) {
            return Err(AttachError::Duplicate(node.to_owned()));
        }
        let id = self.next_id.fetch_add(1, Ordering::Relaxed) + 1;
        let link = Arc::new(RemoteNode::local(
            id,
            server.clone(),
            self.stop.child_token(),
        ));
        let task = tokio::spawn(link.clone().supervise(self.sink.clone()));
        let status = link.status();
        links.push((link, task));
        Ok(status)
    }

    /// Stop following link `id` (its recorded rows stay in the capture). False if unknown. A
    /// discovered node removed this way is not attached again while it stays in presence.
    pub fn remove(&self, id: u32) -> bool {
        self.remove_link(id, true)
    }

    fn remove_link(&self, id: u32, dismiss: bool) -> bool {
        let removed = {
            let mut links = lock(&self.links);
            let at = links.iter().position(|(l, _)| l.id == id);
            at.map(|i| links.remove(i))
        };
        match removed {
            Some((link, _task)) => {
                if let (true, Some(node)) = (dismiss, &link.discovered) {
                    lock(&self.dismissed).insert(node.clone());
                }
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

    /// Stop every link and wait for their tasks.
    pub async fn shutdown(&self) {
        let discovery = lock(&self.discovery_task).take();
        if let Some(task) = discovery {
            task.abort();
            let _ = task.await;
        }
        let links: Vec<_> = lock(&self.links).drain(..).collect();
        for (link, _) in &links {
            link.stop.cancel();
        }
        for (_, task) in links {
            let _ = task.await;
        }
    }
}
