//! Application hooks: authentication, a connection's start and end, subscribe authorisation
//! and error reporting.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;

use futures_util::future::BoxFuture;
use serde::Serialize;
use serde_json::Value;

use super::conn::Conn;
use super::error::HandlerError;

/// The upgrade request, as the `authenticate` hook sees it.
#[derive(Debug, Clone)]
pub struct AuthRequest {
    pub path: String,
    /// Query-string parameters (the last value wins when a key repeats).
    pub query: BTreeMap<String, String>,
    pub headers: axum::http::HeaderMap,
    pub remote: Option<SocketAddr>,
}

/// Who a connection is: decided once, at upgrade time.
#[derive(Debug, Clone)]
pub struct Identity {
    pub role: String,
    pub user: String,
    /// Server-side per-connection context, given to every handler.
    pub ctx: Value,
    /// The first `env` frame's payload (client-visible state); `null` when none.
    pub env: Value,
}

impl Identity {
    pub fn new(role: impl Into<String>, user: impl Into<String>) -> Self {
        Identity {
            role: role.into(),
            user: user.into(),
            ctx: Value::Null,
            env: Value::Null,
        }
    }
}

pub type AuthFn =
    Arc<dyn Fn(AuthRequest) -> BoxFuture<'static, Result<Identity, String>> + Send + Sync>;

pub type AuthorizeSubscribeFn = Arc<dyn Fn(Conn, String) -> BoxFuture<'static, bool> + Send + Sync>;

pub type OnErrorFn = Arc<dyn Fn(&ServerFault, &FaultContext) + Send + Sync>;

pub type OnConnectFn = Arc<dyn Fn(Conn) -> BoxFuture<'static, Result<(), Refusal>> + Send + Sync>;

pub type OnDisconnectFn =
    Arc<dyn Fn(Conn, Disconnect) -> BoxFuture<'static, Result<(), HandlerError>> + Send + Sync>;

/// `on_connect`'s answer when it turns a connection away: the connection is closed with this
/// code and reason before any of its requests is handled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// A close code the application chooses, 4000-4999 by convention (one a close frame may
    /// not carry is sent as 4000).
    pub code: u16,
    pub reason: String,
}

impl Refusal {
    pub fn new(code: u16, reason: impl Into<String>) -> Self {
        Refusal {
            code,
            reason: reason.into(),
        }
    }
}

/// How a connection ended, as `on_disconnect` is told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disconnect {
    /// The close code (1006 when the socket dropped without one).
    pub code: u16,
    pub reason: String,
    /// Who ended it: `client`, `server`, `heartbeat`, `slow_consumer` or `shutdown`.
    pub by: &'static str,
}

/// The application's hooks, as the builder collected them.
pub(crate) struct Hooks {
    pub auth: AuthFn,
    pub authorize_subscribe: Option<AuthorizeSubscribeFn>,
    pub on_connect: Option<OnConnectFn>,
    pub on_disconnect: Option<OnDisconnectFn>,
    pub on_error: Vec<OnErrorFn>,
}

/// The development default: `role` and `name` from the query string.
pub(crate) fn default_authenticate(req: AuthRequest) -> Result<Identity, String> {
    let role = req
        .query
        .get("role")
        .filter(|r| !r.is_empty())
        .ok_or("missing `role` query parameter")?;
    let user = req.query.get("name").filter(|n| !n.is_empty()).cloned();
    let mut id = Identity::new(role.clone(), user.unwrap_or_else(|| "anonymous".to_owned()));
    id.ctx = serde_json::json!({ "params": req.query });
    Ok(id)
}

/// Where a fault happened, for `on_error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    Request,
    Subscribe,
    Event,
    Connect,
    Disconnect,
    Heartbeat,
    Adapter,
    /// An observer ([`Tap`](crate::tap::Tap)) panicked; `name` is the kind of event it was given.
    Tap,
}

#[derive(Debug, Clone, Serialize)]
pub struct FaultContext {
    pub kind: FaultKind,
    /// The request, event or topic name, when there is one.
    pub name: Option<String>,
}

/// A fault reported to `on_error`: a panic, a failed listener, an invalid payload...
#[derive(Debug, Clone, thiserror::Error, Serialize)]
#[error("{message}")]
pub struct ServerFault {
    pub message: String,
}

impl ServerFault {
    pub fn new(message: impl Into<String>) -> Self {
        ServerFault {
            message: message.into(),
        }
    }
}

/// Turn a panic payload into a readable message.
pub(crate) fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        format!("panicked: {s}")
    } else if let Some(s) = payload.downcast_ref::<String>() {
        format!("panicked: {s}")
    } else {
        "panicked".to_owned()
    }
}
