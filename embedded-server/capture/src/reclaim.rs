//! Frees committed batches off the writer thread.
//!
//! Dropping a committed batch (tens of thousands of events with their JSON values, names and
//! shared frames) took about 8% of the writer's time, time during which it was not inserting.
//! A `switchboard-free` thread does it instead and hands the emptied vector back, so the
//! writer keeps reusing one allocation. The hand-over is bounded both ways: when the thread is
//! behind, or could not be started, the writer frees the batch itself as before, so memory never
//! piles up.

use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::thread::JoinHandle;

use crate::tap::TapEvent;

/// Full batches waiting to be freed; one more makes the writer free inline.
const PENDING: usize = 2;

pub(crate) struct Reclaimer {
    /// `None` when the thread could not be started.
    to_free: Option<SyncSender<Vec<TapEvent>>>,
    /// Emptied vectors coming back for reuse.
    emptied: Option<Receiver<Vec<TapEvent>>>,
    thread: Option<JoinHandle<()>>,
}

impl Reclaimer {
    pub(crate) fn start() -> Reclaimer {
        let (to_free, full) = mpsc::sync_channel::<Vec<TapEvent>>(PENDING);
        let (give_back, emptied) = mpsc::sync_channel::<Vec<TapEvent>>(PENDING);
        let spawned = std::thread::Builder::new()
            .name("switchboard-free".into())
            .spawn(move || {
                for mut batch in full {
                    batch.clear();
                    // The writer may have enough vectors already; then this one just goes.
                    let _ = give_back.try_send(batch);
                }
            });
        match spawned {
            Ok(thread) => Reclaimer {
                to_free: Some(to_free),
                emptied: Some(emptied),
                thread: Some(thread),
            },
            Err(e) => {
                tracing::warn!("capture: freeing batches on the writer thread ({e})");
                Reclaimer {
                    to_free: None,
                    emptied: None,
                    thread: None,
                }
            }
        }
    }

    /// Takes the events of a committed `batch` away to be freed and leaves an empty vector
    /// with room for as many in its place.
    pub(crate) fn recycle(&mut self, batch: &mut Vec<TapEvent>) {
        let Some(to_free) = &self.to_free else {
            batch.clear();
            return;
        };
        let capacity = batch.capacity();
        let empty = self
            .emptied
            .as_ref()
            .and_then(|r| r.try_recv().ok())
            .unwrap_or_else(|| Vec::with_capacity(capacity));
        let full = std::mem::replace(batch, empty);
        match to_free.try_send(full) {
            Ok(()) => {}
            // Behind or gone: free it here, as without the thread.
            Err(TrySendError::Full(full)) | Err(TrySendError::Disconnected(full)) => drop(full),
        }
    }
}

impl Drop for Reclaimer {
    fn drop(&mut self) {
        // Closing the channel ends the thread once it has freed what it holds.
        self.to_free = None;
        self.emptied = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tap::{Origin, TapKind};

    #[test]
    fn a_recycled_batch_is_empty_with_its_capacity_and_the_events_are_freed() {
        let mut r = Reclaimer::start();
        let conn: std::sync::Arc<str> = "c1".into();
        for _ in 0..5 {
            let mut batch: Vec<TapEvent> = Vec::with_capacity(64);
            for _ in 0..10 {
                let mut e = TapEvent::new(TapKind::Emit, Origin::Server);
                e.name = Some("tick".into());
                e.conn = Some(conn.clone());
                batch.push(e);
            }
            r.recycle(&mut batch);
            assert!(batch.is_empty());
            assert!(batch.capacity() >= 64);
        }
        // Dropping the reclaimer waits for its thread: every event is freed by then.
        drop(r);
        assert_eq!(std::sync::Arc::strong_count(&conn), 1);
    }
}
