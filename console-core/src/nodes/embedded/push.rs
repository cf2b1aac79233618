//! A push fired by hand at the embedded server. The payload is checked against the contract
//! here, whatever the server's own `validate_pushes` setting, so a release build refuses a bad
//! payload too; the push itself goes through the `manual` handle, so the recorder stores it
//! with origin `manual`.

use serde_json::Value;
use switchboard_server::contract::CompiledMessage;
use switchboard_server::{Conn, PushError, Server};

use crate::nodes::{NodeError, MAX_RECEIVERS};
use crate::types::{MemberRow, PushRequest, PushTarget};

fn check(msg: &CompiledMessage, payload: &Value) -> Result<(), NodeError> {
    msg.validate(payload).map_err(|issues| NodeError::Invalid {
        name: msg.name().to_owned(),
        issues,
    })
}

fn push_error(e: PushError) -> NodeError {
    match e {
        PushError::Validation { name, issues } => NodeError::Invalid { name, issues },
        other => NodeError::Refused(other.to_string()),
    }
}

/// Validate and send through `manual`; returns how many connections received it.
pub(super) fn send(
    server: &Server,
    manual: &Server,
    req: &PushRequest,
) -> Result<usize, NodeError> {
    let contract = server.contract();
    let name = req.name.as_str();
    let shared_event = || {
        contract.shared_event(name).ok_or_else(|| {
            NodeError::Refused(format!(
                "`{name}` is not a shared event: rooms and everyone receive shared events only"
            ))
        })
    };
    match &req.target {
        PushTarget::Conn { id } => {
            let conn = server
                .conn(id)
                .ok_or_else(|| NodeError::NotFound(format!("no connection `{id}` on this node")))?;
            let msg = contract.event_for_role(conn.role(), name).ok_or_else(|| {
                NodeError::Refused(format!(
                    "role `{}` has no event `{name}` (nor is it a shared event)",
                    conn.role()
                ))
            })?;
            check(msg, &req.payload)?;
            manual
                .to_conn(id)
                .emit(name, &req.payload)
                .map_err(push_error)
        }
        PushTarget::User { user } => {
            let conns = server.to_user(user).connections();
            if conns.is_empty() {
                return Err(NodeError::NotFound(format!(
                    "user `{user}` has no connection on this node"
                )));
            }
            let msg = conns
                .iter()
                .find_map(|c| contract.event_for_role(c.role(), name))
                .ok_or_else(|| {
                    NodeError::Refused(format!(
                        "no connection of `{user}` has a role that receives `{name}`"
                    ))
                })?;
            check(msg, &req.payload)?;
            manual
                .to_user(user)
                .emit(name, &req.payload)
                .map_err(push_error)
        }
        PushTarget::Rooms { rooms, except } => {
            if rooms.is_empty() {
                return Err(NodeError::Refused("pick at least one room".to_owned()));
            }
            check(shared_event()?, &req.payload)?;
            let mut target = manual.rooms(rooms.iter().cloned());
            if let Some(id) = except.as_deref().filter(|s| !s.is_empty()) {
                target = target.except(id);
            }
            target.broadcast(name, &req.payload).map_err(push_error)
        }
        PushTarget::RoleTopic { role } => {
            let msg = contract.role_topic(role, name).ok_or_else(|| {
                NodeError::Refused(format!("role `{role}` has no topic `{name}`"))
            })?;
            check(msg, &req.payload)?;
            manual
                .for_role(role)
                .publish(name, &req.payload)
                .map_err(push_error)
        }
        PushTarget::SharedTopic => {
            let msg = contract
                .shared_topic(name)
                .ok_or_else(|| NodeError::Refused(format!("`{name}` is not a shared topic")))?;
            check(msg, &req.payload)?;
            manual.publish(name, &req.payload).map_err(push_error)
        }
        PushTarget::Everyone => {
            check(shared_event()?, &req.payload)?;
            manual.broadcast(name, &req.payload).map_err(push_error)
        }
    }
}

/// The connections a push selects right now, before it goes out (the first [`MAX_RECEIVERS`]).
/// A manual push is rare, so walking the connections for a topic's subscribers is affordable.
pub(super) fn receivers(server: &Server, req: &PushRequest) -> Vec<MemberRow> {
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
