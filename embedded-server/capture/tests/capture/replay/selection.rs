//! Replaying part of a capture: one connection, or rows picked by seq.

use switchboard_capture::replay::{ReplayOrder, ReplayPlan, ReplayTarget, Replayer, Selection};
use switchboard_capture::{CaptureReader, Cursor, Filter};
use switchboard_server::tap::TapKind;

use super::scenarios;
use super::support::*;

#[tokio::test]
async fn one_connection_or_one_row_replays_alone() {
    let capture = record(scenarios::chat).await;
    let reader = CaptureReader::open(&capture.path).expect("open");
    let notify = reader
        .query(
            &Filter {
                kinds: vec![TapKind::RequestIn],
                names: vec!["notify".into()],
                ..Filter::default()
            },
            Cursor::Start,
            10,
        )
        .expect("query")
        .rows
        .remove(0);
    let alice = notify.conn.clone().expect("conn");
    let target = start_demo().await;

    // alice alone: her replies match; the pushes others caused are not compared.
    let plan = ReplayPlan::load(
        &capture.path,
        &Selection {
            conns: vec![alice.clone()],
            ..Selection::default()
        },
    )
    .expect("plan");
    assert_eq!(plan.connections.len(), 1);
    let mut options = opts(ReplayOrder::PerConnection);
    options.compare_pushes = false;
    let report = Replayer::new(options)
        .run(&plan, &ReplayTarget::url(target.url()))
        .await
        .expect("replay runs");
    assert_eq!(
        differences(&report),
        Vec::<String>::new(),
        "{}",
        explain(&report)
    );
    assert!(!report.connections[0].pushes_compared);

    // One row picked in the Traffic view: only that request is re-sent (after connecting), and
    // since no push was picked, pushes are not compared.
    let plan = ReplayPlan::load(
        &capture.path,
        &Selection {
            seqs: vec![notify.seq],
            ..Selection::default()
        },
    )
    .expect("plan");
    assert!(!plan.compare_pushes);
    assert_eq!(plan.connections.len(), 1);
    assert_eq!(plan.connections[0].actions.len(), 2, "connect + notify");
    let report = Replayer::new(opts(ReplayOrder::PerConnection))
        .run(&plan, &ReplayTarget::url(target.url()))
        .await
        .expect("replay runs");
    assert_eq!(
        differences(&report),
        Vec::<String>::new(),
        "{}",
        explain(&report)
    );
    assert_eq!(report.summary.same, 1, "{}", explain(&report));
    assert_eq!(report.connections[0].conn, alice);
}
