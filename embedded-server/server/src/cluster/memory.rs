//! The in-process adapter: several nodes in one process share a [`MemoryHub`]. It is the default
//! for a single node (a hub with one member, so nothing is ever published to anyone) and lets
//! tests run a cluster without Redis.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::future::BoxFuture;
use futures_util::FutureExt;
use tokio::sync::{mpsc, watch};

use super::adapter::{
    Adapter, AdapterError, AdapterMessage, AdapterStatus, ConnDescriptor, NodeRecord, PresenceStore,
};
use crate::wire::util::lock;

const INBOUND: usize = 65_536;

#[derive(Default)]
struct HubState {
    /// channel -> adapter ids subscribed
    subs: HashMap<String, HashSet<u64>>,
    inboxes: HashMap<u64, mpsc::Sender<AdapterMessage>>,
    nodes: HashMap<String, (NodeRecord, Instant)>,
    conns: HashMap<String, (HashMap<String, ConnDescriptor>, Instant)>,
}

/// A shared in-process bus and presence registry.
#[derive(Clone, Default)]
pub struct MemoryHub {
    state: Arc<Mutex<HubState>>,
    next: Arc<AtomicU64>,
}

impl MemoryHub {
    pub fn new() -> Self {
        Self::default()
    }

    /// A new adapter attached to this hub (one per node).
    pub fn adapter(&self) -> Arc<MemoryAdapter> {
        let id = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        let (tx, rx) = mpsc::channel(INBOUND);
        lock(&self.state).inboxes.insert(id, tx);
        let (_status_tx, status_rx) = watch::channel(AdapterStatus::Up);
        Arc::new(MemoryAdapter {
            hub: self.clone(),
            id,
            inbound: Mutex::new(Some(rx)),
            status: status_rx,
            _status_tx,
            dropped: AtomicU64::new(0),
        })
    }
}

pub struct MemoryAdapter {
    hub: MemoryHub,
    id: u64,
    inbound: Mutex<Option<mpsc::Receiver<AdapterMessage>>>,
    status: watch::Receiver<AdapterStatus>,
    _status_tx: watch::Sender<AdapterStatus>,
    dropped: AtomicU64,
}

impl MemoryAdapter {
    /// Messages dropped because a receiving node's inbox was full.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }
}

impl Adapter for MemoryAdapter {
    fn kind(&self) -> &'static str {
        "memory"
    }

    fn publish(&self, channel: &str, payload: Bytes) -> Result<(), AdapterError> {
        let state = lock(&self.hub.state);
        let Some(ids) = state.subs.get(channel) else {
            return Ok(());
        };
        for id in ids {
            if let Some(tx) = state.inboxes.get(id) {
                let msg = AdapterMessage {
                    channel: channel.to_owned(),
                    payload: payload.clone(),
                };
                if tx.try_send(msg).is_err() {
                    self.dropped.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
        Ok(())
    }

    fn subscribe(&self, channel: &str) {
        lock(&self.hub.state)
            .subs
            .entry(channel.to_owned())
            .or_default()
            .insert(self.id);
    }

    fn unsubscribe(&self, channel: &str) {
        let mut state = lock(&self.hub.state);
        if let Some(ids) = state.subs.get_mut(channel) {
            ids.remove(&self.id);
            if ids.is_empty() {
                state.subs.remove(channel);
            }
        }
    }

    fn take_inbound(&self) -> Option<mpsc::Receiver<AdapterMessage>> {
        lock(&self.inbound).take()
    }

    fn status(&self) -> watch::Receiver<AdapterStatus> {
        self.status.clone()
    }

    fn presence(&self) -> &dyn PresenceStore {
        self
    }

    fn close(&self) {
        let mut state = lock(&self.hub.state);
        state.inboxes.remove(&self.id);
        for ids in state.subs.values_mut() {
            ids.remove(&self.id);
        }
    }
}

fn ready<T: Send + 'static>(v: T) -> BoxFuture<'static, T> {
    futures_util::future::ready(v).boxed()
}

impl PresenceStore for MemoryAdapter {
    fn put_node(
        &self,
        node: NodeRecord,
        ttl: Duration,
    ) -> BoxFuture<'static, Result<(), AdapterError>> {
        let mut state = lock(&self.hub.state);
        let until = Instant::now() + ttl;
        if let Some(c) = state.conns.get_mut(&node.id) {
            c.1 = until;
        }
        state.nodes.insert(node.id.clone(), (node, until));
        ready(Ok(()))
    }

    fn put_conns(
        &self,
        node: String,
        upserts: Vec<ConnDescriptor>,
        removals: Vec<String>,
        ttl: Duration,
    ) -> BoxFuture<'static, Result<(), AdapterError>> {
        let mut state = lock(&self.hub.state);
        let entry = state
            .conns
            .entry(node)
            .or_insert_with(|| (HashMap::new(), Instant::now()));
        for id in removals {
            entry.0.remove(&id);
        }
        for d in upserts {
            entry.0.insert(d.id.clone(), d);
        }
        entry.1 = Instant::now() + ttl;
        ready(Ok(()))
    }

    fn replace_conns(
        &self,
        node: String,
        all: Vec<ConnDescriptor>,
        ttl: Duration,
    ) -> BoxFuture<'static, Result<(), AdapterError>> {
        let map = all.into_iter().map(|d| (d.id.clone(), d)).collect();
        lock(&self.hub.state)
            .conns
            .insert(node, (map, Instant::now() + ttl));
        ready(Ok(()))
    }

    fn remove_node(&self, node: String) -> BoxFuture<'static, Result<(), AdapterError>> {
        let mut state = lock(&self.hub.state);
        state.nodes.remove(&node);
        state.conns.remove(&node);
        ready(Ok(()))
    }

    fn nodes(&self) -> BoxFuture<'static, Result<Vec<NodeRecord>, AdapterError>> {
        let now = Instant::now();
        let mut v: Vec<NodeRecord> = lock(&self.hub.state)
            .nodes
            .values()
            .filter(|(_, until)| *until > now)
            .map(|(n, _)| n.clone())
            .collect();
        v.sort_by(|a, b| a.id.cmp(&b.id));
        ready(Ok(v))
    }

    fn conns(&self, node: String) -> BoxFuture<'static, Result<Vec<ConnDescriptor>, AdapterError>> {
        let now = Instant::now();
        let state = lock(&self.hub.state);
        let alive = state
            .nodes
            .get(&node)
            .is_some_and(|(_, until)| *until > now);
        let v = match state.conns.get(&node) {
            Some((m, until)) if alive && *until > now => m.values().cloned().collect(),
            _ => Vec::new(),
        };
        ready(Ok(v))
    }
}
