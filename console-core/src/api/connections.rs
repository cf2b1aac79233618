//! Connections: the list (grouped by role, searchable, paged), one connection in depth with its
//! recent traffic, and disconnecting it by hand.

use std::sync::Arc;

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use switchboard_capture::{Cursor, Redaction};
use switchboard_server::{close_code, Conn, ConnInfo, Server};

use super::error::{ApiError, ApiResult};
use crate::live::aggregator::{role_counts, sorted_counts};
use crate::live::rows;
use crate::state::AppState;
use crate::types::{
    ConnDetail, ConnPage, ConnQuery, ConnRow, ConnSort, DisconnectRequest, RoleCount, TrafficRow,
};

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
        queue_bytes: c.queue_bytes as u64,
        errors: c.errors,
        remote: c.remote,
        user_agent: c.user_agent,
    }
}

/// What the list needs from a connection, whichever node source holds it: an embedded
/// server's live [`Conn`] (whose full row is built only when it lands on the page) or a row
/// an attached node reported.
pub(super) trait Listed {
    fn role(&self) -> &str;
    fn node(&self) -> &str;
    fn matches(&self, needle: &str) -> bool;
    fn sort_key(&self, by: ConnSort) -> i64;
    fn into_row(self) -> ConnRow;
}

/// Whether `haystack` contains `needle` (already lower case), ignoring case. ASCII text, which
/// ids, users and room names nearly always are, is compared in place: searching 10,000
/// connections allocates nothing then.
fn has(haystack: &str, needle: &str) -> bool {
    if haystack.is_ascii() && needle.is_ascii() {
        let (h, n) = (haystack.as_bytes(), needle.as_bytes());
        return n.is_empty() || h.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n));
    }
    haystack.to_lowercase().contains(needle)
}

fn key(by: ConnSort, msgs_in: u64, msgs_out: u64, queue: usize, errors: u64, at_us: i64) -> i64 {
    let clamp = |n: u64| n.min(i64::MAX as u64) as i64;
    match by {
        ConnSort::MsgsIn => clamp(msgs_in),
        ConnSort::MsgsOut => clamp(msgs_out),
        // `queue` is in frames or in bytes, as the column asks.
        ConnSort::Queue | ConnSort::QueueBytes => queue.min(i64::MAX as usize) as i64,
        ConnSort::Errors => clamp(errors),
        // Older is larger: descending is the oldest first.
        ConnSort::Age => at_us.saturating_neg(),
    }
}

impl Listed for ConnRow {
    fn role(&self) -> &str {
        &self.role
    }
    fn node(&self) -> &str {
        &self.node
    }
    fn matches(&self, needle: &str) -> bool {
        has(&self.id, needle)
            || has(&self.user, needle)
            || has(&self.role, needle)
            || has(&self.node, needle)
            || self.rooms.iter().any(|r| has(r, needle))
            || self.topics.iter().any(|t| has(t, needle))
    }
    fn sort_key(&self, by: ConnSort) -> i64 {
        key(
            by,
            self.msgs_in,
            self.msgs_out,
            if by == ConnSort::QueueBytes {
                self.queue_bytes as usize
            } else {
                self.queue_depth as usize
            },
            self.errors,
            self.connected_at_us,
        )
    }
    fn into_row(self) -> ConnRow {
        self
    }
}

/// An embedded server's connection together with its node id (the same for all).
struct Live<'a>(Conn, &'a str);

impl Listed for Live<'_> {
    fn role(&self) -> &str {
        self.0.role()
    }
    fn node(&self) -> &str {
        self.1
    }
    fn matches(&self, needle: &str) -> bool {
        let c = &self.0;
        // Cheapest first; rooms and topics are read in place.
        has(c.id(), needle)
            || has(c.user(), needle)
            || has(c.role(), needle)
            || has(self.1, needle)
            || c.any_room(|r| has(r, needle))
            || c.any_topic(|t| has(t, needle))
    }
    fn sort_key(&self, by: ConnSort) -> i64 {
        let c = &self.0;
        match by {
            ConnSort::MsgsIn => key(by, c.msgs_in(), 0, 0, 0, 0),
            ConnSort::MsgsOut => key(by, 0, c.msgs_out(), 0, 0, 0),
            ConnSort::Queue => key(by, 0, 0, c.queue_depth(), 0, 0),
            ConnSort::QueueBytes => key(by, 0, 0, c.queue_bytes(), 0, 0),
            ConnSort::Errors => key(by, 0, 0, 0, c.errors(), 0),
            ConnSort::Age => key(by, 0, 0, 0, 0, c.connected_at_us()),
        }
    }
    fn into_row(self) -> ConnRow {
        row(self.0.info())
    }
}

/// One page of the list. `all` comes in list order (role, oldest first, id); `roles` counts
/// every connection per role. Without a sort column the page is a walk of that order (rows are
/// built only for the page); with one, the page's rows are selected in linear time
/// (`select_nth_unstable`) and only they are sorted, ties kept in list order.
pub(super) fn page<T: Listed>(all: Vec<T>, roles: Vec<RoleCount>, q: ConnQuery) -> ConnPage {
    let needle = q.q.unwrap_or_default().to_lowercase();
    let wanted = |want: &Option<String>, have: &str| {
        want.as_deref().is_none_or(|w| w.is_empty() || w == have)
    };
    let hits = all.into_iter().filter(|c| {
        wanted(&q.role, c.role())
            && wanted(&q.node, c.node())
            && (needle.is_empty() || c.matches(&needle))
    });
    let limit = q.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT) as usize;
    let wanted_offset = q.offset.unwrap_or(0) as usize;
    let (total, offset, rows) = match q.sort {
        None => {
            let mut total = 0usize;
            let mut window = Vec::with_capacity(limit);
            for c in hits {
                if total >= wanted_offset && window.len() < limit {
                    window.push(c);
                }
                total += 1;
            }
            let offset = wanted_offset.min(total);
            (
                total,
                offset,
                window.into_iter().map(Listed::into_row).collect(),
            )
        }
        Some(by) => {
            let desc = q.desc.unwrap_or(true);
            // (key, position in list order): the position breaks ties, so equal keys keep the
            // default order whichever way the column is sorted.
            let mut keyed: Vec<(i64, usize, T)> = hits
                .enumerate()
                .map(|(i, c)| {
                    let k = c.sort_key(by);
                    (if desc { k.saturating_neg() } else { k }, i, c)
                })
                .collect();
            let total = keyed.len();
            let offset = wanted_offset.min(total);
            let end = (offset + limit).min(total);
            let cmp = |a: &(i64, usize, T), b: &(i64, usize, T)| (a.0, a.1).cmp(&(b.0, b.1));
            if end < total && end > 0 {
                keyed.select_nth_unstable_by(end - 1, cmp);
                keyed.truncate(end);
            }
            keyed.sort_unstable_by(cmp);
            let rows = keyed
                .into_iter()
                .skip(offset)
                .map(|(_, _, c)| c.into_row())
                .collect();
            (total, offset, rows)
        }
    };
    ConnPage {
        total: total as u32,
        offset: offset as u32,
        rows,
        roles,
    }
}

/// Attached nodes' rows, put in list order first.
pub(super) fn page_of_rows(mut all: Vec<ConnRow>, q: ConnQuery) -> ConnPage {
    let roles = role_counts(all.iter().map(|c| c.role.as_str()));
    all.sort_by(|a, b| {
        a.role
            .cmp(&b.role)
            .then(a.connected_at_us.cmp(&b.connected_at_us))
            .then(a.id.cmp(&b.id))
    });
    page(all, roles, q)
}

/// An embedded server's list: its index gives the order and its counters the roles.
fn page_of_server(server: &Server, q: ConnQuery) -> ConnPage {
    let node = server.node_id().to_owned();
    let roles = sorted_counts(
        server
            .role_counts()
            .into_iter()
            .map(|(role, n)| (role, n as u32)),
    );
    let all = server
        .local_in_order()
        .into_iter()
        .map(|c| Live(c, &node))
        .collect();
    page(all, roles, q)
}

async fn list(
    State(st): State<Arc<AppState>>,
    query: Result<Query<ConnQuery>, QueryRejection>,
) -> ApiResult<ConnPage> {
    let Query(q) = query?;
    let attached = st.attached().cloned();
    let proxy = st.proxy().cloned();
    let server = st.server.clone();
    let page = tokio::task::spawn_blocking(move || match (attached, proxy) {
        (Some(nodes), _) => page_of_rows(super::connections_attached::rows(&nodes), q),
        (None, Some(proxy)) => page_of_rows(super::proxied::rows(&proxy), q),
        (None, None) => page_of_server(&server, q),
    })
    .await?;
    Ok(Json(page))
}

fn masked(mut value: serde_json::Value) -> serde_json::Value {
    Redaction::new().redact_value(&mut value);
    value
}

async fn detail(State(st): State<Arc<AppState>>, Path(id): Path<String>) -> ApiResult<ConnDetail> {
    let (info, params, headers, ctx, env) = match (st.attached(), st.proxy()) {
        // The handshake is all the proxy knows of a connection: no context, and `env` is in
        // the traffic rows.
        (None, Some(proxy)) => {
            let (info, params) = super::proxied::find(proxy, &id)?;
            (
                info,
                params,
                Default::default(),
                serde_json::Value::Null,
                serde_json::Value::Null,
            )
        }
        // The node masked secrets before sending; its values are as of its last report (an
        // inspector does not report headers).
        (Some(nodes), _) => {
            let c = super::connections_attached::find(nodes, &id)?;
            let headers = Default::default();
            (
                crate::nodes::convert::conn_row(&c),
                c.params,
                headers,
                c.ctx,
                c.env,
            )
        }
        (None, None) => {
            let conn = st.server.conn(&id).ok_or_else(|| {
                ApiError::not_found(format!(
                    "no connection `{id}` on this node (it may have disconnected)"
                ))
            })?;
            let mut info = conn.info();
            let params = info.params.clone();
            let headers = std::mem::take(&mut info.headers);
            (
                row(info),
                params,
                headers,
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
    if let Some(nodes) = st.attached() {
        let reason = reason
            .filter(|r| !r.trim().is_empty())
            .unwrap_or_else(|| "closed from the console".to_owned());
        super::connections_attached::disconnect(nodes, &id, reason).await?;
        return Ok(Json(serde_json::json!({ "closed": true })));
    }
    if let Some(proxy) = st.proxy() {
        super::proxied::disconnect(proxy, &id, reason)?;
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
