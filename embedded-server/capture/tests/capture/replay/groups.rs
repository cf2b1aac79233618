//! The report's overview groups the differences by what differs: one group per changed JSON
//! path with the number of messages, one per name of missing or extra messages.

use switchboard_capture::replay::{
    DiffGroup, ReplayOptions, ReplayPlan, ReplayTarget, Replayer, Selection, Status,
};

use super::scenarios;
use super::support::*;

#[tokio::test]
async fn differences_are_grouped_by_path_with_counts() {
    let capture = record(scenarios::chat).await;
    let plan = ReplayPlan::load(&capture.path, &Selection::default()).expect("plan");
    let target = start_changed_demo().await;
    let options = ReplayOptions {
        speed: 0.0,
        ..ReplayOptions::default()
    };
    let report = tokio::time::timeout(
        WAIT,
        Replayer::new(options).run(&plan, &ReplayTarget::url(target.url())),
    )
    .await
    .expect("replay finishes")
    .expect("replay runs");
    let groups = report.overview().groups;
    let group = |path: &str, count: u32| DiffGroup {
        status: Status::Differs,
        path: Some(path.into()),
        name: None,
        count,
    };
    // Nine `message` pushes upper-cased, four `say` replies with a new field (see
    // `changed_handler`), largest group first.
    assert_eq!(
        groups,
        [group("$.d.text", 9), group("$.d.v", 4)],
        "{}",
        explain(&report)
    );
    let in_text_group = report
        .connections
        .iter()
        .flat_map(|c| c.messages.iter())
        .filter(|m| groups[0].holds(m))
        .count();
    assert_eq!(in_text_group, 9);
}
