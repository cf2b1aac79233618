//! Where batches meet clients: the aggregator publishes one [`Envelope`] per window on a
//! bounded broadcast channel; each live WebSocket takes its copy, keeps the traffic rows its
//! tail filter selects, and sends one message. A client that falls behind skips whole batches
//! (the channel lags) and is told to reload, so a slow browser never slows the server.

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::broadcast;

use super::rates::RateHistory;
use crate::types::{LiveBatch, LiveStatus, RateSample, TrafficRow};

/// Batches buffered per client before it starts skipping (two seconds' worth).
const CLIENT_BACKLOG: usize = 8;

/// One window's batch for every client. `batch.traffic` is empty: rows travel in `traffic`
/// and each client picks its own.
pub struct Envelope {
    pub batch: LiveBatch,
    pub traffic: Vec<TrafficRow>,
}

pub struct LiveHub {
    sender: broadcast::Sender<Arc<Envelope>>,
    dropped: Arc<AtomicU64>,
    clients: AtomicU32,
    tailing: AtomicU32,
    history: Mutex<RateHistory>,
    /// Set when the membership the clients hold is stale for a reason other than drops (an
    /// attached node came, went, or was refreshed from a snapshot).
    resync_wanted: AtomicBool,
    /// Per-message counts and latencies (the aggregator adds, the contract API reads).
    messages: Mutex<super::message_stats::MessageCounts>,
}

impl LiveHub {
    pub fn new(dropped: Arc<AtomicU64>) -> LiveHub {
        let (sender, _) = broadcast::channel(CLIENT_BACKLOG);
        LiveHub {
            sender,
            dropped,
            clients: AtomicU32::new(0),
            tailing: AtomicU32::new(0),
            history: Mutex::new(RateHistory::default()),
            resync_wanted: AtomicBool::new(false),
            messages: Mutex::default(),
        }
    }

    /// Per-message counts and latencies, locked (briefly: a chunk of events or one lookup).
    pub fn messages(&self) -> std::sync::MutexGuard<'_, super::message_stats::MessageCounts> {
        switchboard_server::wire::util::lock(&self.messages)
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Envelope>> {
        self.sender.subscribe()
    }

    pub fn publish(&self, envelope: Envelope) {
        // No receiver is not an error: nobody has the console open.
        let _ = self.sender.send(Arc::new(envelope));
    }

    /// Whether any client wants traffic rows (building them costs; skip it when nobody looks).
    pub fn anyone_tailing(&self) -> bool {
        self.tailing.load(Ordering::Relaxed) > 0
    }

    pub fn status(&self) -> LiveStatus {
        LiveStatus {
            dropped: self.dropped.load(Ordering::Relaxed),
            clients: self.clients.load(Ordering::Relaxed),
        }
    }

    /// Ask the next batch to tell clients to reload their snapshots.
    pub fn request_resync(&self) {
        self.resync_wanted.store(true, Ordering::Relaxed);
    }

    /// Whether a resync was asked for since the last call.
    pub fn take_resync(&self) -> bool {
        self.resync_wanted.swap(false, Ordering::Relaxed)
    }

    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    pub fn record_rates(&self, samples: &[RateSample]) {
        if samples.is_empty() {
            return;
        }
        let mut h = self.history.lock().unwrap_or_else(|p| p.into_inner());
        h.extend(samples);
    }

    pub fn rate_history(&self) -> Vec<RateSample> {
        let h = self.history.lock().unwrap_or_else(|p| p.into_inner());
        h.to_vec()
    }

    /// Count a connected client for as long as the guard lives.
    pub fn client(self: &Arc<Self>) -> ClientGuard {
        self.clients.fetch_add(1, Ordering::Relaxed);
        ClientGuard {
            hub: self.clone(),
            tailing: false,
        }
    }
}

/// A live client's registration: counts it, and whether it tails traffic.
pub struct ClientGuard {
    hub: Arc<LiveHub>,
    tailing: bool,
}

impl ClientGuard {
    pub fn set_tailing(&mut self, on: bool) {
        if on != self.tailing {
            self.tailing = on;
            if on {
                self.hub.tailing.fetch_add(1, Ordering::Relaxed);
            } else {
                self.hub.tailing.fetch_sub(1, Ordering::Relaxed);
            }
        }
    }
}

impl Drop for ClientGuard {
    fn drop(&mut self) {
        self.set_tailing(false);
        self.hub.clients.fetch_sub(1, Ordering::Relaxed);
    }
}
