//! Connections: the list (grouped by role, searchable, paged), one connection in depth with its
//! recent traffic, and disconnecting it by hand.

use std::sync::Arc;

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use switchboard_capture::{Cursor, Redaction};
use switchboard_server::{close_code, ConnInfo};

use super::error::{ApiError, ApiResult};
use crate::live::aggregator::role_counts;
use crate::live::rows;
use crate::state::AppState;
use crate::types::{ConnDetail, ConnPage, ConnQuery, ConnRow, DisconnectRequest, TrafficRow};

const DEFAULT_LIMIT: u32 = 200;
const MAX_LIMIT: u32 = 1_000;
/// Rows of recent traffic in a connection's detail.
const RECENT_ROWS: usize = 100;

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/connections", get(list))
        .route("/api/connections/{id}", get(detail))
        .route("/api/connections/{id}/disconnect", post(disconnect))
}

pub fn row(c: ConnInfo) -> ConnRow {
    ConnRow {
        id: c.id,
        role: c.role,
        user: c.user,
        node: c.node,
        origin: c.origin,
        connected_at_us: c.connected_at_us,
        last_pong_us: c.last_pong_us,
        missed_pongs: c.missed_pongs,
        rooms: c.rooms,
        topics: c.topics,
        msgs_in: c.msgs_in,
        msgs_out: c.msgs_out,
        bytes_in: c.bytes_in,
        bytes_out: c.bytes_out,
        queue_depth: c.queue_depth as u32,
    }
}

fn matches(c: &ConnRow, needle: &str) -> bool {
    needle.is_empty()
        || c.id.to_lowercase().contains(needle)
        || c.user.to_lowercase().contains(needle)
        || c.role.to_lowercase().contains(needle)
        || c.node.to_lowercase().contains(needle)
        || c.rooms.iter().any(|r| r.to_lowercase().contains(needle))
        || c.topics.iter().any(|t| t.to_lowercase().contains(needle))
}

/// One page of the list, whichever node source the rows came from: filtered by role, node and
/// the search text, grouped by role with the oldest connection first, counts per role over
/// everything.
pub(super) fn page(all: Vec<ConnRow>, q: ConnQuery) -> ConnPage {
    let roles = role_counts(all.iter().map(|c| c.role.as_str()));
    let needle = q.q.unwrap_or_default().to_lowercase();
    let wanted = |want: &Option<String>, have: &str| {
        want.as_deref().is_none_or(|w| w.is_empty() || w == have)
    };
    let mut hits: Vec<ConnRow> = all
        .into_iter()
        .filter(|c| wanted(&q.role, &c.role) && wanted(&q.node, &c.node) && matches(c, &needle))
        .collect();
    hits.sort_by(|a, b| {
        a.role
            .cmp(&b.role)
            .then(a.connected_at_us.cmp(&b.connected_at_us))
            .then(a.id.cmp(&b.id))
    });
    let total = hits.len() as u32;
    let offset = q.offset.unwrap_or(0).min(total);
    let limit = q.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT);
    let rows = hits
        .into_iter()
        .skip(offset as usize)
        .take(limit as usize)
        .collect();
    ConnPage {
        total,
        offset,
        rows,
        roles,
    }
}

async fn list(
    State(st): State<Arc<AppState>>,
    query: Result<Query<ConnQuery>, QueryRejection>,
) -> ApiResult<ConnPage> {
    let Query(q) = query?;
    let attached = st.attached().cloned();
    let server = st.server.clone();
    let page = tokio::task::spawn_blocking(move || {
        let all = match attached {
            Some(nodes) => super::connections_attached::rows(&nodes),
            None => server.local().into_iter().map(row).collect(),
        };
        page(all, q)
    })
    .await?;
    Ok(Json(page))
}

fn masked(mut value: serde_json::Value) -> serde_json::Value {
    Redaction::new().redact_value(&mut value);
    value
}

async fn detail(State(st): State<Arc<AppState>>, Path(id): Path<String>) -> ApiResult<ConnDetail> {
    let (info, params, ctx, env) = match st.attached() {
        // The node masked secrets before sending; its values are as of its last report.
        Some(nodes) => {
            let c = super::connections_attached::find(nodes, &id)?;
            (crate::nodes::convert::conn_row(&c), c.params, c.ctx, c.env)
        }
        None => {
            let conn = st.server.conn(&id).ok_or_else(|| {
                ApiError::not_found(format!(
                    "no connection `{id}` on this node (it may have disconnected)"
                ))
            })?;
            let info = conn.info();
            let params = info.params.clone();
            (
                row(info),
                params,
                masked(conn.ctx().clone()),
                masked(conn.env()),
            )
        }
    };
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
    if let Some(nodes) = st.attached() {
        let reason = reason
            .filter(|r| !r.trim().is_empty())
            .unwrap_or_else(|| "closed from the console".to_owned());
        super::connections_attached::disconnect(nodes, &id, reason).await?;
        return Ok(Json(serde_json::json!({ "closed": true })));
    }
    let conn = st.server.conn(&id).ok_or_else(|| {
        ApiError::not_found(format!(
            "no connection `{id}` on this node (it may have disconnected)"
        ))
    })?;
    let reason = reason
        .filter(|r| !r.trim().is_empty())
        .unwrap_or_else(|| "closed from the console".to_owned());
    conn.close(close_code::CLOSED_BY_SERVER, reason);
    Ok(Json(serde_json::json!({ "closed": true })))
}
