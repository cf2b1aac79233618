//! Commands: pushes to every kind of target reach real clients and are answered with a
//! result; room changes, disconnects and server-to-client requests; refusals are typed errors
//! and the session goes on.

use serde_json::{json, Value};
use switchboard_client::Client;
use switchboard_inspector::protocol::{Command, ErrorCode, Outcome, PushTarget};
use switchboard_inspector::InspectorConfig;
use tokio::sync::mpsc;

use crate::support::*;

fn push(target: PushTarget, name: &str, payload: Value) -> Command {
    Command::Push {
        target,
        name: name.into(),
        payload,
    }
}

fn message(text: &str) -> Value {
    json!({"room":"r","text":text,"from":"console"})
}

async fn received(rx: &mut mpsc::Receiver<Value>) -> Value {
    tokio::time::timeout(WAIT, rx.recv())
        .await
        .expect("the push arrives in time")
        .expect("the client is open")
}

#[tokio::test]
async fn a_push_reaches_a_real_client_and_is_answered_with_a_result() {
    let server = start_demo().await;
    let alice = client(&server, "user", "alice").await;
    let mut alerts = alice.events("alert", 16);
    let inspector = start_inspector(&server).await;
    let mut console = attach(&inspector).await;

    let id = conn_id(&server, "alice");
    let alert = json!({"level":"info","text":"from the console"});
    let outcome = console
        .command(push(PushTarget::Conn { id }, "alert", alert.clone()))
        .await
        .expect("the push is carried out");
    assert_eq!(outcome, Outcome::Push { delivered: 1 });
    assert_eq!(received(&mut alerts).await, alert);
    // The push is recorded as fired by hand.
    let e = next_event(&mut console, |e| e.kind == "to_conn").await;
    assert_eq!(e.origin, "manual");
    assert_eq!(e.payload, Some(alert));
}

#[tokio::test]
async fn pushes_reach_users_filtered_rooms_topics_and_everyone() {
    let server = start_demo().await;
    let alice = client(&server, "user", "alice").await;
    let alice2 = client(&server, "user", "alice").await;
    let bob = client(&server, "agent", "bob").await;
    for c in [&alice, &alice2, &bob] {
        c.request("join", json!({"room":"r"})).await.unwrap();
    }
    let mut a = alice.events("message", 16);
    let mut a2 = alice2.events("message", 16);
    let mut b = bob.events("message", 16);
    let (tick_tx, mut ticks) = mpsc::channel(16);
    alice
        .subscribe("ticker", move |d| {
            let _ = tick_tx.try_send(d);
        })
        .await
        .unwrap();
    let (ann_tx, mut announces) = mpsc::channel(16);
    bob.subscribe("announce", move |d| {
        let _ = ann_tx.try_send(d);
    })
    .await
    .unwrap();
    let inspector = start_inspector(&server).await;
    let console = attach(&inspector).await;
    let run = |c: Command| console.command(c);

    // Every session of a user.
    let to_user = run(push(
        PushTarget::User {
            user: "alice".into(),
        },
        "message",
        message("u"),
    ))
    .await
    .unwrap();
    assert_eq!(to_user, Outcome::Push { delivered: 2 });
    assert_eq!(received(&mut a).await, message("u"));
    assert_eq!(received(&mut a2).await, message("u"));

    // A room, only bob; then a room except alice's first session.
    let only_bob = PushTarget::Rooms {
        rooms: vec!["r".into()],
        except: None,
        only_users: Some(vec!["bob".into()]),
        only_conns: None,
    };
    assert_eq!(
        run(push(only_bob, "message", message("b"))).await.unwrap(),
        Outcome::Push { delivered: 1 }
    );
    assert_eq!(received(&mut b).await, message("b"));
    let first_alice = server
        .server
        .local()
        .into_iter()
        .find(|c| c.user == "alice")
        .unwrap()
        .id;
    let except = PushTarget::Rooms {
        rooms: vec!["r".into()],
        except: Some(first_alice.clone()),
        only_users: None,
        only_conns: None,
    };
    assert_eq!(
        run(push(except, "message", message("e"))).await.unwrap(),
        Outcome::Push { delivered: 2 }
    );
    let only_conn = PushTarget::Rooms {
        rooms: vec!["r".into()],
        except: None,
        only_users: None,
        only_conns: Some(vec![first_alice]),
    };
    assert_eq!(
        run(push(only_conn, "message", message("c"))).await.unwrap(),
        Outcome::Push { delivered: 1 }
    );

    // A role topic, a shared topic, and everyone.
    let tick = run(push(
        PushTarget::RoleTopic {
            role: "user".into(),
        },
        "ticker",
        json!({"n": 7}),
    ))
    .await
    .unwrap();
    assert_eq!(tick, Outcome::Push { delivered: 1 });
    assert_eq!(received(&mut ticks).await, json!({"n": 7}));
    let ann = run(push(
        PushTarget::SharedTopic,
        "announce",
        json!({"msg":"hi"}),
    ))
    .await
    .unwrap();
    assert_eq!(ann, Outcome::Push { delivered: 1 });
    assert_eq!(received(&mut announces).await, json!({"msg":"hi"}));
    let all = run(push(PushTarget::Everyone, "message", message("all")))
        .await
        .unwrap();
    assert_eq!(all, Outcome::Push { delivered: 3 });
    // Everything alice's first session got, in order: u, c (after e went to the others), all.
    assert_eq!(received(&mut a).await, message("c"));
    assert_eq!(received(&mut a).await, message("all"));
    assert_eq!(received(&mut b).await, message("e"));
    assert_eq!(received(&mut b).await, message("all"));
}

#[tokio::test]
async fn rooms_change_and_connections_close_on_command() {
    let server = start_demo().await;
    let alice = client(&server, "user", "alice").await;
    let inspector = start_inspector(&server).await;
    let mut console = attach(&inspector).await;
    let id = conn_id(&server, "alice");
    let add = || Command::RoomAdd {
        room: "vip".into(),
        conn: id.clone(),
    };
    assert_eq!(
        console.command(add()).await.unwrap(),
        Outcome::RoomAdd { changed: true }
    );
    assert_eq!(
        console.command(add()).await.unwrap(),
        Outcome::RoomAdd { changed: false }
    );
    assert_eq!(server.server.conn(&id).unwrap().rooms(), vec!["vip"]);
    let e = next_event(&mut console, |e| e.kind == "room_add").await;
    assert_eq!(e.origin, "manual");
    let remove = Command::RoomRemove {
        room: "vip".into(),
        conn: id.clone(),
    };
    assert_eq!(
        console.command(remove).await.unwrap(),
        Outcome::RoomRemove { changed: true }
    );
    assert!(server.server.conn(&id).unwrap().rooms().is_empty());

    let bye = Command::Disconnect {
        conn: id.clone(),
        code: Some(4000),
        reason: "closed from the console".into(),
    };
    assert_eq!(console.command(bye).await.unwrap(), Outcome::Disconnect);
    let gone = next_event(&mut console, |e| e.kind == "disconnect").await;
    assert_eq!(gone.conn.as_deref(), Some(id.as_str()));
    assert_eq!(gone.meta.as_ref().unwrap()["code"], 4000);
    assert_eq!(
        gone.meta.as_ref().unwrap()["reason"],
        "closed from the console"
    );
    eventually("the client to see the close", || {
        alice.state() == switchboard_client::ConnState::Closed
    })
    .await;
}

#[tokio::test]
async fn a_server_to_client_request_is_answered_by_the_real_client() {
    let server = start_demo().await;
    let alice = client(&server, "user", "alice").await;
    let _answers = alice.on_request("confirm", |d: Value| {
        Box::pin(async move { Ok(json!({"yes": true, "asked": d})) })
    });
    let silent: Client = client(&server, "user", "silent").await;
    let inspector = start_inspector(&server).await;
    let console = attach(&inspector).await;

    let ask = Command::Request {
        conn: conn_id(&server, "alice"),
        name: "confirm".into(),
        input: json!({"q":"sure?"}),
        timeout_ms: Some(WAIT.as_millis() as u64),
    };
    assert_eq!(
        console.command(ask).await.unwrap(),
        Outcome::Request {
            reply: json!({"yes": true, "asked": {"q":"sure?"}})
        }
    );
    // A client without a handler answers an error, which comes back typed.
    let unanswered = Command::Request {
        conn: conn_id(&server, "silent"),
        name: "confirm".into(),
        input: json!({}),
        timeout_ms: None,
    };
    let err = console.command(unanswered).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::Remote, "{err}");
    assert_eq!(err.data.unwrap()["code"], "NOT_FOUND");
    drop(silent);
}

#[tokio::test]
async fn refused_commands_are_typed_errors() {
    let server = start_demo().await;
    let _alice = client(&server, "user", "alice").await;
    let inspector = start_inspector(&server).await;
    let console = attach(&inspector).await;
    let id = conn_id(&server, "alice");
    let code = |r: Result<Outcome, switchboard_inspector::CommandError>| r.unwrap_err().code;

    let nobody = push(PushTarget::Conn { id: "nope".into() }, "alert", json!({}));
    assert_eq!(code(console.command(nobody).await), ErrorCode::NotFound);
    let not_shared = push(
        PushTarget::Everyone,
        "alert",
        json!({"level":"info","text":"x"}),
    );
    assert_eq!(code(console.command(not_shared).await), ErrorCode::Refused);
    let bad = push(
        PushTarget::Conn { id: id.clone() },
        "alert",
        json!({"level":"loud"}),
    );
    let err = console.command(bad).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::Validation);
    assert!(err.data.unwrap().as_array().is_some_and(|a| !a.is_empty()));
    let bad_code = Command::Disconnect {
        conn: id.clone(),
        code: Some(1006),
        reason: String::new(),
    };
    assert_eq!(code(console.command(bad_code).await), ErrorCode::BadCommand);
    let timeout = Command::Request {
        conn: id,
        name: "confirm".into(),
        input: json!({}),
        timeout_ms: Some(1),
    };
    // The demo client has no handler and answers at once, or the 1 ms runs out first.
    let e = code(console.command(timeout).await);
    assert!(matches!(e, ErrorCode::Timeout | ErrorCode::Remote), "{e}");
    assert_eq!(server.server.connection_count(), 1, "nothing was closed");
}

#[tokio::test]
async fn bad_frames_get_an_error_and_the_session_goes_on() {
    let server = start_demo().await;
    let inspector = start_inspector(&server).await;
    let mut ws = raw_attach(&inspector, None).await;
    assert_eq!(raw_next(&mut ws).await["t"], "hello");
    assert_eq!(raw_next(&mut ws).await["t"], "snapshot");

    let cases: Vec<(String, Value, &str)> = vec![
        ("not json".into(), Value::Null, "BAD_FRAME"),
        (r#"[1,2]"#.into(), Value::Null, "BAD_FRAME"),
        (r#"{"t":"hello"}"#.into(), Value::Null, "BAD_FRAME"),
        (
            r#"{"t":"cmd","op":"snapshot"}"#.into(),
            Value::Null,
            "BAD_FRAME",
        ),
        (
            r#"{"t":"cmd","id":5,"op":"fly"}"#.into(),
            json!(5),
            "BAD_COMMAND",
        ),
        (
            r#"{"t":"cmd","id":6,"op":"push"}"#.into(),
            json!(6),
            "BAD_COMMAND",
        ),
        (
            r#"{"t":"cmd","id":7,"op":"room_add","room":"r","conn":"nope"}"#.into(),
            json!(7),
            "NOT_FOUND",
        ),
        (
            format!(
                r#"{{"t":"cmd","id":8,"op":"snapshot","pad":"{}"}}"#,
                "x".repeat(70_000)
            ),
            Value::Null,
            "TOO_BIG",
        ),
    ];
    for (frame, id, code) in cases {
        raw_send(&mut ws, &frame).await;
        let err = raw_next_of(&mut ws, "error").await;
        assert_eq!(err["code"], code, "{err}");
        assert_eq!(err["id"], id, "{err}");
        assert!(err["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    {
        use futures_util::SinkExt;
        ws.send(tokio_tungstenite::tungstenite::Message::binary(vec![
            1, 2, 3,
        ]))
        .await
        .unwrap();
    }
    assert_eq!(raw_next_of(&mut ws, "error").await["code"], "BAD_FRAME");

    // Still attached and answering.
    raw_send(&mut ws, r#"{"t":"cmd","id":9,"op":"snapshot"}"#).await;
    let result = raw_next_of(&mut ws, "result").await;
    assert_eq!(result["id"], 9);
    assert_eq!(result["op"], "snapshot");
    assert_eq!(result["snapshot"]["node"], server.server.node_id());
}

#[tokio::test]
async fn a_read_only_inspector_refuses_every_command() {
    let server = start_demo().await;
    let _alice = client(&server, "user", "alice").await;
    let inspector = start_inspector_with(
        &server,
        InspectorConfig {
            read_only: true,
            ..InspectorConfig::default()
        },
    )
    .await;
    let console = attach(&inspector).await;
    assert!(console.hello().capabilities.is_empty());
    let bye = Command::Disconnect {
        conn: conn_id(&server, "alice"),
        code: None,
        reason: String::new(),
    };
    let err = console.command(bye).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::ReadOnly);
    assert_eq!(server.server.connection_count(), 1);
    // Observing still works.
    assert_eq!(console.snapshot().connections.len(), 1);
}
