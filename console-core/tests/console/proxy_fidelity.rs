//! What the proxy records of a frame does not depend on how the frame was read: a payload the
//! proxy keeps as text (it is already what the wire parser's value would be written as) and
//! one it parses (escapes such as `\u00e9`, spaces, unsorted or repeated keys, floats) are both
//! recorded as the wire parser's value written back; names come decoded; an explicit
//! `"d":null` is a payload and a missing `d` is not; frames that are not the wire (a missing
//! field, nesting past the JSON parser's limit) are relayed unchanged and recorded as frame
//! errors.

use std::sync::{Arc, Mutex};

use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use switchboard_console_core::nodes::proxy::Proxy;
use switchboard_server::tap::{Tap, TapEvent, TapKind, TapPayload};
use switchboard_testkit::eventually;
use tokio_tungstenite::tungstenite::Message;
use tokio_util::sync::CancellationToken;

#[derive(Default)]
struct Seen(Mutex<Vec<TapEvent>>);

impl Tap for Seen {
    fn observe(&self, event: &TapEvent) {
        self.0.lock().unwrap().push(event.clone());
    }
}

fn client_frames() -> Vec<String> {
    [
        r#"{"t":"req","i":1,"m":"say","d":{"text":"h\u00e9llo \/","room":"r"}}"#,
        r#"{"t":"req","i":2,"m":"say","d":{"room":"r","text":"héllo \"x\" \\ \n 😀"}}"#,
        r#"{"t":"req","i":3,"m":"ping"}"#,
        r#"{"t":"sub","i":4,"c":"ticker"}"#,
        "not json",
    ]
    .map(str::to_owned)
    .to_vec()
}

fn server_frames() -> Vec<String> {
    let deep = format!(
        r#"{{"t":"evt","e":"deep","d":{}1{}}}"#,
        "[".repeat(200),
        "]".repeat(200)
    );
    let mut frames = [
        r#"{"t":"env","d":{"id":"c1","role":"user"}}"#,
        r#"{"t":"evt","e":"msg","d":{"text":"caf\u00e9 \ud83d\ude00 \"q\" \\ \/","b":1}}"#,
        r#"{"t":"evt","e":"msg","d":{"a":"café ☕","b":"tab\there \"q\" back\\slash \u0001","n":-5}}"#,
        r#"{"t":"evt","e":"nums","d":[1.0,-0,1e3,18446744073709551616,7]}"#,
        r#"{"t":"pub","c":"ticker","d":{ "p" : 1 },"nd":"n2"}"#,
        r#"{"t":"err","code":"NOPE","m":"no","d":null}"#,
        r#"{"t":"err","code":"NOPE","m":"no"}"#,
        r#"{"t":"evt","e":"dup","d":{"a":1,"a":2}}"#,
        r#"{"t":"evt","e":"esc\u0041","d":1}"#,
        r#"{"t":"evt","e":"x","d":{"k":1},"extra":[[[]]]}"#,
        r#"{"t":"evt","d":1}"#,
    ]
    .map(str::to_owned)
    .to_vec();
    frames.push(deep);
    frames
}

/// The payload as the wire parser's value, written back (what the record held before frames
/// were read without it): `d`, `null` when a request or push has none, nothing for an error
/// without one.
fn expected_payload(frame: &str) -> Option<String> {
    let v: Value = serde_json::from_str(frame).unwrap();
    match (v.get("d"), v["t"].as_str()) {
        (Some(d), _) => Some(serde_json::to_string(d).unwrap()),
        (None, Some("err" | "sub")) => None,
        (None, _) => Some("null".to_owned()),
    }
}

#[tokio::test]
async fn payloads_are_recorded_as_the_wire_parser_reads_them_however_they_are_written() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let upstream = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let mut ws = tokio_tungstenite::accept_async(tcp).await.unwrap();
        let mut got = Vec::new();
        while got.len() < client_frames().len() {
            match ws.next().await {
                Some(Ok(Message::Text(t))) => got.push(t.as_str().to_owned()),
                Some(Ok(_)) => {}
                other => panic!("the upstream lost the client: {other:?}"),
            }
        }
        for f in server_frames() {
            ws.send(Message::text(f)).await.unwrap();
        }
        ws.close(None).await.unwrap();
        while let Some(Ok(_)) = ws.next().await {}
        got
    });
    let seen = Arc::new(Seen::default());
    let proxy = Proxy::start(
        &format!("ws://{addr}"),
        "127.0.0.1:0",
        vec![seen.clone() as Arc<dyn Tap>],
        CancellationToken::new(),
    )
    .await
    .expect("proxy");
    let (mut ws, _) =
        tokio_tungstenite::connect_async(format!("ws://{}/?role=user&name=ann", proxy.addr()))
            .await
            .unwrap();
    for f in client_frames() {
        ws.send(Message::text(f)).await.unwrap();
    }
    let mut got = Vec::new();
    while let Some(Ok(m)) = ws.next().await {
        if let Message::Text(t) = m {
            got.push(t.as_str().to_owned());
        }
    }
    assert_eq!(got, server_frames(), "relayed unchanged, in order");
    assert_eq!(upstream.await.unwrap(), client_frames());

    eventually("every frame is recorded", || {
        seen.0
            .lock()
            .unwrap()
            .iter()
            .any(|e| e.kind == TapKind::Disconnect)
    })
    .await;
    let rows: Vec<TapEvent> = seen
        .0
        .lock()
        .unwrap()
        .iter()
        .filter(|e| !matches!(e.kind, TapKind::Connect | TapKind::Disconnect))
        .cloned()
        .collect();
    let frames: Vec<String> = client_frames().into_iter().chain(server_frames()).collect();
    assert_eq!(rows.len(), frames.len(), "one row per frame: {rows:#?}");
    let expected = [
        (TapKind::RequestIn, Some("say")),
        (TapKind::RequestIn, Some("say")),
        (TapKind::RequestIn, Some("ping")),
        (TapKind::Subscribe, None),
        (TapKind::FrameError, None),
        (TapKind::Emit, Some("env")),
        (TapKind::Emit, Some("msg")),
        (TapKind::Emit, Some("msg")),
        (TapKind::Emit, Some("nums")),
        (TapKind::SharedPublish, Some("ticker")),
        (TapKind::ErrorOut, None),
        (TapKind::ErrorOut, None),
        (TapKind::Emit, Some("dup")),
        (TapKind::Emit, Some("escA")),
        (TapKind::Emit, Some("x")),
        (TapKind::FrameError, None),
        (TapKind::FrameError, None),
    ];
    for ((row, frame), (kind, name)) in rows.iter().zip(&frames).zip(expected) {
        assert_eq!(row.kind, kind, "{frame}");
        assert_eq!(row.name.as_deref(), name, "{frame}");
        assert_eq!(row.size, frame.len(), "{frame}");
        let payload = row.payload.as_ref().map(TapPayload::to_text);
        if kind == TapKind::FrameError {
            assert_eq!(payload.as_deref(), Some(&frame[..frame.len().min(512)]));
        } else {
            assert_eq!(payload, expected_payload(frame), "{frame}");
        }
    }
    let meta = |n: usize| rows[n].meta.clone().unwrap_or_default();
    assert_eq!(meta(0)["i"], 1);
    assert_eq!(meta(3)["i"], 4);
    assert_eq!(rows[3].topic.as_deref(), Some("ticker"));
    assert_eq!(meta(9)["from_node"], "n2");
    assert_eq!(meta(10)["code"], "NOPE");
    assert_eq!(meta(10)["message"], "no");
    assert!(meta(4)["error"]
        .as_str()
        .unwrap()
        .starts_with("frame is not valid JSON"));
    assert_eq!(meta(15)["error"], "`evt` frame is missing field `e`");
    assert!(
        meta(16)["error"]
            .as_str()
            .unwrap()
            .contains("recursion limit exceeded"),
        "{:?}",
        meta(16)
    );
    // Payloads already written as the wire parser would write them are kept as text, not
    // parsed into values.
    for n in [1, 5, 7] {
        assert!(
            matches!(rows[n].payload, Some(TapPayload::Frame(_))),
            "{}",
            frames[n]
        );
    }
    assert_eq!(proxy.frame_errors(), 3);
}
