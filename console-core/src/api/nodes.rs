//! `/api/nodes`: the nodes this console follows and its link to each; in attach mode, adding
//! (`POST`) and removing (`DELETE /api/nodes/{id}`) a node while the console runs.

use std::sync::Arc;

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::routing::{delete, get};
use axum::{Json, Router};

use super::error::{ApiError, ApiResult};
use crate::nodes::{AttachError, NodeSource};
use crate::state::AppState;
use crate::types::{AttachRequest, LinkState, NodeLink, NodeList};

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/nodes", get(list).post(add))
        .route("/api/nodes/{id}", delete(remove))
}

/// The embedded server as a link that is always there.
fn embedded(st: &AppState) -> NodeLink {
    NodeLink {
        id: 0,
        url: String::new(),
        node: Some(st.server.node_id().to_owned()),
        discovered: false,
        state: LinkState::Embedded,
        connections: st.server.connection_count() as u32,
        rooms: st.server.room_count() as u32,
        dropped: st.hub.dropped(),
        bad_frames: 0,
        attaches: 1,
        last_error: None,
        server_version: Some(env!("CARGO_PKG_VERSION").to_owned()),
    }
}

pub fn list_nodes(st: &AppState) -> NodeList {
    match &st.source {
        NodeSource::Embedded(_) => NodeList {
            mode: "embedded".into(),
            nodes: vec![embedded(st)],
            discovery: None,
        },
        NodeSource::Attached(nodes) => NodeList {
            mode: "attach".into(),
            nodes: nodes.status(),
            discovery: nodes.discovery_status(),
        },
        NodeSource::Proxy(proxy) => super::proxied::node_list(proxy, st),
    }
}

async fn list(State(st): State<Arc<AppState>>) -> Json<NodeList> {
    Json(list_nodes(&st))
}

fn attach_only(st: &AppState) -> Result<&Arc<crate::nodes::AttachedNodes>, ApiError> {
    st.attached().ok_or_else(|| {
        ApiError::bad_request(
            "this console runs its own server; start it with `switchboard attach URL...` to follow other nodes",
        )
    })
}

async fn add(
    State(st): State<Arc<AppState>>,
    body: Result<Json<AttachRequest>, JsonRejection>,
) -> ApiResult<NodeLink> {
    let Json(req) = body?;
    let nodes = attach_only(&st)?;
    nodes.add(&req.url).map(Json).map_err(|e| match e {
        AttachError::BadUrl(_) | AttachError::Duplicate(_) => ApiError::bad_request(e.to_string()),
    })
}

async fn remove(
    State(st): State<Arc<AppState>>,
    Path(id): Path<u32>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let nodes = attach_only(&st)?;
    if nodes.remove(id) {
        Ok(Json(serde_json::json!({ "removed": true })))
    } else {
        Err(ApiError::not_found(format!("no attached node {id}")))
    }
}
