//! Recorded server pushes fired again through a server handle reach the real clients of
//! another server, mapped by user, role, room and topic.

use std::time::Duration;

use serde_json::json;
use switchboard_capture::replay::{
    ReplayError, ReplayMode, ReplayOrder, ReplayPlan, ReplayTarget, Replayer, Selection, Status,
};
use switchboard_capture::{CaptureReader, Filter};
use switchboard_server::tap::Origin;
use switchboard_server::Server;

use super::support::*;

/// alice (a user) in `lobby`, subscribed to `ticker` and `announce`, receives one push of each
/// kind the server makes on its own. When she closes, the demo tells `lobby` she left (its
/// `on_disconnect`): a sixth push, which reaches nobody (she was alone, and it leaves her out).
async fn server_pushes(url: String, server: Server) {
    let alice = client(&url, "user", "alice").await;
    call(&alice, "join", json!({ "room": "lobby" })).await;
    let _t = alice.subscribe("ticker", |_| {}).await.expect("sub");
    let _a = alice.subscribe("announce", |_| {}).await.expect("sub");
    let id = server
        .local()
        .first()
        .expect("alice is connected")
        .id
        .clone();
    let line = |text: &str| json!({ "room": "lobby", "text": text, "from": "system" });
    server
        .to_user("alice")
        .emit("message", &line("to you"))
        .expect("emit");
    server
        .room("lobby")
        .broadcast("message", &line("to the room"))
        .expect("room");
    server
        .for_role("user")
        .publish("ticker", &json!({ "n": 7 }))
        .expect("ticker");
    server
        .publish("announce", &json!({ "msg": "maintenance" }))
        .expect("announce");
    server
        .to_conn(&id)
        .emit("alert", &json!({ "level": "warn", "text": "disk" }))
        .expect("alert");
    alice.close().await;
}

async fn next(
    rx: &mut tokio::sync::mpsc::Receiver<serde_json::Value>,
) -> Option<serde_json::Value> {
    tokio::time::timeout(WAIT, rx.recv())
        .await
        .expect("push arrives")
}

#[tokio::test]
async fn recorded_pushes_reach_the_clients_of_another_server() {
    let capture = record(server_pushes).await;
    let plan = ReplayPlan::load(&capture.path, &Selection::default()).expect("plan");
    assert_eq!(plan.pushes.len(), 6, "{:?}", plan.pushes);
    let notice = &plan.pushes[5];
    assert_eq!(notice.payload["text"], "alice left");
    assert_eq!(notice.recipients, Some(0));

    let target_capture = temp_capture();
    let rec = recorder(&target_capture.path);
    let target = start(demo_builder().tap(rec.clone())).await;
    // A different session of the same user, in the same room, on the same topics.
    let alice = client(&target.url(), "user", "alice").await;
    call(&alice, "join", json!({ "room": "lobby" })).await;
    let (_t, mut ticker) = alice.topic_stream("ticker", 8).await.expect("sub");
    let (_a, mut announce) = alice.topic_stream("announce", 8).await.expect("sub");
    let mut messages = alice.events("message", 8);
    let mut alerts = alice.events("alert", 8);

    let options = switchboard_capture::replay::ReplayOptions {
        mode: ReplayMode::Pushes,
        ..opts(ReplayOrder::PerConnection)
    };
    let report = tokio::time::timeout(
        WAIT,
        Replayer::new(options).run(&plan, &ReplayTarget::server(&target.server, None)),
    )
    .await
    .expect("replay finishes")
    .expect("replay runs");
    let statuses: Vec<Status> = report.pushes.iter().map(|m| m.status).collect();
    // The notice leaves alice out on the target too (the recorded connection maps to her
    // user), so it reaches nobody again.
    assert_eq!(statuses, [Status::Same; 6], "{}", explain(&report));

    assert_eq!(
        next(&mut messages).await.expect("message")["text"],
        "to you"
    );
    assert_eq!(
        next(&mut messages).await.expect("message")["text"],
        "to the room"
    );
    assert_eq!(next(&mut ticker).await, Some(json!({ "n": 7 })));
    assert_eq!(
        next(&mut announce).await,
        Some(json!({ "msg": "maintenance" }))
    );
    assert_eq!(next(&mut alerts).await.expect("alert")["text"], "disk");

    alice.close().await;
    settle(&target).await;
    rec.flush().expect("flush");
    let fired = CaptureReader::open(&target_capture.path)
        .expect("open")
        .count(&Filter {
            origins: vec![Origin::Replay],
            ..Filter::default()
        })
        .expect("count");
    // Five pushes, plus the bus-local row of the shared publish.
    assert!(fired >= 5, "{fired}");
}

#[tokio::test]
async fn pushes_with_nobody_to_reach_are_skipped_and_a_url_target_is_refused() {
    let capture = record(server_pushes).await;
    let plan = ReplayPlan::load(&capture.path, &Selection::default()).expect("plan");
    let target = start_demo().await;
    let options = switchboard_capture::replay::ReplayOptions {
        mode: ReplayMode::Pushes,
        timeout: Duration::from_secs(2),
        ..opts(ReplayOrder::PerConnection)
    };
    let report = Replayer::new(options.clone())
        .run(&plan, &ReplayTarget::server(&target.server, None))
        .await
        .expect("replay runs");
    // Nobody is connected: user pushes have no target (skipped), room broadcasts and publishes
    // go out and reach nobody (recipients 1 -> 0).
    let lines: Vec<String> = report.pushes.iter().map(|m| line(None, m)).collect();
    assert_eq!(
        lines,
        [
            "- fired message skipped",
            "- fired message differs $.recipients",
            "- fired ticker differs $.recipients",
            "- fired announce differs $.recipients",
            "- fired alert skipped",
            // The leave notice reached nobody when recorded, and again now.
            "- fired message same",
        ],
        "{}",
        explain(&report)
    );

    let err = Replayer::new(options)
        .run(&plan, &ReplayTarget::url(target.url()))
        .await
        .expect_err("a URL has no server handle");
    assert!(matches!(err, ReplayError::PushNeedsServer { .. }));
    assert!(err.to_string().contains("server handle"), "{err}");
}
