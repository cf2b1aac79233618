//! `on_connect` and `on_disconnect`: when they run, what they see and may do, and how a hook
//! that fails or panics is contained.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};
use switchboard_demo as demo;
use switchboard_server::{Disconnect, FaultKind, HandlerError, Refusal, RunningServer};

use crate::support::*;

fn greeting() -> Value {
    json!({"room":"default","text":"welcome","from":"system"})
}

#[tokio::test]
async fn on_connect_runs_before_the_first_request_and_may_join_and_emit() {
    let builder = demo::builder()
        .unwrap()
        .config(test_config())
        .on_connect(|conn| async move {
            // A hook that waits (a lookup) before deciding: the client's first request, sent
            // right after the upgrade, still comes after it.
            tokio::time::sleep(Duration::from_millis(30)).await;
            conn.join("default").expect("under the room cap");
            conn.emit("message", &greeting()).ok();
            Ok(())
        });
    let server = start(builder).await;
    let mut alice = Raw::user(&server, "alice").await;
    let frames = alice
        .request_frames(1, "say", json!({"room":"default","text":"hi"}))
        .await;
    assert_eq!(
        frames,
        vec![
            json!({"t":"evt","e":"message","d":greeting()}),
            json!({"t":"evt","e":"message","d":{"room":"default","text":"hi","from":"alice"}}),
            json!({"t":"res","i":1,"d":{"ok":true}}),
        ]
    );
    assert_eq!(server.server.room("default").size(), 1);
}

#[tokio::test]
async fn on_connect_may_refuse_with_a_code() {
    let disconnects = Arc::new(Mutex::new(0));
    let seen = disconnects.clone();
    let builder = demo::builder()
        .unwrap()
        .config(test_config())
        .on_connect(|conn| async move {
            conn.join("lobby").expect("under the room cap");
            if conn.user() == "mallory" {
                return Err(Refusal::new(4403, "banned"));
            }
            if conn.user() == "eve" {
                // A code no close frame may carry (1005 only says none was given).
                return Err(Refusal::new(1005, "not today"));
            }
            Ok(())
        })
        .on_disconnect(move |_conn, _why| {
            *seen.lock().unwrap() += 1;
            async { Ok(()) }
        });
    let server = start(builder).await;
    let mut mallory = Raw::user(&server, "mallory").await;
    assert_eq!(mallory.expect_close().await, (4403, "banned".to_owned()));
    let mut eve = Raw::user(&server, "eve").await;
    assert_eq!(eve.expect_close().await, (4000, "not today".to_owned()));
    let srv = server.server.clone();
    eventually("mallory is gone", move || {
        srv.local().is_empty() && srv.room("lobby").size() == 0
    })
    .await;
    // Turned away before it started: no end to report either.
    assert_eq!(*disconnects.lock().unwrap(), 0);
    let mut alice = Raw::user(&server, "alice").await;
    let reply = alice
        .request(1, "say", json!({"room":"lobby","text":"x"}))
        .await;
    assert_eq!(reply["t"], "res");
}

/// What `on_disconnect` saw, per connection.
type Seen = Arc<Mutex<Vec<(String, Vec<String>, Vec<String>, Disconnect)>>>;

async fn with_leave_notice(seen: Seen) -> RunningServer {
    let builder = demo::builder()
        .unwrap()
        .config(test_config())
        .on_disconnect(move |conn, why| {
            let seen = seen.clone();
            async move {
                seen.lock().unwrap().push((
                    conn.user().to_owned(),
                    conn.rooms(),
                    conn.topics(),
                    why,
                ));
                for room in conn.rooms() {
                    let text = format!("{} left", conn.user());
                    conn.to_room(&room)
                        .broadcast("message", &json!({"room":room,"text":text,"from":"system"}))?;
                }
                Ok(())
            }
        });
    start(builder).await
}

#[tokio::test]
async fn on_disconnect_sees_the_rooms_and_topics_and_reaches_the_other_members() {
    let seen: Seen = Default::default();
    let server = with_leave_notice(seen.clone()).await;
    let mut alice = Raw::user(&server, "alice").await;
    let mut bot = Raw::agent(&server, "bot").await;
    let mut carol = Raw::user(&server, "carol").await;
    for (client, room) in [
        (&mut alice, "lobby"),
        (&mut bot, "lobby"),
        (&mut carol, "lobby"),
    ] {
        assert_eq!(
            client.request(1, "join", json!({"room":room})).await["t"],
            "res"
        );
    }
    assert_eq!(
        carol.request(2, "join", json!({"room":"side"})).await["t"],
        "res"
    );
    carol.send(json!({"t":"sub","i":3,"c":"announce"})).await;
    assert_eq!(carol.next().await["t"], "res");
    carol.close().await;
    let notice =
        json!({"t":"evt","e":"message","d":{"room":"lobby","text":"carol left","from":"system"}});
    assert_eq!(alice.next().await, notice);
    assert_eq!(bot.next().await, notice);
    let srv = server.server.clone();
    eventually("carol is cleaned up", move || {
        srv.local().len() == 2 && srv.room("side").size() == 0
    })
    .await;
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 1, "once per connection: {seen:?}");
    let (user, rooms, topics, why) = &seen[0];
    assert_eq!(user, "carol");
    assert_eq!(rooms, &vec!["lobby".to_owned(), "side".to_owned()]);
    assert_eq!(topics, &vec!["announce".to_owned()]);
    assert_eq!(why.by, "client");
    assert_eq!(why.code, 1005, "the test client closes without a code");
}

#[tokio::test]
async fn on_disconnect_runs_when_the_server_closes_the_connection() {
    let seen: Seen = Default::default();
    let server = with_leave_notice(seen.clone()).await;
    let mut alice = Raw::user(&server, "alice").await;
    let mut bob = Raw::user(&server, "bob").await;
    alice.request(1, "join", json!({"room":"r"})).await;
    bob.request(1, "join", json!({"room":"r"})).await;
    let id = server
        .server
        .local()
        .into_iter()
        .find(|c| c.user == "bob")
        .unwrap()
        .id;
    server.server.conn(&id).unwrap().close(4000, "kicked");
    assert_eq!(bob.expect_close().await, (4000, "kicked".to_owned()));
    let (notice, _) = alice.next_of("evt").await;
    assert_eq!(notice["d"]["text"], "bob left");
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen[0].3.by, "server");
    assert_eq!(seen[0].3.reason, "kicked");
}

#[tokio::test]
async fn failing_and_panicking_hooks_are_reported_and_cleanup_still_happens() {
    let faults = Faults::default();
    let builder = demo::builder()
        .unwrap()
        .config(test_config())
        .on_error(faults.hook())
        .on_connect(|conn| async move {
            conn.join("x").expect("under the room cap");
            if conn.user() == "early" {
                panic!("connect hook broke");
            }
            Ok(())
        })
        .on_disconnect(|conn, _why| {
            // Panics before it returns its future.
            if conn.user() == "sync" {
                panic!("disconnect hook broke at once");
            }
            async move {
                if conn.user() == "late" {
                    panic!("disconnect hook broke later");
                }
                Err(HandlerError::internal("could not write the audit log"))
            }
        });
    let server = start(builder).await;
    let srv = server.server.clone();

    let mut early = Raw::user(&server, "early").await;
    assert_eq!(
        early.expect_close().await,
        (1011, "internal error".to_owned())
    );
    for name in ["sync", "late", "plain"] {
        let client = Raw::user(&server, name).await;
        client.close().await;
    }
    let check = srv.clone();
    eventually("every connection cleaned up", move || {
        check.local().is_empty() && check.room("x").size() == 0
    })
    .await;
    let probe = faults.clone();
    eventually("four faults", move || probe.all().len() == 4).await;
    let mut faults: Vec<(FaultKind, String)> = faults
        .all()
        .into_iter()
        .map(|(ctx, message)| (ctx.kind, message))
        .collect();
    faults.sort_by(|a, b| a.1.cmp(&b.1));
    let kinds: Vec<FaultKind> = faults.iter().map(|f| f.0).collect();
    assert_eq!(
        kinds.iter().filter(|k| **k == FaultKind::Connect).count(),
        1
    );
    assert_eq!(
        kinds
            .iter()
            .filter(|k| **k == FaultKind::Disconnect)
            .count(),
        3
    );
    let text: Vec<&str> = faults.iter().map(|f| f.1.as_str()).collect();
    for expected in [
        "on_connect panicked: connect hook broke",
        "on_disconnect panicked: disconnect hook broke at once",
        "on_disconnect panicked: disconnect hook broke later",
        "on_disconnect failed: could not write the audit log",
    ] {
        assert!(
            text.iter().any(|t| t.contains(expected)),
            "{expected} in {text:?}"
        );
    }
    // The server goes on.
    let mut ok = Raw::user(&server, "ok").await;
    assert_eq!(
        ok.request(1, "say", json!({"room":"x","text":"?"})).await["t"],
        "res"
    );
}

#[tokio::test]
async fn a_connect_hook_that_never_finishes_is_cut_short() {
    let faults = Faults::default();
    let mut config = test_config();
    config.hook_timeout = Duration::from_millis(100);
    let builder = demo::builder()
        .unwrap()
        .config(config)
        .on_error(faults.hook())
        .on_connect(|_conn| async move {
            std::future::pending::<()>().await;
            Ok(())
        });
    let server = start(builder).await;
    let mut stuck = Raw::user(&server, "stuck").await;
    assert_eq!(stuck.expect_close().await.0, 1011);
    let all = faults.all();
    assert_eq!(all[0].0.kind, FaultKind::Connect);
    assert!(all[0].1.contains("did not finish"), "{}", all[0].1);
}

#[tokio::test]
async fn on_connect_may_subscribe_the_connection_to_topics() {
    let refused: Arc<Mutex<Option<String>>> = Arc::default();
    let seen = refused.clone();
    let builder = demo::builder()
        .unwrap()
        .config(test_config())
        .on_connect(move |conn| {
            let seen = seen.clone();
            async move {
                // A shared topic and one of the role's own; an event is not a topic.
                assert_eq!(conn.subscribe("announce").ok(), Some(true));
                assert_eq!(conn.subscribe("announce").ok(), Some(false), "already in");
                if conn.role() == "user" {
                    assert_eq!(conn.subscribe("ticker").ok(), Some(true));
                }
                *seen.lock().unwrap() = conn.subscribe("alert").err().map(|e| e.to_string());
                Ok(())
            }
        });
    let server = start(builder).await;
    let mut alice = Raw::user(&server, "alice").await;
    let mut bot = Raw::agent(&server, "bot").await;
    server
        .server
        .publish("announce", &json!({"msg":"hello"}))
        .unwrap();
    server
        .server
        .for_role("user")
        .publish("ticker", &json!({"n":1}))
        .unwrap();
    let announce =
        json!({"t":"pub","c":"announce","d":{"msg":"hello"},"nd":server.server.node_id()});
    assert_eq!(
        alice.drain().await,
        vec![
            announce.clone(),
            json!({"t":"pub","c":"ticker","d":{"n":1},"nd":server.server.node_id()}),
        ]
    );
    assert_eq!(bot.drain().await, vec![announce]);
    let message = refused.lock().unwrap().clone().expect("refused");
    assert!(message.contains("alert"), "{message}");
    // The server may take it back; the client's own `unsub` works as well.
    let conn = server
        .server
        .conn(
            &server
                .server
                .local()
                .iter()
                .find(|c| c.user == "alice")
                .unwrap()
                .id,
        )
        .unwrap();
    assert_eq!(
        conn.topics(),
        vec!["announce".to_owned(), "ticker".to_owned()]
    );
    assert_eq!(conn.unsubscribe("ticker").ok(), Some(true));
    assert_eq!(conn.unsubscribe("ticker").ok(), Some(false));
    alice.send(json!({"t":"unsub","c":"announce"})).await;
    alice.drain().await;
    assert!(conn.topics().is_empty());
}
