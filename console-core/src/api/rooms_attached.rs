//! The rooms API in attach mode: rooms merged across the attached nodes (a room of a cluster
//! spans nodes), each member with the node holding it; membership changes go to that node's
//! inspector. Kept apart from `rooms.rs` so the embedded path there stays as it is.

use std::collections::BTreeMap;

use switchboard_inspector::protocol::{Command, Outcome};

use super::error::ApiError;
use crate::live::aggregator::role_counts;
use crate::nodes::{convert, AttachedNodes};
use crate::types::{
    GraphConn, MemberChangeResult, MemberRow, MembershipGraph, RoomDetail, RoomList, RoomRow,
};

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

pub fn list(nodes: &AttachedNodes, needle: &str) -> RoomList {
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

pub fn detail(nodes: &AttachedNodes, room: String, limit: usize) -> Result<RoomDetail, ApiError> {
    let mut members = members(nodes).remove(&room).unwrap_or_default();
    if members.is_empty() {
        return Err(ApiError::not_found(format!(
            "no room `{room}` on any attached node (rooms exist while they have members)"
        )));
    }
    members.sort_by(|a, b| a.role.cmp(&b.role).then(a.id.cmp(&b.id)));
    let size = members.len() as u32;
    let truncated = members.len() > limit;
    members.truncate(limit);
    Ok(RoomDetail {
        name: room,
        size,
        members,
        truncated,
    })
}

/// Add (`add`) or remove a connection, on the node that holds it.
pub async fn change(
    nodes: &AttachedNodes,
    room: String,
    conn: String,
    add: bool,
) -> Result<MemberChangeResult, ApiError> {
    let (node, _) = nodes.find_conn(&conn).ok_or_else(|| {
        ApiError::not_found(format!(
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
        other => Err(ApiError::internal(format!(
            "the node answered a room change with {other:?}"
        ))),
    }
}

/// The graph, one connection per member (grouping by node is left for later).
pub fn graph(nodes: &AttachedNodes) -> MembershipGraph {
    let all = members(nodes);
    let mut conns: BTreeMap<String, GraphConn> = BTreeMap::new();
    for (room, members) in &all {
        for m in members {
            conns
                .entry(m.id.clone())
                .or_insert_with(|| GraphConn {
                    id: m.id.clone(),
                    role: m.role.clone(),
                    user: m.user.clone(),
                    rooms: Vec::new(),
                    node: m.node.clone(),
                })
                .rooms
                .push(room.clone());
        }
    }
    MembershipGraph {
        rooms: all.iter().map(|(name, m)| row(name, m)).collect(),
        grouped: false,
        conns: conns.into_values().collect(),
        groups: Vec::new(),
    }
}
