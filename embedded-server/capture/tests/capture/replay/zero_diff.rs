//! A recorded session replayed against a fresh demo server comes back identical.

use switchboard_capture::replay::{ReplayOrder, ReplayPlan, ReplayTarget, Replayer, Selection};
use switchboard_capture::{CaptureReader, Filter};
use switchboard_server::tap::{Origin, TapKind};

use super::scenarios;
use super::support::*;

#[tokio::test]
async fn cross_connection_traffic_replays_identically_in_recorded_order() {
    let capture = record(scenarios::chat).await;
    let plan = ReplayPlan::load(&capture.path, &Selection::default()).expect("plan");
    assert_eq!(plan.connections.len(), 3);
    assert!(plan.skipped.is_empty(), "{:?}", plan.skipped);

    // The target records too, so we can check the replay's traffic is marked as such (the
    // embedded target gives the replayer its replay key).
    let target_capture = temp_capture();
    let rec = recorder(&target_capture.path);
    let target = start(demo_builder().tap(rec.clone())).await;
    let replayer = Replayer::with_id(opts(ReplayOrder::Recorded), "rp-test-1");
    let embedded = ReplayTarget::server(&target.server, Some(target.url()));
    let report = tokio::time::timeout(WAIT, replayer.run(&plan, &embedded))
        .await
        .expect("replay finishes")
        .expect("replay runs");

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
    // hello, hi alice, psst (dm), the announce publish, notify, bye, the demo's notice that
    // ann left (its `on_disconnect`, caused by the replayed close), anyone left?
    let pushes = alice
        .messages
        .iter()
        .filter(|m| m.stream == switchboard_capture::replay::Stream::Push);
    assert_eq!(pushes.count(), 8, "{}", explain(&report));
    assert_eq!(report.summary.skipped, 0);
    assert!(report.summary.same > 20, "{:?}", report.summary);

    settle(&target).await;
    rec.flush().expect("flush");
    let reader = CaptureReader::open(&target_capture.path).expect("open");
    let all = reader.count(&Filter::default()).expect("count");
    let replayed = reader
        .count(&Filter {
            origins: vec![Origin::Replay],
            ..Filter::default()
        })
        .expect("count");
    assert!(all > 0);
    assert_eq!(
        all, replayed,
        "every row of the replayed connections has origin replay"
    );
    let connects = reader
        .query(
            &Filter {
                kinds: vec![TapKind::Connect],
                ..Filter::default()
            },
            switchboard_capture::Cursor::Start,
            10,
        )
        .expect("query");
    for row in connects.rows {
        assert_eq!(
            row.meta.as_ref().expect("meta")["params"]["sb_replay"],
            "rp-test-1"
        );
    }
}

#[tokio::test]
async fn independent_connections_replay_identically_side_by_side() {
    let capture = record(scenarios::solo).await;
    let plan = ReplayPlan::load(&capture.path, &Selection::default()).expect("plan");
    let target = start_demo().await;
    let replayer = Replayer::new(opts(ReplayOrder::PerConnection));
    let report = tokio::time::timeout(WAIT, replayer.run(&plan, &ReplayTarget::url(target.url())))
        .await
        .expect("replay finishes")
        .expect("replay runs");
    assert_eq!(
        differences(&report),
        Vec::<String>::new(),
        "{}",
        explain(&report)
    );
    assert!(report.summary.same >= 15, "{:?}", report.summary);
    let progress = replayer.progress().borrow().clone();
    assert_eq!(progress.sent, progress.total);
    assert_eq!(progress.diffs, 0);
}
