//! Proxy mode: a real demo server upstream, real WebSocket clients through the proxy; frames
//! are relayed byte for byte and recorded like the embedded server's traffic.

use std::sync::{Arc, Mutex};

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use switchboard_console_core::nodes::proxy::Proxy;
use switchboard_server::tap::{Origin, Tap, TapEvent, TapKind};
use switchboard_testkit::eventually;
use tokio_tungstenite::tungstenite::Message;
use tokio_util::sync::CancellationToken;

/// Keeps every event the proxy records, to look at.
#[derive(Default)]
struct Seen(Mutex<Vec<TapEvent>>);

impl Tap for Seen {
    fn observe(&self, event: &TapEvent) {
        self.0.lock().unwrap().push(event.clone());
    }
}

impl Seen {
    fn of(&self, kind: TapKind) -> Vec<TapEvent> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .filter(|e| e.kind == kind)
            .cloned()
            .collect()
    }
}

struct Rig {
    upstream: switchboard_server::RunningServer,
    proxy: Proxy,
    seen: Arc<Seen>,
}

async fn rig() -> Rig {
    let server = switchboard_demo::builder()
        .expect("demo")
        .build()
        .expect("server");
    let upstream = server.start("127.0.0.1:0").await.expect("upstream");
    let seen = Arc::new(Seen::default());
    let proxy = Proxy::start(
        &format!("ws://{}", upstream.addr),
        "127.0.0.1:0",
        vec![seen.clone() as Arc<dyn Tap>],
        CancellationToken::new(),
    )
    .await
    .expect("proxy");
    Rig {
        upstream,
        proxy,
        seen,
    }
}

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect(addr: std::net::SocketAddr, query: &str) -> Ws {
    let (ws, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/?{query}"))
        .await
        .expect("connect through the proxy");
    ws
}

/// The next text frame, parsed.
async fn next_json(ws: &mut Ws) -> (String, Value) {
    loop {
        match ws.next().await.expect("open").expect("frame") {
            Message::Text(t) => {
                let v: Value = serde_json::from_str(t.as_str()).expect("json");
                if v["t"] != "ping" {
                    return (t.as_str().to_owned(), v);
                }
            }
            _ => continue,
        }
    }
}

#[tokio::test]
async fn requests_events_and_subscriptions_are_relayed_and_recorded_with_latency() {
    let r = rig().await;
    let mut alice = connect(r.proxy.addr(), "role=user&name=alice").await;
    let (_, env) = next_json(&mut alice).await;
    assert_eq!(env["t"], "env", "the upstream's first frame arrives first");

    alice
        .send(Message::text(
            r#"{"t":"req","i":1,"m":"join","d":{"room":"lobby"}}"#,
        ))
        .await
        .unwrap();
    let (_, res) = next_json(&mut alice).await;
    assert_eq!(res, json!({"t": "res", "i": 1, "d": {"ok": true}}));
    alice
        .send(Message::text(r#"{"t":"sub","i":2,"c":"ticker"}"#))
        .await
        .unwrap();
    alice
        .send(Message::text(r#"{"t":"req","i":3,"m":"notify","d":{}}"#))
        .await
        .unwrap();

    eventually(
        "the request, its answer, the event and the subscription are recorded",
        || {
            !r.seen.of(TapKind::ResponseOut).is_empty()
                && !r
                    .seen
                    .of(TapKind::Emit)
                    .iter()
                    .all(|e| e.name.as_deref() == Some("env"))
                && !r.seen.of(TapKind::Subscribe).is_empty()
        },
    )
    .await;
    let connect = &r.seen.of(TapKind::Connect)[0];
    assert_eq!(connect.role.as_deref(), Some("user"));
    assert_eq!(connect.user.as_deref(), Some("alice"));
    assert!(connect.node.starts_with("proxy:"), "{}", connect.node);
    let req = &r.seen.of(TapKind::RequestIn)[0];
    assert_eq!(req.name.as_deref(), Some("join"));
    assert_eq!(req.origin, Origin::Client);
    let answer = &r.seen.of(TapKind::ResponseOut)[0];
    assert_eq!(answer.name.as_deref(), Some("join"));
    let meta = answer.meta.as_ref().expect("meta");
    assert_eq!(meta["i"], 1);
    assert!(meta["duration_us"].is_u64(), "latency recorded: {meta}");
    let env_rows: Vec<_> = r
        .seen
        .of(TapKind::Emit)
        .into_iter()
        .filter(|e| e.name.as_deref() == Some("env"))
        .collect();
    assert_eq!(env_rows.len(), 1);
    let sub = &r.seen.of(TapKind::Subscribe)[0];
    assert_eq!(sub.topic.as_deref(), Some("ticker"));
    assert_eq!(r.proxy.connections()[0].user, "alice");

    alice
        .close(Some(tokio_tungstenite::tungstenite::protocol::CloseFrame {
            code: 1000.into(),
            reason: "bye".into(),
        }))
        .await
        .unwrap();
    eventually("the close is recorded with its code", || {
        !r.seen.of(TapKind::Disconnect).is_empty()
    })
    .await;
    let gone = &r.seen.of(TapKind::Disconnect)[0];
    let meta = gone.meta.as_ref().unwrap();
    assert_eq!(meta["closed_by"], "client");
    assert_eq!(meta["code"], 1000);
    eventually("the proxy forgets the connection", || {
        r.proxy.connections().is_empty()
    })
    .await;
    let _ = r.upstream.shutdown().await;
}

#[tokio::test]
async fn frames_are_relayed_unchanged_and_bad_ones_recorded_as_frame_errors() {
    let r = rig().await;
    let mut direct = {
        let (ws, _) = tokio_tungstenite::connect_async(format!(
            "ws://{}/?role=user&name=bob",
            r.upstream.addr
        ))
        .await
        .unwrap();
        ws
    };
    let mut proxied = connect(r.proxy.addr(), "role=user&name=carol").await;
    next_json(&mut direct).await;
    next_json(&mut proxied).await;
    // Odd spacing and key order: the upstream's answer to it is what arrives either way.
    let odd = r#"{ "d" : {"room":"x"} , "m":"join",  "i": 7, "t":"req" }"#;
    direct.send(Message::text(odd)).await.unwrap();
    proxied.send(Message::text(odd)).await.unwrap();
    assert_eq!(
        next_json(&mut proxied).await.0,
        next_json(&mut direct).await.0
    );

    proxied
        .send(Message::text("this is not the wire"))
        .await
        .unwrap();
    let (via_proxy, _) = next_json(&mut proxied).await;
    direct
        .send(Message::text("this is not the wire"))
        .await
        .unwrap();
    let (straight, _) = next_json(&mut direct).await;
    assert_eq!(
        via_proxy, straight,
        "the upstream saw the same bytes and answered the same"
    );
    eventually("the bad frame is recorded", || {
        !r.seen.of(TapKind::FrameError).is_empty()
    })
    .await;
    let bad = &r.seen.of(TapKind::FrameError)[0];
    assert_eq!(bad.meta.as_ref().unwrap()["from"], "client");
    assert_eq!(r.proxy.frame_errors(), 1);
    let _ = r.upstream.shutdown().await;
}

#[tokio::test]
async fn the_client_sees_the_upstreams_refusal_or_502_when_it_is_gone() {
    let r = rig().await;
    let status_of = |e: tokio_tungstenite::tungstenite::Error| match e {
        tokio_tungstenite::tungstenite::Error::Http(resp) => resp.status().as_u16(),
        other => panic!("expected an HTTP refusal, got {other}"),
    };
    let direct = tokio_tungstenite::connect_async(format!("ws://{}/?name=nobody", r.upstream.addr))
        .await
        .map(|_| ())
        .expect_err("no role is refused");
    let proxied = tokio_tungstenite::connect_async(format!("ws://{}/?name=nobody", r.proxy.addr()))
        .await
        .map(|_| ())
        .expect_err("refused through the proxy too");
    let direct = status_of(direct);
    assert!((400..500).contains(&direct), "{direct}");
    assert_eq!(status_of(proxied), direct);
    assert_eq!(r.seen.of(TapKind::AuthRefused).len(), 1);

    let _ = r.upstream.shutdown().await;

    // An upstream that is not there at all.
    let free = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let nowhere = free.local_addr().unwrap();
    drop(free);
    let lost = Proxy::start(
        &format!("ws://{nowhere}"),
        "127.0.0.1:0",
        vec![],
        CancellationToken::new(),
    )
    .await
    .expect("proxy");
    let err = tokio_tungstenite::connect_async(format!("ws://{}/?role=user&name=x", lost.addr()))
        .await
        .map(|_| ())
        .expect_err("nobody upstream");
    assert_eq!(status_of(err), 502);
}

#[tokio::test]
async fn a_push_by_hand_reaches_the_client_as_if_the_upstream_sent_it() {
    let r = rig().await;
    let mut dave = connect(r.proxy.addr(), "role=user&name=dave").await;
    next_json(&mut dave).await;
    eventually("the connection is known", || {
        r.proxy.connections().len() == 1
    })
    .await;
    let id = r.proxy.connections()[0].id.clone();
    r.proxy
        .push_event(&id, "alert", &json!({"level": "warn", "text": "rare"}))
        .expect("pushed");
    let (_, evt) = next_json(&mut dave).await;
    assert_eq!(
        evt,
        json!({"t": "evt", "e": "alert", "d": {"level": "warn", "text": "rare"}})
    );
    let manual = r.seen.of(TapKind::ToConn);
    assert_eq!(manual.len(), 1);
    assert_eq!(manual[0].origin, Origin::Manual);
    assert_eq!(manual[0].conn.as_deref(), Some(id.as_str()));
    assert!(r.proxy.push_event("px-none", "alert", &json!({})).is_err());
    let _ = r.upstream.shutdown().await;
}

/// An upstream that upgrades one connection, sends `env`, then does `then` to it.
async fn one_shot_upstream(close: Option<u16>) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let mut ws = tokio_tungstenite::accept_async(tcp).await.unwrap();
        ws.send(Message::text(r#"{"t":"env","d":{}}"#))
            .await
            .unwrap();
        match close {
            Some(code) => {
                ws.close(Some(tokio_tungstenite::tungstenite::protocol::CloseFrame {
                    code: code.into(),
                    reason: "kicked".into(),
                }))
                .await
                .unwrap();
                while let Some(Ok(_)) = ws.next().await {}
            }
            // Vanish: drop the socket without a close frame.
            None => drop(ws),
        }
    });
    addr
}

async fn close_code_through_proxy(close: Option<u16>) -> (u16, Arc<Seen>) {
    let upstream = one_shot_upstream(close).await;
    let seen = Arc::new(Seen::default());
    let proxy = Proxy::start(
        &format!("ws://{upstream}"),
        "127.0.0.1:0",
        vec![seen.clone() as Arc<dyn Tap>],
        CancellationToken::new(),
    )
    .await
    .expect("proxy");
    let mut ws = connect(proxy.addr(), "role=user&name=erin").await;
    let code = loop {
        match ws.next().await {
            Some(Ok(Message::Close(frame))) => break frame.map(|f| u16::from(f.code)),
            Some(Ok(_)) => continue,
            other => panic!("expected a close frame, got {other:?}"),
        }
    };
    eventually("the disconnect is recorded", || {
        !seen.of(TapKind::Disconnect).is_empty()
    })
    .await;
    (code.expect("a close code"), seen)
}

#[tokio::test]
async fn the_upstreams_close_code_reaches_the_client_and_a_vanished_upstream_is_1011() {
    let (code, seen) = close_code_through_proxy(Some(4001)).await;
    assert_eq!(code, 4001);
    let meta = seen.of(TapKind::Disconnect)[0].meta.clone().unwrap();
    assert_eq!(meta["closed_by"], "upstream");
    assert_eq!(meta["code"], 4001);

    let (code, seen) = close_code_through_proxy(None).await;
    assert_eq!(code, 1011);
    assert_eq!(
        seen.of(TapKind::Disconnect)[0].meta.clone().unwrap()["code"],
        1011
    );
}

/// A console in proxy mode in front of a real demo upstream.
async fn console_rig() -> (
    switchboard_server::RunningServer,
    crate::support::Harness,
    Arc<Proxy>,
) {
    let server = switchboard_demo::builder()
        .expect("demo")
        .build()
        .expect("server");
    let upstream = server.start("127.0.0.1:0").await.expect("upstream");
    let (h, proxy) = crate::support::start_proxy(&format!("ws://{}", upstream.addr)).await;
    (upstream, h, proxy)
}

#[tokio::test]
async fn the_console_lists_proxied_connections_with_role_user_and_masked_query() {
    let (upstream, h, proxy) = console_rig().await;
    let mut alice = connect(proxy.addr(), "role=user&name=alice&access_token=s3cret").await;
    let mut bob = connect(proxy.addr(), "role=agent&name=bob").await;
    next_json(&mut alice).await;
    next_json(&mut bob).await;

    let page: Value = h.get("/api/connections").await;
    let rows = page["rows"].as_array().expect("rows");
    let mut seen: Vec<(String, String)> = rows
        .iter()
        .map(|r| {
            assert_eq!(r["node"], proxy.node_id(), "{r}");
            (
                r["role"].as_str().unwrap().to_owned(),
                r["user"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    seen.sort();
    assert_eq!(
        seen,
        [
            ("agent".to_owned(), "bob".to_owned()),
            ("user".to_owned(), "alice".to_owned())
        ]
    );
    let alice_id = rows.iter().find(|r| r["user"] == "alice").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let alice_row = rows.iter().find(|r| r["user"] == "alice").unwrap();
    assert!(
        alice_row["msgs_out"].as_u64().unwrap() >= 1,
        "the upstream's env frame is counted: {alice_row}"
    );
    assert!(
        alice_row["remote"]
            .as_str()
            .unwrap()
            .starts_with("127.0.0.1:"),
        "{alice_row}"
    );
    let detail: Value = h.get(&format!("/api/connections/{alice_id}")).await;
    assert_eq!(detail["params"]["name"], "alice");
    assert_eq!(
        detail["params"]["access_token"],
        switchboard_server::secrets::MASK,
        "a secret in the query is masked: {detail}"
    );

    let overview: Value = h.get("/api/overview").await;
    assert_eq!(overview["connections"], 2, "{overview}");
    assert_eq!(overview["transport"], "proxy");
    assert_eq!(overview["nodes"][0]["id"], proxy.node_id());
    let nodes: Value = h.get("/api/nodes").await;
    assert_eq!(nodes["mode"], "proxy");
    assert_eq!(nodes["nodes"][0]["state"], "proxy");
    assert_eq!(nodes["nodes"][0]["url"], format!("ws://{}", upstream.addr));
    assert_eq!(nodes["nodes"][0]["connections"], 2);

    // Rooms are not on the wire: the list is empty and a room's detail says why.
    let graph: Value = h.get("/api/graph").await;
    assert_eq!(graph["conns"], json!([]));
    let (status, body) = h.get_status("/api/rooms/lobby").await;
    assert_eq!(status, 400, "{body}");
    assert!(body["error"].as_str().unwrap().contains("proxy"), "{body}");

    // A closed connection leaves the list.
    bob.close(None).await.unwrap();
    crate::support::eventually("bob's connection leaves the list", || async {
        let page: Value = h.get("/api/connections").await;
        (page["total"] == 1).then_some(())
    })
    .await;
    h.stop().await;
    let _ = upstream.shutdown().await;
}

#[tokio::test]
async fn a_push_from_the_api_reaches_a_proxied_client_and_is_recorded_manual() {
    let (upstream, h, proxy) = console_rig().await;
    let mut alice = connect(proxy.addr(), "role=user&name=alice").await;
    next_json(&mut alice).await;
    let id = h.conn_id("alice").await;

    let payload = json!({ "level": "warn", "text": "from the console" });
    let (status, record) = h
        .post(
            "/api/push",
            &json!({ "target": { "kind": "conn", "id": id }, "name": "alert", "payload": payload }),
        )
        .await;
    assert_eq!(status, 200, "{record}");
    assert_eq!(record["delivered"], 1);
    assert_eq!(record["receivers"][0]["id"], id.as_str());
    let (_, evt) = next_json(&mut alice).await;
    assert_eq!(evt, json!({ "t": "evt", "e": "alert", "d": payload }));

    crate::support::eventually("the push recorded as manual", || async {
        let (_, p) = h
            .post(
                "/api/traffic/query",
                &json!({ "filter": { "origins": ["manual"] }, "cursor": { "at": "end" }, "limit": 10 }),
            )
            .await;
        p["rows"]
            .as_array()
            .filter(|r| r.iter().any(|r| r["kind"] == "to_conn" && r["conn"] == id.as_str()))
            .map(|_| ())
    })
    .await;

    // A room push cannot reach anyone through a proxy: refused with the reason.
    let (status, body) = h
        .post(
            "/api/push",
            &json!({ "target": { "kind": "rooms", "rooms": ["lobby"], "except": null }, "name": "alert", "payload": payload }),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("rooms cannot be seen"),
        "{body}"
    );
    h.stop().await;
    let _ = upstream.shutdown().await;
}
