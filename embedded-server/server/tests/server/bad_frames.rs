//! Bad input: each bad frame gets a connection-level `err` (no `i`, BAD_REQUEST, a message
//! saying what was wrong) and the connection stays usable; oversized frames close with 1009.

use futures_util::SinkExt;
use serde_json::json;
use switchboard_demo as demo;
use tokio_tungstenite::tungstenite::Message;

use crate::support::*;

async fn assert_bad(raw: &mut Raw, text: &str, expected: &str) {
    raw.send_text(text).await;
    let f = raw.next().await;
    assert_eq!(f["t"], "err", "{f}");
    assert_eq!(f["code"], "BAD_REQUEST", "{f}");
    assert!(
        f.get("i").is_none(),
        "connection-level errors carry no i: {f}"
    );
    let m = f["m"].as_str().unwrap();
    assert!(
        m.contains(expected),
        "message {m:?} should mention {expected:?}"
    );
}

#[tokio::test]
async fn malformed_frames_get_err_and_the_connection_continues() {
    let server = start_demo().await;
    let mut alice = Raw::user(&server, "alice").await;
    assert_bad(&mut alice, "{not json", "not valid JSON").await;
    assert_bad(&mut alice, "[1,2]", "must be a JSON object").await;
    assert_bad(&mut alice, r#"{"i":1}"#, "missing field `t`").await;
    assert_bad(
        &mut alice,
        r#"{"t":"teleport"}"#,
        "unknown frame type `teleport`",
    )
    .await;
    assert_bad(
        &mut alice,
        r#"{"t":"req","m":"join","d":{}}"#,
        "missing field `i`",
    )
    .await;
    assert_bad(
        &mut alice,
        r#"{"t":"req","i":1,"d":{}}"#,
        "missing field `m`",
    )
    .await;
    assert_bad(&mut alice, r#"{"t":"sub","i":1}"#, "missing field `c`").await;
    assert_bad(
        &mut alice,
        r#"{"t":"req","i":-3,"m":"join"}"#,
        "non-negative integer",
    )
    .await;
    // Still usable.
    let reply = alice.request(9, "join", json!({"room": "a"})).await;
    assert_eq!(reply["t"], "res");
    assert_eq!(server.server.stats().frame_errors, 8);
}

#[tokio::test]
async fn binary_frames_are_refused_politely() {
    let server = start_demo().await;
    let mut alice = Raw::user(&server, "alice").await;
    alice
        .ws
        .send(Message::binary(vec![1u8, 2, 3]))
        .await
        .unwrap();
    let f = alice.next().await;
    assert_eq!(f["code"], "BAD_REQUEST");
    assert!(f["m"].as_str().unwrap().contains("binary"));
    assert_eq!(
        alice.request(1, "join", json!({"room": "a"})).await["t"],
        "res"
    );
}

#[tokio::test]
async fn an_oversized_frame_closes_with_1009_and_a_reason() {
    let mut config = test_config();
    config.max_frame_bytes = 1024;
    let server = start(demo::builder().unwrap().config(config)).await;
    let mut alice = Raw::user(&server, "alice").await;
    let big = format!(
        r#"{{"t":"req","i":1,"m":"say","d":{{"room":"a","text":"{}"}}}}"#,
        "x".repeat(2000)
    );
    alice.send_text(&big).await;
    let (code, reason) = alice.expect_close().await;
    assert_eq!(code, 1009);
    assert!(
        reason.contains("exceeds the limit of 1024 bytes"),
        "{reason}"
    );
    // Others are unaffected.
    let mut bob = Raw::user(&server, "bob").await;
    assert_eq!(
        bob.request(1, "join", json!({"room": "a"})).await["t"],
        "res"
    );
}

#[tokio::test]
async fn a_huge_frame_beyond_the_transport_cap_also_closes_with_1009() {
    let mut config = test_config();
    config.max_frame_bytes = 1024;
    let server = start(demo::builder().unwrap().config(config)).await;
    let mut alice = Raw::user(&server, "alice").await;
    let huge = "y".repeat(200 * 1024);
    alice.send_text(&huge).await;
    let (code, _reason) = alice.expect_close().await;
    assert_eq!(code, 1009);
}

#[tokio::test]
async fn a_client_ping_is_answered_with_pong() {
    let server = start_demo().await;
    let mut alice = Raw::user(&server, "alice").await;
    alice.send(json!({"t":"ping"})).await;
    assert_eq!(alice.next().await, json!({"t":"pong"}));
}
