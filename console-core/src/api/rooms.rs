//! Rooms: the searchable list, one room's members, the membership graph, and adding or
//! removing a connection by hand (recorded as `manual`).

use std::sync::Arc;

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::routing::{delete, get};
use axum::{Json, Router};
use serde::Deserialize;
use switchboard_server::{Conn, Server};

use super::error::{ApiError, ApiResult};
use super::graph::{GraphAsk, GraphBuilder, Member};
use crate::live::aggregator::sorted_counts;
use crate::state::AppState;
use crate::types::{
    MemberChange, MemberChangeResult, MemberRow, MembershipGraph, RoomDetail, RoomList, RoomRow,
};

const DEFAULT_MEMBER_LIMIT: usize = 2_000;

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/rooms", get(list))
        .route("/api/rooms/{room}", get(detail))
        .route("/api/rooms/{room}/members", axum::routing::post(add))
        .route("/api/rooms/{room}/members/{conn}", delete(remove))
        .route("/api/graph", get(graph))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ListQuery {
    q: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct DetailQuery {
    limit: Option<usize>,
}

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

async fn list(
    State(st): State<Arc<AppState>>,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> ApiResult<RoomList> {
    let Query(query) = query?;
    let needle = query.q.unwrap_or_default().to_lowercase();
    if let Some(nodes) = st.attached() {
        return Ok(Json(super::rooms_attached::list(nodes, &needle)));
    }
    if st.proxy().is_some() {
        return Ok(Json(RoomList {
            rooms: Vec::new(),
            total: 0,
        }));
    }
    let all = st.server.rooms_roles();
    let total = all.len() as u32;
    let rooms = all
        .into_iter()
        .filter(|r| needle.is_empty() || r.name.to_lowercase().contains(&needle))
        .map(room_row)
        .collect();
    Ok(Json(RoomList { rooms, total }))
}

async fn detail(
    State(st): State<Arc<AppState>>,
    Path(room): Path<String>,
    query: Result<Query<DetailQuery>, QueryRejection>,
) -> ApiResult<RoomDetail> {
    let Query(query) = query?;
    let limit = query.limit.unwrap_or(DEFAULT_MEMBER_LIMIT).clamp(1, 20_000);
    if let Some(nodes) = st.attached() {
        return super::rooms_attached::detail(nodes, room, limit).map(Json);
    }
    if st.proxy().is_some() {
        return Err(ApiError::bad_request(super::proxied::NO_ROOMS));
    }
    let mut members: Vec<MemberRow> = st
        .server
        .room(&room)
        .connections()
        .iter()
        .map(|c| member(c, st.server.node_id()))
        .collect();
    if members.is_empty() {
        return Err(ApiError::not_found(format!(
            "no room `{room}` on this node (rooms exist while they have members)"
        )));
    }
    members.sort_by(|a, b| a.role.cmp(&b.role).then(a.id.cmp(&b.id)));
    let size = members.len() as u32;
    let truncated = members.len() > limit;
    members.truncate(limit);
    Ok(Json(RoomDetail {
        name: room,
        size,
        members,
        truncated,
    }))
}

fn known_conn(server: &Server, id: &str) -> Result<(), ApiError> {
    match server.conn(id) {
        Some(_) => Ok(()),
        None => Err(ApiError::not_found(format!(
            "no connection `{id}` on this node (it may have disconnected)"
        ))),
    }
}

async fn add(
    State(st): State<Arc<AppState>>,
    Path(room): Path<String>,
    body: Result<Json<MemberChange>, JsonRejection>,
) -> ApiResult<MemberChangeResult> {
    let Json(body) = body?;
    if room.trim().is_empty() {
        return Err(ApiError::bad_request("a room name cannot be empty"));
    }
    if let Some(nodes) = st.attached() {
        return super::rooms_attached::change(nodes, room, body.conn, true)
            .await
            .map(Json);
    }
    if st.proxy().is_some() {
        return Err(ApiError::bad_request(super::proxied::NO_ROOMS));
    }
    known_conn(&st.server, &body.conn)?;
    // Past the connection's room cap: the message names the cap.
    let changed = st
        .manual
        .room(&room)
        .add_id(&body.conn)
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    Ok(Json(MemberChangeResult { changed }))
}

async fn remove(
    State(st): State<Arc<AppState>>,
    Path((room, conn)): Path<(String, String)>,
) -> ApiResult<MemberChangeResult> {
    if let Some(nodes) = st.attached() {
        return super::rooms_attached::change(nodes, room, conn, false)
            .await
            .map(Json);
    }
    if st.proxy().is_some() {
        return Err(ApiError::bad_request(super::proxied::NO_ROOMS));
    }
    known_conn(&st.server, &conn)?;
    let changed = st.manual.room(&room).remove_id(&conn);
    Ok(Json(MemberChangeResult { changed }))
}

async fn graph(
    State(st): State<Arc<AppState>>,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Result<Json<MembershipGraph>, ApiError> {
    let Query(pairs) = query?;
    let ask = GraphAsk::parse(pairs).map_err(ApiError::bad_request)?;
    if let Some(nodes) = st.attached() {
        return Ok(Json(super::rooms_attached::graph(nodes, &ask)));
    }
    if st.proxy().is_some() {
        // No room is visible through a proxy: the panel says why instead of drawing a graph.
        return Ok(Json(GraphBuilder::new(&ask).finish()));
    }
    // One pass over the connections that copies no text but what it lists: short enough to
    // run here rather than wait for the blocking pool behind the application's work.
    Ok(Json(build_graph(&st.server, &ask)))
}

/// One walk over the connections (in no order: the registry's map, without the ordered
/// index's lookups), each reading its own room list in place; room sizes are
/// counted from the same reads, so the response agrees with itself even while members come
/// and go.
fn build_graph(server: &Server, ask: &GraphAsk) -> MembershipGraph {
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
