//! Connections: the list (grouped by role, searchable, paged), one connection in depth with its
//! recent traffic, and disconnecting it by hand. Whichever node source the console reads
//! answers the same calls ([`crate::nodes::NodeView`]); this file adds the capture's rows.

use std::sync::Arc;

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use switchboard_capture::Cursor;

use super::error::{ApiError, ApiResult};
use crate::live::rows;
use crate::nodes::ConnFacts;
use crate::state::AppState;
use crate::types::{ConnDetail, ConnPage, ConnQuery, DisconnectRequest, TrafficRow};

/// Rows of recent traffic in a connection's detail.
const RECENT_ROWS: usize = 100;

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/connections", get(list))
        .route("/api/connections/{id}", get(detail))
        .route("/api/connections/{id}/disconnect", post(disconnect))
}

async fn list(
    State(st): State<Arc<AppState>>,
    query: Result<Query<ConnQuery>, QueryRejection>,
) -> ApiResult<ConnPage> {
    let Query(q) = query?;
    let source = st.source.clone();
    let page = tokio::task::spawn_blocking(move || source.conn_page(q)).await?;
    Ok(Json(page))
}

async fn detail(State(st): State<Arc<AppState>>, Path(id): Path<String>) -> ApiResult<ConnDetail> {
    let ConnFacts {
        info,
        params,
        headers,
        ctx,
        env,
    } = st.source.conn(&id)?;
    let recent = if st.recorder.is_some() {
        let st2 = st.clone();
        let id2 = id.clone();
        tokio::task::spawn_blocking(move || -> Result<Vec<TrafficRow>, ApiError> {
            let reader = st2.reader()?;
            let filter = switchboard_capture::Filter {
                conns: vec![id2],
                ..Default::default()
            };
            let page = reader.query(&filter, Cursor::End, RECENT_ROWS)?;
            Ok(page.rows.into_iter().map(rows::from_capture).collect())
        })
        .await??
    } else {
        Vec::new()
    };
    Ok(Json(ConnDetail {
        info,
        params,
        headers,
        ctx,
        env,
        recent,
    }))
}

async fn disconnect(
    State(st): State<Arc<AppState>>,
    Path(id): Path<String>,
    body: Result<Json<DisconnectRequest>, JsonRejection>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let reason = match body {
        Ok(Json(b)) => b.reason,
        // An empty body is fine: the default reason applies.
        Err(JsonRejection::MissingJsonContentType(_)) => None,
        Err(e) => return Err(e.into()),
    };
    let reason = reason
        .filter(|r| !r.trim().is_empty())
        .unwrap_or_else(|| "closed from the console".to_owned());
    st.source.disconnect(&id, reason).await?;
    Ok(Json(serde_json::json!({ "closed": true })))
}
