//! Replayed against a server whose `say` handler changed, the report lists exactly the
//! messages that changed, at exactly the changed paths.

use switchboard_capture::replay::{ReplayOrder, ReplayPlan, ReplayTarget, Replayer, Selection};

use super::scenarios;
use super::support::*;

#[tokio::test]
async fn a_changed_handler_gives_exactly_the_expected_differences() {
    let capture = record(scenarios::chat).await;
    let plan = ReplayPlan::load(&capture.path, &Selection::default()).expect("plan");
    let target = start_changed_demo().await;
    let report = tokio::time::timeout(
        WAIT,
        Replayer::new(opts(ReplayOrder::Recorded)).run(&plan, &ReplayTarget::url(target.url())),
    )
    .await
    .expect("replay finishes")
    .expect("replay runs");

    // Four successful `say`s (hello, hi alice, bye, anyone left?): their replies gained `v`,
    // and every `message` they broadcast is upper-cased. The failing `say`s (validation,
    // not a member) and the other pushes (dm, notify, announce) are unchanged.
    let mut expected = vec![
        "alice reply say differs $.d.v",
        "alice reply say differs $.d.v",
        "alice reply say differs $.d.v",
        "bob reply say differs $.d.v",
    ];
    expected.extend(["alice push message differs $.d.text"; 4]);
    expected.extend(["bob push message differs $.d.text"; 2]);
    expected.extend(["ann push message differs $.d.text"; 3]);
    expected.sort();
    assert_eq!(differences(&report), expected, "{}", explain(&report));
    assert!(report.has_differences());

    let diff = report
        .connections
        .iter()
        .flat_map(|c| c.messages.iter())
        .flat_map(|m| m.diffs.iter())
        .find(|d| d.path == "$.d.text")
        .expect("a text diff");
    assert_eq!(diff.recorded, Some(serde_json::json!("hello")));
    assert_eq!(diff.replayed, Some(serde_json::json!("HELLO")));
}

#[tokio::test]
async fn ignored_paths_hide_the_changes() {
    let capture = record(scenarios::chat).await;
    let plan = ReplayPlan::load(&capture.path, &Selection::default()).expect("plan");
    let target = start_changed_demo().await;
    let mut options = opts(ReplayOrder::Recorded);
    options.ignore = vec!["$.d.v".into(), "d.text".into()];
    let report = tokio::time::timeout(
        WAIT,
        Replayer::new(options).run(&plan, &ReplayTarget::url(target.url())),
    )
    .await
    .expect("replay finishes")
    .expect("replay runs");
    assert_eq!(
        differences(&report),
        Vec::<String>::new(),
        "{}",
        explain(&report)
    );
}
