//! By default a replay keeps the recorded happens-before across connections, so a recorded
//! session replayed against the same build gives zero differences at any speed, every time.

use switchboard_capture::replay::{ReplayOptions, ReplayOrder, ReplayPlan, Selection};
use switchboard_demo::simulate::{self, SimulateOptions};
use switchboard_testkit::eventually;
use tokio_util::sync::CancellationToken;

use super::scenarios;
use super::support::*;

/// The default options, at `speed`.
fn default_at(speed: f64) -> ReplayOptions {
    ReplayOptions {
        speed,
        ..ReplayOptions::default()
    }
}

/// Replays `plan` against a fresh demo server `runs` times and fails on the first run that
/// reports any difference, with that run's whole report.
async fn replays_identically(plan: &ReplayPlan, options: ReplayOptions, runs: usize) {
    for run in 1..=runs {
        let report = replay_on_fresh_demo(plan, options.clone()).await;
        assert_eq!(
            differences(&report),
            Vec::<String>::new(),
            "run {run} of {runs} at speed {}:\n{}",
            options.speed,
            explain(&report)
        );
        assert!(report.summary.same > 0, "{:?}", report.summary);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_multi_client_session_replays_identically_twenty_times_at_speed_0_and_1() {
    // Joins, says, a dm, topic subscriptions, an announce published on the bus.
    let capture = record(scenarios::chat).await;
    let plan = ReplayPlan::load(&capture.path, &Selection::default()).expect("plan");
    assert_eq!(ReplayOptions::default().order, ReplayOrder::Causal);
    replays_identically(&plan, default_at(0.0), 20).await;
    replays_identically(&plan, default_at(1.0), 20).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forty_client_simulated_session_replays_identically() {
    let capture = record(|url, server| async move {
        let stop = CancellationToken::new();
        let mut opts = SimulateOptions::new(url, 40);
        opts.rate_per_sec = 80.0;
        let sim = simulate::spawn(opts, stop.clone());
        // Every client connected and about five frames each (joins, subscriptions, then a
        // few actions): counted on the server rather than waited for by the clock, which on a
        // busy machine lets far fewer through.
        eventually("forty clients and 200 frames in", || {
            let conns = server.local();
            conns.len() == 40 && conns.iter().map(|c| c.msgs_in).sum::<u64>() >= 200
        })
        .await;
        stop.cancel();
        sim.await.expect("simulation ends");
    })
    .await;
    let plan = ReplayPlan::load(&capture.path, &Selection::default()).expect("plan");
    assert_eq!(plan.connections.len(), 40);
    assert!(plan.action_count() > 200, "{}", plan.action_count());
    replays_identically(&plan, default_at(0.0), 1).await;
}
