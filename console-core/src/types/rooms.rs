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

/// Members of one room with one role (on one node), drawn as one node when there are too many
/// connections to draw each. The UI adds them up by role, or by node when it groups by node.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct GraphGroup {
    pub room: String,
    pub role: String,
    pub count: u32,
    /// The node holding these members (absent for members that do not say).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub node: Option<String>,
}

/// Members the panel asked for in a grouped graph: the selected room's (`facet` absent), or
/// the members of one expanded group (`facet` is its role, or its node with `by_node`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct GraphMembers {
    pub room: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub facet: Option<String>,
    /// By role then id (a room's), or by id (a group's); at most
    /// [`GRAPH_ROOM_MEMBERS`](crate::nodes::graph::GRAPH_ROOM_MEMBERS) or
    /// [`GRAPH_GROUP_MEMBERS`](crate::nodes::graph::GRAPH_GROUP_MEMBERS).
    pub members: Vec<MemberRow>,
    /// How many there are in all (the room's size, or the group's count).
    pub total: u32,
}

/// The membership graph at one instant. Up to
/// [`GRAPH_CONN_LIMIT`](crate::nodes::graph::GRAPH_CONN_LIMIT) distinct members, `conns` lists
/// every room member with its rooms, so the UI keeps the membership by connection and applies
/// the live stream's joins and leaves exactly. Past it (`grouped`), no member is listed but the
/// ones asked for (`listed`: the selected room's, the expanded groups'): the rooms and the
/// members per room and role (`groups`) are counted here, and the UI asks again when the live
/// stream says membership changed. Every count comes from the same walk, so the list, the
/// detail and the graph show one number for a room.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct MembershipGraph {
    pub rooms: Vec<RoomRow>,
    pub grouped: bool,
    /// Distinct connections in at least one room.
    pub members: u32,
    /// Empty when `grouped`.
    pub conns: Vec<GraphConn>,
    pub groups: Vec<GraphGroup>,
    /// Empty unless `grouped`.
    pub listed: Vec<GraphMembers>,
    /// Distinct connections in at least one room per role, largest first: a connection in
    /// two rooms counts once (summing `groups` counts it once per room).
    pub by_role: Vec<RoleCount>,
    /// The same per node ("?" for members that do not say), largest first.
    pub by_node: Vec<NodeCount>,
}

/// How many connections one node holds (of those counted).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct NodeCount {
    pub node: String,
    pub connections: u32,
}
