//! A Rust client for the super-line v1 wire, with the reconnecting behaviour of the super-line
//! TypeScript client.
//!
//! Where it sits: on `switchboard-wire` only (the same frame definitions the server uses), so a
//! tool or test that talks to a server never compiles the server. The demo's simulated clients,
//! the tests and the benchmark use it.
//!
//! [`Client`] is a cheap, clonable handle. The socket itself belongs to one background task (the
//! driver, `driver.rs` and `session.rs`); handles reach it through a bounded command channel and
//! get answers on oneshot channels, so no lock is ever held across an `.await` and a slow caller
//! can never stall the socket. Listener registries and the connection state are shared through
//! short std locks and `watch` channels (`state.rs`, `handlers.rs`).
//!
//! Behaviour, in brief:
//! - one `i` counter for `req` and `sub` (1, 2, 3, ...), never reused;
//! - the server's `{"t":"ping"}` is answered `{"t":"pong"}`;
//! - after a failed attempt or a dropped socket the client reconnects with exponential backoff
//!   and full jitter ([`Backoff`]), restores its subscriptions, and sends the calls queued
//!   meanwhile (bounded by [`ClientOptions::queue_limit`]);
//! - in-flight requests fail with [`ClientError::Disconnected`] when the socket drops;
//! - [`Client::close`] (or dropping every handle) stops everything for good.
//!
//! ```no_run
//! # async fn demo() -> Result<(), switchboard_client::ClientError> {
//! use std::time::Duration;
//! use switchboard_client::{Client, ClientOptions};
//!
//! let client = Client::connect(ClientOptions::new("ws://127.0.0.1:8080/", "user").param("name", "alice"));
//! client.wait_connected(Duration::from_secs(5)).await?;
//! let _messages = client.on("message", |d| println!("message: {d}"));
//! let reply = client.request("join", serde_json::json!({"room": "lobby"})).await?;
//! println!("joined: {reply}");
//! client.close().await;
//! # Ok(()) }
//! ```

mod backoff;
mod connect;
mod driver;
mod error;
mod handlers;
mod options;
mod session;
mod state;

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::future::BoxFuture;
use serde_json::Value;
use tokio::sync::{mpsc, oneshot, watch};

pub use backoff::Backoff;
pub use error::{ClientError, ConnectionError};
pub use handlers::{Listener, RequestResult, Subscription};
pub use options::ClientOptions;
pub use state::ConnState;

use driver::{Command, Driver, COMMAND_CAPACITY};
use handlers::{Kind, ListenerGuard, Sink};
use state::Shared;
use switchboard_wire::util::lock;

/// A handle to one logical connection that survives reconnects.
///
/// Clones share the connection. Dropping the last clone closes it as [`Client::close`] would.
/// A callback that captures a clone keeps the connection alive as long as it is registered, so
/// such clients should be closed explicitly.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    commands: mpsc::Sender<Command>,
    shared: Arc<Shared>,
    request_timeout: Duration,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("state", &self.state())
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Start connecting in the background and return at once.
    ///
    /// Calls made before the connection is up are queued. Connection failures never surface
    /// here: see [`Client::wait_connected`], [`Client::state`] and [`Client::errors`].
    ///
    /// Must be called from within a Tokio runtime (it spawns the socket task).
    pub fn connect(opts: ClientOptions) -> Client {
        let (commands, receiver) = mpsc::channel(COMMAND_CAPACITY);
        let shared = Arc::new(Shared::new());
        let request_timeout = opts.request_timeout;
        tokio::spawn(Driver::new(opts, shared.clone(), receiver).run());
        Client {
            inner: Arc::new(Inner {
                commands,
                shared,
                request_timeout,
            }),
        }
    }

    /// Wait until the connection is up (the server's `env` has arrived).
    ///
    /// Fails with the reason the client closed, or when `timeout` runs out with
    /// [`ClientError::Connect`] describing the last failed attempt (for example an HTTP 401),
    /// or [`ClientError::Timeout`] when no attempt has failed yet.
    pub async fn wait_connected(&self, timeout: Duration) -> Result<(), ClientError> {
        let shared = &self.inner.shared;
        let mut state = shared.watch_state();
        let settled = tokio::time::timeout(timeout, async {
            // The sender lives in `Shared`, which this handle keeps alive, so `wait_for` only
            // returns once the predicate holds.
            let settled = state
                .wait_for(|s| matches!(s, ConnState::Connected | ConnState::Closed))
                .await
                .map(|s| s.clone());
            settled.unwrap_or(ConnState::Closed)
        })
        .await;
        match settled {
            Ok(ConnState::Connected) => Ok(()),
            Ok(_) => Err(shared.closed_error()),
            Err(_) => Err(shared
                .last_failure()
                .map_or(ClientError::Timeout, ClientError::Connect)),
        }
    }

    pub fn state(&self) -> ConnState {
        self.inner.shared.state()
    }

    /// Follow state changes (for example to show "reconnecting" in a UI).
    pub fn watch_state(&self) -> watch::Receiver<ConnState> {
        self.inner.shared.watch_state()
    }

    /// The `d` of the server's latest `env` frame (`null` before the first one).
    pub fn env(&self) -> Value {
        self.inner.shared.env()
    }

    /// Follow `env` changes: the server re-sends it whole whenever it changes.
    pub fn watch_env(&self) -> watch::Receiver<Value> {
        self.inner.shared.watch_env()
    }

    /// Send a request and wait for its reply, with the default timeout
    /// ([`ClientOptions::request_timeout`]).
    pub async fn request(&self, name: &str, input: Value) -> Result<Value, ClientError> {
        self.request_with_timeout(name, input, self.inner.request_timeout)
            .await
    }

    /// Send a request and wait at most `timeout` for its reply, including any time spent queued
    /// while the client reconnects. A request whose caller gave up is not sent later.
    pub async fn request_with_timeout(
        &self,
        name: &str,
        input: Value,
        timeout: Duration,
    ) -> Result<Value, ClientError> {
        let (reply, answer) = oneshot::channel();
        let command = Command::Request {
            name: name.to_owned(),
            input,
            reply,
        };
        self.call(command, answer, timeout).await
    }

    /// Hand a command to the driver and wait for its answer within `timeout`.
    async fn call<T>(
        &self,
        command: Command,
        answer: oneshot::Receiver<Result<T, ClientError>>,
        timeout: Duration,
    ) -> Result<T, ClientError> {
        let exchange = async {
            self.inner
                .commands
                .send(command)
                .await
                .map_err(|_| ClientError::Closed)?;
            // The driver only drops a reply unanswered when it is shutting down.
            answer.await.unwrap_or(Err(ClientError::Closed))
        };
        tokio::time::timeout(timeout, exchange)
            .await
            .unwrap_or(Err(ClientError::Timeout))
    }

    /// Call `f` with the payload of every `evt` frame named `event`.
    ///
    /// `f` runs on the socket task, in frame order: an `evt` the server sends before a reply has
    /// been handled by the time that request returns. Keep `f` short (hand heavy work to a
    /// channel, or use [`Client::events`]). A panic in `f` is caught and logged; `f` stays
    /// registered.
    pub fn on(&self, event: &str, f: impl Fn(Value) + Send + Sync + 'static) -> Listener {
        let id = self
            .inner
            .shared
            .registry
            .add_event(event, Sink::Callback(Arc::new(f)));
        Listener::new(&self.inner.shared, Kind::Event, event, id)
    }

    /// Wait for the next `evt` named `event`.
    pub async fn once(&self, event: &str, timeout: Duration) -> Result<Value, ClientError> {
        let (tx, rx) = oneshot::channel();
        let slot = Mutex::new(Some(tx));
        let _guard = ListenerGuard::new(self.on(event, move |d| {
            if let Some(tx) = lock(&slot).take() {
                let _ = tx.send(d);
            }
        }));
        tokio::select! {
            got = tokio::time::timeout(timeout, rx) => match got {
                Ok(Ok(d)) => Ok(d),
                Ok(Err(_)) => Err(ClientError::Closed),
                Err(_) => Err(ClientError::Timeout),
            },
            () = self.closed() => Err(self.inner.shared.closed_error()),
        }
    }

    /// Receive the payloads of `event` on a bounded channel. When it is full, new payloads are
    /// dropped (and counted in [`Client::dropped`]) rather than slowing the socket. Dropping the
    /// receiver unregisters it.
    pub fn events(&self, event: &str, capacity: usize) -> mpsc::Receiver<Value> {
        let (tx, rx) = mpsc::channel(capacity.max(1));
        self.inner
            .shared
            .registry
            .add_event(event, Sink::Channel(tx));
        rx
    }

    /// Subscribe to `topic`: send `sub`, wait for the ack, then call `f` with every `pub`
    /// payload. The subscription is restored after every reconnect.
    ///
    /// Subscribing again to a topic already acknowledged adds the callback without another
    /// `sub` frame. On failure the callback is removed again.
    pub async fn subscribe(
        &self,
        topic: &str,
        f: impl Fn(Value) + Send + Sync + 'static,
    ) -> Result<Subscription, ClientError> {
        self.subscribe_sink(topic, Sink::Callback(Arc::new(f)))
            .await
    }

    /// Like [`Client::subscribe`], delivering payloads on a bounded channel (full: dropped).
    pub async fn topic_stream(
        &self,
        topic: &str,
        capacity: usize,
    ) -> Result<(Subscription, mpsc::Receiver<Value>), ClientError> {
        let (tx, rx) = mpsc::channel(capacity.max(1));
        let subscription = self.subscribe_sink(topic, Sink::Channel(tx)).await?;
        Ok((subscription, rx))
    }

    async fn subscribe_sink(
        &self,
        topic: &str,
        sink: Sink<Value>,
    ) -> Result<Subscription, ClientError> {
        let shared = &self.inner.shared;
        // Registered before the `sub` goes out, so a `pub` right behind the ack is not missed.
        let id = shared.registry.add_topic(topic, sink);
        let guard = ListenerGuard::new(Listener::new(shared, Kind::Topic, topic, id));
        let (reply, answer) = oneshot::channel();
        let command = Command::Subscribe {
            topic: topic.to_owned(),
            reply,
        };
        self.call(command, answer, self.inner.request_timeout)
            .await?;
        let listener = guard.keep().ok_or(ClientError::Closed)?;
        Ok(Subscription::new(
            topic,
            listener,
            self.inner.commands.downgrade(),
        ))
    }

    /// Drop every callback of `topic`, tell the server (`unsub`), and stop restoring it.
    pub async fn unsubscribe(&self, topic: &str) {
        self.inner.shared.registry.topics.remove_key(topic);
        // A send error means the client is closed: nothing left to unsubscribe.
        let _ = self
            .inner
            .commands
            .send(Command::Unsubscribe {
                topic: topic.to_owned(),
            })
            .await;
    }

    /// Answer the server's `sreq` named `name` with `f`'s result (`sres`, or `serr` with the
    /// returned code and message). Replaces any previous handler for `name`. Requests with no
    /// handler are answered `NOT_FOUND`; a panicking handler is answered `INTERNAL`.
    ///
    /// Handlers run concurrently with the socket; one still running when the socket drops is
    /// cancelled, since its answer could not be delivered.
    pub fn on_request<F>(&self, name: &str, f: F) -> Listener
    where
        F: Fn(Value) -> BoxFuture<'static, RequestResult> + Send + Sync + 'static,
    {
        let id = self
            .inner
            .shared
            .registry
            .set_request_handler(name, Arc::new(f));
        Listener::new(&self.inner.shared, Kind::Request, name, id)
    }

    /// Call `f` with every [`ConnectionError`]: `err` frames without `i`, failed connection
    /// attempts, refused re-subscribes.
    pub fn on_connection_error(
        &self,
        f: impl Fn(ConnectionError) + Send + Sync + 'static,
    ) -> Listener {
        let id = self
            .inner
            .shared
            .registry
            .add_error(Sink::Callback(Arc::new(f)));
        Listener::new(&self.inner.shared, Kind::Error, "", id)
    }

    /// Receive every [`ConnectionError`] on a bounded channel (full: dropped).
    pub fn errors(&self, capacity: usize) -> mpsc::Receiver<ConnectionError> {
        let (tx, rx) = mpsc::channel(capacity.max(1));
        self.inner.shared.registry.add_error(Sink::Channel(tx));
        rx
    }

    /// How many pushes were lost because a channel from [`Client::events`],
    /// [`Client::topic_stream`] or [`Client::errors`] was full.
    pub fn dropped(&self) -> u64 {
        self.inner.shared.registry.dropped()
    }

    /// Close the connection for good: no reconnect; in-flight and queued calls fail with
    /// [`ClientError::Closed`]. Returns once the socket task has stopped.
    pub async fn close(&self) {
        // A send error means the task already stopped.
        let _ = self.inner.commands.send(Command::Close).await;
        self.closed().await;
    }

    /// Resolves once the client is [`ConnState::Closed`].
    fn closed(&self) -> impl Future<Output = ()> + Send + 'static {
        let mut state = self.inner.shared.watch_state();
        async move {
            let _ = state.wait_for(|s| *s == ConnState::Closed).await;
        }
    }
}
