//! Replay: the console's capture (or a part of it) runs again, by default against an isolated
//! server started for it (`replay_isolated`), or against the live embedded server or a `ws://`
//! URL when asked, in a background task. One replay at a time; the last one's progress and
//! report stay readable until the next starts.

use std::sync::{Arc, Mutex};
use switchboard_server::wire::util::lock;

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use switchboard_capture::replay::{
    DiffGroup, IgnoreSet, ReplayControl, ReplayMode, ReplayOptions, ReplayPlan, ReplayProgress,
    ReplayReport, ReplayTarget, Replayer, ReportOverview, RunState, Status,
};
use tokio::sync::watch;

use super::error::{ApiError, ApiResult};
use super::replay_isolated::Isolated;
use crate::state::AppState;
use crate::types::{
    ReplayEntry, ReplayMessageFilter, ReplayMessageQuery, ReplayPage, ReplayRequest, ReplaySession,
    ReplaySessions, ReplayStarted, ReplayState, ReplayStatus,
};

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/replay", get(status).post(start))
        .route("/api/replay/sessions", get(sessions))
        .route("/api/replay/messages", get(messages))
        .route("/api/replay/pause", post(pause))
        .route("/api/replay/resume", post(resume))
        .route("/api/replay/stop", post(stop))
}

/// The current or last replay.
pub struct ReplayRun {
    pub id: String,
    pub request: ReplayRequest,
    pub control: ReplayControl,
    pub progress: watch::Receiver<ReplayProgress>,
    /// Set when the task ends: the report, or why the replay could not run.
    pub outcome: Arc<Mutex<Option<Outcome>>>,
}

/// How a replay ended: its report, or why it could not run.
pub type Outcome = Result<Arc<Finished>, String>;

/// A finished replay's report: the counts sent with every status, and every message, read a
/// window at a time.
pub struct Finished {
    result: ReportOverview,
    entries: Vec<ReplayEntry>,
}

impl ReplayRun {
    fn outcome(&self) -> Option<Outcome> {
        lock(&self.outcome).clone()
    }

    fn status(&self) -> ReplayStatus {
        let p = self.progress.borrow().clone();
        let outcome = self.outcome();
        // The control handle is authoritative (a pause shows at once, the progress only at
        // the next action); `finished` and `stopped` wait until the report is stored (the run
        // goes on a moment after a stop, on the API's own runtime).
        let state = match &outcome {
            Some(Err(_)) => ReplayState::Failed,
            Some(Ok(_)) => state(p.state),
            None => match self.control.state() {
                RunState::Finished | RunState::Stopped => ReplayState::Running,
                s => state(s),
            },
        };
        let (report, error) = match outcome {
            Some(Ok(f)) => (Some(f.result.clone()), None),
            Some(Err(e)) => (None, Some(e)),
            None => (None, None),
        };
        ReplayStatus {
            id: Some(self.id.clone()),
            state,
            sent: p.sent,
            total: p.total,
            diffs: report.as_ref().map_or(p.diffs, |r| r.summary.differences),
            request: Some(self.request.clone()),
            error,
            report,
        }
    }

    fn active(&self) -> bool {
        lock(&self.outcome).is_none()
    }
}

fn state(s: RunState) -> ReplayState {
    match s {
        RunState::Ready => ReplayState::Ready,
        RunState::Running => ReplayState::Running,
        RunState::Paused => ReplayState::Paused,
        RunState::Stopped => ReplayState::Stopped,
        RunState::Finished => ReplayState::Finished,
    }
}

fn result(r: ReplayReport) -> Finished {
    let result = r.overview();
    let mut entries = Vec::new();
    for c in r.connections {
        entries.extend(c.messages.into_iter().map(|message| ReplayEntry {
            conn: Some(c.conn.clone()),
            role: Some(c.role.clone()),
            user: c.user.clone(),
            message,
        }));
    }
    entries.extend(r.pushes.into_iter().map(|message| ReplayEntry {
        conn: None,
        role: None,
        user: None,
        message,
    }));
    Finished { result, entries }
}

/// The current or last replay, locked for a few field reads.
fn current(st: &AppState) -> std::sync::MutexGuard<'_, Option<ReplayRun>> {
    lock(&st.replay)
}

async fn start(
    State(st): State<Arc<AppState>>,
    body: Result<Json<ReplayRequest>, JsonRejection>,
) -> ApiResult<ReplayStarted> {
    let Json(req) = body?;
    let path = st
        .capture_path()
        .ok_or_else(|| ApiError::unavailable("this console runs without a capture file"))?;
    if current(&st).as_ref().is_some_and(ReplayRun::active) {
        return Err(ApiError::bad_request(
            "a replay is already running: stop it first",
        ));
    }
    // A console attached to other processes serves no application (its `app_url` is empty):
    // there is no server of its own to replay against.
    let serves_none = st.info.app_url.is_empty();
    let target_name = req.target.trim().to_owned();
    // Proxy mode's own target: the upstream the proxy relays to.
    let upstream = proxy_upstream(&st, &target_name, req.mode)?;
    match target_name.as_str() {
        _ if upstream.is_some() => {}
        "" | "isolated" | "embedded" | "live" if serves_none => {
            return Err(ApiError::bad_request(
                "this console is attached to other processes and runs no embedded server: \
                 replay client traffic against a URL (ws://HOST:PORT/); push replay needs a \
                 console with its own server (`switchboard`, not `switchboard attach`)",
            ))
        }
        "" | "isolated" | "embedded" | "live" => {}
        url if req.mode == ReplayMode::Pushes => {
            return Err(ApiError::bad_request(format!(
                "push replay fires through the embedded server, not over a URL (`{url}`)"
            )))
        }
        _ => {}
    }
    let options = ReplayOptions {
        mode: req.mode,
        speed: req.speed,
        ignore: req
            .ignore
            .iter()
            .map(|p| p.trim().to_owned())
            .filter(|p| !p.is_empty())
            .collect(),
        ignore_events: req
            .ignore_events
            .iter()
            .map(|e| e.trim().to_owned())
            .filter(|e| !e.is_empty())
            .collect(),
        strict_order: req.strict_order,
        ..ReplayOptions::default()
    };
    let bad = |e: switchboard_capture::replay::ReplayError| ApiError::bad_request(e.to_string());
    options.validate().map_err(bad)?;
    IgnoreSet::parse(&options.ignore).map_err(bad)?;
    let selection = req.selection.clone();
    let plan = tokio::task::spawn_blocking(move || ReplayPlan::load(&path, &selection))
        .await?
        .map_err(bad)?;

    // By default the replay runs against a server started for it (`replay_isolated`); the
    // live embedded server, where real clients are connected, only when asked for by name.
    let (target, isolated) = match target_name.as_str() {
        _ if upstream.is_some() => (ReplayTarget::url(upstream.unwrap_or_default()), None),
        "" | "isolated" => {
            let iso = Isolated::start(&st).await?;
            let target = ReplayTarget::server(&iso.running.server, Some(iso.running.url()));
            (target, Some(iso))
        }
        "embedded" | "live" => (
            ReplayTarget::server(&st.server, Some(st.info.app_url.clone())),
            None,
        ),
        url => (ReplayTarget::url(url), None),
    };

    let replayer = Replayer::new(options);
    let id = replayer.id().to_owned();
    let run = ReplayRun {
        id: id.clone(),
        request: req,
        control: replayer.control(),
        progress: replayer.progress(),
        outcome: Arc::new(Mutex::new(None)),
    };
    let outcome = run.outcome.clone();
    let control = run.control.clone();
    let refused = {
        let mut slot = current(&st);
        if slot.as_ref().is_some_and(ReplayRun::active) {
            true
        } else {
            *slot = Some(run);
            false
        }
    };
    if refused {
        if let Some(iso) = isolated {
            iso.stop().await;
        }
        return Err(ApiError::bad_request(
            "a replay is already running: stop it first",
        ));
    }
    let shutdown = st.stop.clone();
    tokio::spawn(async move {
        let run = replayer.run(&plan, &target);
        tokio::pin!(run);
        let res = tokio::select! {
            r = &mut run => r,
            _ = shutdown.cancelled() => {
                control.stop();
                run.await
            }
        };
        let res = res.map(|r| Arc::new(result(r))).map_err(|e| e.to_string());
        if let Err(e) = &res {
            tracing::warn!("replay failed: {e}");
        }
        *lock(&outcome) = Some(res);
        // The report is readable before the isolated server has finished shutting down.
        if let Some(iso) = isolated {
            iso.stop().await;
        }
    });
    Ok(Json(ReplayStarted { id }))
}

/// In proxy mode, the URL a replay aimed at `upstream` (or at no target in particular) opens
/// its connections to: the upstream itself, never the proxy, so the replay is not recorded as
/// the application's traffic a second time. A super-line server knows no replay key, so the
/// replayed connections are ordinary clients to it (each with `sb_replay` in its query).
/// The console's own servers (`isolated`, `live`) and push replay do not exist in this mode.
fn proxy_upstream(
    st: &AppState,
    target: &str,
    mode: ReplayMode,
) -> Result<Option<String>, ApiError> {
    let Some(upstream) = st.source.upstream() else {
        return match target {
            "upstream" => Err(ApiError::bad_request(
                "`upstream` is the target of a console in proxy mode (`switchboard proxy`); \
                 this one runs its own server: use `isolated`, `live` or a ws:// URL",
            )),
            _ => Ok(None),
        };
    };
    if mode == ReplayMode::Pushes {
        return Err(ApiError::bad_request(
            "push replay fires through the console's own server, and a console in proxy mode \
             has none: replay the clients against the upstream, or push by hand (Push panel)",
        ));
    }
    match target {
        "" | "upstream" => Ok(Some(format!("{upstream}/"))),
        "isolated" | "embedded" | "live" => Err(ApiError::bad_request(format!(
            "this console relays to {upstream} (proxy mode) and runs no server of its own: \
             replay against `upstream` or a ws:// URL"
        ))),
        _ => Ok(None),
    }
}

async fn status(State(st): State<Arc<AppState>>) -> Json<ReplayStatus> {
    Json(match current(&st).as_ref() {
        Some(run) => run.status(),
        None => ReplayStatus {
            id: None,
            state: ReplayState::Ready,
            sent: 0,
            total: 0,
            diffs: 0,
            request: None,
            error: None,
            report: None,
        },
    })
}

fn steer(st: &AppState, f: impl FnOnce(&ReplayControl)) -> ApiResult<ReplayStatus> {
    let slot = current(st);
    let run = slot
        .as_ref()
        .filter(|r| r.active())
        .ok_or_else(|| ApiError::not_found("no replay is running"))?;
    f(&run.control);
    Ok(Json(run.status()))
}

async fn pause(State(st): State<Arc<AppState>>) -> ApiResult<ReplayStatus> {
    steer(&st, ReplayControl::pause)
}

async fn resume(State(st): State<Arc<AppState>>) -> ApiResult<ReplayStatus> {
    steer(&st, ReplayControl::resume)
}

async fn stop(State(st): State<Arc<AppState>>) -> ApiResult<ReplayStatus> {
    steer(&st, ReplayControl::stop)
}

/// Most messages one page returns.
const MAX_PAGE: u32 = 500;

async fn messages(
    State(st): State<Arc<AppState>>,
    query: Result<Query<ReplayMessageQuery>, QueryRejection>,
) -> ApiResult<ReplayPage> {
    let Query(q) = query?;
    let finished = match current(&st).as_ref().and_then(ReplayRun::outcome) {
        Some(Ok(f)) => f,
        Some(Err(e)) => {
            return Err(ApiError::bad_request(format!(
                "the last replay failed: {e}"
            )))
        }
        None => return Err(ApiError::not_found("no finished replay yet")),
    };
    let wanted = |e: &&ReplayEntry| {
        let status = match q.filter {
            ReplayMessageFilter::All => true,
            ReplayMessageFilter::Moved => e.message.status == Status::Moved,
            ReplayMessageFilter::Differences => matches!(
                e.message.status,
                Status::Differs | Status::Missing | Status::Extra
            ),
        };
        let conn = match q.conn.as_deref() {
            None | Some("") => true,
            Some("fired") => e.conn.is_none(),
            Some(id) => e.conn.as_deref() == Some(id),
        };
        let group = match q.status {
            Some(status) => DiffGroup {
                status,
                path: q.path.clone().filter(|p| !p.is_empty()),
                name: q.name.clone().filter(|n| !n.is_empty()),
                count: 0,
            }
            .holds(&e.message),
            None => true,
        };
        status && conn && group
    };
    let offset = q.offset.unwrap_or(0);
    let limit = q.limit.unwrap_or(100).min(MAX_PAGE);
    let mut total = 0u32;
    let mut items = Vec::new();
    for e in finished.entries.iter().filter(wanted) {
        if total >= offset && items.len() < limit as usize {
            items.push(e.clone());
        }
        total += 1;
    }
    Ok(Json(ReplayPage {
        total,
        offset,
        items,
    }))
}

async fn sessions(State(st): State<Arc<AppState>>) -> ApiResult<ReplaySessions> {
    let current = st
        .recorder
        .as_ref()
        .and_then(|r| r.stats())
        .map(|s| s.session_id);
    let st2 = st.clone();
    let list =
        tokio::task::spawn_blocking(move || st2.reader()?.sessions().map_err(ApiError::from))
            .await??;
    let mut sessions: Vec<ReplaySession> = list
        .into_iter()
        .map(|s| ReplaySession {
            current: Some(s.id) == current,
            id: s.id,
            started_us: s.started_us,
            node_id: s.node_id,
            imported_from: s.imported_from,
        })
        .collect();
    sessions.sort_by_key(|s| std::cmp::Reverse(s.id));
    Ok(Json(ReplaySessions { sessions }))
}
