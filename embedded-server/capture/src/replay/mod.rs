//! Replay: a capture (recorded here, or imported from a bug report) becomes traffic that runs
//! again, against this build or another one, and a report of what came back different.
//!
//! Two modes ([`ReplayMode`]):
//! - **Client replay** (reproduce): the recorded connections are re-created as real WebSocket
//!   clients with their roles and parameters, re-send their requests, subscribes and
//!   unsubscribes in recorded order and timing (scaled by a speed factor), and what they get
//!   back (replies, errors, pushes) is compared with the recording, message by message.
//! - **Push replay** (re-fire): the recorded pushes are fired again through a server handle at
//!   the target's current connections, mapped by user, role, room and topic.
//!
//! Every replayed connection carries `sb_replay=<replay id>` in its upgrade query and, when the
//! target's replay key is known (always for the embedded server, from its handle; for a URL when
//! given), that key in the `x-switchboard-replay-key` header; every fired push goes through
//! `Server::with_origin(Origin::Replay)`. So a recorder on the target stores the replay's
//! traffic with origin `replay` (and later replays leave it out). Without the key, the target
//! records the replayed connections as the clients they appear to be.
//!
//! Layout (one concern per file):
//! - [`plan`]: [`ReplayPlan`] from a capture and a [`Selection`]; `planner` is the pass over
//!   the rows that builds it, with the skipped rows and why.
//! - `membership`: who was connected, in which rooms and topics, at each row (to rebuild what
//!   each connection received, since broadcasts are stored once).
//! - `client_replay`: the drivers that keep the schedule and hand actions to the connections;
//!   `actor`: the task owning one replayed connection's socket; `conn_report`: its report.
//! - `push_replay`: firing recorded pushes through a [`Server`] handle.
//! - [`compare`]: the JSON diff with ignored (volatile) paths.
//! - `align`: lining up received pushes with the recorded ones (missing, extra, changed, moved).
//! - [`report`]: [`ReplayReport`], serialisable, per connection and per message;
//!   [`overview`]: its counts without the messages (what the console sends).
//! - [`options`], [`control`]: [`ReplayOptions`]; pause/resume/stop and progress.
//! - [`error`]: [`ReplayError`], for what makes a replay impossible; everything else is reported.
//!
//! ```no_run
//! # async fn demo() -> Result<(), switchboard_capture::replay::ReplayError> {
//! use switchboard_capture::replay::{ReplayOptions, ReplayPlan, ReplayTarget, Replayer, Selection};
//!
//! let plan = ReplayPlan::load("capture.db", &Selection { session: Some(1), ..Selection::default() })?;
//! let replayer = Replayer::new(ReplayOptions { speed: 0.0, ..ReplayOptions::default() });
//! let report = replayer.run(&plan, &ReplayTarget::url("ws://127.0.0.1:7070/")).await?;
//! println!("{} differences", report.summary.differences());
//! # Ok(()) }
//! ```
//!
//! The user guide is `docs/replay.md`.

mod actor;
mod align;
mod client_replay;
pub mod compare;
mod conn_report;
pub mod control;
pub mod error;
pub(crate) mod membership;
pub mod options;
pub mod overview;
pub mod plan;
mod planner;
mod push_replay;
pub mod report;

use std::sync::Arc;

use tokio::sync::watch;
use url::Url;

pub use compare::{Difference, IgnorePath, IgnoreSet};
pub use control::{ReplayControl, ReplayProgress, RunState};
pub use error::ReplayError;
pub use options::{ParamMap, ReplayMode, ReplayOptions, ReplayOrder};
pub use overview::{ConnectionOverview, DiffGroup, ReportOverview};
pub use plan::{
    Action, ActionKind, Expected, ExpectedPush, PlannedConn, PlannedPush, ReplayPlan, Selection,
    SkippedRow, SreqAnswer,
};
pub use report::{ConnectionReport, MessageReport, ReplayReport, Status, Stream, Summary};

use crate::tap::now_us;
use client_replay::RunCtx;
use control::ProgressTx;
use switchboard_server::{ReplayKey, Server};

/// What a replay runs against.
#[derive(Clone)]
pub enum ReplayTarget {
    /// A server reachable at a `ws://` URL (client replay only), with its replay key when its
    /// operator gave it (without it the server records the replay as ordinary clients).
    Url {
        url: String,
        replay_key: Option<ReplayKey>,
    },
    /// The embedded server: a handle (for push replay, and its replay key) and, for client
    /// replay, its URL.
    Server { server: Server, url: Option<String> },
}

impl ReplayTarget {
    /// A server at `url` whose replay key is not known: its capture records the replayed
    /// connections as clients.
    pub fn url(url: impl Into<String>) -> ReplayTarget {
        ReplayTarget::Url {
            url: url.into(),
            replay_key: None,
        }
    }

    /// A server at `url` started with this replay key (`switchboard-server --replay-key`): its
    /// capture records the replayed connections with origin `replay`.
    pub fn url_with_key(url: impl Into<String>, replay_key: ReplayKey) -> ReplayTarget {
        ReplayTarget::Url {
            url: url.into(),
            replay_key: Some(replay_key),
        }
    }

    /// The key shown on every replayed connection, when the target's is known.
    fn replay_key(&self) -> Option<ReplayKey> {
        match self {
            ReplayTarget::Url { replay_key, .. } => replay_key.clone(),
            ReplayTarget::Server { server, .. } => Some(server.replay_key().clone()),
        }
    }

    /// The embedded server, with its URL so client replay can connect to it.
    pub fn server(server: &Server, url: Option<String>) -> ReplayTarget {
        ReplayTarget::Server {
            server: server.clone(),
            url,
        }
    }

    fn ws_url(&self) -> Option<&str> {
        match self {
            ReplayTarget::Url { url, .. } => Some(url),
            ReplayTarget::Server { url, .. } => url.as_deref(),
        }
    }

    /// How the report names the target.
    pub fn describe(&self) -> String {
        match (self, self.ws_url()) {
            (_, Some(u)) => u.to_owned(),
            (ReplayTarget::Server { server, .. }, None) => {
                format!("embedded server {}", server.node_id())
            }
            (ReplayTarget::Url { url, .. }, None) => url.clone(),
        }
    }
}

impl std::fmt::Debug for ReplayTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}

/// Runs replays. One `Replayer` is one replay: it owns the replay id, the control handle and
/// the progress channel, so the console can hand out [`Replayer::control`] and
/// [`Replayer::progress`] before moving the replayer into a task to [`run`](Replayer::run).
#[derive(Debug)]
pub struct Replayer {
    id: String,
    options: ReplayOptions,
    control: ReplayControl,
    progress: ProgressTx,
}

impl Replayer {
    /// A replay with a fresh id (`rp-` and 12 hex digits).
    pub fn new(options: ReplayOptions) -> Replayer {
        let id = format!("rp-{:012x}", rand::random::<u64>() & 0xffff_ffff_ffff);
        Replayer::with_id(options, id)
    }

    /// A replay with a chosen id (the console's, or a test's).
    pub fn with_id(options: ReplayOptions, id: impl Into<String>) -> Replayer {
        let id = id.into();
        Replayer {
            progress: ProgressTx::new(&id),
            control: ReplayControl::new(),
            options,
            id,
        }
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn options(&self) -> &ReplayOptions {
        &self.options
    }

    /// Pause, resume or stop this replay from anywhere.
    pub fn control(&self) -> ReplayControl {
        self.control.clone()
    }

    /// Follow `sent / total` and the differences found so far.
    pub fn progress(&self) -> watch::Receiver<ReplayProgress> {
        self.progress.subscribe()
    }

    /// Runs the plan against the target and reports what differs.
    ///
    /// Fails only when the replay cannot start: invalid options, a URL that cannot be dialled,
    /// push replay without a server handle. Connections that cannot be opened, requests the
    /// target no longer knows, rows that cannot be replayed: all of it ends up in the report.
    pub async fn run(
        &self,
        plan: &ReplayPlan,
        target: &ReplayTarget,
    ) -> Result<ReplayReport, ReplayError> {
        self.options.validate()?;
        let ignore = Arc::new(IgnoreSet::parse(&self.options.ignore)?);
        let ctx = RunCtx {
            replay_id: self.id.clone(),
            replay_key: target.replay_key(),
            options: self.options.clone(),
            ignore,
            control: self.control.clone(),
            progress: self.progress.clone(),
            ending: Default::default(),
        };
        let started_us = now_us();
        let mut report = ReplayReport {
            replay_id: self.id.clone(),
            mode: self.options.mode,
            target: target.describe(),
            source: plan.source.clone(),
            selection: plan.selection.clone(),
            options: masked(&self.options),
            started_us,
            finished_us: started_us,
            state: RunState::Running,
            summary: Summary::default(),
            skipped_rows: plan.skipped.clone(),
            ignored_rows: plan.ignored.clone(),
            connections: Vec::new(),
            pushes: Vec::new(),
        };
        match self.options.mode {
            ReplayMode::Clients => {
                let url = parse_url(target.ws_url().ok_or(ReplayError::NoUrl)?)?;
                self.begin(plan.action_count());
                report.connections = client_replay::run(plan, &url, &ctx).await;
            }
            ReplayMode::Pushes => {
                let server = match target {
                    ReplayTarget::Server { server, .. } => server,
                    ReplayTarget::Url { url, .. } => {
                        return Err(ReplayError::PushNeedsServer { url: url.clone() })
                    }
                };
                self.begin(plan.pushes.len());
                report.pushes = push_replay::run(plan, server, &ctx).await;
            }
        }
        self.control.finish();
        report.state = self.control.state();
        report.finished_us = now_us();
        report.recount();
        let diffs = report.summary.differences();
        let state = report.state;
        self.progress.update(|p| {
            p.diffs = diffs;
            p.state = state;
        });
        Ok(report)
    }

    fn begin(&self, total: usize) {
        self.control.start();
        let state = self.control.state();
        self.progress.update(|p| {
            p.total = total as u64;
            p.state = state;
        });
    }
}

fn parse_url(url: &str) -> Result<Url, ReplayError> {
    let invalid = |reason: String| ReplayError::InvalidTarget {
        url: url.to_owned(),
        reason,
    };
    let parsed = Url::parse(url).map_err(|e| invalid(e.to_string()))?;
    match parsed.scheme() {
        "ws" | "wss" => Ok(parsed),
        other => Err(invalid(format!(
            "the scheme must be ws:// (got `{other}:`)"
        ))),
    }
}

/// The options as the report shows them: parameter values are usually secrets.
fn masked(options: &ReplayOptions) -> ReplayOptions {
    let mut o = options.clone();
    let mask = |m: &mut std::collections::BTreeMap<String, String>| {
        m.values_mut()
            .for_each(|v| *v = crate::secrets::MASK.into())
    };
    mask(&mut o.params.all);
    o.params.by_user.values_mut().for_each(mask);
    o
}
