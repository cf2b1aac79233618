//! Pushes to one connection, to every session of a user, and to everyone.

use serde_json::json;
use switchboard_server::PushError;

use crate::support::*;

#[tokio::test]
async fn notify_emits_to_the_caller_only_before_the_reply() {
    let server = start_demo().await;
    let mut alice = Raw::user(&server, "alice").await;
    let mut bob = Raw::user(&server, "bob").await;
    let frames = alice.request_frames(1, "notify", json!({})).await;
    assert_eq!(
        frames,
        vec![
            json!({"t":"evt","e":"message","d":{"room":"lobby","text":"hi","from":"system"}}),
            json!({"t":"res","i":1,"d":{"ok":true}}),
        ]
    );
    assert!(bob.drain().await.is_empty());
}

#[tokio::test]
async fn conn_emit_is_scoped_to_role_events_and_shared_events() {
    let server = start_demo().await;
    let _alice = Raw::user(&server, "alice").await;
    let conn = server.server.local()[0].id.clone();
    let alice = server.server.conn(&conn).unwrap();
    assert_eq!(
        alice
            .emit("alert", &json!({"level":"info","text":"x"}))
            .unwrap(),
        1
    );
    assert_eq!(
        alice
            .emit("message", &json!({"room":"a","text":"x","from":"s"}))
            .unwrap(),
        1
    );
    // `task` is an agent event.
    assert!(matches!(
        alice.emit("task", &json!({"id":"1","text":"x"})),
        Err(PushError::UnknownEvent { .. })
    ));
    // A topic is not an event.
    assert!(alice.emit("ticker", &json!({"n":1})).is_err());
    // Payloads are checked.
    assert!(matches!(
        alice.emit("alert", &json!({"level":"loud","text":"x"})),
        Err(PushError::Validation { .. })
    ));
}

#[tokio::test]
async fn to_conn_reaches_one_connection() {
    let server = start_demo().await;
    let mut alice = Raw::user(&server, "alice").await;
    let mut agent = Raw::agent(&server, "a1").await;
    let ids = server.server.local();
    let agent_id = ids.iter().find(|c| c.role == "agent").unwrap().id.clone();
    let n = server
        .server
        .to_conn(&agent_id)
        .emit("task", &json!({"id":"t1","text":"do it"}))
        .unwrap();
    assert_eq!(n, 1);
    assert_eq!(
        agent.drain().await,
        vec![json!({"t":"evt","e":"task","d":{"id":"t1","text":"do it"}})]
    );
    assert!(alice.drain().await.is_empty());
    assert_eq!(
        server
            .server
            .to_conn("nobody")
            .emit("task", &json!({"id":"t","text":"x"}))
            .unwrap(),
        0
    );
}

#[tokio::test]
async fn to_user_reaches_every_session_of_the_user() {
    let server = start_demo().await;
    let mut bob1 = Raw::user(&server, "bob").await;
    let mut bob2 = Raw::user(&server, "bob").await;
    let mut carol = Raw::user(&server, "carol").await;
    let mut alice = Raw::user(&server, "alice").await;
    let reply = alice
        .request(1, "dm", json!({"to":"bob","text":"psst"}))
        .await;
    assert_eq!(reply["d"]["delivered"], 2);
    let expected =
        json!({"t":"evt","e":"message","d":{"room":"dm:alice","text":"psst","from":"alice"}});
    assert_eq!(bob1.drain().await, vec![expected.clone()]);
    assert_eq!(bob2.drain().await, vec![expected]);
    assert!(carol.drain().await.is_empty());
    let reply = alice
        .request(2, "dm", json!({"to":"nobody","text":"x"}))
        .await;
    assert_eq!(reply["d"]["delivered"], 0);
}

#[tokio::test]
async fn server_wide_broadcast_carries_shared_events_to_everyone() {
    let server = start_demo().await;
    let mut alice = Raw::user(&server, "alice").await;
    let mut agent = Raw::agent(&server, "a1").await;
    let msg = json!({"room":"*","text":"maintenance","from":"ops"});
    assert_eq!(server.server.broadcast("message", &msg).unwrap(), 2);
    let expected = json!({"t":"evt","e":"message","d":msg});
    assert_eq!(alice.drain().await, vec![expected.clone()]);
    assert_eq!(agent.drain().await, vec![expected]);
    assert!(matches!(
        server
            .server
            .broadcast("alert", &json!({"level":"info","text":"x"})),
        Err(PushError::NotShared(_))
    ));
}
