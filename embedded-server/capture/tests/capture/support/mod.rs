//! Shared helpers for the capture tests: synthetic tap events built with the real wire encoder,
//! a recorder in a temporary directory, and the writer loop used by the SIGKILL test and by
//! `examples/capture_writer.rs`.
#![allow(dead_code)]

pub mod writer;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};
use switchboard_capture::{Recorder, RecorderConfig};
use switchboard_server::tap::{Origin, TapEvent, TapKind, TapPayload};
use switchboard_server::wire::encode;

/// A temporary directory and a capture path inside it.
pub struct TempCapture {
    pub dir: tempfile::TempDir,
    pub path: PathBuf,
}

pub fn temp_capture() -> TempCapture {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("capture.db");
    TempCapture { dir, path }
}

/// Test defaults: a short batch window so flushes are quick.
pub fn config(path: &Path) -> RecorderConfig {
    let mut cfg = RecorderConfig::new(path);
    cfg.node_id = "node-a".into();
    cfg.tool_version = "test-1.0".into();
    cfg.contract = json!({"roles": {"user": {"events": {"message": {}}}}});
    cfg.batch_window = Duration::from_millis(20);
    cfg
}

pub fn recorder(path: &Path) -> Recorder {
    Recorder::open(config(path)).expect("open recorder")
}

fn s(v: &str) -> Option<Arc<str>> {
    Some(Arc::from(v))
}

pub fn at(mut e: TapEvent, at_us: i64) -> TapEvent {
    e.at_us = at_us;
    e
}

pub fn connect(conn: &str, role: &str, user: &str) -> TapEvent {
    let mut e = TapEvent::new(TapKind::Connect, Origin::Client);
    e.conn = s(conn);
    e.role = s(role);
    e.user = s(user);
    e.meta = Some(json!({"params": {"role": role, "token": "tok-secret"}}));
    e
}

pub fn disconnect(conn: &str, code: u16) -> TapEvent {
    let mut e = TapEvent::new(TapKind::Disconnect, Origin::Client);
    e.conn = s(conn);
    e.meta = Some(json!({"code": code}));
    e
}

pub fn room_add(conn: &str, room: &str) -> TapEvent {
    let mut e = TapEvent::new(TapKind::RoomAdd, Origin::Client);
    e.conn = s(conn);
    e.rooms = vec![Arc::from(room)];
    e
}

pub fn subscribe(conn: &str, topic: &str) -> TapEvent {
    let mut e = TapEvent::new(TapKind::Subscribe, Origin::Client);
    e.conn = s(conn);
    e.topic = s(topic);
    e
}

/// A request as received (payload parsed from the client's frame).
pub fn request_in(conn: &str, role: &str, method: &str, d: Value) -> TapEvent {
    let mut e = TapEvent::new(TapKind::RequestIn, Origin::Client);
    e.conn = s(conn);
    e.role = s(role);
    e.name = s(method);
    e.size = d.to_string().len() + 30;
    e.payload = Some(TapPayload::Json(d));
    e.meta = Some(json!({"i": 1}));
    e
}

pub fn response_out(conn: &str, method: &str, d: &Value) -> TapEvent {
    let f = encode::res(1, d).expect("encode res");
    let mut e = TapEvent::new(TapKind::ResponseOut, Origin::Client);
    e.conn = s(conn);
    e.name = s(method);
    e.size = f.len();
    e.payload = Some(TapPayload::Frame(f));
    e.meta = Some(json!({"i": 1, "duration_us": 250}));
    e
}

/// A room broadcast, encoded once as on the wire.
pub fn room_broadcast(rooms: &[&str], event: &str, d: &Value, recipients: u32) -> TapEvent {
    let f = encode::evt(event, d).expect("encode evt");
    let mut e = TapEvent::new(TapKind::RoomBroadcast, Origin::Server);
    e.name = s(event);
    e.rooms = rooms.iter().map(|r| Arc::from(*r)).collect();
    e.size = f.len();
    e.recipients = Some(recipients);
    e.payload = Some(TapPayload::Frame(f));
    e
}

pub fn emit(conn: &str, user: &str, event: &str, d: &Value) -> TapEvent {
    let f = encode::evt(event, d).expect("encode evt");
    let mut e = TapEvent::new(TapKind::Emit, Origin::Server);
    e.conn = s(conn);
    e.user = s(user);
    e.role = s("user");
    e.name = s(event);
    e.size = f.len();
    e.recipients = Some(1);
    e.payload = Some(TapPayload::Frame(f));
    e
}

pub fn publish(topic: &str, d: &Value, node: &str, recipients: u32) -> TapEvent {
    let f = encode::publish(topic, d, node).expect("encode pub");
    let mut e = TapEvent::new(TapKind::SharedPublish, Origin::Manual);
    e.name = s(topic);
    e.topic = s(topic);
    e.size = f.len();
    e.recipients = Some(recipients);
    e.payload = Some(TapPayload::Frame(f));
    e
}

pub fn frame_error(conn: &str, text: &str) -> TapEvent {
    let mut e = TapEvent::new(TapKind::FrameError, Origin::Client);
    e.conn = s(conn);
    e.size = text.len();
    e.payload = Some(TapPayload::Text(text.to_string()));
    e
}

/// The event the load tests and the SIGKILL child record: a room broadcast of ~120 bytes
/// carrying its own index, cycling through a few rooms, names and connections.
pub fn synthetic(i: u64) -> TapEvent {
    let d = json!({"i": i, "room": format!("room-{}", i % 16), "text": "hello there, this is a line of chat"});
    let mut e = match i % 4 {
        0 => room_broadcast(&[&format!("room-{}", i % 16)], "message", &d, 25),
        1 => emit(
            &format!("c{}", i % 1000),
            &format!("u{}", i % 500),
            "message",
            &d,
        ),
        2 => publish(&format!("topic-{}", i % 8), &d, "node-a", 40),
        _ => request_in(&format!("c{}", i % 1000), "user", "say", d),
    };
    e.at_us = 1_700_000_000_000_000 + i as i64 * 5;
    e
}
