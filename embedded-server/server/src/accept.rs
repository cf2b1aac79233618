//! The HTTP side: upgrade requests are authenticated, checked against the contract and the
//! connection cap, then become connections. Refusals are plain HTTP answers (401, 503) so no
//! socket is ever opened for a client that may not have one.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use futures_util::FutureExt;
use serde_json::json;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

use super::hooks::AuthRequest;
use super::introspect::masked_params;
use super::replay_key::{CONSOLE_PARAM, REPLAY_KEY_HEADER, REPLAY_PARAM};
use super::shared::Shared;
use super::upgrade::{NotWebSocket, Upgrade};
use super::Server;
use crate::tap::{Origin, TapKind};

/// Initial read buffer of each socket. tungstenite's default (128 KiB) is zero-filled up to its
/// capacity before every read, so an idle connection would keep 128 KiB resident and every
/// read would clear that much memory; clients send small frames, and a larger frame still
/// grows the buffer as far as it needs.
const READ_BUFFER: usize = 4 * 1024;

impl Server {
    /// The router that accepts WebSocket upgrades (on every path, or `config.path`). Mount it
    /// in an application's own axum app, or let [`Server::serve`] run it.
    pub fn router(&self) -> Router {
        Router::new().fallback(upgrade).with_state(self.clone())
    }

    /// Start the heartbeat timer and the cluster tasks, once.
    pub(crate) fn ensure_background(&self) {
        if self.shared.claim_background() {
            let shared = &self.shared;
            tokio::spawn(super::heartbeat::run(shared.clone()));
            if let Some(rx) = shared.cluster().adapter.take_inbound() {
                tokio::spawn(crate::cluster::inbound::run(shared.clone(), rx));
            }
            shared
                .conn_tasks()
                .spawn(crate::cluster::tasks::run(shared.clone()));
        }
    }
}

fn refuse(status: StatusCode, reason: &str) -> Response {
    (status, [(header::CONNECTION, "close")], reason.to_owned()).into_response()
}

fn refused(
    shared: &Shared,
    status: StatusCode,
    reason: String,
    query: &BTreeMap<String, String>,
) -> Response {
    shared
        .counters()
        .refused_upgrades
        .fetch_add(1, Ordering::Relaxed);
    shared.tap(TapKind::AuthRefused, Origin::Client, |ev| {
        ev.role = query.get("role").map(|r| r.as_str().into());
        ev.meta = Some(
            json!({ "status": status.as_u16(), "reason": reason, "params": masked_params(query) }),
        );
    });
    refuse(status, &reason)
}

/// A connection is the replayer's when it names its replay and carries the server's replay key,
/// the console's test connection when it says so and carries the key; a client that only names
/// a replay or the console is recorded as the client it is.
fn origin_of(
    shared: &Shared,
    query: &BTreeMap<String, String>,
    key: Option<&HeaderValue>,
) -> Origin {
    let claimed = if query.contains_key(REPLAY_PARAM) {
        Origin::Replay
    } else if query.contains_key(CONSOLE_PARAM) {
        Origin::Console
    } else {
        return Origin::Client;
    };
    if key.is_some_and(|k| shared.replay_key().matches(k.as_bytes())) {
        return claimed;
    }
    tracing::debug!("`{claimed:?}` claimed without the server's replay key: recorded as a client");
    Origin::Client
}

async fn upgrade(State(server): State<Server>, req: Request) -> Response {
    let shared: Arc<Shared> = server.shared.clone();
    let (mut parts, _body) = req.into_parts();
    if let Some(path) = &shared.config().path {
        if parts.uri.path() != path {
            return refuse(StatusCode::NOT_FOUND, "no WebSocket endpoint here");
        }
    }
    let ws = match Upgrade::from_parts(&mut parts) {
        Ok(ws) => ws,
        Err(NotWebSocket(why)) => {
            let reason = format!(
                "this endpoint speaks WebSocket (super-line v1): connect with ?role=ROLE ({why})"
            );
            return refuse(StatusCode::UPGRADE_REQUIRED, &reason);
        }
    };
    let query: BTreeMap<String, String> = parts
        .uri
        .query()
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default();
    if shared.shutdown().is_cancelled() {
        return refused(
            &shared,
            StatusCode::SERVICE_UNAVAILABLE,
            "server shutting down".into(),
            &query,
        );
    }
    // The place is taken before the authentication awaits, and travels with the connection
    // to the end of its cleanup: a burst of upgrades cannot all pass a count that only grows
    // once they are registered.
    let Some(permit) = shared.claim_place() else {
        let reason = format!(
            "connection limit of {} reached",
            shared.config().max_connections
        );
        return refused(&shared, StatusCode::SERVICE_UNAVAILABLE, reason, &query);
    };
    // Taken off the request before anything else sees it: the key is the server's secret.
    let replay_key = parts.headers.remove(REPLAY_KEY_HEADER);
    let remote = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0);
    let peer = super::peer::Peer::from_request(remote, &parts.headers);
    let auth_req = AuthRequest {
        path: parts.uri.path().to_owned(),
        query: query.clone(),
        headers: parts.headers.clone(),
        remote,
    };
    // A panicking hook refuses this upgrade only; it is reported, and the server goes on.
    let outcome = std::panic::AssertUnwindSafe((shared.auth())(auth_req))
        .catch_unwind()
        .await;
    let identity = match outcome {
        Ok(Ok(identity)) => identity,
        Ok(Err(reason)) => return refused(&shared, StatusCode::UNAUTHORIZED, reason, &query),
        Err(panic) => {
            let message = format!(
                "authenticate hook {}",
                super::hooks::panic_message(panic.as_ref())
            );
            shared.report(super::hooks::FaultKind::Connect, None, message);
            let reason = "authentication failed: internal error".to_owned();
            return refused(&shared, StatusCode::INTERNAL_SERVER_ERROR, reason, &query);
        }
    };
    if !shared.contract().has_role(&identity.role) {
        let reason = format!("unknown role `{}`", identity.role);
        return refused(&shared, StatusCode::UNAUTHORIZED, reason, &query);
    }
    let origin = origin_of(&shared, &query, replay_key.as_ref());
    server.ensure_background();
    // Let frames somewhat over the limit reach us so we can answer them with 1009 and a reason;
    // the transport's own cap only guards against absurd sizes.
    let max = shared.config().max_frame_bytes;
    let transport_cap = max.saturating_mul(2).max(max + 64 * 1024);
    let config = WebSocketConfig::default()
        .max_message_size(Some(transport_cap))
        .max_frame_size(Some(transport_cap))
        .read_buffer_size(READ_BUFFER);
    let (response, socket) = ws.accept(config);
    let tasks = shared.conn_tasks().clone();
    tasks.spawn(async move {
        if let Some(socket) = socket.await {
            super::reader::run(shared, socket, identity, query, peer, origin, permit).await;
        }
    });
    response
}
