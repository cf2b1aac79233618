//! The recorder: the server-facing half of the capture.
//!
//! [`Recorder::observe`] runs on the server's hot path, so it only clones the event (reference
//! counts, no string building) into a bounded channel with `try_send`; when the channel is full
//! the event is dropped and counted, never waited for. Everything else (encoding rooms and meta,
//! SQL, retention) happens on the `switchboard-recorder` thread in `writer.rs`.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, SyncSender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::checkpoint;
use super::error::CaptureError;
use super::retention::Retention;
use super::row::SessionInfo;
use super::schema;
use super::writer::{FileIdentity, Msg, Writer};
use crate::tap::{now_us, Tap, TapEvent};

/// How to record. Every field has a default (see [`RecorderConfig::new`]).
#[derive(Debug, Clone)]
pub struct RecorderConfig {
    /// The capture file; created with its schema if missing. Its directory must exist.
    pub path: PathBuf,
    /// This node's id, stored on every row. Default: `"node"`.
    pub node_id: String,
    /// Stored in the session row and in exports. Default: this crate's version.
    pub tool_version: String,
    /// The contract as loaded, stored once per session. Default: `null`.
    pub contract: Value,
    /// Events the server may queue ahead of the writer before it starts dropping them.
    /// Default 65536 (each slot holds one event: a few hundred bytes, allocated up front).
    pub queue_capacity: usize,
    /// Most payload bytes (the frames' sizes) accepted and not yet committed: queued, or in the
    /// batch being written. Past it new events are dropped and counted
    /// ([`RecorderStats::dropped_over_bytes`]) until a commit makes room; an event alone is
    /// always accepted, however large. Default 16 MiB. Rows alone do not bound what a crash
    /// loses: 65,536 queued 60 KB payloads are 4 GB and seconds of writing, where 16 MiB is
    /// a fraction of a second at the rates measured in docs/benchmarks.md.
    pub max_backlog_bytes: u64,
    /// Most rows per transaction. Default 32768: large batches amortise the index pages each
    /// commit rewrites and the WAL frames the checkpoint copies (measured in
    /// docs/benchmarks.md); the window below still bounds the wait.
    pub batch_rows: usize,
    /// Most payload bytes per transaction: a batch is committed as soon as it holds this much,
    /// so large payloads make small, quick transactions instead of one that takes seconds.
    /// Default 4 MiB.
    pub batch_bytes: u64,
    /// Longest an event waits in a partial batch before it is committed: this bounds what a
    /// crash can lose. Default 200 ms.
    pub batch_window: Duration,
    /// How much history to keep. Default: everything.
    pub retention: Retention,
    /// A hard ceiling on the database size enforced by SQLite (`max_page_count`): past it a
    /// commit fails as on a full disk, is counted, and the server goes on. `None` (default):
    /// no ceiling besides the disk. Use `retention.max_bytes` for the normal size limit.
    pub hard_max_bytes: Option<u64>,
}

impl RecorderConfig {
    /// The defaults, recording into `path`.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        RecorderConfig {
            path: path.into(),
            node_id: "node".into(),
            tool_version: env!("CARGO_PKG_VERSION").into(),
            contract: Value::Null,
            queue_capacity: 65_536,
            max_backlog_bytes: 16 * 1024 * 1024,
            batch_rows: 32_768,
            batch_bytes: 4 * 1024 * 1024,
            batch_window: Duration::from_millis(200),
            retention: Retention::default(),
            hard_max_bytes: None,
        }
    }
}

/// Counters shared between the hot path, the writer thread and [`Recorder::stats`]. Kept as
/// separate atomics so neither side ever takes a lock to count; the two the hot path writes sit
/// on their own cache lines so the writer's updates do not slow `observe()` down.
#[derive(Debug, Default)]
pub(crate) struct Shared {
    pub enqueued: Padded<AtomicU64>,
    pub dropped: Padded<AtomicU64>,
    /// Payload bytes accepted and not yet committed: the hot path adds, the writer subtracts
    /// once per commit.
    pub backlog_bytes: Padded<AtomicU64>,
    /// The part of `dropped` refused because `backlog_bytes` was at its bound.
    pub dropped_over_bytes: AtomicU64,
    /// Published by the writer once per drained burst, not per event.
    pub dequeued: Padded<AtomicU64>,
    pub rows_written: AtomicU64,
    pub write_errors: AtomicU64,
    pub rows_lost: AtomicU64,
    pub rows_pruned: AtomicU64,
    pub file_bytes: AtomicU64,
    /// Only the writer sets it, only `stats()` reads it; never held across anything slow.
    pub last_error: Mutex<Option<String>>,
}

/// A value alone on its cache line (128 bytes covers adjacent-line prefetching).
#[derive(Debug, Default)]
#[repr(align(128))]
pub(crate) struct Padded<T>(pub T);

impl<T> std::ops::Deref for Padded<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl Shared {
    pub(crate) fn set_error(&self, message: String) {
        if let Ok(mut slot) = self.last_error.lock() {
            *slot = Some(message);
        }
    }
}

/// A snapshot of the recorder's counters, for the console's status line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecorderStats {
    pub session_id: i64,
    /// Rows committed to the file.
    pub rows_written: u64,
    /// Events dropped because the queue was full, in rows or in bytes (the server never waits
    /// for the recorder).
    pub dropped: u64,
    /// Of `dropped`, the events refused because `max_backlog_bytes` of payload were already
    /// waiting to be committed.
    pub dropped_over_bytes: u64,
    /// Batch commits that failed (disk full, file removed, ...).
    pub write_errors: u64,
    /// Rows in the failed batches.
    pub rows_lost: u64,
    /// Rows removed by retention.
    pub rows_pruned: u64,
    /// The most recent write error, if any.
    pub last_error: Option<String>,
    /// Events queued and not yet taken by the writer (updated by the writer once per burst).
    pub queue_depth: u64,
    /// Payload bytes accepted and not yet committed (what a crash now would lose).
    pub backlog_bytes: u64,
    /// Size of the database and its WAL, as of the last commit.
    pub file_bytes: u64,
}

/// Records every [`TapEvent`] it observes into a capture file. Install it as a [`Tap`].
///
/// Dropping it commits what was queued, marks the session ended and joins the writer thread.
pub struct Recorder {
    tx: SyncSender<Msg>,
    shared: Arc<Shared>,
    max_backlog_bytes: u64,
    thread: Option<JoinHandle<()>>,
    path: PathBuf,
    session_id: i64,
}

impl Recorder {
    /// Opens (or creates) the capture file, starts a new capture session and the writer thread.
    ///
    /// Fails at once with [`CaptureError::NotWritable`] if the file cannot be written, so a bad
    /// path is reported at start-up rather than as silently missing history.
    pub fn open(cfg: RecorderConfig) -> Result<Recorder, CaptureError> {
        let conn = schema::open_rw(&cfg.path)?;
        schema::set_hard_max(&conn, cfg.hard_max_bytes)?;
        checkpoint::disable_auto(&conn).map_err(|e| CaptureError::NotWritable {
            path: cfg.path.clone(),
            reason: e.to_string(),
        })?;
        let session = SessionInfo {
            id: 0,
            started_us: now_us(),
            node_id: cfg.node_id.clone(),
            tool_version: cfg.tool_version.clone(),
            contract: Some(cfg.contract.clone()),
            imported_from: None,
            source_session: None,
            ended_us: None,
            rows_written: 0,
            dropped: 0,
            write_errors: 0,
            rows_lost: 0,
        };
        let session_id = schema::insert_session(&conn, None, &session).map_err(|e| {
            CaptureError::NotWritable {
                path: cfg.path.clone(),
                reason: e.to_string(),
            }
        })?;
        let session = SessionInfo {
            id: session_id,
            ..session
        };
        let identity = FileIdentity::of(&cfg.path);
        let shared = Arc::new(Shared::default());
        let (tx, rx) = mpsc::sync_channel(cfg.queue_capacity.max(1));
        let path = cfg.path.clone();
        let max_backlog_bytes = cfg.max_backlog_bytes;
        let writer = Writer::new(conn, cfg, session, identity, shared.clone());
        let thread = std::thread::Builder::new()
            .name("switchboard-recorder".into())
            .spawn(move || writer.run(rx))
            .map_err(|e| CaptureError::io(&path, e))?;
        Ok(Recorder {
            tx,
            shared,
            max_backlog_bytes,
            thread: Some(thread),
            path,
            session_id,
        })
    }

    /// The counters as of now.
    pub fn stats(&self) -> RecorderStats {
        let s = &self.shared;
        let enqueued = s.enqueued.load(Ordering::Relaxed);
        let dequeued = s.dequeued.load(Ordering::Relaxed);
        RecorderStats {
            session_id: self.session_id,
            rows_written: s.rows_written.load(Ordering::Relaxed),
            dropped: s.dropped.load(Ordering::Relaxed),
            dropped_over_bytes: s.dropped_over_bytes.load(Ordering::Relaxed),
            write_errors: s.write_errors.load(Ordering::Relaxed),
            rows_lost: s.rows_lost.load(Ordering::Relaxed),
            rows_pruned: s.rows_pruned.load(Ordering::Relaxed),
            last_error: s.last_error.lock().ok().and_then(|e| e.clone()),
            queue_depth: enqueued.saturating_sub(dequeued),
            backlog_bytes: s.backlog_bytes.load(Ordering::Relaxed),
            file_bytes: s.file_bytes.load(Ordering::Relaxed),
        }
    }

    /// Blocks until everything observed before this call is committed (or counted as lost).
    /// For tests and shutdown; never call it from the server's hot path.
    pub fn flush(&self) -> Result<(), CaptureError> {
        let (ack_tx, ack_rx) = mpsc::sync_channel(1);
        self.control(Msg::Flush(ack_tx))?;
        ack_rx.recv().map_err(|_| CaptureError::WriterGone)
    }

    /// Sends a control message and wakes the writer for it: events never wake the writer (it
    /// collects them on a timer tick), control messages should not wait for that tick.
    fn control(&self, msg: Msg) -> Result<(), CaptureError> {
        let sent = self.tx.send(msg).map_err(|_| CaptureError::WriterGone);
        if let Some(thread) = &self.thread {
            thread.thread().unpark();
        }
        sent
    }

    /// Runs retention now instead of at the next check (tests, a console "prune" button).
    pub fn prune_now(&self) -> Result<(), CaptureError> {
        let (ack_tx, ack_rx) = mpsc::sync_channel(1);
        self.control(Msg::Maintain(ack_tx))?;
        ack_rx.recv().map_err(|_| CaptureError::WriterGone)
    }

    /// Stops recording: commits what is queued, marks the session ended, joins the thread, and
    /// returns the final counters.
    pub fn close(mut self) -> Result<RecorderStats, CaptureError> {
        self.stop()?;
        Ok(self.stats())
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn session_id(&self) -> i64 {
        self.session_id
    }

    fn stop(&mut self) -> Result<(), CaptureError> {
        let Some(thread) = self.thread.take() else {
            return Ok(());
        };
        // A blocking send: shutdown may wait for the writer to drain a full queue.
        let sent = self.tx.send(Msg::Stop);
        thread.thread().unpark();
        let joined = thread.join();
        match (sent, joined) {
            (Ok(()), Ok(())) => Ok(()),
            _ => Err(CaptureError::WriterGone),
        }
    }
}

impl Tap for Recorder {
    /// Never blocks: a full queue (in rows or in bytes) drops the event and counts it.
    fn observe(&self, event: &TapEvent) {
        let shared = &self.shared;
        let bytes = event.size as u64;
        let before = shared.backlog_bytes.fetch_add(bytes, Ordering::Relaxed);
        if before > 0 && before.saturating_add(bytes) > self.max_backlog_bytes {
            shared.backlog_bytes.fetch_sub(bytes, Ordering::Relaxed);
            shared.dropped_over_bytes.fetch_add(1, Ordering::Relaxed);
            shared.dropped.fetch_add(1, Ordering::Relaxed);
            return;
        }
        match self.tx.try_send(Msg::Event(event.clone())) {
            Ok(()) => {
                shared.enqueued.fetch_add(1, Ordering::Relaxed);
            }
            Err(_) => {
                shared.backlog_bytes.fetch_sub(bytes, Ordering::Relaxed);
                shared.dropped.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        if let Err(e) = self.stop() {
            tracing::warn!(error = %e, path = %self.path.display(), "recorder did not stop cleanly");
        }
    }
}

impl std::fmt::Debug for Recorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recorder")
            .field("path", &self.path)
            .field("session_id", &self.session_id)
            .finish_non_exhaustive()
    }
}
