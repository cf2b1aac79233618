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
    /// `embedded` (the console runs its own server) or `attach` (it observes other processes).
    pub mode: String,
    pub nodes: Vec<NodeLink>,
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
