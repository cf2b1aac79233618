//! "Try it": test connections the console opens itself, with a chosen role and handshake
//! parameters, to send requests, subscribe to topics and watch what the server pushes.
//!
//! Each one is a [`switchboard_client::Client`] (the project's Rust client, reconnecting off).
//! Against the embedded server it sends `sb_console` with the server's key, so the recorder
//! stores its traffic with origin `console` and a replay leaves it out. Against another
//! process's server (attached nodes, a URL typed in the panel, the upstream behind proxy mode)
//! the key is unknown: the traffic is recorded as an ordinary client's.
//!
//! Bounds: at most [`MAX_SESSIONS`] open at once (the next open is refused), and each keeps its
//! newest [`MAX_PUSHES`] pushes (older ones are dropped and counted).

use std::collections::{BTreeSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::Value;
use switchboard_client::{Client, ClientError, ClientOptions, ConnState, Listener, Subscription};
use switchboard_server::contract::CompiledContract;
use switchboard_server::tap::now_us;
use switchboard_server::wire::util::lock;
use switchboard_server::{CONSOLE_PARAM, REPLAY_KEY_HEADER};

use super::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::types::{TryAnswer, TryList, TryOpen, TryPush, TryRequest, TrySession, TryTopic};

/// Test connections open at once.
pub const MAX_SESSIONS: usize = 8;
/// Pushes kept per test connection.
pub const MAX_PUSHES: usize = 200;
/// How long an open waits for the server's first frame, and a request for its answer.
const WAIT: Duration = Duration::from_secs(10);

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/try", get(list).post(open))
        .route("/api/try/{id}", get(one).delete(close))
        .route("/api/try/{id}/request", post(request))
        .route("/api/try/{id}/subscribe", post(subscribe))
        .route("/api/try/{id}/unsubscribe", post(unsubscribe))
}

/// The open test connections.
#[derive(Default)]
pub struct TryConns {
    next: u32,
    open: Vec<Arc<TryConn>>,
}

/// What a test connection received, shared with the client's callbacks.
#[derive(Default)]
struct Inbox {
    seq: u32,
    dropped: u32,
    pushes: VecDeque<TryPush>,
}

impl Inbox {
    fn push(&mut self, kind: &str, name: &str, payload: Value) {
        self.seq = self.seq.wrapping_add(1);
        if self.pushes.len() >= MAX_PUSHES {
            self.pushes.pop_front();
            self.dropped = self.dropped.saturating_add(1);
        }
        self.pushes.push_back(TryPush {
            seq: self.seq,
            at_ms: now_us() as f64 / 1000.0,
            kind: kind.to_owned(),
            name: name.to_owned(),
            payload,
        });
    }
}

struct TryConn {
    id: String,
    role: String,
    url: String,
    console_origin: bool,
    client: Client,
    inbox: Arc<Mutex<Inbox>>,
    /// Kept so the event callbacks stay registered while the connection is open.
    _listeners: Vec<Listener>,
    subs: Mutex<Vec<Subscription>>,
}

impl TryConn {
    fn session(&self) -> TrySession {
        let state = match self.client.state() {
            ConnState::Connecting => "connecting".to_owned(),
            ConnState::Connected => "connected".to_owned(),
            ConnState::Reconnecting { .. } | ConnState::Closed => "closed".to_owned(),
        };
        let inbox = lock(&self.inbox);
        TrySession {
            id: self.id.clone(),
            role: self.role.clone(),
            url: self.url.clone(),
            console_origin: self.console_origin,
            state,
            subscriptions: lock(&self.subs)
                .iter()
                .map(|s| s.topic().to_owned())
                .collect(),
            pushes: inbox.pushes.iter().cloned().collect(),
            dropped: inbox.dropped,
        }
    }
}

fn find(st: &AppState, id: &str) -> Result<Arc<TryConn>, ApiError> {
    lock(&st.tries)
        .open
        .iter()
        .find(|c| c.id == id)
        .cloned()
        .ok_or_else(|| ApiError::not_found(format!("no test connection `{id}`")))
}

/// The events a role can receive without subscribing: its own and the shared ones. Empty when
/// the console does not know the contract (another process's server): topics still arrive.
fn event_names(st: &AppState, role: &str) -> BTreeSet<String> {
    st.source
        .contract()
        .map(|c| role_events(&c, role))
        .unwrap_or_default()
}

fn role_events(contract: &CompiledContract, role: &str) -> BTreeSet<String> {
    let spec = contract.spec();
    let role_events = spec.roles.get(role).map(|r| &r.server_to_client);
    spec.shared
        .server_to_client
        .iter()
        .chain(role_events.into_iter().flatten())
        .filter(|(_, e)| !e.subscribe)
        .map(|(name, _)| name.clone())
        .collect()
}

async fn open(
    State(st): State<Arc<AppState>>,
    body: Result<Json<TryOpen>, JsonRejection>,
) -> ApiResult<TrySession> {
    let Json(req) = body.map_err(ApiError::from)?;
    if req.role.trim().is_empty() {
        return Err(ApiError::bad_request("choose a role"));
    }
    // Empty: where this console's applications connect (the embedded server, or the proxy in
    // proxy mode). Attach mode has no such address.
    let url = match req.url.trim() {
        "" if !st.info.app_url.is_empty() => st.info.app_url.clone(),
        "" => {
            return Err(ApiError::bad_request(
                "Try it needs the application's endpoint: enter its ws:// URL (the console \
                 attached to nodes does not know where their applications listen)",
            ))
        }
        given => given.to_owned(),
    };
    // The key goes only to the endpoint this console serves: another process's server has its
    // own key. (Attach mode serves none: its `app_url` is empty, and `url` never is.)
    let console_origin = url == st.info.app_url;
    let id = {
        let mut tries = lock(&st.tries);
        if tries.open.len() >= MAX_SESSIONS {
            return Err(ApiError::conflict(format!(
                "{MAX_SESSIONS} test connections are open: close one first"
            )));
        }
        tries.next += 1;
        format!("try-{}", tries.next)
    };
    let mut options = ClientOptions::new(url.clone(), req.role.clone())
        .reconnect(false)
        .request_timeout(WAIT)
        .connect_timeout(WAIT)
        .queue_limit(16);
    for (k, v) in &req.params {
        options = options.param(k, v);
    }
    if console_origin {
        options = options
            .param(CONSOLE_PARAM, &id)
            .header(REPLAY_KEY_HEADER, st.server.replay_key().expose());
    }
    let client = Client::connect(options);
    let inbox = Arc::new(Mutex::new(Inbox::default()));
    let listeners = event_names(&st, &req.role)
        .into_iter()
        .map(|name| {
            let inbox = inbox.clone();
            let event = name.clone();
            client.on(&name, move |d| lock(&inbox).push("event", &event, d))
        })
        .collect();
    if let Err(e) = client.wait_connected(WAIT).await {
        client.close().await;
        return Err(ApiError::bad_request(format!(
            "the test connection did not open: {e}"
        )));
    }
    let conn = Arc::new(TryConn {
        id,
        role: req.role,
        url,
        console_origin,
        client,
        inbox,
        _listeners: listeners,
        subs: Mutex::new(Vec::new()),
    });
    let session = conn.session();
    let refused = {
        let mut tries = lock(&st.tries);
        if tries.open.len() >= MAX_SESSIONS {
            true
        } else {
            tries.open.push(conn.clone());
            false
        }
    };
    if refused {
        conn.client.close().await;
        return Err(ApiError::conflict(format!(
            "{MAX_SESSIONS} test connections are open: close one first"
        )));
    }
    Ok(Json(session))
}

async fn list(State(st): State<Arc<AppState>>) -> ApiResult<TryList> {
    let open = lock(&st.tries).open.clone();
    Ok(Json(TryList {
        sessions: open.iter().map(|c| c.session()).collect(),
        limit: MAX_SESSIONS as u32,
    }))
}

async fn one(State(st): State<Arc<AppState>>, Path(id): Path<String>) -> ApiResult<TrySession> {
    Ok(Json(find(&st, &id)?.session()))
}

async fn request(
    State(st): State<Arc<AppState>>,
    Path(id): Path<String>,
    body: Result<Json<TryRequest>, JsonRejection>,
) -> ApiResult<TryAnswer> {
    let Json(req) = body.map_err(ApiError::from)?;
    let conn = find(&st, &id)?;
    let started = Instant::now();
    let outcome = conn.client.request(&req.name, req.payload).await;
    let took_ms = started.elapsed().as_secs_f64() * 1000.0;
    Ok(Json(match outcome {
        Ok(reply) => TryAnswer {
            ok: true,
            reply,
            error: None,
            took_ms,
        },
        Err(e) => TryAnswer {
            ok: false,
            reply: match &e {
                ClientError::Remote { data, .. } => data.clone().unwrap_or(Value::Null),
                _ => Value::Null,
            },
            error: Some(e.to_string()),
            took_ms,
        },
    }))
}

async fn subscribe(
    State(st): State<Arc<AppState>>,
    Path(id): Path<String>,
    body: Result<Json<TryTopic>, JsonRejection>,
) -> ApiResult<TrySession> {
    let Json(req) = body.map_err(ApiError::from)?;
    let conn = find(&st, &id)?;
    if lock(&conn.subs).iter().any(|s| s.topic() == req.topic) {
        return Ok(Json(conn.session()));
    }
    let inbox = conn.inbox.clone();
    let topic = req.topic.clone();
    let sub = conn
        .client
        .subscribe(&req.topic, move |d| lock(&inbox).push("topic", &topic, d))
        .await
        .map_err(|e| ApiError::bad_request(format!("subscribe to `{}`: {e}", req.topic)))?;
    lock(&conn.subs).push(sub);
    Ok(Json(conn.session()))
}

async fn unsubscribe(
    State(st): State<Arc<AppState>>,
    Path(id): Path<String>,
    body: Result<Json<TryTopic>, JsonRejection>,
) -> ApiResult<TrySession> {
    let Json(req) = body.map_err(ApiError::from)?;
    let conn = find(&st, &id)?;
    let taken = {
        let mut subs = lock(&conn.subs);
        subs.iter()
            .position(|s| s.topic() == req.topic)
            .map(|i| subs.remove(i))
    };
    match taken {
        Some(sub) => sub.unsubscribe().await,
        None => {
            return Err(ApiError::not_found(format!(
                "not subscribed to `{}`",
                req.topic
            )))
        }
    }
    Ok(Json(conn.session()))
}

async fn close(State(st): State<Arc<AppState>>, Path(id): Path<String>) -> ApiResult<TryList> {
    let taken = {
        let mut tries = lock(&st.tries);
        let at = tries.open.iter().position(|c| c.id == id);
        at.map(|i| tries.open.remove(i))
    };
    let conn = taken.ok_or_else(|| ApiError::not_found(format!("no test connection `{id}`")))?;
    conn.client.close().await;
    list(State(st)).await
}
