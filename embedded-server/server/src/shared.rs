//! The state every handle points at.
//!
//! Locking rule: only std mutexes, each held for a few map operations and never across
//! `.await`. The registries (connections, rooms, topics, bus) are separate locks so a broadcast
//! in one room does not wait for a subscribe elsewhere, and none of them is taken while another
//! is held. Under a registry lock only leaf locks are taken: a connection's own state (its
//! mirrors in the order [`crate::mirror::Mirror`] enforces, its close slot) and the cluster
//! link's bookkeeping. Hooks and taps are called with no registry lock held.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::bus::Bus;
use super::config::ServerConfig;
use super::conn::Conn;
use super::handlers::{HandlerFn, Handlers};
use super::handshakes::Handshakes;
use super::hooks::{
    panic_message, AuthFn, AuthorizeSubscribeFn, FaultContext, FaultKind, Hooks, OnConnectFn,
    OnDisconnectFn, OnErrorFn, ServerFault,
};
use super::registry::Registry;
use super::rooms::RoomRegistry;
use super::topics::TopicRegistry;
use crate::cluster::link::ClusterLink;
use crate::cluster::local_interest::LocalInterest;
use crate::cluster::{Adapter, ClusterConfig};
use crate::contract::CompiledContract;
use crate::replay_key::ReplayKey;
use crate::tap::{Origin, Tap, TapEvent, TapKind};

/// Totals since start, shown by introspection and the console.
#[derive(Debug, Default)]
pub struct Counters {
    pub connections_total: AtomicU64,
    pub refused_upgrades: AtomicU64,
    pub slow_consumers: AtomicU64,
    pub reaped: AtomicU64,
    pub frame_errors: AtomicU64,
    pub handler_panics: AtomicU64,
    pub listener_faults: AtomicU64,
    pub tap_faults: AtomicU64,
    /// Sockets held by a writer task now (a gauge): a closed connection's socket is released
    /// when its writer ends, which a peer that never reads cannot delay past the write timeout.
    pub open_sockets: AtomicU64,
    /// Connections still in their HTTP upgrade now (a gauge, at most
    /// `config.max_pending_upgrades`).
    pub pending_upgrades: AtomicU64,
    /// Upgrades dropped to make room under `config.max_pending_upgrades`.
    pub evicted_upgrades: AtomicU64,
    /// Upgrades dropped because their headers took longer than `config.upgrade_timeout`.
    pub upgrade_timeouts: AtomicU64,
    /// Joins and subscribes refused by `max_rooms_per_conn` or `max_topics_per_conn`.
    pub membership_refusals: AtomicU64,
}

/// What a server is made of, as the builder collected it.
pub(crate) struct SharedParts {
    pub contract: Arc<CompiledContract>,
    pub config: ServerConfig,
    pub handlers: Handlers,
    pub hooks: Hooks,
    pub taps: Vec<Arc<dyn Tap>>,
    pub adapter: Arc<dyn Adapter>,
    pub cluster: ClusterConfig,
}

pub(crate) struct Shared {
    contract: Arc<CompiledContract>,
    config: ServerConfig,
    node_id: Arc<str>,
    /// Random per start; every connection id begins with it, which is how another node finds
    /// the node that holds a connection.
    conn_prefix: String,
    next_conn: AtomicU64,
    handlers: Handlers,
    auth: AuthFn,
    authorize_subscribe: Option<AuthorizeSubscribeFn>,
    on_connect: Option<OnConnectFn>,
    on_disconnect: Option<OnDisconnectFn>,
    on_error: Vec<OnErrorFn>,
    registry: Registry,
    /// What marks a connection as the replayer's: `config.replay_key` or a random key.
    replay_key: ReplayKey,
    /// One permit per place under `config.max_connections`. An upgrade takes one before it is
    /// authenticated and its connection holds it until its cleanup is done, so upgrades in
    /// flight count against the cap as much as registered connections do.
    conn_permits: Arc<Semaphore>,
    /// Connections still in their HTTP upgrade (`config.max_pending_upgrades`).
    handshakes: Handshakes,
    rooms: RoomRegistry,
    topics: TopicRegistry,
    bus: Bus,
    cluster: Arc<ClusterLink>,
    taps: RwLock<Vec<Arc<dyn Tap>>>,
    has_taps: AtomicBool,
    counters: Counters,
    /// In-flight request handlers, awaited on shutdown.
    tracker: TaskTracker,
    /// Connection tasks, awaited on shutdown.
    conn_tasks: TaskTracker,
    /// Cancelled when shutdown begins.
    shutdown: CancellationToken,
    /// Set once the server's background tasks were spawned: the heartbeat timer, the cluster's
    /// inbound dispatcher and its presence tasks (see `Server::ensure_background`).
    background_started: AtomicBool,
}

impl Shared {
    pub fn new(parts: SharedParts) -> Self {
        let SharedParts {
            contract,
            config,
            handlers,
            hooks,
            taps,
            adapter,
            cluster: cluster_config,
        } = parts;
        let Hooks {
            auth,
            authorize_subscribe,
            on_connect,
            on_disconnect,
            on_error,
        } = hooks;
        let node_id: Arc<str> = Arc::from(config.node_id.as_str());
        let has_taps = AtomicBool::new(!taps.is_empty());
        let conn_prefix = format!("{:08x}", rand::random::<u32>());
        // The registries keep the node's cluster interest as they change; the link announces it.
        let interest = Arc::new(LocalInterest::default());
        let cluster = Arc::new(ClusterLink::new(
            adapter,
            node_id.clone(),
            conn_prefix.clone(),
            cluster_config,
            interest.clone(),
        ));
        let conn_permits = Arc::new(Semaphore::new(
            config.max_connections.min(Semaphore::MAX_PERMITS),
        ));
        let replay_key = config.replay_key.clone().unwrap_or_else(ReplayKey::random);
        Shared {
            contract,
            conn_permits,
            replay_key,
            cluster,
            conn_prefix,
            node_id,
            config,
            next_conn: AtomicU64::new(0),
            handlers,
            auth,
            authorize_subscribe,
            on_connect,
            on_disconnect,
            on_error,
            registry: Registry::new(interest.clone()),
            handshakes: Handshakes::default(),
            rooms: RoomRegistry::new(interest.clone()),
            topics: TopicRegistry::new(interest.clone()),
            bus: Bus::new(interest),
            taps: RwLock::new(taps),
            has_taps,
            counters: Counters::default(),
            tracker: TaskTracker::new(),
            conn_tasks: TaskTracker::new(),
            shutdown: CancellationToken::new(),
            background_started: AtomicBool::new(false),
        }
    }

    pub fn contract(&self) -> &Arc<CompiledContract> {
        &self.contract
    }

    /// The parts of a server like this one (contract, handlers, hooks, `config`) but with no
    /// tap and its own in-process cluster: see `Server::isolated`.
    pub(crate) fn isolated_parts(&self, config: ServerConfig) -> SharedParts {
        SharedParts {
            contract: self.contract.clone(),
            config,
            handlers: self.handlers.clone(),
            hooks: Hooks {
                auth: self.auth.clone(),
                authorize_subscribe: self.authorize_subscribe.clone(),
                on_connect: self.on_connect.clone(),
                on_disconnect: self.on_disconnect.clone(),
                on_error: self.on_error.clone(),
            },
            taps: Vec::new(),
            adapter: crate::cluster::MemoryHub::new().adapter(),
            cluster: ClusterConfig::default(),
        }
    }

    pub fn config(&self) -> &ServerConfig {
        &self.config
    }

    pub fn node_id(&self) -> &Arc<str> {
        &self.node_id
    }

    /// The handler of `role`'s request `name`, if the application registered one.
    pub fn handler(&self, role: &str, name: &str) -> Option<&HandlerFn> {
        self.handlers.get(role, name)
    }

    /// Whether `role`'s request `name` was declared concurrent (see `crate::order`).
    pub fn is_concurrent(&self, role: &str, name: &str) -> bool {
        self.handlers.is_concurrent(role, name)
    }

    pub fn auth(&self) -> &AuthFn {
        &self.auth
    }

    pub fn authorize_subscribe(&self) -> Option<&AuthorizeSubscribeFn> {
        self.authorize_subscribe.as_ref()
    }

    pub fn on_connect(&self) -> Option<&OnConnectFn> {
        self.on_connect.as_ref()
    }

    pub fn on_disconnect(&self) -> Option<&OnDisconnectFn> {
        self.on_disconnect.as_ref()
    }

    /// Connections on this node.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// What marks a connection as the replayer's: `config.replay_key` or a random key.
    pub fn replay_key(&self) -> &ReplayKey {
        &self.replay_key
    }

    /// A place under `config.max_connections`, or `None` when every place is taken. Dropping
    /// the permit gives the place back.
    pub fn claim_place(&self) -> Option<OwnedSemaphorePermit> {
        self.conn_permits.clone().try_acquire_owned().ok()
    }

    pub fn handshakes(&self) -> &Handshakes {
        &self.handshakes
    }

    pub fn rooms(&self) -> &RoomRegistry {
        &self.rooms
    }

    pub fn topics(&self) -> &TopicRegistry {
        &self.topics
    }

    /// In-process listeners of shared topics.
    pub fn bus(&self) -> &Bus {
        &self.bus
    }

    pub fn cluster(&self) -> &Arc<ClusterLink> {
        &self.cluster
    }

    pub fn counters(&self) -> &Counters {
        &self.counters
    }

    /// In-flight request handlers, awaited on shutdown.
    pub fn tracker(&self) -> &TaskTracker {
        &self.tracker
    }

    /// Connection tasks (and the cluster task), awaited on shutdown.
    pub fn conn_tasks(&self) -> &TaskTracker {
        &self.conn_tasks
    }

    /// Cancelled when shutdown begins.
    pub fn shutdown(&self) -> &CancellationToken {
        &self.shutdown
    }

    /// True for the one caller that gets to start the background tasks.
    pub fn claim_background(&self) -> bool {
        !self.background_started.swap(true, Ordering::AcqRel)
    }

    pub fn new_conn_id(&self) -> Arc<str> {
        let n = self.next_conn.fetch_add(1, Ordering::Relaxed) + 1;
        Arc::from(format!("{}-{n}", self.conn_prefix))
    }

    pub fn add_tap(&self, tap: Arc<dyn Tap>) {
        let mut taps = self.taps.write().unwrap_or_else(|p| p.into_inner());
        taps.push(tap);
        self.has_taps.store(true, Ordering::Release);
    }

    /// Uninstall a tap (the same `Arc`); with none left, `tap` stops building events.
    pub fn remove_tap(&self, tap: &Arc<dyn Tap>) -> bool {
        let mut taps = self.taps.write().unwrap_or_else(|p| p.into_inner());
        let before = taps.len();
        taps.retain(|t| !std::ptr::addr_eq(Arc::as_ptr(t), Arc::as_ptr(tap)));
        self.has_taps.store(!taps.is_empty(), Ordering::Release);
        taps.len() != before
    }

    pub fn tapping(&self) -> bool {
        self.has_taps.load(Ordering::Acquire)
    }

    /// Build an event only if someone is listening, then hand it to every tap.
    ///
    /// Taps are called from wherever the server is (a connection's reader, its cleanup, a
    /// broadcast), so a panicking tap is contained like a hook: its call is cut short, counted
    /// and reported, and the other taps still see the event. Left to unwind, it would kill the
    /// task that happened to report the event.
    pub fn tap(&self, kind: TapKind, origin: Origin, fill: impl FnOnce(&mut TapEvent)) {
        if !self.tapping() {
            return;
        }
        let mut ev = TapEvent::on_node(kind, origin, self.node_id.clone());
        ev.cause = crate::tap::current_cause();
        fill(&mut ev);
        // One allocation more than handing out `&ev`, so that a tap keeping the event (an
        // attached console) takes a reference instead of a deep copy of its JSON.
        let ev = Arc::new(ev);
        let mut panics = Vec::new();
        {
            let taps = self.taps.read().unwrap_or_else(|p| p.into_inner());
            for tap in taps.iter() {
                let observed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    tap.observe_shared(&ev)
                }));
                if let Err(panic) = observed {
                    panics.push(panic_message(panic.as_ref()));
                }
            }
        }
        // Reported once the taps' lock is released: an `on_error` hook may install a tap.
        for message in panics {
            self.counters.tap_faults.fetch_add(1, Ordering::Relaxed);
            self.report(
                FaultKind::Tap,
                Some(kind.as_str()),
                format!("tap {message}"),
            );
        }
    }

    /// Tap an event about one connection (its id, role and user filled in).
    pub fn tap_conn(&self, kind: TapKind, conn: &Conn, fill: impl FnOnce(&mut TapEvent)) {
        // Counted whether or not anything taps, so introspection can sort by errors.
        if matches!(
            kind,
            TapKind::ErrorOut
                | TapKind::ServerReplyError
                | TapKind::SubscribeDenied
                | TapKind::FrameError
        ) {
            conn.stats().error();
        }
        self.tap(kind, conn.origin(), |ev| {
            ev.conn = Some(conn.id_arc().clone());
            ev.role = Some(conn.role_arc().clone());
            ev.user = Some(conn.user_arc().clone());
            fill(ev)
        })
    }

    /// Report a fault to every `on_error` hook (and the log). A hook that panics is contained.
    pub fn report(&self, kind: FaultKind, name: Option<&str>, message: String) {
        tracing::warn!(kind = ?kind, name = name.unwrap_or(""), "{message}");
        let fault = ServerFault::new(message);
        let ctx = FaultContext {
            kind,
            name: name.map(str::to_owned),
        };
        for hook in &self.on_error {
            let hook = hook.clone();
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| hook(&fault, &ctx)));
        }
    }
}
