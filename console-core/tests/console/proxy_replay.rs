//! Replay in proxy mode: what the proxy recorded runs again against the upstream itself (not
//! the proxy, and no server of the console's own), replies and pushes compared with the
//! recording; the same session against an upstream that answers differently reports the
//! differences. The upstreams are real demo servers, the clients real ones through the proxy.

use std::time::Duration;

use serde_json::{json, Value};
use switchboard_client::{Client, ClientOptions};
use switchboard_server::{HandlerError, RunningServer};

use crate::support;

async fn demo_upstream() -> RunningServer {
    switchboard_demo::builder()
        .expect("demo")
        .build()
        .expect("server")
        .start("127.0.0.1:0")
        .await
        .expect("upstream")
}

/// The demo, except that a user's `say` shouts: the broadcast text is upper case and the
/// answer says so.
async fn shouting_upstream() -> RunningServer {
    switchboard_demo::builder()
        .expect("demo")
        .handle("user", "say", |input, _ctx, conn| async move {
            let server = conn
                .server()
                .ok_or_else(|| HandlerError::internal("server stopped"))?;
            let room = server.room(input["room"].as_str().unwrap_or_default());
            let text = input["text"].as_str().unwrap_or_default().to_uppercase();
            room.broadcast(
                "message",
                &json!({ "room": room.name(), "text": text, "from": conn.user() }),
            )?;
            Ok(json!({ "ok": true, "shouted": true }))
        })
        .build()
        .expect("server")
        .start("127.0.0.1:0")
        .await
        .expect("upstream")
}

async fn rows(h: &support::Harness, kinds: Value) -> Vec<Value> {
    let (_, page) = h
        .post(
            "/api/traffic/query",
            &json!({ "filter": { "kinds": kinds }, "cursor": { "at": "start" }, "limit": 500 }),
        )
        .await;
    page["rows"].as_array().cloned().unwrap_or_default()
}

async fn replay(h: &support::Harness, request: Value) -> Value {
    let (status, started) = h.post("/api/replay", &request).await;
    assert_eq!(status, 200, "{started}");
    support::eventually("the replay finishes", || async {
        let s: Value = h.get("/api/replay").await;
        (s["state"] != "running" && s["state"] != "paused" && s["state"] != "ready").then_some(s)
    })
    .await
}

async fn messages(h: &support::Harness) -> Vec<Value> {
    let page: Value = h.get("/api/replay/messages?filter=all&limit=500").await;
    page["items"].as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn a_proxied_session_replays_against_the_upstream_with_zero_differences() {
    let upstream = demo_upstream().await;
    let (h, proxy) = support::start_proxy(&format!("ws://{}", upstream.addr)).await;
    let client = |name: &str| {
        let c = Client::connect(
            ClientOptions::new(format!("ws://{}", proxy.addr()), "user")
                .param("name", name)
                .reconnect(false),
        );
        async move {
            c.wait_connected(Duration::from_secs(10))
                .await
                .expect("connects through the proxy");
            c
        }
    };

    // Through the proxy: two users in a room, a broadcast, a direct message, a subscription, a
    // refused request, and closes (bob's leave notice reaches alice).
    let alice = client("alice").await;
    let bob = client("bob").await;
    for c in [&alice, &bob] {
        c.request("join", json!({ "room": "lobby" })).await.unwrap();
    }
    let mut heard = alice.events("message", 16);
    bob.request(
        "say",
        json!({ "room": "lobby", "text": "hello through the proxy" }),
    )
    .await
    .unwrap();
    heard.recv().await.expect("alice hears bob");
    assert_eq!(
        bob.request("dm", json!({ "to": "alice", "text": "psst" }))
            .await
            .unwrap(),
        json!({ "delivered": 1 })
    );
    heard.recv().await.expect("alice gets the dm");
    alice.subscribe("ticker", |_| {}).await.unwrap();
    assert!(alice
        .request(
            "say",
            json!({ "room": "elsewhere", "text": "not a member" })
        )
        .await
        .is_err());
    bob.close().await;
    heard.recv().await.expect("alice hears that bob left");
    support::eventually("bob's close is recorded", || async {
        (!rows(&h, json!(["disconnect"])).await.is_empty()).then_some(())
    })
    .await;
    alice.close().await;
    support::eventually("the session is recorded", || async {
        let done = rows(&h, json!(["disconnect"])).await.len() == 2
            && rows(&h, json!(["error_out"])).await.len() == 1;
        done.then_some(())
    })
    .await;

    // The console's own servers do not exist in proxy mode, nor does push replay.
    for (target, mode) in [
        ("isolated", "clients"),
        ("live", "clients"),
        ("upstream", "pushes"),
    ] {
        let (status, body) = h
            .post(
                "/api/replay",
                &json!({ "target": target, "mode": mode, "speed": 0 }),
            )
            .await;
        assert_eq!(status, 400, "{target} {mode}: {body}");
        assert!(
            body["error"].as_str().unwrap().contains("proxy mode"),
            "{body}"
        );
    }

    let s = replay(&h, json!({ "target": "upstream", "speed": 0 })).await;
    assert_eq!(s["state"], "finished", "{s}");
    let report = &s["report"];
    assert_eq!(
        report["target"],
        format!("ws://{}/", upstream.addr),
        "the upstream itself, not the proxy: {report}"
    );
    assert_eq!(report["summary"]["differences"], 0, "{report:#}");
    // Nothing was waited for in vain: each request took effect where it passed the proxy.
    for c in report["connections"].as_array().unwrap() {
        assert_eq!(c["notes"], json!([]), "{report:#}");
    }
    let all = messages(&h).await;
    let pushes: Vec<&Value> = all
        .iter()
        .filter(|e| e["message"]["stream"] == "push" && e["message"]["status"] == "same")
        .collect();
    // alice: bob's message, the dm and bob's leave notice; bob: his own message.
    assert!(pushes.len() >= 4, "pushes compared, not skipped: {all:#?}");
    let replies = all
        .iter()
        .filter(|e| e["message"]["stream"] == "reply" && e["message"]["status"] == "same")
        .count();
    // Two joins, a say, a dm, a subscribe and the refused say.
    assert!(replies >= 6, "{all:#?}");
    // The connection's `env` is what opens it, not a push to compare.
    assert!(
        all.iter().all(|e| e["message"]["name"] != "env"),
        "{all:#?}"
    );

    // The same session against an upstream whose `say` answers and broadcasts differently.
    let shouting = shouting_upstream().await;
    let s = replay(
        &h,
        json!({ "target": format!("ws://{}/", shouting.addr), "speed": 0 }),
    )
    .await;
    assert_eq!(s["state"], "finished", "{s}");
    assert!(
        s["report"]["summary"]["differences"].as_u64().unwrap() >= 2,
        "{s:#}"
    );
    let paths: Vec<String> = messages(&h)
        .await
        .iter()
        .filter(|e| e["message"]["status"] == "differs")
        .flat_map(|e| {
            e["message"]["diffs"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .map(|d| d["path"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert!(paths.iter().any(|p| p.ends_with("d.shouted")), "{paths:?}");
    assert!(paths.iter().any(|p| p.ends_with("d.text")), "{paths:?}");

    h.stop().await;
    for u in [upstream, shouting] {
        let _ = tokio::time::timeout(Duration::from_secs(5), u.shutdown()).await;
    }
}

#[tokio::test]
// The upgrade callback's error type is tungstenite's own HTTP response.
#[allow(clippy::result_large_err)]
async fn the_replay_opens_each_connection_on_the_path_it_was_recorded_on() {
    use futures_util::{SinkExt, StreamExt};
    use std::sync::{Arc, Mutex};
    use tokio_tungstenite::tungstenite::Message;

    // An upstream that notes each upgrade's path and query, sends `env`, and reads until the
    // client closes.
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let noted = seen.clone();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let noted = noted.clone();
            tokio::spawn(async move {
                let note = |req: &tokio_tungstenite::tungstenite::handshake::server::Request,
                            res| {
                    noted.lock().unwrap().push(req.uri().to_string());
                    Ok(res)
                };
                let Ok(mut ws) = tokio_tungstenite::accept_hdr_async(tcp, note).await else {
                    return;
                };
                let _ = ws.send(Message::text(r#"{"t":"env","d":{}}"#)).await;
                while let Some(Ok(_)) = ws.next().await {}
            });
        }
    });
    // The upstream's URL has a path of its own; the client upgrades on another under it.
    let (h, proxy) = support::start_proxy(&format!("ws://{addr}/base")).await;
    let (mut ws, _) = tokio_tungstenite::connect_async(format!(
        "ws://{}/app/ws?role=user&name=pat",
        proxy.addr()
    ))
    .await
    .expect("connect through the proxy");
    ws.next().await.expect("env").expect("env");
    ws.close(None).await.unwrap();
    support::eventually("the close is recorded", || async {
        (!rows(&h, json!(["disconnect"])).await.is_empty()).then_some(())
    })
    .await;

    let s = replay(&h, json!({ "target": "upstream", "speed": 0 })).await;
    assert_eq!(s["state"], "finished", "{s}");
    assert_eq!(s["report"]["summary"]["differences"], 0, "{s:#}");
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert_eq!(
        seen[0], "/base/app/ws?role=user&name=pat",
        "relayed: {seen:?}"
    );
    assert!(
        seen[1].starts_with("/base/app/ws?") && seen[1].contains("name=pat"),
        "replayed on the recorded path: {seen:?}"
    );
    h.stop().await;
}
