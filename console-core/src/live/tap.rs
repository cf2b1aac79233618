//! The console's tap: copies each event into a bounded queue and returns. A full queue drops
//! the event and counts it; the count is shown in the UI, and the UI reloads its snapshots when
//! it grows, so a burst never leaves it silently wrong.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use switchboard_server::tap::{Tap, TapEvent};
use tokio::sync::mpsc;

pub struct LiveTap {
    tx: mpsc::Sender<TapEvent>,
    dropped: Arc<AtomicU64>,
}

impl LiveTap {
    pub fn new(tx: mpsc::Sender<TapEvent>, dropped: Arc<AtomicU64>) -> LiveTap {
        LiveTap { tx, dropped }
    }
}

impl Tap for LiveTap {
    fn observe(&self, event: &TapEvent) {
        if self.tx.try_send(event.clone()).is_err() {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }
}
