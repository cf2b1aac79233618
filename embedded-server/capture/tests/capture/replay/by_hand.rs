//! A member the console put in a room by hand (origin `manual`) received that room's
//! broadcasts in the recording. Replaying the clients does not re-create a membership made by
//! hand, so those pushes are listed as skipped with the reason, not as missing.

use serde_json::json;
use switchboard_capture::replay::{ReplayOptions, ReplayPlan, Selection, Status};
use switchboard_server::tap::Origin;

use super::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pushes_through_a_membership_made_by_hand_are_skipped_not_missing() {
    let capture = record(|url, server| async move {
        let alice = client(&url, "user", "alice").await;
        let bob = client(&url, "user", "bob").await;
        call(&bob, "join", json!({ "room": "lobby" })).await;
        let alice_id = server
            .local()
            .into_iter()
            .find(|c| c.user == "alice")
            .expect("alice is connected")
            .id;
        // What the console's Rooms panel does when a member is added by hand.
        server
            .with_origin(Origin::Manual)
            .room("lobby")
            .add_id(&alice_id)
            .expect("added by hand");
        call(&bob, "say", json!({ "room": "lobby", "text": "hello" })).await;
        call(&bob, "say", json!({ "room": "lobby", "text": "again" })).await;
        // Removed by hand too before she goes: a member added by hand who closes while still in
        // the room makes the demo tell the room she left, which the replay cannot re-create
        // either (see docs/replay.md).
        server
            .with_origin(Origin::Manual)
            .room("lobby")
            .remove_id(&alice_id);
        alice.close().await;
        bob.close().await;
    })
    .await;
    let plan = ReplayPlan::load(&capture.path, &Selection::default()).expect("plan");

    let report = replay_on_fresh_demo(&plan, ReplayOptions::default()).await;
    assert_eq!(
        differences(&report),
        Vec::<String>::new(),
        "{}",
        explain(&report)
    );
    let alice = report
        .connections
        .iter()
        .find(|c| c.user.as_deref() == Some("alice"))
        .expect("alice replayed");
    let by_hand: Vec<_> = alice
        .messages
        .iter()
        .filter(|m| {
            m.status == Status::Skipped && m.note.as_deref().is_some_and(|n| n.contains("by hand"))
        })
        .collect();
    assert_eq!(by_hand.len(), 2, "{}", explain(&report));
}
