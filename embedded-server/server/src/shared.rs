//! The state every handle points at.
//!
//! Locking rule: only std mutexes, each held for a few map operations and never across
//! `.await`. The registries are separate locks so a broadcast in one room does not wait for a
//! subscribe elsewhere.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::bus::Bus;
use super::config::ServerConfig;
use super::conn::Conn;
use super::handlers::HandlerFn;
use super::hooks::{AuthFn, AuthorizeSubscribeFn, FaultContext, FaultKind, OnErrorFn, ServerFault};
use super::registry::Registry;
use super::rooms::RoomRegistry;
use super::topics::TopicRegistry;
use crate::cluster::link::ClusterLink;
use crate::contract::CompiledContract;
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
}

pub(crate) struct Shared {
    pub contract: Arc<CompiledContract>,
    pub config: ServerConfig,
    pub node_id: Arc<str>,
    pub conn_prefix: String,
    pub next_conn: AtomicU64,
    pub handlers: HashMap<String, HashMap<String, HandlerFn>>,
    pub auth: AuthFn,
    pub authorize_subscribe: Option<AuthorizeSubscribeFn>,
    pub on_error: Vec<OnErrorFn>,
    pub registry: Registry,
    pub rooms: RoomRegistry,
    pub topics: TopicRegistry,
    pub bus: Bus,
    pub cluster: Arc<ClusterLink>,
    taps: RwLock<Vec<Arc<dyn Tap>>>,
    has_taps: AtomicBool,
    pub counters: Counters,
    /// In-flight request handlers, awaited on shutdown.
    pub tracker: TaskTracker,
    /// Connection tasks, awaited on shutdown.
    pub conn_tasks: TaskTracker,
    /// Cancelled when shutdown begins.
    pub shutdown: CancellationToken,
    /// Set once the heartbeat timer runs.
    pub heartbeat_started: AtomicBool,
}

impl Shared {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        contract: Arc<CompiledContract>,
        config: ServerConfig,
        handlers: HashMap<String, HashMap<String, HandlerFn>>,
        auth: AuthFn,
        authorize_subscribe: Option<AuthorizeSubscribeFn>,
        on_error: Vec<OnErrorFn>,
        taps: Vec<Arc<dyn Tap>>,
        adapter: Arc<dyn crate::cluster::Adapter>,
        cluster_config: crate::cluster::ClusterConfig,
    ) -> Self {
        let node_id: Arc<str> = Arc::from(config.node_id.as_str());
        let has_taps = AtomicBool::new(!taps.is_empty());
        let conn_prefix = format!("{:08x}", rand::random::<u32>());
        let cluster = Arc::new(ClusterLink::new(
            adapter,
            node_id.clone(),
            conn_prefix.clone(),
            cluster_config,
        ));
        Shared {
            contract,
            cluster,
            conn_prefix,
            node_id,
            config,
            next_conn: AtomicU64::new(0),
            handlers,
            auth,
            authorize_subscribe,
            on_error,
            registry: Registry::default(),
            rooms: RoomRegistry::default(),
            topics: TopicRegistry::default(),
            bus: Bus::default(),
            taps: RwLock::new(taps),
            has_taps,
            counters: Counters::default(),
            tracker: TaskTracker::new(),
            conn_tasks: TaskTracker::new(),
            shutdown: CancellationToken::new(),
            heartbeat_started: AtomicBool::new(false),
        }
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

    pub fn tapping(&self) -> bool {
        self.has_taps.load(Ordering::Acquire)
    }

    /// Build an event only if someone is listening, then hand it to every tap.
    pub fn tap(&self, kind: TapKind, origin: Origin, fill: impl FnOnce(&mut TapEvent)) {
        if !self.tapping() {
            return;
        }
        let mut ev = TapEvent::new(kind, origin);
        ev.node = self.node_id.clone();
        fill(&mut ev);
        let taps = self.taps.read().unwrap_or_else(|p| p.into_inner());
        for tap in taps.iter() {
            tap.observe(&ev);
        }
    }

    /// Tap an event about one connection (its id, role and user filled in).
    pub fn tap_conn(&self, kind: TapKind, conn: &Conn, fill: impl FnOnce(&mut TapEvent)) {
        self.tap(kind, conn.inner.origin, |ev| {
            ev.conn = Some(conn.inner.id.clone());
            ev.role = Some(conn.inner.role.clone());
            ev.user = Some(conn.inner.user.clone());
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
