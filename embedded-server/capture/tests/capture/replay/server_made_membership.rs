//! Subscriptions the application makes for a connection (`Conn::subscribe` in `on_connect`)
//! are recorded but not replayed as the client's `sub`: the target's application makes them
//! again, and the replay shows no difference.

use serde_json::json;
use switchboard_capture::replay::{
    ReplayOrder, ReplayPlan, ReplayReport, ReplayTarget, Replayer, Selection, Stream,
};
use switchboard_server::{Refusal, ServerBuilder};

use super::support::*;

/// The demo, with every connection subscribed to `announce` by the server as it connects.
fn subscribing() -> ServerBuilder {
    demo_builder().on_connect(|conn| async move {
        conn.subscribe("announce")
            .map_err(|e| Refusal::new(4000, e.to_string()))?;
        Ok(())
    })
}

async fn recorded() -> Capture {
    record_on(subscribing(), |url, server| async move {
        let alice = client(&url, "user", "alice").await;
        let ann = client(&url, "agent", "ann").await;
        call(&ann, "announce", json!({ "msg": "deploy" })).await;
        call(&alice, "join", json!({ "room": "lobby" })).await;
        ann.close().await;
        connections_down_to(&server, 1).await;
        alice.close().await;
    })
    .await
}

async fn replay(capture: &Capture, target: ServerBuilder) -> ReplayReport {
    let plan = ReplayPlan::load(&capture.path, &Selection::default()).expect("plan");
    let target = start(target).await;
    tokio::time::timeout(
        WAIT,
        Replayer::new(opts(ReplayOrder::Recorded)).run(&plan, &ReplayTarget::url(target.url())),
    )
    .await
    .expect("replay finishes")
    .expect("replay runs")
}

#[tokio::test]
async fn a_subscription_the_server_made_replays_without_a_difference() {
    let capture = recorded().await;
    let report = replay(&capture, subscribing()).await;
    assert_eq!(
        differences(&report),
        Vec::<String>::new(),
        "{}",
        explain(&report)
    );
    // Both connections received the announce on the target too.
    let received = report
        .connections
        .iter()
        .flat_map(|c| c.messages.iter())
        .filter(|m| m.name == "announce" && m.stream == Stream::Push)
        .count();
    assert_eq!(received, 2, "{}", explain(&report));
}

#[tokio::test]
async fn a_server_that_no_longer_subscribes_shows_the_missing_pushes() {
    // Had the replayer sent a `sub` on the client's behalf, this change would go unnoticed.
    let capture = recorded().await;
    let report = replay(&capture, demo_builder()).await;
    let differences = differences(&report);
    assert_eq!(differences.len(), 2, "{}", explain(&report));
    for line in &differences {
        assert!(
            line.contains("announce") && line.contains("missing"),
            "{line}: {}",
            explain(&report)
        );
    }
}
