//! `/api/overview`: the first panel.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::common::RoleCount;

/// One server node, from the cluster's presence registry (a single node without a cluster).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct NodeRow {
    pub id: String,
    pub connections: u32,
    pub rooms: u32,
    /// Whether the node refreshed its presence record recently.
    pub alive: bool,
    /// Whether this is the node the console runs on.
    pub local: bool,
    /// Attach mode: the console's link to the node (absent for the embedded server's cluster).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub link: Option<super::nodes::NodeLink>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct TopicRow {
    /// `null` for a shared topic (the bus).
    pub role: Option<String>,
    pub topic: String,
    pub subscribers: u32,
    /// In-process bus listeners (shared topics only).
    pub listeners: u32,
}

/// Totals since the server started.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
pub struct ServerCounters {
    #[ts(type = "number")]
    pub connections_total: u64,
    #[ts(type = "number")]
    pub refused_upgrades: u64,
    #[ts(type = "number")]
    pub slow_consumers: u64,
    #[ts(type = "number")]
    pub reaped: u64,
    #[ts(type = "number")]
    pub frame_errors: u64,
    #[ts(type = "number")]
    pub handler_panics: u64,
    #[ts(type = "number")]
    pub listener_faults: u64,
    /// Calls to an observer (recorder, console, inspector) that panicked.
    #[ts(type = "number")]
    pub tap_faults: u64,
    /// Sockets still held by a writer task, closing connections included (a gauge).
    #[ts(type = "number")]
    pub open_sockets: u64,
    /// Connections still in their HTTP upgrade (a gauge).
    #[ts(type = "number")]
    pub pending_upgrades: u64,
    /// Upgrades dropped to make room under `max_pending_upgrades`.
    #[ts(type = "number")]
    pub evicted_upgrades: u64,
    /// Upgrades dropped for sending their headers too slowly (`upgrade_timeout`).
    #[ts(type = "number")]
    pub upgrade_timeouts: u64,
    /// Joins and subscribes refused by the per-connection room and topic caps, answered
    /// `LIMIT_EXCEEDED`.
    #[ts(type = "number")]
    pub membership_refusals: u64,
}

/// The recorder's status row.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
pub struct RecorderStatus {
    /// False when the console runs without a capture file.
    pub active: bool,
    pub path: Option<String>,
    #[ts(type = "number")]
    pub rows_written: u64,
    /// Events dropped because the recorder's queue was full, in rows or in bytes.
    #[ts(type = "number")]
    pub dropped: u64,
    /// Of `dropped`, the events refused because `max_backlog_bytes` of payload were already
    /// waiting to be committed.
    #[ts(type = "number")]
    pub dropped_over_bytes: u64,
    #[ts(type = "number")]
    pub write_errors: u64,
    #[ts(type = "number")]
    pub rows_lost: u64,
    #[ts(type = "number")]
    pub queue_depth: u64,
    /// Payload bytes accepted and not yet committed: what a crash now would lose.
    #[ts(type = "number")]
    pub backlog_bytes: u64,
    #[ts(type = "number")]
    pub file_bytes: u64,
    pub last_error: Option<String>,
}

/// Messages in one second, by category. Categories group tap kinds:
/// requests = `request_in`; responses = `response_out`; errors = `error_out`, `frame_error`,
/// `server_reply_error`, `bus_in_rejected`, `subscribe_denied`, `auth_refused`; pushes = `emit`,
/// `to_conn`, `to_user`, `server_request`, `server_reply`; broadcasts = `room_broadcast`,
/// `broadcast`; publishes = `role_publish`, `shared_publish`, `bus_local`, `bus_out`, `bus_in`;
/// membership = `room_add`, `room_remove`, `subscribe`, `unsubscribe`; lifecycle = `connect`,
/// `disconnect`, `heartbeat_reap`, `slow_consumer`. `connections` is not a rate: the open
/// connections as the second closed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct RateSample {
    /// The second, as Unix seconds.
    #[ts(type = "number")]
    pub t: i64,
    pub requests: u32,
    pub responses: u32,
    pub errors: u32,
    pub pushes: u32,
    pub broadcasts: u32,
    pub publishes: u32,
    pub membership: u32,
    pub lifecycle: u32,
    pub connections: u32,
}

/// The console's own live pipeline: what it could not keep up with.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
pub struct LiveStatus {
    /// Tapped events the live view dropped because its queue was full.
    #[ts(type = "number")]
    pub dropped: u64,
    /// Console clients connected to the live stream.
    pub clients: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Overview {
    pub nodes: Vec<NodeRow>,
    /// `memory` (one node) or `redis`.
    pub transport: String,
    /// The cluster could not be asked (the local node is shown alone).
    pub cluster_error: Option<String>,
    pub connections: u32,
    pub roles: Vec<RoleCount>,
    pub rooms: u32,
    pub topics: Vec<TopicRow>,
    pub counters: ServerCounters,
    pub recorder: RecorderStatus,
    pub live: LiveStatus,
    /// Up to the last ten minutes, oldest first, one sample per second.
    pub rates: Vec<RateSample>,
}
