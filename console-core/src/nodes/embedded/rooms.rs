//! The embedded server's rooms: the list, one room's members and the membership graph read
//! from its room registry the moment they are asked (a member added by a join is listed as
//! soon as the join returns), and membership changed through the `manual` handle.

use std::sync::Arc;

use switchboard_server::{Conn, Server};

use crate::live::aggregator::sorted_counts;
use crate::nodes::graph::{GraphAsk, GraphBuilder, Member};
use crate::nodes::view::room_detail;
use crate::nodes::NodeError;
use crate::types::{MemberChangeResult, MemberRow, MembershipGraph, RoomDetail, RoomList, RoomRow};

/// A member as both modes show it: with the node holding it (here, the console's own server),
/// as an attached node's members are.
fn member(c: &Conn, node: &str) -> MemberRow {
    MemberRow {
        id: c.id().to_owned(),
        role: c.role().to_owned(),
        user: c.user().to_owned(),
        node: Some(node.to_owned()),
    }
}

/// A room as the list shows it, from the registry's counts (no member copied).
fn room_row(r: switchboard_server::RoomRoles) -> RoomRow {
    RoomRow {
        name: r.name,
        size: r.size as u32,
        roles: sorted_counts(r.roles.into_iter().map(|(role, n)| (role, n as u32))),
    }
}

pub(super) fn list(server: &Server, needle: &str) -> RoomList {
    let all = server.rooms_roles();
    let total = all.len() as u32;
    let rooms = all
        .into_iter()
        .filter(|r| needle.is_empty() || r.name.to_lowercase().contains(needle))
        .map(room_row)
        .collect();
    RoomList { rooms, total }
}

pub(super) fn detail(server: &Server, room: String, limit: usize) -> Result<RoomDetail, NodeError> {
    let members: Vec<MemberRow> = server
        .room(&room)
        .connections()
        .iter()
        .map(|c| member(c, server.node_id()))
        .collect();
    room_detail(room, members, limit, "on this node")
}

fn known_conn(server: &Server, id: &str) -> Result<(), NodeError> {
    match server.conn(id) {
        Some(_) => Ok(()),
        None => Err(NodeError::NotFound(format!(
            "no connection `{id}` on this node (it may have disconnected)"
        ))),
    }
}

/// Add (`add`) or remove connection `conn`; `manual` records the change as the console's.
pub(super) fn change(
    server: &Server,
    manual: &Server,
    room: &str,
    conn: &str,
    add: bool,
) -> Result<MemberChangeResult, NodeError> {
    known_conn(server, conn)?;
    let changed = if add {
        // Past the connection's room cap: the message names the cap.
        manual
            .room(room)
            .add_id(conn)
            .map_err(|e| NodeError::Refused(e.to_string()))?
    } else {
        manual.room(room).remove_id(conn)
    };
    Ok(MemberChangeResult { changed })
}

/// One walk over the connections (in no order: the registry's map, without the ordered
/// index's lookups), each reading its own room list in place; room sizes are
/// counted from the same reads, so the response agrees with itself even while members come
/// and go.
pub(super) fn graph(server: &Server, ask: &GraphAsk) -> MembershipGraph {
    let node: Arc<str> = Arc::from(server.node_id());
    let mut graph = GraphBuilder::new(ask);
    for c in server.local_unordered() {
        let member = Member {
            id: c.id_arc(),
            role: c.role_arc(),
            user: c.user_arc(),
            node: Some(&node),
        };
        graph.add_with(member, |f| c.for_each_room(f));
    }
    graph.finish()
}
