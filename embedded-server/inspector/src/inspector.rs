//! [`Inspector::start`]: the inspector's own listener, who may attach, and stopping.
//!
//! The inspector binds its own address, never the application's endpoint. Its sockets are
//! therefore never application connections: they are not in the registry, rooms, presence,
//! counters, heartbeat or recordings, and the console does not show up in what it observes.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use switchboard_server::Server;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::access::{origin_allowed, percent_encode, presented, Token};
use crate::config::{InspectorConfig, SessionLimits, TRANSPORT_LIMIT};
use crate::error::InspectorError;
use crate::fanout::Fanout;
use crate::protocol::PROTOCOL;
use crate::session::SessionSetup;

/// How long [`InspectorHandle::shutdown`] waits for sessions to say goodbye.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// Entry points: an inspector on its own socket ([`Inspector::start`]), or a session in the
/// same process ([`Inspector::local_session`](crate::Inspector::local_session)).
pub struct Inspector;

/// A running inspector. Dropping the handle leaves it running (as dropping a server's handle
/// does); it stops on [`InspectorHandle::shutdown`] or when the server shuts down.
pub struct InspectorHandle {
    addr: SocketAddr,
    server: Server,
    token: Token,
    stop: CancellationToken,
    sessions: TaskTracker,
    task: JoinHandle<()>,
}

struct AppState {
    server: Server,
    token: Token,
    allowed_origins: Vec<String>,
    read_only: bool,
    limits: SessionLimits,
    /// One permit per session that may be attached; taken before the upgrade is accepted.
    slots: Arc<Semaphore>,
    /// Every session of this inspector, behind one tap.
    fanout: Arc<Fanout>,
    stop: CancellationToken,
    sessions: TaskTracker,
}

impl Inspector {
    /// Listen on `config.listen` and let consoles attach to `server`.
    ///
    /// Refuses to start on a non-loopback address without a token, and with an empty token.
    pub async fn start(
        server: &Server,
        config: InspectorConfig,
    ) -> Result<InspectorHandle, InspectorError> {
        let token = match config.token {
            Some(t) if t.is_empty() => return Err(InspectorError::EmptyToken),
            Some(t) => Token::new(t),
            None if config.listen.ip().is_loopback() => Token::random(),
            None => {
                return Err(InspectorError::TokenRequired {
                    addr: config.listen,
                })
            }
        };
        let listener =
            TcpListener::bind(config.listen)
                .await
                .map_err(|source| InspectorError::Bind {
                    addr: config.listen,
                    source,
                })?;
        let addr = listener.local_addr()?;
        let advertised = advertised_url(config.advertise.as_deref(), addr);
        if advertised.is_none() {
            tracing::warn!(%addr, "the inspector listens on a wildcard address and has no `advertise` address: it is not published in cluster presence");
        }
        server.advertise_inspector(advertised);
        let stop = CancellationToken::new();
        let sessions = TaskTracker::new();
        let state = Arc::new(AppState {
            server: server.clone(),
            token: token.clone(),
            allowed_origins: config.allowed_origins,
            read_only: config.read_only,
            limits: config.session.sane(),
            slots: Arc::new(Semaphore::new(config.max_sessions.max(1))),
            fanout: Fanout::new(server),
            stop: stop.clone(),
            sessions: sessions.clone(),
        });
        let app = Router::new().route("/", get(attach)).with_state(state);
        let handle_server = server.clone();
        let server = server.clone();
        let until = stop.clone();
        let task = tokio::spawn(async move {
            let stopped = async move {
                tokio::select! {
                    _ = until.cancelled() => {}
                    _ = server.shutdown_signal() => until.cancel(),
                }
            };
            if let Err(e) = axum::serve(listener, app)
                .with_graceful_shutdown(stopped)
                .await
            {
                tracing::warn!("the inspector's listener failed: {e}");
            }
        });
        tracing::info!(%addr, "inspector listening");
        Ok(InspectorHandle {
            addr,
            server: handle_server,
            token,
            stop,
            sessions,
            task,
        })
    }
}

impl InspectorHandle {
    /// The address the inspector listens on (with the port picked when it was 0).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The token a console must present.
    pub fn token(&self) -> &str {
        self.token.as_str()
    }

    /// `ws://ADDR/?token=TOKEN`: everything a console needs to attach.
    pub fn attach_url(&self) -> String {
        format!(
            "ws://{}/?token={}",
            self.addr,
            percent_encode(self.token.as_str())
        )
    }

    /// Stop accepting consoles, close every session with 1001, and wait (a few seconds at
    /// most) for them to finish.
    pub async fn shutdown(self) {
        self.server.advertise_inspector(None);
        self.stop.cancel();
        let _ = self.task.await;
        self.sessions.close();
        let _ = tokio::time::timeout(SHUTDOWN_GRACE, self.sessions.wait()).await;
    }
}

/// What goes into the node's presence record: the configured address, else the bound one
/// unless it is a wildcard. A trailing `/` is added so every advertised URL takes `?token=`.
fn advertised_url(configured: Option<&str>, addr: SocketAddr) -> Option<String> {
    match configured.map(str::trim).filter(|a| !a.is_empty()) {
        Some(url) if url.contains("://") => Some(url.to_owned()),
        Some(host_port) => Some(format!("ws://{host_port}/")),
        None if addr.ip().is_unspecified() => None,
        None => Some(format!("ws://{addr}/")),
    }
}

fn refuse(status: StatusCode, message: &'static str) -> Response {
    let mut response = (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        message,
    )
        .into_response();
    if status == StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            header::HeaderValue::from_static("Bearer"),
        );
    }
    response
}

/// `GET /`: the upgrade. Refusals come before the upgrade, as HTTP answers with a sentence.
async fn attach(
    State(st): State<Arc<AppState>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    if !origin_allowed(&headers, &st.allowed_origins) {
        return refuse(
            StatusCode::FORBIDDEN,
            "attaching from a page of another origin is refused\n",
        );
    }
    match presented(&headers, query.as_deref()) {
        Some(t) if st.token.matches(&t) => {}
        Some(_) => return refuse(StatusCode::UNAUTHORIZED, "wrong inspector token\n"),
        None => {
            return refuse(
                StatusCode::UNAUTHORIZED,
                "missing inspector token: use the attach URL the node printed (?token=...) \
                 or an Authorization: Bearer header\n",
            )
        }
    }
    let upgrade = match upgrade {
        Ok(u) => u,
        Err(rejection) => return rejection.into_response(),
    };
    if st.stop.is_cancelled() || st.server.is_shutting_down() {
        return refuse(
            StatusCode::SERVICE_UNAVAILABLE,
            "the inspector is shutting down\n",
        );
    }
    let Ok(slot) = st.slots.clone().try_acquire_owned() else {
        return refuse(
            StatusCode::SERVICE_UNAVAILABLE,
            "too many consoles are attached to this node\n",
        );
    };
    let setup = SessionSetup {
        server: st.server.clone(),
        limits: st.limits,
        read_only: st.read_only,
        fanout: st.fanout.clone(),
        stop: st.stop.clone(),
    };
    let sessions = st.sessions.clone();
    upgrade
        .protocols([PROTOCOL])
        .max_message_size(TRANSPORT_LIMIT)
        .max_frame_size(TRANSPORT_LIMIT)
        .on_upgrade(move |socket| {
            sessions.track_future(async move {
                crate::socket::serve(socket, setup).await;
                drop(slot);
            })
        })
}
