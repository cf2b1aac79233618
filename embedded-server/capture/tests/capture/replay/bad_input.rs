//! Captures from another build or with rows missing replay what they can and report the rest:
//! unknown kinds, unreadable rows, replies without their request, requests without their reply,
//! requests the server no longer knows, a connection whose `connect` row is gone.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};
use switchboard_capture::replay::{
    ReplayOptions, ReplayOrder, ReplayPlan, ReplayTarget, Replayer, Selection, Status,
};
use switchboard_server::tap::{Origin, Tap, TapEvent, TapKind, TapPayload};
use switchboard_server::wire::encode;
use switchboard_server::{AuthRequest, Identity};

use super::support::*;

fn ev(kind: TapKind, conn: &str, user: &str) -> TapEvent {
    let mut e = TapEvent::new(kind, Origin::Client);
    e.conn = Some(Arc::from(conn));
    e.role = Some(Arc::from("user"));
    e.user = Some(Arc::from(user));
    e
}

fn connect(conn: &str, user: &str) -> TapEvent {
    let mut e = ev(TapKind::Connect, conn, user);
    e.meta = Some(json!({ "params": { "role": "user", "name": user, "token": "********" } }));
    e
}

fn request(conn: &str, user: &str, i: u64, name: &str, d: Value) -> TapEvent {
    let mut e = ev(TapKind::RequestIn, conn, user);
    e.name = Some(Arc::from(name));
    e.payload = Some(TapPayload::Json(d));
    e.meta = Some(json!({ "i": i }));
    e
}

fn response(conn: &str, user: &str, i: u64, name: &str, d: Value) -> TapEvent {
    let mut e = ev(TapKind::ResponseOut, conn, user);
    e.name = Some(Arc::from(name));
    e.payload = Some(TapPayload::Frame(encode::res(i, &d).expect("encode")));
    e.meta = Some(json!({ "i": i }));
    e
}

fn room_add(conn: &str, user: &str, room: &str) -> TapEvent {
    let mut e = ev(TapKind::RoomAdd, conn, user);
    e.rooms = vec![Arc::from(room)];
    e
}

fn broadcast(room: &str, d: Value) -> TapEvent {
    let mut e = TapEvent::new(TapKind::RoomBroadcast, Origin::Client);
    e.name = Some(Arc::from("message"));
    e.rooms = vec![Arc::from(room)];
    e.payload = Some(TapPayload::Frame(
        encode::evt("message", &d).expect("encode"),
    ));
    e.recipients = Some(1);
    e
}

fn frame_error(conn: &str, user: &str, text: &str, size: usize, error: &str) -> TapEvent {
    let mut e = ev(TapKind::FrameError, conn, user);
    e.payload = Some(TapPayload::Text(text.to_owned()));
    e.size = size;
    e.meta = Some(json!({ "error": error }));
    e
}

/// A capture as an older build might have left it, plus two rows a newer build wrote.
fn bad_capture() -> Capture {
    let capture = temp_capture();
    let rec = recorder(&capture.path);
    let said = json!({ "room": "lobby", "text": "x", "from": "alice" });
    for e in [
        connect("c1", "alice"),
        request("c1", "alice", 1, "join", json!({ "room": "lobby" })),
        room_add("c1", "alice", "lobby"),
        response("c1", "alice", 1, "join", json!({ "ok": true })),
        // A request the old server knew and the demo does not.
        request("c1", "alice", 2, "frobnicate", json!({})),
        response("c1", "alice", 2, "frobnicate", json!({ "ok": true })),
        // A reply whose request row is missing.
        response("c1", "alice", 99, "say", json!({ "ok": true })),
        request(
            "c1",
            "alice",
            3,
            "say",
            json!({ "room": "lobby", "text": "x" }),
        ),
        broadcast("lobby", said.clone()),
        response("c1", "alice", 3, "say", json!({ "ok": true })),
        // A request whose reply was never recorded.
        request("c1", "alice", 4, "notify", json!({})),
        // A bad frame recorded whole is re-sent; one recorded as a prefix is not.
        frame_error(
            "c1",
            "alice",
            r#"{"t":"teleport"}"#,
            16,
            "unknown frame type `teleport` (expected req, sub, unsub, sres, serr, ping or pong)",
        ),
        frame_error(
            "c1",
            "alice",
            r#"{"t":"req","i":5,"m":"say","d":{"te"#,
            5000,
            "...",
        ),
        // bob's connect row is gone; his other rows say who he is.
        request(
            "c2",
            "bob",
            1,
            "dm",
            json!({ "to": "nobody", "text": "hi" }),
        ),
        response("c2", "bob", 1, "dm", json!({ "delivered": 0 })),
    ] {
        rec.observe(&e);
    }
    rec.flush().expect("flush");
    drop(rec);
    let db = rusqlite::Connection::open(&capture.path).expect("open capture");
    let session: i64 = db
        .query_row("SELECT max(id) FROM sessions", [], |r| r.get(0))
        .expect("session");
    for (kind, payload) in [
        ("teleport", "{\"to\":\"mars\"}"),
        ("request_in", "{not json"),
    ] {
        db.execute(
            "INSERT INTO events (at_us, node_id, session_id, kind, name, conn, role, user, payload, \
             size, origin, meta) VALUES (?1, 'newer', ?2, ?3, 'x', 'c1', 'user', 'alice', ?4, 10, \
             'client', '{\"i\":7}')",
            rusqlite::params![switchboard_server::tap::now_us(), session, kind, payload],
        )
        .expect("insert");
    }
    capture
}

#[tokio::test]
async fn bad_rows_are_reported_and_the_rest_replays() {
    let capture = bad_capture();
    let plan = ReplayPlan::load(&capture.path, &Selection::default()).expect("a bad capture loads");
    let reasons: Vec<String> = plan
        .skipped
        .iter()
        .map(|s| format!("{} {}", s.kind, s.reason))
        .collect();
    assert_eq!(reasons.len(), 4, "{reasons:#?}");
    let expected = [
        "response_out reply to `say` (i=99) without its request",
        "frame_error a bad frame of 5000 bytes of which only 35 were recorded",
        "teleport unknown kind \"teleport\"",
        "request_in payload:",
    ];
    for (reason, start) in reasons.iter().zip(expected) {
        assert!(reason.starts_with(start), "{reasons:#?}");
    }
    let bob = plan
        .connections
        .iter()
        .find(|c| c.conn == "c2")
        .expect("bob planned");
    assert_eq!(bob.params.get("name").map(String::as_str), Some("bob"));
    assert!(bob.notes[0].contains("no `connect` row"), "{:?}", bob.notes);
    let alice = plan
        .connections
        .iter()
        .find(|c| c.conn == "c1")
        .expect("alice planned");
    assert_eq!(alice.redacted, ["token"]);

    let target = start_demo().await;
    let options = ReplayOptions {
        // The reply-less `notify` is answered now; nothing waits on a missing one for long.
        timeout: Duration::from_secs(2),
        ..opts(ReplayOrder::Recorded)
    };
    let report = tokio::time::timeout(
        WAIT,
        Replayer::new(options).run(&plan, &ReplayTarget::url(target.url())),
    )
    .await
    .expect("a bad capture never hangs the replay")
    .expect("replay runs");
    assert_eq!(
        differences(&report),
        [
            // The capture lost notify's reply and its push: the replay's show up as extra.
            "alice push message extra",
            "alice reply frobnicate differs $.code,$.d,$.m,$.t",
            "alice reply notify extra",
        ],
        "{}",
        explain(&report)
    );
    let frob = report.connections[0]
        .messages
        .iter()
        .find(|m| m.name == "frobnicate")
        .expect("frobnicate");
    assert_eq!(frob.replayed.as_ref().expect("reply")["code"], "NOT_FOUND");
    assert_eq!(frob.status, Status::Differs);
    assert_eq!(report.skipped_rows.len(), 4);
    let bad_frame = report.connections[0]
        .messages
        .iter()
        .find(|m| m.name == "bad frame")
        .expect("bad frame re-sent");
    assert_eq!(bad_frame.status, Status::Same, "{}", explain(&report));
    assert!(report.connections[0].notes[0].contains("parameter `token` was masked"));
}

/// A server that only lets alice in with her real token.
async fn start_strict_demo() -> switchboard_server::RunningServer {
    start(demo_builder().authenticate(|req: AuthRequest| async move {
        let name = req.query.get("name").cloned().unwrap_or_default();
        if name == "alice" && req.query.get("token").map(String::as_str) != Some("t0ps3cret") {
            return Err("bad token".to_owned());
        }
        let role = req.query.get("role").cloned().unwrap_or_default();
        Ok(Identity::new(role, name))
    }))
    .await
}

#[tokio::test]
async fn masked_parameters_are_substituted_from_the_given_values() {
    let capture = bad_capture();
    let plan = ReplayPlan::load(&capture.path, &Selection::default()).expect("plan");
    let target = start_strict_demo().await;
    let mut options = opts(ReplayOrder::Recorded);
    options.timeout = Duration::from_secs(2);

    // Without the value, the mask is sent, the upgrade is refused, and that is a difference.
    let report = Replayer::new(options.clone())
        .run(&plan, &ReplayTarget::url(target.url()))
        .await
        .expect("replay runs");
    let alice = &report.connections[0];
    let error = alice.error.as_deref().expect("alice was refused");
    assert!(
        error.contains("401") && error.contains("bad token"),
        "{error}"
    );
    assert_eq!(alice.messages[0].name, "connect");
    assert_eq!(alice.messages[0].status, Status::Missing);

    options.params = switchboard_capture::replay::ParamMap::parse_args(&["alice:token=t0ps3cret"])
        .expect("params");
    let report = Replayer::new(options)
        .run(&plan, &ReplayTarget::url(target.url()))
        .await
        .expect("replay runs");
    let alice = &report.connections[0];
    assert_eq!(alice.error, None, "{}", explain(&report));
    assert!(alice.notes.is_empty(), "{:?}", alice.notes);
    // The report never shows the secret.
    assert_eq!(alice.params["token"], "********");
    assert_eq!(report.options.params.by_user["alice"]["token"], "********");
    let frob = alice
        .messages
        .iter()
        .find(|m| m.name == "frobnicate")
        .expect("sent");
    assert_eq!(frob.status, Status::Differs);
}
