//! State shared between the handles and the socket task.
//!
//! Everything here sits behind a `watch` channel or a short std `Mutex`. No lock is ever held
//! across an `.await`: each critical section copies or swaps a value and returns, so a std lock
//! is both cheaper than an async one and cannot stall the driver behind a slow caller.

use std::sync::Mutex;

use switchboard_wire::util::lock;

use serde_json::Value;
use tokio::sync::watch;

use super::handlers::Registry;
use super::ClientError;

/// Where the connection is in its life.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnState {
    /// The first attempt is under way.
    Connecting,
    /// The socket is open and the server's `env` has arrived; requests go straight out.
    Connected,
    /// A previous attempt failed or the socket dropped; `attempt` counts the attempts since the
    /// last successful connection (1-based) and includes the backoff wait before it.
    Reconnecting { attempt: u32 },
    /// Closed for good: by [`Client::close`](super::Client::close), by dropping every handle,
    /// or after a failure with reconnecting turned off.
    Closed,
}

pub(crate) struct Shared {
    pub(crate) registry: Registry,
    state: watch::Sender<ConnState>,
    env: watch::Sender<Value>,
    /// The most recent failed attempt since the last success, so a caller whose wait runs out
    /// learns why (e.g. "HTTP 401") instead of a bare timeout.
    last_failure: Mutex<Option<String>>,
    /// Why the client closed, when that was not a plain close.
    closed_with: Mutex<Option<ClientError>>,
}

impl Shared {
    pub(crate) fn new() -> Self {
        Shared {
            registry: Registry::default(),
            state: watch::Sender::new(ConnState::Connecting),
            env: watch::Sender::new(Value::Null),
            last_failure: Mutex::new(None),
            closed_with: Mutex::new(None),
        }
    }

    pub(crate) fn state(&self) -> ConnState {
        self.state.borrow().clone()
    }

    pub(crate) fn watch_state(&self) -> watch::Receiver<ConnState> {
        self.state.subscribe()
    }

    pub(crate) fn set_state(&self, state: ConnState) {
        self.state.send_if_modified(|current| {
            let changed = *current != state;
            *current = state;
            changed
        });
    }

    pub(crate) fn env(&self) -> Value {
        self.env.borrow().clone()
    }

    pub(crate) fn watch_env(&self) -> watch::Receiver<Value> {
        self.env.subscribe()
    }

    pub(crate) fn set_env(&self, env: Value) {
        self.env.send_replace(env);
    }

    pub(crate) fn connected(&self) {
        *lock(&self.last_failure) = None;
        self.set_state(ConnState::Connected);
    }

    pub(crate) fn note_failure(&self, message: &str) {
        *lock(&self.last_failure) = Some(message.to_owned());
    }

    pub(crate) fn last_failure(&self) -> Option<String> {
        lock(&self.last_failure).clone()
    }

    /// Enter [`ConnState::Closed`], remembering why when it was a failure.
    pub(crate) fn close(&self, reason: ClientError) {
        if reason != ClientError::Closed {
            *lock(&self.closed_with) = Some(reason);
        }
        self.set_state(ConnState::Closed);
    }

    /// The error a call waiting for the connection gets once the client is closed.
    pub(crate) fn closed_error(&self) -> ClientError {
        lock(&self.closed_with)
            .clone()
            .unwrap_or(ClientError::Closed)
    }
}
