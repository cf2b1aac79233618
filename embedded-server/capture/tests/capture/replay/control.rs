//! Pause, resume and stop, through the control handle the console uses.

use std::sync::Arc;

use serde_json::json;
use switchboard_capture::replay::{
    ReplayOrder, ReplayPlan, ReplayTarget, Replayer, RunState, Selection, Status,
};
use switchboard_server::tap::{Origin, Tap, TapEvent, TapKind, TapPayload};
use switchboard_server::wire::encode;

use super::scenarios;
use super::support::*;

/// alice asks `notify` twice, an hour apart.
fn slow_capture() -> Capture {
    let capture = temp_capture();
    let rec = recorder(&capture.path);
    let base = switchboard_server::tap::now_us();
    let hour = 3_600_000_000;
    let ev = |kind: TapKind, at: i64| {
        let mut e = TapEvent::new(kind, Origin::Client);
        e.at_us = at;
        e.conn = Some(Arc::from("c1"));
        e.role = Some(Arc::from("user"));
        e.user = Some(Arc::from("alice"));
        e.name = Some(Arc::from("notify"));
        e
    };
    let mut connect = ev(TapKind::Connect, base);
    connect.meta = Some(json!({ "params": { "role": "user", "name": "alice" } }));
    rec.observe(&connect);
    for (i, at) in [(1u64, base + 1), (2, base + hour)] {
        let mut req = ev(TapKind::RequestIn, at);
        req.payload = Some(TapPayload::Json(json!({})));
        req.meta = Some(json!({ "i": i }));
        rec.observe(&req);
        let mut res = ev(TapKind::ResponseOut, at + 1);
        res.payload = Some(TapPayload::Frame(
            encode::res(i, &json!({ "ok": true })).expect("encode"),
        ));
        res.meta = Some(json!({ "i": i }));
        rec.observe(&res);
    }
    rec.flush().expect("flush");
    capture
}

#[tokio::test]
async fn stop_ends_a_replay_waiting_on_a_long_gap_and_reports_the_rest_as_skipped() {
    let capture = slow_capture();
    let plan = ReplayPlan::load(&capture.path, &Selection::default()).expect("plan");
    let target = start_demo().await;
    let mut options = opts(ReplayOrder::PerConnection);
    options.speed = 1.0;
    options.compare_pushes = false;
    let replayer = Replayer::new(options);
    let control = replayer.control();
    let mut progress = replayer.progress();
    let url = target.url();
    let run = tokio::spawn(async move { replayer.run(&plan, &ReplayTarget::url(url)).await });
    // Connect and the first notify are sent at once; the second is an hour away.
    tokio::time::timeout(WAIT, progress.wait_for(|p| p.sent >= 2))
        .await
        .expect("first actions sent")
        .expect("progress");
    control.stop();
    let report = tokio::time::timeout(WAIT, run)
        .await
        .expect("stop ends the replay")
        .expect("task")
        .expect("replay runs");
    assert_eq!(report.state, RunState::Stopped);
    let statuses: Vec<(String, Status)> = report.connections[0]
        .messages
        .iter()
        .map(|m| (m.name.clone(), m.status))
        .collect();
    assert_eq!(
        statuses,
        [
            ("notify".to_owned(), Status::Same),
            ("notify".to_owned(), Status::Skipped)
        ],
        "{}",
        explain(&report)
    );
    assert!(!report.has_differences());
    assert_eq!(progress.borrow().state, RunState::Stopped);
}

#[tokio::test]
async fn a_paused_replay_sends_nothing_until_resumed() {
    let capture = record(scenarios::solo).await;
    let plan = ReplayPlan::load(&capture.path, &Selection::default()).expect("plan");
    let target = start_demo().await;
    let replayer = Replayer::new(opts(ReplayOrder::PerConnection));
    let control = replayer.control();
    let mut progress = replayer.progress();
    control.pause();
    let url = target.url();
    let run = tokio::spawn(async move { replayer.run(&plan, &ReplayTarget::url(url)).await });
    let paused = tokio::time::timeout(WAIT, progress.wait_for(|p| p.total > 0))
        .await
        .expect("the replay starts")
        .expect("progress")
        .clone();
    assert_eq!(paused.state, RunState::Paused);
    assert_eq!(paused.sent, 0);
    assert_eq!(
        target.server.connection_count(),
        0,
        "nothing connects while paused"
    );
    control.resume();
    let report = tokio::time::timeout(WAIT, run)
        .await
        .expect("resumed replay finishes")
        .expect("task")
        .expect("replay runs");
    assert_eq!(report.state, RunState::Finished);
    assert_eq!(
        differences(&report),
        Vec::<String>::new(),
        "{}",
        explain(&report)
    );
}
