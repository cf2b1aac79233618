//! `/api/connections`: who is connected, and what one connection did.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::common::RoleCount;
use super::traffic::TrafficRow;

/// One connection as the list shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ConnRow {
    pub id: String,
    pub role: String,
    pub user: String,
    pub node: String,
    /// `client` for ordinary connections, `replay` for the replayer's.
    pub origin: String,
    #[ts(type = "number")]
    pub connected_at_us: i64,
    #[ts(type = "number | null")]
    pub last_pong_us: Option<i64>,
    pub missed_pongs: u32,
    pub rooms: Vec<String>,
    pub topics: Vec<String>,
    #[ts(type = "number")]
    pub msgs_in: u64,
    #[ts(type = "number")]
    pub msgs_out: u64,
    #[ts(type = "number")]
    pub bytes_in: u64,
    #[ts(type = "number")]
    pub bytes_out: u64,
    pub queue_depth: u32,
    /// Bytes waiting in its outbound queue or being written (bounded by the server's
    /// `outbound_queue_bytes`; past it the connection is closed as a slow consumer). From an
    /// attached node, as of its latest snapshot.
    #[ts(type = "number")]
    pub queue_bytes: u64,
    /// Error replies, failed replies to the server's requests, denied subscriptions and
    /// unreadable frames (0 from attached nodes whose inspector predates the field).
    #[ts(type = "number")]
    pub errors: u64,
    /// The client's address as the server saw it.
    pub remote: Option<String>,
    /// The upgrade request's `User-Agent`.
    pub user_agent: Option<String>,
}

/// A column the connection list can be sorted by; without one the list is grouped by role,
/// oldest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ConnSort {
    MsgsIn,
    MsgsOut,
    /// Frames waiting in the outbound queue.
    Queue,
    /// Bytes waiting in the outbound queue.
    QueueBytes,
    Errors,
    /// Connection time: ascending is the oldest first.
    Age,
}

/// Query of `GET /api/connections`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct ConnQuery {
    /// Only this role.
    pub role: Option<String>,
    /// Text that the id, user, or one of the rooms or topics contains.
    pub q: Option<String>,
    pub offset: Option<u32>,
    /// At most 1000; default 200.
    pub limit: Option<u32>,
    /// Only connections on this node (attach mode follows several).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub node: Option<String>,
    /// Sort by this column (over every matching connection, then paged).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub sort: Option<ConnSort>,
    /// Largest (or, for age, oldest) first. Default: true.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub desc: Option<bool>,
}

/// A window of the connection list, ordered by role then connection time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ConnPage {
    /// Connections matching the query.
    pub total: u32,
    pub offset: u32,
    pub rows: Vec<ConnRow>,
    /// All connections per role, whatever the query.
    pub roles: Vec<RoleCount>,
}

/// One connection in depth.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct ConnDetail {
    pub info: ConnRow,
    /// Upgrade query parameters, secrets masked.
    pub params: BTreeMap<String, String>,
    /// The upgrade request's headers (at most 32, values cut at 512 bytes), secrets masked.
    pub headers: BTreeMap<String, String>,
    /// The server-side context from `authenticate`, secrets masked.
    #[ts(type = "unknown")]
    pub ctx: serde_json::Value,
    /// The client-visible state last sent in `env`, secrets masked.
    #[ts(type = "unknown")]
    pub env: serde_json::Value,
    /// Its most recent recorded traffic, oldest first.
    pub recent: Vec<TrafficRow>,
}

/// Body of `POST /api/connections/{id}/disconnect`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct DisconnectRequest {
    /// Sent with close code 4000. Default: "closed from the console".
    pub reason: Option<String>,
}
