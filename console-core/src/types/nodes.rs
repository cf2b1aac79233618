//! `/api/nodes`: the nodes the console reads and drives, and how its link to each is doing.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Where the console's link to a node stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum LinkState {
    /// The console's own server, in-process: always there.
    Embedded,
    /// First attempt under way.
    Connecting,
    /// A session is open: the node's state and events are current.
    Attached,
    /// The session ended; the console is waiting before it tries again.
    Lost,
    /// Trying again (with backoff) after losing the node or failing to reach it.
    Reconnecting,
    /// The console's proxy to an upstream server (`switchboard proxy`): there while the
    /// console runs; each client connection opens its own upstream connection.
    Proxy,
}

/// One node and the console's link to it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct NodeLink {
    /// The console's number for this link (what `DELETE /api/nodes/{id}` takes).
    pub id: u32,
    /// The attach URL with its token masked (empty for the embedded server).
    pub url: String,
    /// The node's id from its `hello` (`null` until it has been reached once).
    pub node: Option<String>,
    /// Found through cluster discovery (`switchboard attach --redis`) rather than added by URL.
    pub discovered: bool,
    pub state: LinkState,
    /// Connections and rooms on the node as of now (as of the loss when it is lost).
    pub connections: u32,
    pub rooms: u32,
    /// Events lost on the way: reported by the node's session queue, plus those this console
    /// could not read in time. The view is refreshed from a snapshot after each loss.
    #[ts(type = "number")]
    pub dropped: u64,
    /// Frames from the node that were not the protocol; skipped, never fatal.
    #[ts(type = "number")]
    pub bad_frames: u64,
    /// Sessions begun (more than one means it was lost and attached again).
    pub attaches: u32,
    /// Why the last attempt or session failed.
    pub last_error: Option<String>,
    /// The Switchboard release the node runs.
    pub server_version: Option<String>,
}

/// `GET /api/nodes`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct NodeList {
    /// `embedded` (the console runs its own server), `attach` (it observes other processes)
    /// or `proxy` (it relays clients to an upstream server and records what passes).
    pub mode: String,
    pub nodes: Vec<NodeLink>,
    /// Cluster discovery, when the console follows a cluster's presence (`--redis`).
    pub discovery: Option<DiscoveryStatus>,
}

/// How cluster discovery is doing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct DiscoveryStatus {
    /// Where nodes are discovered (the Redis URL, its password masked).
    pub source: String,
    /// `starting`, `following` (the last listing worked) or `paused` (it failed: attached
    /// nodes stay attached, and no node is added or forgotten until listings work again).
    pub state: String,
    /// Nodes that advertised an inspector in the last listing.
    pub advertised: u32,
    /// Listings that worked since the console started.
    #[ts(type = "number")]
    pub listings: u64,
    /// Nodes skipped because the console already follows [`MAX_DISCOVERED`] discovered nodes.
    ///
    /// [`MAX_DISCOVERED`]: crate::nodes::discovery::MAX_DISCOVERED
    pub skipped: u32,
    /// Why the last listing failed.
    pub last_error: Option<String>,
}

/// Body of `POST /api/nodes`: attach one more node.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct AttachRequest {
    /// `ws://HOST:PORT/?token=...`, as the node printed it.
    pub url: String,
}

/// What one node did with a push sent to several.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct NodePushResult {
    pub node: String,
    /// Connections on that node that received it (`null` when it failed there).
    pub delivered: Option<u32>,
    pub error: Option<String>,
}
