//! Steering a running replay (pause, resume, stop) and following it (progress).
//!
//! Both are `watch` channels: the console or the CLI holds a [`ReplayControl`] and a
//! `watch::Receiver<ReplayProgress>`, the replay's tasks read the control state between actions.
//! Nothing here is a lock held across an `.await`: the watch channels hand out snapshots.
//!
//! Time spent paused does not count: the schedule is measured on a clock that stands still while
//! paused, so resuming continues with the recorded gaps instead of firing a burst of everything
//! that fell due during the pause.

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::watch;
use tokio::time::Instant;

/// Where a replay stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunState {
    /// Created, `run` not called yet.
    #[default]
    Ready,
    Running,
    Paused,
    /// Stopped on request; the report covers what ran.
    Stopped,
    Finished,
}

/// What the console's Replay panel and the CLI's progress bar show.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplayProgress {
    pub replay_id: String,
    pub state: RunState,
    /// Actions sent (connects, requests, subscribes, pushes fired, ...).
    pub sent: u64,
    /// Actions in the plan.
    pub total: u64,
    /// Differences found so far (replies as they arrive; pushes when the replay ends).
    pub diffs: u64,
}

#[derive(Debug, Clone, Copy)]
struct ControlState {
    state: RunState,
    /// Total time spent paused before the current pause.
    paused_total: Duration,
    paused_since: Option<Instant>,
}

/// A handle to pause, resume or stop a replay. Cheap to clone; every clone steers the same
/// replay.
#[derive(Debug, Clone)]
pub struct ReplayControl {
    tx: Arc<watch::Sender<ControlState>>,
}

impl Default for ReplayControl {
    fn default() -> Self {
        ReplayControl::new()
    }
}

impl ReplayControl {
    pub(crate) fn new() -> ReplayControl {
        let (tx, _rx) = watch::channel(ControlState {
            state: RunState::Ready,
            paused_total: Duration::ZERO,
            paused_since: None,
        });
        ReplayControl { tx: Arc::new(tx) }
    }

    /// Hold before the next action; replies already awaited still arrive and are compared.
    pub fn pause(&self) {
        self.tx.send_modify(|s| {
            if matches!(s.state, RunState::Running | RunState::Ready) {
                s.state = RunState::Paused;
                s.paused_since = Some(Instant::now());
            }
        });
    }

    /// Continue after [`ReplayControl::pause`], keeping the recorded gaps.
    pub fn resume(&self) {
        self.tx.send_modify(|s| {
            if s.state == RunState::Paused {
                if let Some(since) = s.paused_since.take() {
                    s.paused_total += since.elapsed();
                }
                s.state = RunState::Running;
            }
        });
    }

    /// Send nothing more; connections are closed and the report covers what ran (the rest is
    /// reported as skipped).
    pub fn stop(&self) {
        self.tx.send_modify(|s| {
            if !matches!(s.state, RunState::Finished) {
                s.state = RunState::Stopped;
            }
        });
    }

    pub fn state(&self) -> RunState {
        self.tx.borrow().state
    }

    pub fn is_stopped(&self) -> bool {
        self.state() == RunState::Stopped
    }

    pub(crate) fn start(&self) {
        self.tx.send_modify(|s| {
            if s.state == RunState::Ready {
                s.state = RunState::Running;
            }
        });
    }

    pub(crate) fn finish(&self) {
        self.tx.send_modify(|s| {
            if s.state != RunState::Stopped {
                s.state = RunState::Finished;
            }
        });
    }

    /// A clock for one run, starting now.
    pub(crate) fn clock(&self) -> Clock {
        Clock {
            rx: self.tx.subscribe(),
            start: Instant::now(),
        }
    }
}

/// Why a wait ended without its deadline being reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Stopped;

/// The schedule of one run: offsets from its start, not counting pauses.
#[derive(Debug, Clone)]
pub(crate) struct Clock {
    rx: watch::Receiver<ControlState>,
    start: Instant,
}

impl Clock {
    /// Waits until `offset` after the start (pauses excluded) and while not paused. Returns
    /// `Err(Stopped)` as soon as the replay is stopped.
    pub(crate) async fn wait_until(&mut self, offset: Duration) -> Result<(), Stopped> {
        loop {
            let snapshot = *self.rx.borrow_and_update();
            match snapshot.state {
                RunState::Stopped => return Err(Stopped),
                RunState::Paused => {
                    if self.rx.changed().await.is_err() {
                        return Err(Stopped);
                    }
                }
                RunState::Ready | RunState::Running | RunState::Finished => {
                    let deadline = self.start + snapshot.paused_total + offset;
                    if Instant::now() >= deadline {
                        return Ok(());
                    }
                    tokio::select! {
                        _ = tokio::time::sleep_until(deadline) => {}
                        changed = self.rx.changed() => {
                            if changed.is_err() {
                                return Err(Stopped);
                            }
                        }
                    }
                }
            }
        }
    }

    pub(crate) fn stopped(&self) -> bool {
        self.rx.borrow().state == RunState::Stopped
    }
}

/// The sending side of progress, shared by a run's tasks.
#[derive(Debug, Clone)]
pub(crate) struct ProgressTx {
    tx: Arc<watch::Sender<ReplayProgress>>,
}

impl ProgressTx {
    pub(crate) fn new(replay_id: &str) -> ProgressTx {
        let (tx, _rx) = watch::channel(ReplayProgress {
            replay_id: replay_id.to_owned(),
            ..ReplayProgress::default()
        });
        ProgressTx { tx: Arc::new(tx) }
    }

    pub(crate) fn subscribe(&self) -> watch::Receiver<ReplayProgress> {
        self.tx.subscribe()
    }

    pub(crate) fn update(&self, f: impl FnOnce(&mut ReplayProgress)) {
        self.tx.send_modify(f);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_paused_clock_holds_until_resumed_and_stop_wakes_it() {
        let control = ReplayControl::new();
        control.start();
        let mut clock = control.clock();
        assert_eq!(clock.wait_until(Duration::ZERO).await, Ok(()));
        control.pause();
        let mut paused = control.clock();
        let waiter = tokio::spawn(async move { paused.wait_until(Duration::ZERO).await });
        for _ in 0..10 {
            tokio::task::yield_now().await;
        }
        assert!(!waiter.is_finished(), "a paused replay must not go on");
        control.resume();
        assert_eq!(waiter.await.ok(), Some(Ok(())));
        let mut far = control.clock();
        let waiter = tokio::spawn(async move { far.wait_until(Duration::from_secs(3600)).await });
        control.stop();
        assert_eq!(waiter.await.ok(), Some(Err(Stopped)));
        assert!(clock.stopped());
    }
}
