//! Frames that break the WebSocket protocol itself (not ours) end the connection with the
//! close code RFC 6455 names for them and a reason, instead of a dropped socket: invalid UTF-8
//! in a text frame gets 1007, any other violation 1002. Other connections are unaffected.

use serde_json::json;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};
use tokio_tungstenite::tungstenite::protocol::frame::Frame;
use tokio_tungstenite::tungstenite::Message;

use crate::support::*;

async fn send_raw_frame(raw: &mut Raw, opcode: OpCode, payload: &'static [u8]) {
    use futures_util::SinkExt;
    let frame = Frame::message(payload, opcode, true);
    raw.ws.send(Message::Frame(frame)).await.expect("send");
}

#[tokio::test]
async fn invalid_utf8_in_a_text_frame_closes_with_1007_and_a_reason() {
    let server = start_demo().await;
    let mut alice = Raw::user(&server, "alice").await;
    // A lone continuation byte and an overlong encoding: not UTF-8.
    send_raw_frame(
        &mut alice,
        OpCode::Data(Data::Text),
        b"{\"t\":\"ping\x80\xc0\xaf\"}",
    )
    .await;
    let (code, reason) = alice.expect_close().await;
    assert_eq!(code, 1007, "{reason}");
    assert!(reason.contains("UTF-8"), "{reason}");
    let mut bob = Raw::user(&server, "bob").await;
    assert_eq!(
        bob.request(1, "join", json!({"room": "a"})).await["t"],
        "res"
    );
}

#[tokio::test]
async fn a_reserved_opcode_closes_with_1002_and_a_reason() {
    let server = start_demo().await;
    let mut alice = Raw::user(&server, "alice").await;
    send_raw_frame(&mut alice, OpCode::Data(Data::Reserved(3)), b"?").await;
    let (code, reason) = alice.expect_close().await;
    assert_eq!(code, 1002, "{reason}");
    assert!(!reason.is_empty());
    let mut bob = Raw::user(&server, "bob").await;
    assert_eq!(
        bob.request(1, "join", json!({"room": "a"})).await["t"],
        "res"
    );
}
