//! The attached nodes' rooms: rooms merged across the nodes (a room of a cluster spans nodes),
//! each member with the node holding it; membership changes go to that node's inspector.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use switchboard_inspector::protocol::{Command, Outcome};

use super::AttachedNodes;
use crate::live::aggregator::role_counts;
use crate::nodes::graph::{GraphAsk, GraphBuilder, Member};
use crate::nodes::view::room_detail;
use crate::nodes::{convert, NodeError};
use crate::types::{MemberChangeResult, MemberRow, MembershipGraph, RoomDetail, RoomList, RoomRow};

/// Room name to its members on every attached node.
fn members(nodes: &AttachedNodes) -> BTreeMap<String, Vec<MemberRow>> {
    let mut rooms: BTreeMap<String, Vec<MemberRow>> = BTreeMap::new();
    for c in nodes.connections() {
        for room in &c.rooms {
            rooms
                .entry(room.clone())
                .or_default()
                .push(convert::member(&c));
        }
    }
    rooms
}

fn row(name: &str, members: &[MemberRow]) -> RoomRow {
    RoomRow {
        name: name.to_owned(),
        size: members.len() as u32,
        roles: role_counts(members.iter().map(|m| m.role.as_str())),
    }
}

pub(super) fn list(nodes: &AttachedNodes, needle: &str) -> RoomList {
    let all = members(nodes);
    let rooms = all
        .iter()
        .filter(|(name, _)| needle.is_empty() || name.to_lowercase().contains(needle))
        .map(|(name, m)| row(name, m))
        .collect();
    RoomList {
        rooms,
        total: all.len() as u32,
    }
}

pub(super) fn detail(
    nodes: &AttachedNodes,
    room: String,
    limit: usize,
) -> Result<RoomDetail, NodeError> {
    let members = members(nodes).remove(&room).unwrap_or_default();
    room_detail(room, members, limit, "on any attached node")
}

/// Add (`add`) or remove a connection, on the node that holds it.
pub(super) async fn change(
    nodes: &AttachedNodes,
    room: String,
    conn: String,
    add: bool,
) -> Result<MemberChangeResult, NodeError> {
    let (node, _) = nodes.find_conn(&conn).ok_or_else(|| {
        NodeError::NotFound(format!(
            "no connection `{conn}` on any attached node (it may have disconnected)"
        ))
    })?;
    let command = if add {
        Command::RoomAdd { room, conn }
    } else {
        Command::RoomRemove { room, conn }
    };
    match node.command(command).await? {
        Outcome::RoomAdd { changed } | Outcome::RoomRemove { changed } => {
            Ok(MemberChangeResult { changed })
        }
        other => Err(NodeError::Internal(format!(
            "the node answered a room change with {other:?}"
        ))),
    }
}

/// The graph from every attached node's connections, shaped like the embedded server's
/// (each member listed up to the limit; past it, counts and what the panel asked for).
pub(super) fn graph(nodes: &AttachedNodes, ask: &GraphAsk) -> MembershipGraph {
    let mut graph = GraphBuilder::new(ask);
    let mut seen = BTreeSet::new();
    for c in nodes.connections() {
        // A room listed twice by a node counts once.
        let rooms: BTreeSet<&str> = c.rooms.iter().map(String::as_str).collect();
        if rooms.is_empty() || !seen.insert(c.id.clone()) {
            continue;
        }
        let (id, role, user, node): (Arc<str>, Arc<str>, Arc<str>, Arc<str>) = (
            Arc::from(c.id.as_str()),
            Arc::from(c.role.as_str()),
            Arc::from(c.user.as_str()),
            Arc::from(c.node.as_str()),
        );
        let member = Member {
            id: &id,
            role: &role,
            user: &user,
            node: Some(&node),
        };
        let rooms: Vec<Arc<str>> = rooms.into_iter().map(Arc::from).collect();
        graph.add(member, &rooms);
    }
    graph.finish()
}
