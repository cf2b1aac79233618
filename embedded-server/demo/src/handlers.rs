//! The demo's request handlers.

use serde_json::{json, Value};

use switchboard_server::{Conn, Disconnect, HandlerError, ServerBuilder};

/// How long `dm` waits for other nodes to say how many sessions they reached; a node that
/// stays silent longer is left out of the count.
const DM_CONFIRM_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

fn room_of(input: &Value) -> String {
    input
        .get("room")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

fn text_of(input: &Value, key: &str) -> String {
    input
        .get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

fn server_of(conn: &Conn) -> Result<switchboard_server::Server, HandlerError> {
    conn.server()
        .ok_or_else(|| HandlerError::internal("server stopped"))
}

async fn join(input: Value, conn: Conn) -> Result<Value, HandlerError> {
    server_of(&conn)?.room(&room_of(&input)).add(&conn)?;
    Ok(json!({ "ok": true }))
}

async fn leave(input: Value, conn: Conn) -> Result<Value, HandlerError> {
    server_of(&conn)?.room(&room_of(&input)).remove(&conn);
    Ok(json!({ "ok": true }))
}

async fn say(input: Value, conn: Conn) -> Result<Value, HandlerError> {
    let server = server_of(&conn)?;
    let room = server.room(&room_of(&input));
    if !room.has(&conn) {
        return Err(HandlerError::forbidden(format!(
            "not a member of room {}",
            room.name()
        )));
    }
    let message =
        json!({ "room": room.name(), "text": text_of(&input, "text"), "from": conn.user() });
    room.broadcast("message", &message)?;
    Ok(json!({ "ok": true }))
}

async fn notify(conn: Conn) -> Result<Value, HandlerError> {
    conn.emit(
        "message",
        &json!({ "room": "lobby", "text": "hi", "from": "system" }),
    )?;
    Ok(json!({ "ok": true }))
}

async fn dm(input: Value, conn: Conn) -> Result<Value, HandlerError> {
    let to = text_of(&input, "to");
    let message = json!({ "room": format!("dm:{}", conn.user()), "text": text_of(&input, "text"), "from": conn.user() });
    // Counted on every node: a user with sessions on two nodes makes `delivered: 2`.
    let delivered = server_of(&conn)?
        .to_user(&to)
        .emit_confirmed("message", &message, DM_CONFIRM_TIMEOUT)
        .await?;
    Ok(json!({ "delivered": delivered.total() }))
}

async fn announce(input: Value, conn: Conn) -> Result<Value, HandlerError> {
    server_of(&conn)?.publish("announce", &json!({ "msg": text_of(&input, "msg") }))?;
    Ok(json!({ "ok": true }))
}

/// A member's connection closed: each room it was in hears it from `system` (the closed
/// connection itself is no longer sent anything).
async fn left(conn: Conn, _why: Disconnect) -> Result<(), HandlerError> {
    for room in conn.rooms() {
        let notice =
            json!({ "room": room, "text": format!("{} left", conn.user()), "from": "system" });
        conn.to_room(&room).broadcast("message", &notice)?;
    }
    Ok(())
}

pub(super) fn register(b: ServerBuilder) -> ServerBuilder {
    let mut b = b;
    for role in ["user", "agent"] {
        b = b
            .handle(role, "join", |i, _ctx, c| join(i, c))
            .handle(role, "leave", |i, _ctx, c| leave(i, c))
            .handle(role, "say", |i, _ctx, c| say(i, c));
    }
    b.handle("user", "notify", |_i, _ctx, c| notify(c))
        .handle("user", "dm", |i, _ctx, c| dm(i, c))
        .handle("agent", "announce", |i, _ctx, c| announce(i, c))
        .on_disconnect(left)
}
