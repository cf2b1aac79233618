//! Recording: every field of a tapped event lands in its row, payloads byte-exact.

use crate::support as capture_support;

use capture_support::*;
use serde_json::json;
use switchboard_capture::{CaptureReader, Cursor, Filter};
use switchboard_server::tap::{Origin, Tap, TapKind};

#[test]
fn rows_hold_every_field() {
    let t = temp_capture();
    let rec = recorder(&t.path);
    let said = json!({"room": "lobby", "text": "héllo \"there\"", "n": 1.5e3});
    let bcast = room_broadcast(&["lobby", "vip"], "message", &said, 3);
    let wire_payload = match &bcast.payload {
        Some(switchboard_server::tap::TapPayload::Frame(f)) => f.payload_str().to_string(),
        _ => unreachable!(),
    };
    let bcast_at = bcast.at_us;
    rec.observe(&connect("c1", "user", "alice"));
    rec.observe(&room_add("c1", "lobby"));
    rec.observe(&request_in(
        "c1",
        "user",
        "say",
        json!({"room": "lobby", "text": "hi"}),
    ));
    rec.observe(&bcast);
    rec.observe(&response_out("c1", "say", &json!({"ok": true})));
    rec.observe(&publish(
        "announce",
        &json!({"msg": "maintenance"}),
        "node-a",
        7,
    ));
    rec.observe(&frame_error("c1", "{\"t\":\"req\",\"d\":{"));
    rec.observe(&disconnect("c1", 1000));
    rec.flush().expect("flush");

    let stats = rec.stats();
    assert_eq!(stats.rows_written, 8);
    assert_eq!(stats.dropped, 0);
    assert_eq!(stats.write_errors, 0);
    assert_eq!(stats.queue_depth, 0);
    assert!(stats.file_bytes > 0);

    let reader = CaptureReader::open(&t.path).expect("open reader");
    let page = reader
        .query(&Filter::default(), Cursor::Start, 100)
        .expect("query");
    let rows = page.rows;
    assert_eq!(rows.len(), 8);
    let kinds: Vec<TapKind> = rows.iter().map(|r| r.kind).collect();
    assert_eq!(
        kinds,
        [
            TapKind::Connect,
            TapKind::RoomAdd,
            TapKind::RequestIn,
            TapKind::RoomBroadcast,
            TapKind::ResponseOut,
            TapKind::SharedPublish,
            TapKind::FrameError,
            TapKind::Disconnect
        ]
    );
    // seq is strictly increasing; every row carries the node and the session.
    assert!(rows.windows(2).all(|w| w[0].seq < w[1].seq));
    assert!(rows
        .iter()
        .all(|r| r.node_id == "node-a" && r.session_id == rec.session_id()));

    let connect = &rows[0];
    assert_eq!(connect.conn.as_deref(), Some("c1"));
    assert_eq!(connect.role.as_deref(), Some("user"));
    assert_eq!(connect.user.as_deref(), Some("alice"));
    assert_eq!(connect.origin, Origin::Client);
    assert_eq!(connect.meta.as_ref().unwrap()["params"]["role"], "user");
    assert_eq!(rows[1].rooms, ["lobby"]);

    let req = &rows[2];
    assert_eq!(req.name.as_deref(), Some("say"));
    let req_payload: serde_json::Value = serde_json::from_str(req.payload_str().unwrap()).unwrap();
    assert_eq!(req_payload, json!({"room": "lobby", "text": "hi"}));

    let b = &rows[3];
    assert_eq!(b.at_us, bcast_at);
    assert_eq!(b.name.as_deref(), Some("message"));
    assert_eq!(b.rooms, ["lobby", "vip"]);
    assert_eq!(b.recipients, Some(3));
    assert_eq!(b.origin, Origin::Server);
    assert_eq!(
        b.payload_str(),
        Some(wire_payload.as_str()),
        "payload is the wire's bytes"
    );
    assert_eq!(b.size as usize, bcast.size);
    assert!(b.conn.is_none() && b.topic.is_none());

    assert_eq!(rows[4].meta.as_ref().unwrap()["duration_us"], 250);
    let p = &rows[5];
    assert_eq!(p.topic.as_deref(), Some("announce"));
    assert_eq!(p.origin, Origin::Manual);
    assert_eq!(p.payload_str(), Some(r#"{"msg":"maintenance"}"#));

    let bad = &rows[6];
    assert!(bad.payload.is_none());
    assert_eq!(bad.payload_text.as_deref(), Some("{\"t\":\"req\",\"d\":{"));
    assert_eq!(rows[7].meta.as_ref().unwrap()["code"], 1000);

    // get() returns the same row whole.
    let again = reader.get(b.seq).expect("get").expect("row exists");
    assert_eq!(
        serde_json::to_value(&again).unwrap(),
        serde_json::to_value(b).unwrap()
    );
    assert!(reader.get(9_999).expect("get").is_none());

    // The session row records who recorded what.
    let sessions = reader.sessions().expect("sessions");
    assert_eq!(sessions.len(), 1);
    let s = &sessions[0];
    assert_eq!(s.id, rec.session_id());
    assert_eq!(s.node_id, "node-a");
    assert_eq!(s.tool_version, "test-1.0");
    assert_eq!(
        s.contract.as_ref().unwrap()["roles"]["user"]["events"]["message"],
        json!({})
    );
    assert_eq!(s.rows_written, 8);
    assert!(s.ended_us.is_none());

    let final_stats = rec.close().expect("close");
    assert_eq!(final_stats.rows_written, 8);
    let s = &reader.sessions().expect("sessions")[0];
    assert!(s.ended_us.is_some(), "a clean stop marks the session ended");
}

#[test]
fn seq_keeps_growing_across_sessions() {
    let t = temp_capture();
    for round in 0..2 {
        let rec = recorder(&t.path);
        for i in 0..10 {
            rec.observe(&synthetic(round * 10 + i));
        }
        drop(rec);
    }
    let reader = CaptureReader::open(&t.path).expect("open");
    let rows = reader
        .query(&Filter::default(), Cursor::Start, 100)
        .expect("query")
        .rows;
    assert_eq!(rows.len(), 20);
    assert!(rows.windows(2).all(|w| w[0].seq < w[1].seq));
    let sessions = reader.sessions().expect("sessions");
    assert_eq!(sessions.len(), 2);
    assert_eq!(rows[0].session_id, sessions[0].id);
    assert_eq!(rows[19].session_id, sessions[1].id);
}
