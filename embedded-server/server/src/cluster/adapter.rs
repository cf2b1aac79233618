//! The adapter: how nodes reach each other.
//!
//! **Delivery guarantee: at most once, ordered per publisher and channel.** A message published
//! while the transport is down is dropped (and the failure reported), never queued for later,
//! so a node never replays stale pushes after an outage. Messages from one publisher on one
//! channel arrive in the order they were published.
//!
//! Two implementations: [`super::memory::MemoryAdapter`] (several nodes in one process: the
//! default single-node setup and the tests) and [`super::redis::RedisAdapter`] (Redis pub/sub
//! for messages, keys with a TTL for presence).

use std::time::Duration;

use bytes::Bytes;
use futures_util::future::BoxFuture;
use serde::{Deserialize, Serialize};
use tokio::sync::{mpsc, watch};

/// A message received on a subscribed channel.
#[derive(Debug, Clone)]
pub struct AdapterMessage {
    pub channel: String,
    pub payload: Bytes,
}

/// Whether the transport is usable right now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdapterStatus {
    Connecting,
    Up,
    /// Down, with the reason; the adapter keeps retrying on its own.
    Down(String),
}

#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum AdapterError {
    #[error("cluster transport unavailable: {0}")]
    Unavailable(String),
    #[error("cluster publish queue full: message dropped")]
    QueueFull,
    #[error("cluster data could not be read: {0}")]
    Corrupt(String),
}

/// One node as the presence registry stores it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NodeRecord {
    pub id: String,
    /// Prefix of this node's connection ids (how a connection id is routed to its node).
    pub conn_prefix: String,
    pub started_at_us: i64,
    pub connections: usize,
    pub rooms: usize,
    pub updated_at_us: i64,
    /// Where a console attaches to this node's inspector (`ws://HOST:PORT/`), when it runs
    /// one ([`Server::advertise_inspector`](crate::Server::advertise_inspector)). Never holds
    /// the inspector's token: anyone who can read Redis could otherwise drive every node.
    /// Absent in records of older nodes and of nodes without an inspector.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inspector: Option<String>,
}

/// One connection as the presence registry stores it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConnDescriptor {
    pub id: String,
    pub role: String,
    pub node: String,
    pub user: String,
    pub connected_at_us: i64,
    pub rooms: Vec<String>,
}

/// Presence storage. Everything a node writes expires after `ttl` unless refreshed, so a node
/// that dies (even by SIGKILL) disappears from the registry by itself.
pub trait PresenceStore: Send + Sync + 'static {
    /// Write (or refresh) the node record and extend its connections' lifetime.
    fn put_node(
        &self,
        node: NodeRecord,
        ttl: Duration,
    ) -> BoxFuture<'static, Result<(), AdapterError>>;
    /// Apply connection changes of `node`: upserts and removals.
    fn put_conns(
        &self,
        node: String,
        upserts: Vec<ConnDescriptor>,
        removals: Vec<String>,
        ttl: Duration,
    ) -> BoxFuture<'static, Result<(), AdapterError>>;
    /// Replace every connection of `node` (after a reconnect).
    fn replace_conns(
        &self,
        node: String,
        all: Vec<ConnDescriptor>,
        ttl: Duration,
    ) -> BoxFuture<'static, Result<(), AdapterError>>;
    /// Remove a node and its connections (clean shutdown).
    fn remove_node(&self, node: String) -> BoxFuture<'static, Result<(), AdapterError>>;
    /// Live nodes (records not yet expired).
    fn nodes(&self) -> BoxFuture<'static, Result<Vec<NodeRecord>, AdapterError>>;
    /// Connections registered by `node`.
    fn conns(&self, node: String) -> BoxFuture<'static, Result<Vec<ConnDescriptor>, AdapterError>>;
}

/// A cluster transport: pub/sub plus presence.
pub trait Adapter: Send + Sync + 'static {
    /// "memory" or "redis", for logs and the console.
    fn kind(&self) -> &'static str;
    /// Queue `payload` for `channel`. Never waits: the message goes to a bounded queue drained
    /// by the adapter's own task; `Err` when that queue is full or the adapter is stopped.
    fn publish(&self, channel: &str, payload: Bytes) -> Result<(), AdapterError>;
    /// Receive messages on `channel` (remembered, and restored after every reconnect).
    fn subscribe(&self, channel: &str);
    fn unsubscribe(&self, channel: &str);
    /// The stream of received messages. Called once; later calls return `None`.
    fn take_inbound(&self) -> Option<mpsc::Receiver<AdapterMessage>>;
    /// Transport status changes (down, back up) so the node can re-register after an outage.
    fn status(&self) -> watch::Receiver<AdapterStatus>;
    fn presence(&self) -> &dyn PresenceStore;
    /// Stop background tasks and close connections.
    fn close(&self);
}
