//! The Redis transport of a Switchboard cluster: pub/sub for messages, keys with a TTL for
//! presence.
//!
//! Where it sits: beside the server, not inside it. `switchboard-server` routes between nodes
//! through its [`Adapter`] trait and ships only the in-process hub; an application that runs
//! several nodes adds this crate and passes a [`RedisAdapter`] to the builder, and only then
//! compiles a Redis client.
//!
//! Layout (one concern per file):
//! - `lib.rs`: [`RedisConfig`], [`RedisAdapter`] (the [`Adapter`] handle), [`RedisCounters`];
//! - `publisher.rs`: the task owning the command connection (PUBLISH, presence commands);
//! - `subscriber.rs`: the task owning the pub/sub connection;
//! - `presence.rs`: [`RedisPresence`], the [`PresenceStore`];
//! - `health.rs`: the combined status of both connections;
//! - `keys.rs`: every channel and key name, derived from the namespace;
//! - `backoff.rs`: reconnect delays.
//!
//! Each connection belongs to exactly one task, which reconnects it with backoff for as long as
//! the adapter lives; the handle only touches queues, atomics and short std locks, so nothing
//! the router calls ever waits for Redis (presence futures aside, which are bounded by
//! [`RedisConfig::command_timeout`]). No lock is held across an `.await`: the tasks copy what
//! they need (the subscription set, a connection handle) out of a lock before sending anything.
//!
//! Delivery is at most once, ordered per publisher (see [`switchboard_server::cluster::adapter`]): while the
//! command connection is down `publish()` refuses messages, and messages that were queued or in
//! flight when it failed are dropped, never replayed after the reconnect.

mod backoff;
mod health;
mod keys;
mod presence;
mod publisher;
mod subscriber;

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ::redis::aio::MultiplexedConnection;
use bytes::Bytes;
use tokio::sync::{mpsc, watch, Notify};
use tokio::task::JoinHandle;

use health::{lock, Health};
use keys::Keys;
use publisher::Outgoing;
use switchboard_server::cluster::adapter::{
    Adapter, AdapterError, AdapterMessage, AdapterStatus, PresenceStore,
};

pub use presence::RedisPresence;

/// How to reach Redis and how much to buffer. Every field has a default ([`Default`]); most
/// deployments set only `url` and perhaps `namespace`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedisConfig {
    /// `redis://[user:password@]host[:port][/db]` (or `unix://` / `redis+unix://`). Default
    /// `redis://127.0.0.1:6379/`.
    pub url: String,
    /// Prefix of every channel and key (`{namespace}:...`), so several clusters can share one
    /// Redis without seeing each other. 1 to 64 of `A-Z a-z 0-9 - _ .` (no `:`, which would let
    /// namespaces overlap). Default `"sb"`.
    pub namespace: String,
    /// Messages `publish()` may queue for the publisher task; beyond that `publish()` returns
    /// [`AdapterError::QueueFull`]. Default 65536. Must be at least 1.
    pub publish_queue: usize,
    /// Received messages waiting for the router (the receiver of `take_inbound()`); beyond that
    /// they are dropped and counted in [`RedisCounters::inbound_dropped`]. Default 65536. Must
    /// be at least 1.
    pub inbound_queue: usize,
    /// First reconnect delay after a failure; delays double up to `reconnect_max`, with jitter.
    /// Default 100 ms. Must be positive, so a refusing Redis is never hammered in a tight loop.
    pub reconnect_min: Duration,
    /// Largest reconnect delay. Default 2 s. Must be at least `reconnect_min`.
    pub reconnect_max: Duration,
    /// Bound on each connection attempt and each command (publish batch, PING, presence call).
    /// A command that takes longer counts as a dead connection. Default 2 s. Must be positive.
    pub command_timeout: Duration,
}

impl Default for RedisConfig {
    fn default() -> Self {
        RedisConfig {
            url: "redis://127.0.0.1:6379/".into(),
            namespace: "sb".into(),
            publish_queue: 65536,
            inbound_queue: 65536,
            reconnect_min: Duration::from_millis(100),
            reconnect_max: Duration::from_secs(2),
            command_timeout: Duration::from_secs(2),
        }
    }
}

impl RedisConfig {
    /// The defaults with `url`.
    pub fn new(url: impl Into<String>) -> Self {
        RedisConfig {
            url: url.into(),
            ..RedisConfig::default()
        }
    }

    /// Everything `connect()` refuses, as `"redis: ..."` messages.
    fn validate(&self) -> Result<(), AdapterError> {
        let invalid = |what: String| Err(AdapterError::Unavailable(format!("redis: {what}")));
        if let Err(why) = keys::validate_namespace(&self.namespace) {
            return invalid(format!("invalid config: {why}"));
        }
        if self.publish_queue == 0 || self.inbound_queue == 0 {
            return invalid(
                "invalid config: publish_queue and inbound_queue must be at least 1".into(),
            );
        }
        if self.reconnect_min.is_zero() || self.command_timeout.is_zero() {
            return invalid(
                "invalid config: reconnect_min and command_timeout must be positive".into(),
            );
        }
        if self.reconnect_max < self.reconnect_min {
            return invalid(format!(
                "invalid config: reconnect_max ({:?}) is below reconnect_min ({:?})",
                self.reconnect_max, self.reconnect_min
            ));
        }
        Ok(())
    }
}

/// What the adapter counted since it started: the drops that at-most-once delivery allows are
/// never silent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RedisCounters {
    /// Messages Redis accepted (PUBLISH succeeded).
    pub published: u64,
    /// Messages refused by `publish()` because the publish queue was full.
    pub publish_queue_full: u64,
    /// Messages lost to an outage: refused by `publish()` while the command connection was
    /// down, still queued when it failed, or in a batch whose PUBLISH failed.
    pub publish_dropped: u64,
    /// Messages handed to the inbound queue.
    pub received: u64,
    /// Messages received but dropped: inbound queue full, receiver gone, or a channel outside
    /// the namespace.
    pub inbound_dropped: u64,
    /// Presence entries skipped because they were not our JSON (see the warnings in the log).
    pub presence_skipped: u64,
    /// Times a connection came back after being lost (both connections count).
    pub reconnects: u64,
}

#[derive(Default)]
struct Counters {
    published: AtomicU64,
    publish_queue_full: AtomicU64,
    publish_dropped: AtomicU64,
    received: AtomicU64,
    inbound_dropped: AtomicU64,
    presence_skipped: AtomicU64,
}

impl Counters {
    /// `reconnects` lives in [`Health`], which counts it in step with the status.
    fn snapshot(&self, reconnects: u64) -> RedisCounters {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        RedisCounters {
            published: get(&self.published),
            publish_queue_full: get(&self.publish_queue_full),
            publish_dropped: get(&self.publish_dropped),
            received: get(&self.received),
            inbound_dropped: get(&self.inbound_dropped),
            presence_skipped: get(&self.presence_skipped),
            reconnects,
        }
    }
}

/// State shared by the handle, the two tasks and the presence store.
struct Shared {
    client: ::redis::Client,
    keys: Keys,
    command_timeout: Duration,
    reconnect_min: Duration,
    reconnect_max: Duration,
    health: Health,
    /// The command connection while it is healthy (set and cleared by the publisher task);
    /// presence calls clone it. A std lock: only ever held to clone or replace the handle.
    command: Mutex<Option<MultiplexedConnection>>,
    /// A presence call failed or the subscriber connection was lost: the publisher task checks
    /// its connection now rather than at its next idle PING.
    check_command: Notify,
    /// The command connection was lost: the subscriber task checks its connection now. Both
    /// usually die together (Redis restarted), and an idle connection would otherwise look
    /// healthy until its next PING, letting the status go back to `Up` on a dead socket.
    check_subscriber: Notify,
    /// The remembered subscriptions, as namespaced Redis channel names.
    subscriptions: Mutex<HashSet<String>>,
    /// The remembered subscriptions changed: the subscriber task syncs them.
    subscriptions_changed: Notify,
    counters: Counters,
}

/// The Redis [`Adapter`]. Cheap to share behind an `Arc`; dropping it closes it.
pub struct RedisAdapter {
    shared: Arc<Shared>,
    outgoing: mpsc::Sender<Outgoing>,
    inbound: Mutex<Option<mpsc::Receiver<AdapterMessage>>>,
    presence: RedisPresence,
    tasks: Mutex<Vec<JoinHandle<()>>>,
}

impl RedisAdapter {
    /// Checks the config, starts the publisher and subscriber tasks, and waits for their first
    /// connection attempts (at most about `command_timeout`), so that with a healthy Redis the
    /// adapter is already `Up` when this returns.
    ///
    /// An unreachable Redis is not an error: the adapter is returned `Down` and keeps retrying
    /// on its own, so a node can boot during a Redis outage; watch [`Adapter::status`]. Errors
    /// are only for a config that can never work (bad URL, bad namespace, zero sizes), as
    /// [`AdapterError::Unavailable`] with a `"redis: invalid ..."` message.
    ///
    /// Must run inside a tokio runtime: the tasks are spawned on it (an error otherwise).
    pub async fn connect(config: RedisConfig) -> Result<RedisAdapter, AdapterError> {
        config.validate()?;
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| {
            AdapterError::Unavailable("redis: connect() must run inside a tokio runtime".into())
        })?;
        // Parses the URL only; nothing is dialled here. The message is the parser's, without
        // the URL itself, which may carry a password.
        let client = ::redis::Client::open(config.url.as_str())
            .map_err(|e| AdapterError::Unavailable(format!("redis: invalid url: {e}")))?;
        let shared = Arc::new(Shared {
            client,
            keys: Keys::new(&config.namespace),
            command_timeout: config.command_timeout,
            reconnect_min: config.reconnect_min,
            reconnect_max: config.reconnect_max,
            health: Health::new(),
            command: Mutex::new(None),
            check_command: Notify::new(),
            check_subscriber: Notify::new(),
            subscriptions: Mutex::new(HashSet::new()),
            subscriptions_changed: Notify::new(),
            counters: Counters::default(),
        });
        let (outgoing, queue) = mpsc::channel(config.publish_queue);
        let (inbound_tx, inbound) = mpsc::channel(config.inbound_queue);
        let tasks = vec![
            runtime.spawn(publisher::run(shared.clone(), queue)),
            runtime.spawn(subscriber::run(shared.clone(), inbound_tx)),
        ];
        let adapter = RedisAdapter {
            presence: RedisPresence::new(shared.clone()),
            shared,
            outgoing,
            inbound: Mutex::new(Some(inbound)),
            tasks: Mutex::new(tasks),
        };

        let mut status = adapter.shared.health.watch();
        // A little over one attempt: each attempt is bounded by command_timeout.
        let first_attempt = config.command_timeout + Duration::from_millis(250);
        let settled = status.wait_for(|s| *s != AdapterStatus::Connecting);
        if let Ok(Ok(settled)) = tokio::time::timeout(first_attempt, settled).await {
            if let AdapterStatus::Down(reason) = &*settled {
                tracing::warn!(
                    "redis adapter: Redis unavailable at start ({reason}); retrying in the background"
                );
            }
        }
        Ok(adapter)
    }

    /// A snapshot of the counters.
    pub fn counters(&self) -> RedisCounters {
        self.shared
            .counters
            .snapshot(self.shared.health.reconnects())
    }

    /// The current status (the latest value of [`Adapter::status`]'s channel).
    pub fn current_status(&self) -> AdapterStatus {
        self.shared.health.status()
    }
}

impl Adapter for RedisAdapter {
    fn kind(&self) -> &'static str {
        "redis"
    }

    /// Refuses with [`AdapterError::Unavailable`] while the command connection is down (the
    /// message could only be dropped later) and after [`Adapter::close`]; with
    /// [`AdapterError::QueueFull`] when the queue is full. `Ok` means queued, not delivered.
    fn publish(&self, channel: &str, payload: Bytes) -> Result<(), AdapterError> {
        let counters = &self.shared.counters;
        if !self.shared.health.command_up() {
            if self.shared.health.is_closed() {
                return Err(AdapterError::Unavailable("redis: adapter closed".into()));
            }
            counters.publish_dropped.fetch_add(1, Ordering::Relaxed);
            let why = match self.shared.health.status() {
                AdapterStatus::Down(reason) => reason,
                _ => "still connecting".into(),
            };
            return Err(AdapterError::Unavailable(format!(
                "redis: not connected ({why})"
            )));
        }
        let message = Outgoing {
            channel: self.shared.keys.channel(channel),
            payload,
        };
        match self.outgoing.try_send(message) {
            Ok(()) => Ok(()),
            Err(mpsc::error::TrySendError::Full(_)) => {
                counters.publish_queue_full.fetch_add(1, Ordering::Relaxed);
                Err(AdapterError::QueueFull)
            }
            Err(mpsc::error::TrySendError::Closed(_)) => {
                Err(AdapterError::Unavailable("redis: publisher stopped".into()))
            }
        }
    }

    /// Remembers `channel` and returns at once; the subscriber task sends SUBSCRIBE shortly
    /// after (and again after every reconnect). Messages published before Redis has the
    /// subscription are not received: at most once.
    fn subscribe(&self, channel: &str) {
        let channel = self.shared.keys.channel(channel);
        if lock(&self.shared.subscriptions).insert(channel) {
            self.shared.subscriptions_changed.notify_one();
        }
    }

    /// Forgets `channel`; messages Redis sent before processing the UNSUBSCRIBE may still
    /// arrive.
    fn unsubscribe(&self, channel: &str) {
        let channel = self.shared.keys.channel(channel);
        if lock(&self.shared.subscriptions).remove(&channel) {
            self.shared.subscriptions_changed.notify_one();
        }
    }

    fn take_inbound(&self) -> Option<mpsc::Receiver<AdapterMessage>> {
        lock(&self.inbound).take()
    }

    fn status(&self) -> watch::Receiver<AdapterStatus> {
        self.shared.health.watch()
    }

    fn presence(&self) -> &dyn PresenceStore {
        &self.presence
    }

    /// Stops both tasks (dropping their connections, which closes the sockets) and sets the
    /// status to `Down("closed")` for good. Idempotent.
    fn close(&self) {
        self.shared.health.close();
        for task in lock(&self.tasks).drain(..) {
            task.abort();
        }
        *lock(&self.shared.command) = None;
    }
}

impl Drop for RedisAdapter {
    fn drop(&mut self) {
        self.close();
    }
}
