//! Callbacks and channels registered by the application, and the handles that remove them.
//!
//! The driver task calls listeners directly, so a delivery costs no extra task or channel hop.
//! That is why each call is wrapped in `catch_unwind`: a panicking listener must not take the
//! socket down with it. Listener lists are copied out of their lock before any callback runs, so
//! a callback may itself call [`Client::on`](super::Client::on) or [`Listener::off`] freely.

use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};

use futures_util::future::BoxFuture;
use serde_json::Value;
use tokio::sync::mpsc::{self, error::TrySendError};

use super::driver::Command;
use super::state::Shared;
use super::ConnectionError;
use switchboard_wire::util::lock;
use switchboard_wire::ErrorCode;

/// What a server-to-client request handler returns: the `sres` payload, or the code and
/// message of an `serr`.
pub type RequestResult = Result<Value, (ErrorCode, String)>;

/// A handler for one server-to-client request name.
pub(crate) type RequestHandler =
    Arc<dyn Fn(Value) -> BoxFuture<'static, RequestResult> + Send + Sync>;

/// Where a delivered value goes.
pub(crate) enum Sink<T> {
    Callback(Arc<dyn Fn(T) + Send + Sync>),
    /// A bounded channel: a full channel loses the value (counted in
    /// [`Client::dropped`](super::Client::dropped)) rather than stall the socket task.
    Channel(mpsc::Sender<T>),
}

impl<T> Clone for Sink<T> {
    fn clone(&self) -> Self {
        match self {
            Sink::Callback(f) => Sink::Callback(f.clone()),
            Sink::Channel(tx) => Sink::Channel(tx.clone()),
        }
    }
}

/// Listeners keyed by event name or topic, each with the id its [`Listener`] removes it by.
pub(crate) struct Listeners<T> {
    by_key: Mutex<HashMap<String, Vec<Entry<T>>>>,
}

/// One registered sink and its id.
type Entry<T> = (u64, Sink<T>);

impl<T> Default for Listeners<T> {
    fn default() -> Self {
        Listeners {
            by_key: Mutex::new(HashMap::new()),
        }
    }
}

impl<T: Clone> Listeners<T> {
    fn add(&self, key: &str, id: u64, sink: Sink<T>) {
        lock(&self.by_key)
            .entry(key.to_owned())
            .or_default()
            .push((id, sink));
    }

    fn remove(&self, key: &str, id: u64) {
        let mut map = lock(&self.by_key);
        if let Some(list) = map.get_mut(key) {
            list.retain(|(i, _)| *i != id);
            if list.is_empty() {
                map.remove(key);
            }
        }
    }

    pub(crate) fn remove_key(&self, key: &str) {
        lock(&self.by_key).remove(key);
    }

    pub(crate) fn has(&self, key: &str) -> bool {
        lock(&self.by_key).contains_key(key)
    }

    /// Deliver `value` to every listener of `key`; returns how many values channels had to drop.
    fn dispatch(&self, key: &str, value: T) -> u64 {
        let sinks: Vec<Sink<T>> = match lock(&self.by_key).get(key) {
            Some(list) => list.iter().map(|(_, s)| s.clone()).collect(),
            None => return 0,
        };
        let mut dropped = 0;
        let mut receiver_gone = false;
        for sink in sinks {
            match sink {
                Sink::Callback(f) => {
                    let v = value.clone();
                    if catch_unwind(AssertUnwindSafe(|| f(v))).is_err() {
                        tracing::error!(key, "a client listener panicked; it stays registered");
                    }
                }
                Sink::Channel(tx) => match tx.try_send(value.clone()) {
                    Ok(()) => {}
                    Err(TrySendError::Full(_)) => dropped += 1,
                    Err(TrySendError::Closed(_)) => receiver_gone = true,
                },
            }
        }
        if receiver_gone {
            // The application dropped a stream's receiver: that is how it says "stop".
            let mut map = lock(&self.by_key);
            if let Some(list) = map.get_mut(key) {
                list.retain(|(_, s)| !matches!(s, Sink::Channel(tx) if tx.is_closed()));
                if list.is_empty() {
                    map.remove(key);
                }
            }
        }
        dropped
    }
}

/// Everything the application registered.
#[derive(Default)]
pub(crate) struct Registry {
    next_id: AtomicU64,
    pub(crate) events: Listeners<Value>,
    pub(crate) topics: Listeners<Value>,
    errors: Listeners<ConnectionError>,
    requests: Mutex<HashMap<String, (u64, RequestHandler)>>,
    dropped: AtomicU64,
}

/// All connection errors share one key.
const ERRORS: &str = "";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Event,
    Topic,
    Error,
    Request,
}

impl Registry {
    fn id(&self) -> u64 {
        self.next_id.fetch_add(1, Ordering::Relaxed)
    }

    pub(crate) fn add_event(&self, event: &str, sink: Sink<Value>) -> u64 {
        let id = self.id();
        self.events.add(event, id, sink);
        id
    }

    pub(crate) fn add_topic(&self, topic: &str, sink: Sink<Value>) -> u64 {
        let id = self.id();
        self.topics.add(topic, id, sink);
        id
    }

    pub(crate) fn add_error(&self, sink: Sink<ConnectionError>) -> u64 {
        let id = self.id();
        self.errors.add(ERRORS, id, sink);
        id
    }

    /// Install the handler for `name`, replacing any previous one: a request gets one answer.
    pub(crate) fn set_request_handler(&self, name: &str, handler: RequestHandler) -> u64 {
        let id = self.id();
        lock(&self.requests).insert(name.to_owned(), (id, handler));
        id
    }

    pub(crate) fn request_handler(&self, name: &str) -> Option<RequestHandler> {
        lock(&self.requests).get(name).map(|(_, h)| h.clone())
    }

    pub(crate) fn remove(&self, kind: Kind, key: &str, id: u64) {
        match kind {
            Kind::Event => self.events.remove(key, id),
            Kind::Topic => self.topics.remove(key, id),
            Kind::Error => self.errors.remove(ERRORS, id),
            Kind::Request => {
                let mut map = lock(&self.requests);
                // Only remove the handler this Listener installed, not a later replacement.
                if map.get(key).is_some_and(|(i, _)| *i == id) {
                    map.remove(key);
                }
            }
        }
    }

    pub(crate) fn emit_event(&self, event: &str, value: Value) {
        let n = self.events.dispatch(event, value);
        self.count_dropped(n);
    }

    pub(crate) fn emit_topic(&self, topic: &str, value: Value) {
        let n = self.topics.dispatch(topic, value);
        self.count_dropped(n);
    }

    pub(crate) fn emit_error(&self, error: ConnectionError) {
        let n = self.errors.dispatch(ERRORS, error);
        self.count_dropped(n);
    }

    fn count_dropped(&self, n: u64) {
        if n > 0 {
            self.dropped.fetch_add(n, Ordering::Relaxed);
        }
    }

    pub(crate) fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }
}

/// A registered callback, returned by [`Client::on`](super::Client::on) and its siblings.
///
/// Dropping it leaves the callback in place (most listeners live as long as the client, and
/// keeping every handle around would be a chore); call [`Listener::off`] to remove it.
#[derive(Debug)]
pub struct Listener {
    shared: Weak<Shared>,
    kind: Kind,
    key: String,
    id: u64,
}

impl Listener {
    pub(crate) fn new(shared: &Arc<Shared>, kind: Kind, key: &str, id: u64) -> Self {
        Listener {
            shared: Arc::downgrade(shared),
            kind,
            key: key.to_owned(),
            id,
        }
    }

    /// Remove the callback. A value being delivered at that moment may still reach it.
    pub fn off(self) {
        if let Some(shared) = self.shared.upgrade() {
            shared.registry.remove(self.kind, &self.key, self.id);
        }
    }
}

/// Removes a listener when dropped: used while a call that registered one is still pending, so
/// a caller that gives up (a timeout, a `select!` that drops the future) leaves nothing behind.
pub(crate) struct ListenerGuard(Option<Listener>);

impl ListenerGuard {
    pub(crate) fn new(listener: Listener) -> Self {
        ListenerGuard(Some(listener))
    }

    /// Keep the listener registered and hand it over.
    pub(crate) fn keep(mut self) -> Option<Listener> {
        self.0.take()
    }
}

impl Drop for ListenerGuard {
    fn drop(&mut self) {
        if let Some(listener) = self.0.take() {
            listener.off();
        }
    }
}

/// An acknowledged topic subscription, returned by
/// [`Client::subscribe`](super::Client::subscribe).
///
/// Like [`Listener`], dropping it changes nothing: the client keeps the subscription and restores
/// it after every reconnect until [`Subscription::unsubscribe`] or
/// [`Client::unsubscribe`](super::Client::unsubscribe).
#[derive(Debug)]
pub struct Subscription {
    topic: String,
    listener: Listener,
    commands: mpsc::WeakSender<Command>,
}

impl Subscription {
    pub(crate) fn new(
        topic: &str,
        listener: Listener,
        commands: mpsc::WeakSender<Command>,
    ) -> Self {
        Subscription {
            topic: topic.to_owned(),
            listener,
            commands,
        }
    }

    pub fn topic(&self) -> &str {
        &self.topic
    }

    /// Remove this subscription's callback; when it was the topic's last one, also tell the
    /// server (`unsub`) and stop restoring the topic after reconnects.
    pub async fn unsubscribe(self) {
        let Some(shared) = self.listener.shared.upgrade() else {
            return;
        };
        let topic = self.topic;
        self.listener.off();
        if shared.registry.topics.has(&topic) {
            return;
        }
        if let Some(commands) = self.commands.upgrade() {
            // A send error means the client is closed; there is nothing left to unsubscribe.
            let _ = commands.send(Command::Unsubscribe { topic }).await;
        }
    }
}
