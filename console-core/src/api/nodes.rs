//! `/api/nodes`: the nodes this console follows and its link to each; in attach mode, adding
//! (`POST`) and removing (`DELETE /api/nodes/{id}`) a node while the console runs (the other
//! node sources refuse both).

use std::sync::Arc;

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::routing::{delete, get};
use axum::{Json, Router};

use super::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::types::{AttachRequest, NodeLink, NodeList};

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/nodes", get(list).post(add))
        .route("/api/nodes/{id}", delete(remove))
}

pub fn list_nodes(st: &AppState) -> NodeList {
    st.source.node_list(st.hub.dropped())
}

async fn list(State(st): State<Arc<AppState>>) -> Json<NodeList> {
    Json(list_nodes(&st))
}

async fn add(
    State(st): State<Arc<AppState>>,
    body: Result<Json<AttachRequest>, JsonRejection>,
) -> ApiResult<NodeLink> {
    let Json(req) = body?;
    Ok(Json(st.source.add_node(&req.url)?))
}

async fn remove(
    State(st): State<Arc<AppState>>,
    Path(id): Path<u32>,
) -> Result<Json<serde_json::Value>, ApiError> {
    st.source.remove_node(id)?;
    Ok(Json(serde_json::json!({ "removed": true })))
}
