//! Carrying out a console's commands through the server's public API.
//!
//! Every push goes through a handle made with `with_origin(Origin::Manual)`, so the capture and
//! every observer (this inspector included) see it as fired by hand. Payloads are checked
//! against the contract here whatever the server's `validate_pushes` setting, so a release
//! build refuses a bad payload from a console too, with the issues listed.

use std::time::Duration;

use serde_json::{json, Value};
use switchboard_server::contract::CompiledMessage;
use switchboard_server::wire::util::truncate_utf8;
use switchboard_server::{close_code, PushError, RequestError, Server};

use crate::error::CommandError;
use crate::protocol::{ErrorCode, PushTarget};

/// The most a close reason may hold: a close frame's payload is 125 bytes, two of them the code.
const MAX_CLOSE_REASON: usize = 123;

/// The longest a console may make a server-to-client request wait (`timeout_ms` beyond it is
/// cut to it), so a request holds one of its session's request slots for a bounded time.
pub const MAX_REQUEST_TIMEOUT: Duration = Duration::from_secs(3600);

fn not_found(message: String) -> CommandError {
    CommandError::new(ErrorCode::NotFound, message)
}

fn refused(message: String) -> CommandError {
    CommandError::new(ErrorCode::Refused, message)
}

fn validation(name: &str, issues: Vec<switchboard_server::wire::Issue>) -> CommandError {
    let data = serde_json::to_value(&issues).unwrap_or(Value::Null);
    CommandError::new(
        ErrorCode::Validation,
        format!("the payload of `{name}` does not match its schema"),
    )
    .with_data(data)
}

fn check(msg: &CompiledMessage, payload: &Value) -> Result<(), CommandError> {
    msg.validate(payload)
        .map_err(|issues| validation(msg.name(), issues))
}

fn push_error(e: PushError) -> CommandError {
    match e {
        PushError::Validation { name, issues } => validation(&name, issues),
        PushError::Encode(_) | PushError::Adapter(_) => {
            CommandError::new(ErrorCode::Internal, e.to_string())
        }
        other => refused(other.to_string()),
    }
}

/// Push `name` to `target`; returns how many connections on this node received it.
pub(crate) fn push(
    manual: &Server,
    target: &PushTarget,
    name: &str,
    payload: &Value,
) -> Result<usize, CommandError> {
    let contract = manual.contract();
    let shared_event = || {
        contract.shared_event(name).ok_or_else(|| {
            refused(format!(
                "`{name}` is not a shared event: rooms and everyone receive shared events only"
            ))
        })
    };
    match target {
        PushTarget::Conn { id } => {
            let conn = manual
                .conn(id)
                .ok_or_else(|| not_found(format!("no connection `{id}` on this node")))?;
            let msg = contract.event_for_role(conn.role(), name).ok_or_else(|| {
                refused(format!(
                    "role `{}` has no event `{name}` (nor is it a shared event)",
                    conn.role()
                ))
            })?;
            check(msg, payload)?;
            manual.to_conn(id).emit(name, payload).map_err(push_error)
        }
        PushTarget::User { user } => {
            let conns = manual.to_user(user).connections();
            if conns.is_empty() {
                return Err(not_found(format!(
                    "user `{user}` has no connection on this node"
                )));
            }
            let msg = conns
                .iter()
                .find_map(|c| contract.event_for_role(c.role(), name))
                .ok_or_else(|| {
                    refused(format!(
                        "no connection of `{user}` has a role that receives `{name}`"
                    ))
                })?;
            check(msg, payload)?;
            manual.to_user(user).emit(name, payload).map_err(push_error)
        }
        PushTarget::Rooms {
            rooms,
            except,
            only_users,
            only_conns,
        } => {
            if rooms.is_empty() {
                return Err(CommandError::new(
                    ErrorCode::BadCommand,
                    "a rooms target needs at least one room",
                ));
            }
            check(shared_event()?, payload)?;
            let mut target = manual.rooms(rooms.iter().cloned());
            if let Some(id) = except.as_deref().filter(|s| !s.is_empty()) {
                target = target.except(id);
            }
            if let Some(users) = only_users {
                target = target.only_users(users.iter().cloned());
            }
            if let Some(ids) = only_conns {
                target = target.only_conns(ids.iter().cloned());
            }
            target.broadcast(name, payload).map_err(push_error)
        }
        PushTarget::RoleTopic { role } => {
            if !contract.has_role(role) {
                return Err(not_found(format!("no role `{role}` in the contract")));
            }
            let msg = contract
                .role_topic(role, name)
                .ok_or_else(|| refused(format!("role `{role}` has no topic `{name}`")))?;
            check(msg, payload)?;
            manual
                .for_role(role)
                .publish(name, payload)
                .map_err(push_error)
        }
        PushTarget::SharedTopic => {
            let msg = contract
                .shared_topic(name)
                .ok_or_else(|| refused(format!("`{name}` is not a shared topic")))?;
            check(msg, payload)?;
            manual.publish(name, payload).map_err(push_error)
        }
        PushTarget::Everyone => {
            check(shared_event()?, payload)?;
            manual.broadcast(name, payload).map_err(push_error)
        }
    }
}

/// Add a connection to a room or take it out; returns whether membership changed.
pub(crate) fn room(
    manual: &Server,
    room: &str,
    conn: &str,
    add: bool,
) -> Result<bool, CommandError> {
    if room.is_empty() {
        return Err(CommandError::new(
            ErrorCode::BadCommand,
            "the room name is empty",
        ));
    }
    let c = manual
        .conn(conn)
        .ok_or_else(|| not_found(format!("no connection `{conn}` on this node")))?;
    let room = manual.room(room);
    if !add {
        return Ok(room.remove(&c));
    }
    room.add(&c)
        .map_err(|e| CommandError::new(ErrorCode::Refused, e.to_string()))
}

/// Close a connection with `code` (default 4000) and `reason`.
pub(crate) fn disconnect(
    server: &Server,
    conn: &str,
    code: Option<u16>,
    reason: &str,
) -> Result<(), CommandError> {
    let code = code.unwrap_or(close_code::CLOSED_BY_SERVER);
    // What an application may send: 1000 (normal), or the 3000-4999 range reserved for
    // libraries and applications. Other codes are the protocol's own or forbidden on the wire.
    if code != 1000 && !(3000..=4999).contains(&code) {
        return Err(CommandError::new(
            ErrorCode::BadCommand,
            format!("close code {code} cannot be sent: use 1000 or 3000-4999"),
        ));
    }
    let c = server
        .conn(conn)
        .ok_or_else(|| not_found(format!("no connection `{conn}` on this node")))?;
    c.close(code, truncate_utf8(reason, MAX_CLOSE_REASON));
    Ok(())
}

/// Ask a connection of this node and wait for its answer.
pub(crate) async fn request(
    manual: Server,
    conn: String,
    name: String,
    input: Value,
    timeout: Option<Duration>,
) -> Result<Value, CommandError> {
    if manual.conn(&conn).is_none() {
        return Err(not_found(format!("no connection `{conn}` on this node")));
    }
    let timeout = timeout
        .unwrap_or(manual.config().request_timeout)
        .min(MAX_REQUEST_TIMEOUT);
    manual
        .to_conn(&conn)
        .request_with_timeout(&name, &input, timeout)
        .await
        .map_err(|e| match e {
            RequestError::NotConnected(id) => not_found(format!("no connection `{id}`")),
            RequestError::Timeout => CommandError::new(
                ErrorCode::Timeout,
                format!("`{conn}` did not answer `{name}` within {timeout:?}"),
            ),
            RequestError::Disconnected => CommandError::new(
                ErrorCode::Disconnected,
                format!("`{conn}` closed before answering `{name}`"),
            ),
            RequestError::Remote {
                code,
                message,
                data,
            } => CommandError::new(
                ErrorCode::Remote,
                format!("`{conn}` answered `{name}` with an error: {code}: {message}"),
            )
            .with_data(json!({ "code": code.as_str(), "message": message, "data": data })),
            RequestError::Adapter(m) => CommandError::new(ErrorCode::Internal, m),
        })
}
