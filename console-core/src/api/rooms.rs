//! Rooms: the searchable list, one room's members, the membership graph, and adding or
//! removing a connection by hand (recorded as `manual`). Whichever node source the console
//! reads answers the same calls ([`crate::nodes::NodeView`]).

use std::sync::Arc;

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::routing::{delete, get};
use axum::{Json, Router};
use serde::Deserialize;

use super::error::{ApiError, ApiResult};
use crate::nodes::graph::GraphAsk;
use crate::state::AppState;
use crate::types::{MemberChange, MemberChangeResult, MembershipGraph, RoomDetail, RoomList};

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

async fn list(
    State(st): State<Arc<AppState>>,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> ApiResult<RoomList> {
    let Query(query) = query?;
    let needle = query.q.unwrap_or_default().to_lowercase();
    Ok(Json(st.source.rooms(&needle)))
}

async fn detail(
    State(st): State<Arc<AppState>>,
    Path(room): Path<String>,
    query: Result<Query<DetailQuery>, QueryRejection>,
) -> ApiResult<RoomDetail> {
    let Query(query) = query?;
    let limit = query.limit.unwrap_or(DEFAULT_MEMBER_LIMIT).clamp(1, 20_000);
    Ok(Json(st.source.room(room, limit)?))
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
    Ok(Json(st.source.change_room(room, body.conn, true).await?))
}

async fn remove(
    State(st): State<Arc<AppState>>,
    Path((room, conn)): Path<(String, String)>,
) -> ApiResult<MemberChangeResult> {
    Ok(Json(st.source.change_room(room, conn, false).await?))
}

/// One pass over the connections that copies no text but what it lists: short enough to run
/// here rather than wait for the blocking pool behind the application's work.
async fn graph(
    State(st): State<Arc<AppState>>,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Result<Json<MembershipGraph>, ApiError> {
    let Query(pairs) = query?;
    let ask = GraphAsk::parse(pairs).map_err(ApiError::bad_request)?;
    Ok(Json(st.source.graph(&ask)))
}
