//! Rooms: mixed-role membership, shared-only broadcasts, filters, several rooms at once,
//! caller exclusion from handlers, and cleanup on disconnect.

use std::sync::Arc;

use serde_json::json;
use switchboard_demo as demo;
use switchboard_server::PushError;
use switchboard_server::Server;

use crate::support::*;

fn msg(room: &str, text: &str, from: &str) -> serde_json::Value {
    json!({"t":"evt","e":"message","d":{"room":room,"text":text,"from":from}})
}

#[tokio::test]
async fn a_user_and_an_agent_in_one_room_both_receive_a_broadcast() {
    let server = start_demo().await;
    let mut alice = Raw::user(&server, "alice").await;
    let mut agent = Raw::agent(&server, "a1").await;
    let mut outsider = Raw::user(&server, "zed").await;
    assert_eq!(
        alice.request(1, "join", json!({"room":"ops"})).await["t"],
        "res"
    );
    assert_eq!(
        agent.request(1, "join", json!({"room":"ops"})).await["t"],
        "res"
    );
    // The caller receives the event before the reply, as on the reference wire.
    let frames = agent
        .request_frames(2, "say", json!({"room":"ops","text":"hello"}))
        .await;
    assert_eq!(
        frames,
        vec![
            msg("ops", "hello", "a1"),
            json!({"t":"res","i":2,"d":{"ok":true}})
        ]
    );
    assert_eq!(alice.drain().await, vec![msg("ops", "hello", "a1")]);
    assert!(outsider.drain().await.is_empty());
}

#[tokio::test]
async fn room_membership_api_and_delivered_counts() {
    let server = start_demo().await;
    let _a = Raw::user(&server, "alice").await;
    let _b = Raw::agent(&server, "b").await;
    let srv = &server.server;
    let ids: Vec<String> = srv.local().into_iter().map(|c| c.id).collect();
    let room = srv.room("r1");
    assert_eq!(room.add_id(&ids[0]), Ok(true));
    assert_eq!(room.add_id(&ids[0]), Ok(false), "adding twice is a no-op");
    assert_eq!(room.add_id(&ids[1]), Ok(true));
    assert_eq!(room.size(), 2);
    let alice = srv.conn(&ids[0]).unwrap();
    assert!(room.has(&alice));
    assert_eq!(alice.rooms(), vec!["r1".to_owned()]);
    assert_eq!(room.connections().len(), 2);
    assert_eq!(
        room.broadcast("message", &json!({"room":"r1","text":"x","from":"s"}))
            .unwrap(),
        2
    );
    assert!(room.remove(&alice));
    assert_eq!(room.size(), 1);
    assert!(room.remove_id(&ids[1]));
    assert!(srv.rooms_info().is_empty(), "an empty room disappears");
}

#[tokio::test]
async fn broadcast_refuses_role_events() {
    let server = start_demo().await;
    let r = server
        .server
        .room("x")
        .broadcast("alert", &json!({"level":"info","text":"x"}));
    assert!(matches!(r, Err(PushError::NotShared(_))), "{r:?}");
}

#[tokio::test]
async fn several_rooms_give_each_recipient_one_copy_and_filters_apply() {
    let server = start_demo().await;
    let mut a = Raw::user(&server, "alice").await;
    let mut b = Raw::user(&server, "bob").await;
    let mut c = Raw::agent(&server, "carl").await;
    for (raw, rooms) in [
        (&mut a, vec!["r1", "r2"]),
        (&mut b, vec!["r2"]),
        (&mut c, vec!["r1"]),
    ] {
        for (i, room) in rooms.into_iter().enumerate() {
            raw.request(i as u64 + 1, "join", json!({"room":room}))
                .await;
        }
    }
    let srv = &server.server;
    let payload = json!({"room":"r1+r2","text":"hi","from":"s"});
    let n = srv
        .rooms(["r1", "r2"])
        .broadcast("message", &payload)
        .unwrap();
    assert_eq!(n, 3);
    let one = vec![json!({"t":"evt","e":"message","d":payload.clone()})];
    assert_eq!(
        a.drain().await,
        one,
        "alice is in both rooms but gets one copy"
    );
    assert_eq!(b.drain().await, one);
    assert_eq!(c.drain().await, one);

    let ids = srv.local();
    let id_of = |u: &str| ids.iter().find(|c| c.user == u).unwrap().id.clone();
    let n = srv
        .rooms(["r1", "r2"])
        .except(&id_of("alice"))
        .broadcast("message", &payload)
        .unwrap();
    assert_eq!(n, 2);
    let n = srv
        .rooms(["r1", "r2"])
        .only_users(["bob"])
        .broadcast("message", &payload)
        .unwrap();
    assert_eq!(n, 1);
    let n = srv
        .room("r1")
        .target()
        .only_conns([id_of("carl")])
        .broadcast("message", &payload)
        .unwrap();
    assert_eq!(n, 1);
    assert_eq!(a.drain().await.len(), 0);
    assert_eq!(b.drain().await.len(), 2);
    assert_eq!(c.drain().await.len(), 2);
}

#[tokio::test]
async fn from_a_handler_to_room_excludes_the_caller_unless_asked() {
    // The handler hands out how many connections each `say` reached, and the test checks it: an
    // `assert!` in the handler could never fail the test (a panicking handler only turns that
    // request into an `INTERNAL` error).
    let (reached_tx, mut reached) = tokio::sync::mpsc::channel::<usize>(4);
    let builder = Server::builder(Arc::new(demo::contract().unwrap()))
        .config(test_config())
        .handle("user", "join", |i, _c, conn| async move {
            conn.server()
                .unwrap()
                .room(i["room"].as_str().unwrap())
                .add(&conn)?;
            Ok(json!({"ok": true}))
        })
        .handle("user", "say", move |i, _c, conn| {
            let reached_tx = reached_tx.clone();
            async move {
                let room = i["room"].as_str().unwrap();
                let payload = json!({"room":room,"text":i["text"],"from":conn.user()});
                let n = if i["text"] == "all" {
                    conn.to_room(room)
                        .include_self()
                        .broadcast("message", &payload)?
                } else {
                    conn.to_room(room).broadcast("message", &payload)?
                };
                reached_tx.try_send(n).expect("the test reads every count");
                Ok(json!({"ok": true}))
            }
        });
    let server = start(builder).await;
    let mut a = Raw::user(&server, "alice").await;
    let mut b = Raw::user(&server, "bob").await;
    a.request(1, "join", json!({"room":"r"})).await;
    b.request(1, "join", json!({"room":"r"})).await;
    let frames = a
        .request_frames(2, "say", json!({"room":"r","text":"others"}))
        .await;
    assert_eq!(
        frames,
        vec![json!({"t":"res","i":2,"d":{"ok":true}})],
        "only the reply"
    );
    assert_eq!(reached.recv().await, Some(1), "bob, not alice");
    assert_eq!(b.drain().await, vec![msg("r", "others", "alice")]);
    let frames = a
        .request_frames(3, "say", json!({"room":"r","text":"all"}))
        .await;
    assert_eq!(
        frames,
        vec![
            msg("r", "all", "alice"),
            json!({"t":"res","i":3,"d":{"ok":true}})
        ]
    );
    assert_eq!(reached.recv().await, Some(2), "bob and alice");
    assert_eq!(b.drain().await, vec![msg("r", "all", "alice")]);
}

#[tokio::test]
async fn disconnecting_leaves_every_room_and_empty_rooms_vanish() {
    let server = start_demo().await;
    let mut a = Raw::user(&server, "alice").await;
    let mut b = Raw::user(&server, "bob").await;
    a.request(1, "join", json!({"room":"solo"})).await;
    a.request(2, "join", json!({"room":"shared"})).await;
    b.request(1, "join", json!({"room":"shared"})).await;
    a.close().await;
    let srv = server.server.clone();
    eventually("alice gone", || srv.connection_count() == 1).await;
    let rooms = server.server.rooms_info();
    assert_eq!(rooms.len(), 1);
    assert_eq!((rooms[0].name.as_str(), rooms[0].size), ("shared", 1));
    let frames = b
        .request_frames(2, "say", json!({"room":"shared","text":"anyone?"}))
        .await;
    // The demo tells the rooms a member left (its `on_disconnect`), then bob is heard.
    assert_eq!(frames[0], msg("shared", "alice left", "system"));
    assert_eq!(frames[1], msg("shared", "anyone?", "bob"));
}

#[tokio::test]
async fn say_is_forbidden_after_leave() {
    let server = start_demo().await;
    let mut a = Raw::user(&server, "alice").await;
    a.request(1, "join", json!({"room":"r"})).await;
    a.request(2, "leave", json!({"room":"r"})).await;
    assert_eq!(
        a.request(3, "say", json!({"room":"r","text":"x"})).await["code"],
        "FORBIDDEN"
    );
}
