//! `/api/rooms` and `/api/graph`: rooms, their members, and the membership graph.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::common::RoleCount;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct RoomRow {
    pub name: String,
    pub size: u32,
    /// Members per role, largest first.
    pub roles: Vec<RoleCount>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct RoomList {
    /// Rooms whose name contains the query, by name.
    pub rooms: Vec<RoomRow>,
    /// All rooms on the node, whatever the query.
    pub total: u32,
}

/// A connection as a member of something.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct MemberRow {
    pub id: String,
    pub role: String,
    pub user: String,
    /// The node holding the connection (the console's own server in embedded mode).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub node: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct RoomDetail {
    pub name: String,
    pub size: u32,
    /// Members, by role then id; at most `limit` of them.
    pub members: Vec<MemberRow>,
    pub truncated: bool,
}

/// Body of `POST /api/rooms/{room}/members`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct MemberChange {
    pub conn: String,
}

/// What a membership change did: `false` when the connection already was (or was not) a member.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct MemberChangeResult {
    pub changed: bool,
}

/// A connection node of the graph, with the rooms it belongs to (its edges).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct GraphConn {
    pub id: String,
    pub role: String,
    pub user: String,
    pub rooms: Vec<String>,
    /// The node holding the connection (the console's own server in embedded mode).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub node: Option<String>,
}

/// Members of one room with one role, drawn as one node when there are too many connections
/// to draw each.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct GraphGroup {
    pub room: String,
    pub role: String,
    pub count: u32,
}

/// The membership graph: every room member with its rooms (`conns`, so the UI can keep the
/// membership by connection and apply the live stream's joins and leaves exactly), and the
/// members per room and role (`groups`). `grouped` says there are more than
/// [`GRAPH_CONN_LIMIT`](crate::api::rooms::GRAPH_CONN_LIMIT) distinct members: the UI then draws
/// one node per room and role, which expands on demand.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct MembershipGraph {
    pub rooms: Vec<RoomRow>,
    pub grouped: bool,
    pub conns: Vec<GraphConn>,
    pub groups: Vec<GraphGroup>,
}
