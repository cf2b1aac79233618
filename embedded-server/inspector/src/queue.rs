//! One session's end of the tap and the bounded queue behind it.
//!
//! The fan-out (`fanout.rs`) offers each event to every session on the server's hot path
//! (inside a broadcast, under the server's own locks), so [`SessionTap::offer`] only ever
//! `try_send`s a reference to the event: a full queue, by frames or by estimated bytes, drops the event
//! and counts it, and the session reports the count in a `dropped` message. The server never
//! waits for a console.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use switchboard_server::tap::TapEvent;
use switchboard_server::wire::util::lock;
use tokio::sync::Notify;

use crate::config::{SessionLimits, BATCH_BYTES, BATCH_EVENTS, EVENT_OVERHEAD};
use crate::tapped::Tapped;

/// What the tap and the session share.
struct Shared {
    queue: Mutex<Queued>,
    /// Woken when the queue goes from empty to not empty: once per batch at most, since the
    /// session empties it only when it sends one.
    ready: Notify,
    /// Dropped since the session last reported.
    dropped: AtomicU64,
    /// Woken on a drop, so a drop is reported even when nothing else is queued.
    dropped_wake: Arc<Notify>,
    max_events: usize,
    max_bytes: usize,
}

#[derive(Default)]
struct Queued {
    events: VecDeque<Tapped>,
    /// Estimated bytes of `events`.
    bytes: usize,
}

/// The session's place in the fan-out while the session lives.
pub(crate) struct SessionTap {
    shared: Arc<Shared>,
}

/// The session's end of the queue.
pub(crate) struct SessionQueue {
    shared: Arc<Shared>,
}

/// What an event counts for in the byte limit (and in a batch's, `config::BATCH_BYTES`).
pub(crate) fn cost(event: &TapEvent) -> usize {
    event.size.saturating_add(EVENT_OVERHEAD)
}

/// A tap and its queue, bounded by `limits`.
pub(crate) fn channel(limits: &SessionLimits) -> (Arc<SessionTap>, SessionQueue) {
    let shared = Arc::new(Shared {
        queue: Mutex::default(),
        ready: Notify::new(),
        dropped: AtomicU64::new(0),
        dropped_wake: Arc::default(),
        max_events: limits.queue_frames.max(1),
        max_bytes: limits.queue_bytes,
    });
    let tap = Arc::new(SessionTap {
        shared: shared.clone(),
    });
    (tap, SessionQueue { shared })
}

impl SessionTap {
    /// Queue `item` unless the queue is full (in events or in estimated bytes); never waits.
    /// A plain mutex around a deque: held for a push, and by the session for one drain per
    /// batch, so neither side pays a channel's per-event hand-over.
    pub fn offer(&self, item: Tapped) {
        let shared = &*self.shared;
        let cost = cost(item.event());
        let mut queue = lock(&shared.queue);
        // An event alone in the queue is always admitted, so one larger than the byte limit
        // is not dropped forever.
        let over_bytes = queue.bytes != 0 && queue.bytes.saturating_add(cost) > shared.max_bytes;
        if over_bytes || queue.events.len() >= shared.max_events {
            drop(queue);
            shared.dropped.fetch_add(1, Ordering::Relaxed);
            shared.dropped_wake.notify_one();
            return;
        }
        queue.events.push_back(item);
        queue.bytes += cost;
        let first = queue.events.len() == 1;
        drop(queue);
        if first {
            shared.ready.notify_one();
        }
    }
}

impl SessionQueue {
    /// Returns once at least one event is queued (at once if one already is). Cancel-safe:
    /// it takes nothing from the queue.
    pub async fn ready(&self) {
        loop {
            if !lock(&self.shared.queue).events.is_empty() {
                return;
            }
            self.shared.ready.notified().await;
        }
    }

    /// The events queued, oldest first, up to a batch's limits ([`BATCH_EVENTS`], and about
    /// [`BATCH_BYTES`]: the first event is always taken), appended to `batch`. Returns whether
    /// more are left.
    pub fn take_batch(&self, batch: &mut Vec<Tapped>) -> bool {
        let mut queue = lock(&self.shared.queue);
        let mut bytes = 0usize;
        let mut taken = 0;
        for item in &queue.events {
            let cost = cost(item.event());
            if taken == BATCH_EVENTS || (taken > 0 && bytes.saturating_add(cost) > BATCH_BYTES) {
                break;
            }
            bytes += cost;
            taken += 1;
        }
        batch.extend(queue.events.drain(..taken));
        queue.bytes -= bytes;
        !queue.events.is_empty()
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

    fn event(size: usize) -> Tapped {
        let mut e = TapEvent::new(TapKind::Broadcast, Origin::Server);
        e.size = size;
        Tapped::Alone(Arc::new(e))
    }

    fn take(queue: &SessionQueue) -> Vec<usize> {
        let mut batch = Vec::new();
        queue.take_batch(&mut batch);
        batch.iter().map(|t| t.event().size).collect()
    }

    #[tokio::test]
    async fn a_full_queue_drops_and_counts_without_waiting() {
        let limits = SessionLimits {
            queue_frames: 2,
            ..SessionLimits::default()
        };
        let (tap, queue) = channel(&limits);
        for _ in 0..5 {
            tap.offer(event(10));
        }
        assert_eq!(queue.take_dropped(), 3);
        assert_eq!(queue.take_dropped(), 0);
        queue.ready().await;
        assert_eq!(take(&queue), vec![10, 10]);
        tap.offer(event(10));
        assert_eq!(
            queue.take_dropped(),
            0,
            "room again after the batch was taken"
        );
    }

    #[tokio::test]
    async fn the_byte_limit_drops_but_always_admits_an_event_alone() {
        let limits = SessionLimits {
            queue_bytes: 1000,
            ..SessionLimits::default()
        };
        let (tap, queue) = channel(&limits);
        tap.offer(event(5000));
        assert_eq!(queue.take_dropped(), 0, "alone in the queue: admitted");
        tap.offer(event(10));
        assert_eq!(queue.take_dropped(), 1);
        assert_eq!(take(&queue), vec![5000]);
        tap.offer(event(10));
        tap.offer(event(10));
        assert_eq!(queue.take_dropped(), 0);
        assert!(lock(&queue.shared.queue).bytes <= 1000);
        assert_eq!(take(&queue), vec![10, 10]);
        assert_eq!(lock(&queue.shared.queue).bytes, 0);
    }

    #[tokio::test]
    async fn a_batch_stops_at_its_limits_and_says_more_are_left() {
        let limits = SessionLimits {
            queue_frames: BATCH_EVENTS * 2,
            queue_bytes: usize::MAX,
            ..SessionLimits::default()
        };
        let (tap, queue) = channel(&limits);
        for _ in 0..BATCH_EVENTS + 1 {
            tap.offer(event(1));
        }
        let mut batch = Vec::new();
        assert!(queue.take_batch(&mut batch), "one left over");
        assert_eq!(batch.len(), BATCH_EVENTS);
        batch.clear();
        assert!(!queue.take_batch(&mut batch));
        assert_eq!(batch.len(), 1);
        // By bytes: the first event always goes, however large.
        tap.offer(event(BATCH_BYTES * 2));
        tap.offer(event(1));
        assert_eq!(take(&queue), vec![BATCH_BYTES * 2]);
        assert_eq!(take(&queue), vec![1]);
    }

    #[tokio::test]
    async fn ready_waits_for_an_event_and_returns_at_once_when_one_is_queued() {
        let (tap, queue) = channel(&SessionLimits::default());
        let waiting = tokio::spawn(async move {
            queue.ready().await;
            take(&queue)
        });
        tokio::task::yield_now().await;
        tap.offer(event(3));
        let got = tokio::time::timeout(std::time::Duration::from_secs(10), waiting)
            .await
            .expect("woken")
            .unwrap();
        assert_eq!(got, vec![3]);
    }
}
