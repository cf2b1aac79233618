//! Pushes fired by hand. The payload is checked against the contract here, whatever the
//! server's own `validate_pushes` setting, so a release build refuses a bad payload too; the
//! push itself goes through the `manual` handle, so the recorder stores it with origin `manual`.

use std::sync::Arc;
use switchboard_server::wire::util::lock;

use axum::extract::rejection::JsonRejection;
use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::Value;
use switchboard_server::contract::CompiledMessage;
use switchboard_server::tap::now_us;
use switchboard_server::{Conn, PushError, Server};

use super::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::types::{MemberRow, PushHistory, PushRecord, PushRequest, PushTarget};

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/push", post(push))
        .route("/api/push/history", get(history))
}

fn check(msg: &CompiledMessage, payload: &Value) -> Result<(), ApiError> {
    msg.validate(payload)
        .map_err(|issues| ApiError::validation(msg.name(), issues))
}

fn push_error(e: PushError) -> ApiError {
    match e {
        PushError::Validation { name, issues } => ApiError::validation(&name, issues),
        other => ApiError::bad_request(other.to_string()),
    }
}

/// Validate and send; returns how many connections received it.
fn send(st: &AppState, req: &PushRequest) -> Result<usize, ApiError> {
    let contract = st.server.contract();
    let name = req.name.as_str();
    let shared_event = || {
        contract.shared_event(name).ok_or_else(|| {
            ApiError::bad_request(format!(
                "`{name}` is not a shared event: rooms and everyone receive shared events only"
            ))
        })
    };
    match &req.target {
        PushTarget::Conn { id } => {
            let conn = st
                .server
                .conn(id)
                .ok_or_else(|| ApiError::not_found(format!("no connection `{id}` on this node")))?;
            let msg = contract.event_for_role(conn.role(), name).ok_or_else(|| {
                ApiError::bad_request(format!(
                    "role `{}` has no event `{name}` (nor is it a shared event)",
                    conn.role()
                ))
            })?;
            check(msg, &req.payload)?;
            st.manual
                .to_conn(id)
                .emit(name, &req.payload)
                .map_err(push_error)
        }
        PushTarget::User { user } => {
            let conns = st.server.to_user(user).connections();
            if conns.is_empty() {
                return Err(ApiError::not_found(format!(
                    "user `{user}` has no connection on this node"
                )));
            }
            let msg = conns
                .iter()
                .find_map(|c| contract.event_for_role(c.role(), name))
                .ok_or_else(|| {
                    ApiError::bad_request(format!(
                        "no connection of `{user}` has a role that receives `{name}`"
                    ))
                })?;
            check(msg, &req.payload)?;
            st.manual
                .to_user(user)
                .emit(name, &req.payload)
                .map_err(push_error)
        }
        PushTarget::Rooms { rooms, except } => {
            if rooms.is_empty() {
                return Err(ApiError::bad_request("pick at least one room"));
            }
            check(shared_event()?, &req.payload)?;
            let mut target = st.manual.rooms(rooms.iter().cloned());
            if let Some(id) = except.as_deref().filter(|s| !s.is_empty()) {
                target = target.except(id);
            }
            target.broadcast(name, &req.payload).map_err(push_error)
        }
        PushTarget::RoleTopic { role } => {
            let msg = contract.role_topic(role, name).ok_or_else(|| {
                ApiError::bad_request(format!("role `{role}` has no topic `{name}`"))
            })?;
            check(msg, &req.payload)?;
            st.manual
                .for_role(role)
                .publish(name, &req.payload)
                .map_err(push_error)
        }
        PushTarget::SharedTopic => {
            let msg = contract
                .shared_topic(name)
                .ok_or_else(|| ApiError::bad_request(format!("`{name}` is not a shared topic")))?;
            check(msg, &req.payload)?;
            st.manual.publish(name, &req.payload).map_err(push_error)
        }
        PushTarget::Everyone => {
            check(shared_event()?, &req.payload)?;
            st.manual.broadcast(name, &req.payload).map_err(push_error)
        }
    }
}

/// Receivers listed with a push record; `delivered` counts all of them.
pub(crate) const MAX_RECEIVERS: usize = 100;

/// The connections a push selects right now, before it goes out (the first [`MAX_RECEIVERS`]).
/// A manual push is rare, so walking the connections for a topic's subscribers is affordable.
fn receivers(server: &Server, req: &PushRequest) -> Vec<MemberRow> {
    let subscribed = |c: &Conn| c.any_topic(|t| t == req.name);
    let conns: Vec<Conn> = match &req.target {
        PushTarget::Conn { id } => server.conn(id).into_iter().collect(),
        PushTarget::User { user } => server.to_user(user).connections(),
        PushTarget::Rooms { rooms, except } => {
            let mut seen = std::collections::HashSet::new();
            rooms
                .iter()
                .flat_map(|r| server.room(r).connections())
                .filter(|c| except.as_deref() != Some(c.id()))
                .filter(|c| seen.insert(c.id().to_owned()))
                .collect()
        }
        PushTarget::RoleTopic { role } => server
            .local_in_order()
            .into_iter()
            .filter(|c| c.role() == role && subscribed(c))
            .collect(),
        PushTarget::SharedTopic => server
            .local_in_order()
            .into_iter()
            .filter(|c| subscribed(c))
            .collect(),
        PushTarget::Everyone => server.local_in_order(),
    };
    let mut rows: Vec<MemberRow> = conns
        .iter()
        .take(MAX_RECEIVERS)
        .map(|c| MemberRow {
            id: c.id().to_owned(),
            role: c.role().to_owned(),
            user: c.user().to_owned(),
            node: Some(server.node_id().to_owned()),
        })
        .collect();
    rows.sort_by(|a, b| a.role.cmp(&b.role).then(a.id.cmp(&b.id)));
    rows
}

async fn push(
    State(st): State<Arc<AppState>>,
    body: Result<Json<PushRequest>, JsonRejection>,
) -> ApiResult<PushRecord> {
    let Json(req) = body?;
    let at_us = now_us();
    let (result, nodes, receivers) = match (st.attached(), st.proxy()) {
        (Some(attached), _) => {
            let (result, per_node) = crate::nodes::push::push(attached, &req).await;
            (result, Some(per_node), Vec::new())
        }
        (None, Some(proxy)) => {
            let (result, receivers) = super::proxied::push(proxy, &req);
            (result, None, receivers)
        }
        (None, None) => {
            let result = send(&st, &req);
            let receivers = match &result {
                Ok(n) if *n > 0 => receivers(&st.server, &req),
                _ => Vec::new(),
            };
            (result, None, receivers)
        }
    };
    let mut log = lock(&st.pushes);
    let record = PushRecord {
        id: log.next_id(),
        at_us,
        request: req,
        delivered: result.as_ref().ok().map(|n| *n as u32),
        error: result.as_ref().err().map(|e| e.message.clone()),
        receivers,
        nodes,
    };
    log.add(record.clone());
    drop(log);
    result.map(|_| Json(record))
}

async fn history(State(st): State<Arc<AppState>>) -> Json<PushHistory> {
    let log = lock(&st.pushes);
    Json(PushHistory { pushes: log.list() })
}
