//! A push that arrives unchanged but at another position among a connection's pushes is one
//! `moved` entry, not a missing and an extra; `strict_order` turns moves back into differences.
//!
//! Deterministic: the recorded server's `notify` emits two messages, the target's emits the
//! same two in the other order, and one connection does everything.

use serde_json::{json, Value};
use switchboard_capture::replay::{
    ReplayOrder, ReplayPlan, ReplayReport, ReplayTarget, Replayer, Selection, Status,
};
use switchboard_server::{Conn, Ctx, HandlerError, ServerBuilder};

use super::support::*;

fn message(text: &str) -> Value {
    json!({ "room": "lobby", "text": text, "from": "system" })
}

/// The demo whose `notify` emits `texts` to the caller, in that order.
fn notifying(texts: [&'static str; 2]) -> ServerBuilder {
    demo_builder().handle(
        "user",
        "notify",
        move |_: Value, _: Ctx, conn: Conn| async move {
            for t in texts {
                conn.emit("message", &message(t))?;
            }
            Ok::<_, HandlerError>(json!({ "ok": true }))
        },
    )
}

async fn replay(strict_order: bool) -> ReplayReport {
    let capture = record_on(notifying(["first", "second"]), |url, _| async move {
        let alice = client(&url, "user", "alice").await;
        call(&alice, "notify", json!({})).await;
        call(&alice, "notify", json!({})).await;
        alice.close().await;
    })
    .await;
    let plan = ReplayPlan::load(&capture.path, &Selection::default()).expect("plan");
    let target = start(notifying(["second", "first"])).await;
    let mut options = opts(ReplayOrder::PerConnection);
    options.strict_order = strict_order;
    tokio::time::timeout(
        WAIT,
        Replayer::new(options).run(&plan, &ReplayTarget::url(target.url())),
    )
    .await
    .expect("replay finishes")
    .expect("replay runs")
}

fn pushes(report: &ReplayReport) -> Vec<(Status, Option<String>)> {
    report.connections[0]
        .messages
        .iter()
        .filter(|m| m.name == "message")
        .map(|m| {
            let text = m.recorded.as_ref().or(m.replayed.as_ref());
            let text = text
                .and_then(|f| f["d"]["text"].as_str())
                .map(str::to_owned);
            (m.status, text)
        })
        .collect()
}

#[tokio::test]
async fn swapped_pushes_are_moves_and_pass_a_check() {
    let report = replay(false).await;
    // Recorded: first second first second. Received: second first second first. The longest
    // run in common keeps three in place; the fourth arrived elsewhere.
    let got = pushes(&report);
    assert_eq!(got.len(), 4, "{}", explain(&report));
    let moved: Vec<_> = got.iter().filter(|(s, _)| *s == Status::Moved).collect();
    assert_eq!(moved.len(), 1, "{}", explain(&report));
    assert_eq!(report.summary.moved, 1);
    assert!(
        got.iter()
            .all(|(s, _)| matches!(s, Status::Same | Status::Moved)),
        "{}",
        explain(&report)
    );
    assert!(!report.has_differences(), "{}", explain(&report));
    let note = report.connections[0]
        .messages
        .iter()
        .find(|m| m.status == Status::Moved)
        .and_then(|m| m.note.clone())
        .unwrap_or_default();
    assert!(note.contains("received as #"), "{note}");
    let text = explain(&report);
    assert!(text.contains("0 missing, 0 extra, 1 moved"), "{text}");
    assert!(
        text.contains("1 push arrived unchanged at another position (moved)"),
        "{text}"
    );
}

#[tokio::test]
async fn strict_order_counts_a_move_as_missing_and_extra() {
    let report = replay(true).await;
    assert_eq!(report.summary.moved, 0, "{}", explain(&report));
    assert_eq!(
        (report.summary.missing, report.summary.extra),
        (1, 1),
        "{}",
        explain(&report)
    );
    assert!(report.has_differences());
}
