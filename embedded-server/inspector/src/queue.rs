//! One session's tap and the bounded queue behind it.
//!
//! The tap runs on the server's hot path (inside a broadcast, under the server's own locks),
//! so it only ever `try_send`s: a full queue, by frames or by estimated bytes, drops the event
//! and counts it, and the session reports the count in a `dropped` message. The server never
//! waits for a console.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;

use switchboard_server::tap::{Tap, TapEvent};
use tokio::sync::{mpsc, Notify};

use crate::config::{SessionLimits, EVENT_OVERHEAD};

/// What the tap and the session share.
#[derive(Default)]
struct Shared {
    /// Estimated bytes of the events in the queue.
    bytes: AtomicUsize,
    /// Dropped since the session last reported.
    dropped: AtomicU64,
    /// Woken on a drop, so a drop is reported even when nothing else is queued.
    dropped_wake: Arc<Notify>,
}

/// The tap installed on the server while the session lives.
pub(crate) struct SessionTap {
    tx: mpsc::Sender<TapEvent>,
    shared: Arc<Shared>,
    max_bytes: usize,
}

/// The session's end of the queue.
pub(crate) struct SessionQueue {
    rx: mpsc::Receiver<TapEvent>,
    shared: Arc<Shared>,
}

/// What an event counts for in the byte limit (and in a batch's, `config::BATCH_BYTES`).
pub(crate) fn cost(event: &TapEvent) -> usize {
    event.size.saturating_add(EVENT_OVERHEAD)
}

/// A tap and its queue, bounded by `limits`.
pub(crate) fn channel(limits: &SessionLimits) -> (Arc<SessionTap>, SessionQueue) {
    let (tx, rx) = mpsc::channel(limits.queue_frames);
    let shared = Arc::new(Shared::default());
    let tap = Arc::new(SessionTap {
        tx,
        shared: shared.clone(),
        max_bytes: limits.queue_bytes,
    });
    (tap, SessionQueue { rx, shared })
}

impl SessionTap {
    fn drop_one(&self) {
        self.shared.dropped.fetch_add(1, Ordering::Relaxed);
        self.shared.dropped_wake.notify_one();
    }
}

impl Tap for SessionTap {
    fn observe(&self, event: &TapEvent) {
        let cost = cost(event);
        let before = self.shared.bytes.fetch_add(cost, Ordering::AcqRel);
        // An event alone in the queue is always admitted, so one larger than the byte limit
        // is not dropped forever.
        if before != 0 && before.saturating_add(cost) > self.max_bytes {
            self.shared.bytes.fetch_sub(cost, Ordering::AcqRel);
            self.drop_one();
            return;
        }
        if self.tx.try_send(event.clone()).is_err() {
            self.shared.bytes.fetch_sub(cost, Ordering::AcqRel);
            self.drop_one();
        }
    }
}

impl SessionQueue {
    /// The next event; `None` once the tap is gone.
    pub async fn recv(&mut self) -> Option<TapEvent> {
        let event = self.rx.recv().await?;
        self.shared.bytes.fetch_sub(cost(&event), Ordering::AcqRel);
        Some(event)
    }

    /// The next event if one is queued, without waiting; `None` when the queue is empty (or
    /// the tap is gone).
    pub fn try_recv(&mut self) -> Option<TapEvent> {
        let event = self.rx.try_recv().ok()?;
        self.shared.bytes.fetch_sub(cost(&event), Ordering::AcqRel);
        Some(event)
    }

    /// Notified on every drop (a drop before anyone waits is remembered), so the session can
    /// report drops even when nothing else is queued.
    pub fn drop_signal(&self) -> Arc<Notify> {
        self.shared.dropped_wake.clone()
    }

    /// Drops since the last call, and resets the count.
    pub fn take_dropped(&self) -> u64 {
        self.shared.dropped.swap(0, Ordering::AcqRel)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_server::tap::{Origin, TapKind};

    fn event(size: usize) -> TapEvent {
        let mut e = TapEvent::new(TapKind::Broadcast, Origin::Server);
        e.size = size;
        e
    }

    #[tokio::test]
    async fn a_full_queue_drops_and_counts_without_waiting() {
        let limits = SessionLimits {
            queue_frames: 2,
            ..SessionLimits::default()
        };
        let (tap, mut queue) = channel(&limits);
        for _ in 0..5 {
            tap.observe(&event(10));
        }
        assert_eq!(queue.take_dropped(), 3);
        assert_eq!(queue.take_dropped(), 0);
        assert!(queue.recv().await.is_some());
        tap.observe(&event(10));
        assert_eq!(queue.take_dropped(), 0, "room again after one was taken");
    }

    #[tokio::test]
    async fn the_byte_limit_drops_but_always_admits_an_event_alone() {
        let limits = SessionLimits {
            queue_bytes: 1000,
            ..SessionLimits::default()
        };
        let (tap, mut queue) = channel(&limits);
        tap.observe(&event(5000));
        assert_eq!(queue.take_dropped(), 0, "alone in the queue: admitted");
        tap.observe(&event(10));
        assert_eq!(queue.take_dropped(), 1);
        assert_eq!(queue.recv().await.map(|e| e.size), Some(5000));
        tap.observe(&event(10));
        tap.observe(&event(10));
        assert_eq!(queue.take_dropped(), 0);
        assert!(queue.shared.bytes.load(Ordering::Relaxed) <= 1000);
    }
}
