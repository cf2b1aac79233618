//! Client replay: the recorded connections come back as real WebSocket clients.
//!
//! Each planned connection gets one task (its *actor*) that owns the socket: it sends what it is
//! told, answers pings and server requests, and records everything it receives, in order. The
//! actions are handed to the actors by *drivers* that keep the schedule: one driver per
//! connection ([`ReplayOrder::PerConnection`]) or one for all of them
//! ([`ReplayOrder::Recorded`]). A driver hands over one action, waits until the actor says it is
//! done (its reply arrived, or the wait timed out), then moves on, so a connection never has
//! more than one action in flight and replies line up with requests by construction.
//!
//! The raw socket is used rather than `switchboard_client::Client`: comparing needs every frame
//! exactly as received and in order (pushes interleaved with replies), and a replay must not
//! reconnect or re-subscribe behind the recording's back.
//!
//! When every driver is done, all connections are closed together. The server sends what it
//! had queued for a connection before its close frame, so draining each socket up to that frame
//! collects every push the replayed actions caused, without guessing a quiet period.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot, watch};
use url::Url;

use super::actor::{Actor, Cmd, ConnOutcome, CMD_CAPACITY};
use super::compare::IgnoreSet;
use super::conn_report::report;
use super::control::{Clock, ProgressTx, ReplayControl};
use super::options::{ParamMap, ReplayOptions, ReplayOrder};
use super::plan::{is_mask, ActionKind, PlannedConn, ReplayPlan};
use super::report::ConnectionReport;
use switchboard_server::{ReplayKey, REPLAY_PARAM};

/// Shared by every task of one client replay.
#[derive(Clone)]
pub(crate) struct RunCtx {
    pub replay_id: String,
    /// The target's replay key, sent with every connection so the target records it as the
    /// replayer's; `None` when the target's key is not known.
    pub replay_key: Option<ReplayKey>,
    pub options: ReplayOptions,
    pub ignore: Arc<IgnoreSet>,
    pub control: ReplayControl,
    pub progress: ProgressTx,
    /// Set once every recorded action has run, before the replay closes the connections the
    /// recording left open: what arrives from then on may be caused by that teardown itself
    /// (an `on_disconnect` hook's "left" notices), which the recording could not hold.
    pub ending: Arc<AtomicBool>,
}

/// Runs the client replay of `plan` against `url` and returns one report per connection.
pub(crate) async fn run(plan: &ReplayPlan, url: &Url, ctx: &RunCtx) -> Vec<ConnectionReport> {
    let first_at = plan.first_at_us.unwrap_or(0);
    let mut senders = Vec::with_capacity(plan.connections.len());
    let mut actors = Vec::with_capacity(plan.connections.len());
    let mut sent_params = Vec::with_capacity(plan.connections.len());
    let mut counters = Vec::with_capacity(plan.connections.len());
    for conn in &plan.connections {
        let (endpoint, shown, notes) = endpoint(url, conn, &ctx.options.params, &ctx.replay_id);
        sent_params.push(shown);
        let (tx, rx) = mpsc::channel(CMD_CAPACITY);
        let (seen_tx, seen_rx) = watch::channel(0u64);
        counters.push(seen_rx);
        let actor = Actor::new(conn, endpoint, notes, seen_tx, ctx);
        actors.push(tokio::spawn(actor.run(rx)));
        senders.push(tx);
    }

    let clock = ctx.control.clock();
    let outer = ctx.options.timeout * 2 + Duration::from_secs(1);
    let mut waits: Vec<Vec<String>> = vec![Vec::new(); plan.connections.len()];
    match ctx.options.order {
        ReplayOrder::PerConnection => {
            let drivers = plan.connections.iter().zip(&senders).map(|(conn, tx)| {
                let mut clock = clock.clone();
                let steps: Vec<(usize, i64)> = conn
                    .actions
                    .iter()
                    .enumerate()
                    .map(|(i, a)| (i, a.at_us))
                    .collect();
                async move {
                    for (i, at) in steps {
                        if !step(&mut clock, tx, i, at - first_at, outer, ctx).await {
                            break;
                        }
                    }
                }
            });
            futures_util::future::join_all(drivers).await;
        }
        ReplayOrder::Recorded | ReplayOrder::Causal => {
            let causal = ctx.options.order == ReplayOrder::Causal;
            let order = schedule(plan, causal);
            let mut barrier = Barrier::new(plan, counters, ctx);
            let mut clock = clock.clone();
            for (key, c, i, at) in order {
                if causal {
                    // A close causes what the server does when a connection goes (an
                    // `on_disconnect` hook's broadcasts), recorded before its own row: only the
                    // closing connection is waited for, the others at the next action.
                    let closing = matches!(
                        plan.connections[c].actions.get(i).map(|a| &a.kind),
                        Some(ActionKind::Close)
                    );
                    barrier.wait(key, closing.then_some(c), &mut waits).await;
                }
                if !step(&mut clock, &senders[c], i, at - first_at, outer, ctx).await {
                    break;
                }
            }
        }
    }

    // Close everything together: pushes caused by the last actions are flushed to each socket
    // before the server's close frame.
    ctx.ending.store(true, Ordering::SeqCst);
    for tx in &senders {
        let _ = tx.send(Cmd::Finish).await;
    }
    drop(senders);
    let mut reports = Vec::with_capacity(actors.len());
    for (((conn, actor), params), waited) in plan
        .connections
        .iter()
        .zip(actors)
        .zip(sent_params)
        .zip(waits)
    {
        let mut outcome = match tokio::time::timeout(outer + ctx.options.timeout, actor).await {
            Ok(Ok(outcome)) => outcome,
            Ok(Err(e)) => ConnOutcome {
                connect_error: Some(format!("the connection's task failed: {e}")),
                ..ConnOutcome::default()
            },
            Err(_) => ConnOutcome {
                connect_error: Some("the connection's task did not finish in time".into()),
                ..ConnOutcome::default()
            },
        };
        outcome.notes.extend(waited);
        reports.push(report(conn, params, outcome, plan.compare_pushes, ctx));
    }
    reports
}

/// Every action of the plan as `(order key, connection, action, recorded time)`, in the order
/// a one-at-a-time replay sends them. `causal`: a request is placed where it took effect (its
/// first recorded effect), never before an earlier action of its own connection; otherwise the
/// order of the recorded rows.
fn schedule(plan: &ReplayPlan, causal: bool) -> Vec<(i64, usize, usize, i64)> {
    let mut order: Vec<(i64, usize, usize, i64)> = Vec::with_capacity(plan.action_count());
    for (c, conn) in plan.connections.iter().enumerate() {
        let mut floor = i64::MIN;
        for (i, a) in conn.actions.iter().enumerate() {
            let key = if causal {
                a.effect_seq.unwrap_or(a.seq).max(floor)
            } else {
                a.seq
            };
            floor = key;
            order.push((key, c, i, a.at_us));
        }
    }
    order.sort();
    order
}

/// What keeps the recorded happens-before between connections: before an action placed at
/// `key`, every connection must have received the pushes it was recorded receiving before
/// `key`. Pushes the replay cannot re-create (made by the server on its own, or of ignored
/// events) are not waited for. A wait is bounded by the replay's timeout; a connection whose
/// pushes did not all come has diverged from the recording (its report will show it), is named
/// in its report, and is not waited for again: a recording the replay cannot reproduce (a
/// member the console added to a room by hand, say) costs one timeout per connection, not one
/// per push.
struct Barrier {
    /// Per connection: the recorded `seq`s of the pushes to wait for, in order.
    expected: Vec<Vec<i64>>,
    seen: Vec<watch::Receiver<u64>>,
    /// Per connection: a wait for it timed out, it is not waited for any more.
    diverged: Vec<bool>,
    timeout: Duration,
}

impl Barrier {
    fn new(plan: &ReplayPlan, seen: Vec<watch::Receiver<u64>>, ctx: &RunCtx) -> Barrier {
        let ignored = &ctx.options.ignore_events;
        let expected = plan
            .connections
            .iter()
            .map(|c| {
                let mut seqs: Vec<i64> = c
                    .pushes
                    .iter()
                    .filter(|p| p.reproducible() && !ignored.contains(&p.name))
                    .map(|p| p.seq)
                    .collect();
                seqs.sort_unstable();
                seqs
            })
            .collect();
        Barrier {
            diverged: vec![false; plan.connections.len()],
            expected,
            seen,
            timeout: ctx.options.timeout,
        }
    }

    /// Waits before an action placed at `key`; `only`: for that connection alone.
    async fn wait(&mut self, key: i64, only: Option<usize>, notes: &mut [Vec<String>]) {
        let deadline = tokio::time::Instant::now() + self.timeout;
        let conns = self
            .expected
            .iter()
            .zip(self.seen.iter_mut())
            .zip(self.diverged.iter_mut())
            .zip(notes.iter_mut())
            .enumerate();
        for (c, (((expected, rx), diverged), notes)) in conns {
            if *diverged || only.is_some_and(|o| o != c) {
                continue;
            }
            let need = expected.partition_point(|&s| s < key) as u64;
            if *rx.borrow() >= need {
                continue;
            }
            let reached = tokio::time::timeout_at(deadline, rx.wait_for(|n| *n >= need))
                .await
                .is_ok_and(|r| r.is_ok());
            if !reached {
                let seen = *rx.borrow();
                let short = need.saturating_sub(seen);
                *diverged = true;
                notes.push(format!(
                    "waited {:?} for {short} push(es) recorded before row #{key} \
                     ({} of {need} arrived); went on, and did not wait for this connection again",
                    self.timeout, seen
                ));
            }
        }
    }
}

/// Waits for the action's time, hands it to the actor and waits until it is done. Returns
/// false when the replay was stopped.
async fn step(
    clock: &mut Clock,
    tx: &mpsc::Sender<Cmd>,
    action: usize,
    offset_us: i64,
    outer: Duration,
    ctx: &RunCtx,
) -> bool {
    if clock
        .wait_until(ctx.options.scaled(offset_us))
        .await
        .is_err()
    {
        return false;
    }
    let (done, finished) = oneshot::channel();
    if tx.send(Cmd::Do { action, done }).await.is_ok() {
        // The actor bounds each of its own waits; this only guards against a bug there.
        let _ = tokio::time::timeout(outer, finished).await;
    }
    ctx.progress.update(|p| p.sent += 1);
    !clock.stopped()
}

/// The upgrade URL of a replayed connection, the parameters as shown in the report, and notes
/// about parameters that could not be restored.
fn endpoint(
    base: &Url,
    conn: &PlannedConn,
    given: &ParamMap,
    replay_id: &str,
) -> (Url, BTreeMap<String, String>, Vec<String>) {
    let user = conn.user.as_deref();
    let mut params: BTreeMap<String, String> = conn
        .params
        .iter()
        .filter(|(k, _)| k.as_str() != REPLAY_PARAM)
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    for key in given.keys_for(user) {
        if let Some(v) = given.get(user, key) {
            params.insert(key.to_owned(), v.to_owned());
        }
    }
    params
        .entry("role".to_owned())
        .or_insert_with(|| conn.role.clone());
    let mut notes = Vec::new();
    for key in &conn.redacted {
        if params.get(key).is_some_and(|v| is_mask(v)) {
            notes.push(format!(
                "parameter `{key}` was masked in the capture and no value was given \
                 (--param {key}=VALUE or {}:{key}=VALUE): the mask was sent",
                user.unwrap_or("USER")
            ));
        }
    }
    let mut url = base.clone();
    // The recorded path, under the target's own (a proxy forwarded `/ws` to `UPSTREAM/ws`).
    if let Some(path) = conn.path.as_deref().filter(|p| *p != "/") {
        let joined = format!("{}{path}", base.path().trim_end_matches('/'));
        url.set_path(&joined);
    }
    {
        let mut q = url.query_pairs_mut();
        for (k, v) in &params {
            q.append_pair(k, v);
        }
        q.append_pair(REPLAY_PARAM, replay_id);
    }
    let shown = params
        .into_iter()
        .map(|(k, v)| {
            let v = if crate::secrets::is_secret_key(&k) && !is_mask(&v) {
                crate::secrets::MASK.to_owned()
            } else {
                v
            };
            (k, v)
        })
        .collect();
    (url, shown, notes)
}
