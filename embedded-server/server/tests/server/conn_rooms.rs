//! Rooms from the connection's side: `conn.join`, `conn.leave`, `conn.in_room`, and a
//! broadcast to the caller's rooms that leaves the caller out unless asked.

use serde_json::{json, Value};
use switchboard_server::contract::CompiledContract;
use switchboard_server::{Conn, HandlerError, RunningServer, Server};

use crate::support::*;

fn room(input: &Value) -> String {
    input["room"].as_str().unwrap_or_default().to_owned()
}

/// The demo contract with handlers written from the connection's side: `say` goes to every
/// room of the caller (the `room` field is only a label), `notify` the same with the caller.
async fn server() -> RunningServer {
    let contract: CompiledContract = switchboard_demo::contract().unwrap();
    let mut builder = Server::builder(std::sync::Arc::new(contract)).config(test_config());
    for role in ["user", "agent"] {
        builder = builder
            .handle(role, "join", |i, _ctx, conn: Conn| async move {
                Ok(json!({ "ok": conn.join(&room(&i))? }))
            })
            .handle(role, "leave", |i, _ctx, conn: Conn| async move {
                Ok(json!({ "ok": conn.leave(&room(&i)) }))
            })
            .handle(role, "say", |i, _ctx, conn: Conn| async move {
                if !conn.in_room(&room(&i)) {
                    return Err(HandlerError::forbidden("not in that room"));
                }
                let text = i["text"].as_str().unwrap_or_default();
                let n = conn.to_rooms().broadcast(
                    "message",
                    &json!({"room": room(&i), "text": text, "from": conn.user()}),
                )?;
                Ok(json!({ "ok": n > 0 }))
            });
    }
    let builder = builder.handle("user", "notify", |_i, _ctx, conn: Conn| async move {
        conn.to_rooms().include_self().broadcast(
            "message",
            &json!({"room":"*","text":"all","from":conn.user()}),
        )?;
        Ok(json!({ "ok": true }))
    });
    start(builder).await
}

#[tokio::test]
async fn join_leave_and_in_room_from_the_connection() {
    let server = server().await;
    let mut alice = Raw::user(&server, "alice").await;
    assert_eq!(
        alice.request(1, "join", json!({"room":"a"})).await["d"],
        json!({"ok": true})
    );
    // Already in: nothing changes.
    assert_eq!(
        alice.request(2, "join", json!({"room":"a"})).await["d"],
        json!({"ok": false})
    );
    assert_eq!(server.server.room("a").size(), 1);
    assert_eq!(
        alice
            .request(3, "say", json!({"room":"b","text":"x"}))
            .await["code"],
        "FORBIDDEN"
    );
    assert_eq!(
        alice.request(4, "leave", json!({"room":"a"})).await["d"],
        json!({"ok": true})
    );
    assert_eq!(
        alice.request(5, "leave", json!({"room":"a"})).await["d"],
        json!({"ok": false})
    );
    assert_eq!(server.server.room("a").size(), 0);
    assert_eq!(
        alice
            .request(6, "say", json!({"room":"a","text":"x"}))
            .await["code"],
        "FORBIDDEN"
    );
}

#[tokio::test]
async fn a_broadcast_to_my_rooms_reaches_each_other_member_once_and_not_me() {
    let server = server().await;
    let mut alice = Raw::user(&server, "alice").await;
    let mut bob = Raw::user(&server, "bob").await;
    let mut carol = Raw::agent(&server, "carol").await;
    let mut dave = Raw::user(&server, "dave").await;
    let mut eve = Raw::user(&server, "eve").await;
    for (client, rooms) in [
        (&mut alice, vec!["a", "b"]),
        (&mut bob, vec!["a"]),
        (&mut carol, vec!["b"]),
        (&mut dave, vec!["a", "b"]),
        (&mut eve, vec!["c"]),
    ] {
        for (i, r) in rooms.into_iter().enumerate() {
            client
                .request(i as u64 + 1, "join", json!({"room": r}))
                .await;
        }
    }
    let frames = alice
        .request_frames(10, "say", json!({"room":"a","text":"hello"}))
        .await;
    assert_eq!(frames, vec![json!({"t":"res","i":10,"d":{"ok":true}})]);
    let heard = json!({"t":"evt","e":"message","d":{"room":"a","text":"hello","from":"alice"}});
    for client in [&mut bob, &mut carol, &mut dave] {
        assert_eq!(client.drain().await, vec![heard.clone()]);
    }
    assert_eq!(eve.drain().await, Vec::<Value>::new());
    // With the caller included.
    let frames = alice.request_frames(11, "notify", json!({})).await;
    let all = json!({"t":"evt","e":"message","d":{"room":"*","text":"all","from":"alice"}});
    assert_eq!(
        frames,
        vec![all.clone(), json!({"t":"res","i":11,"d":{"ok":true}})]
    );
    assert_eq!(dave.drain().await, vec![all]);
}
