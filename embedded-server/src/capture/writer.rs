//! The `switchboard-recorder` thread: the only owner of the recorder's SQLite connection.
//!
//! It collects events into a batch and commits the batch in one transaction when it holds
//! `batch_rows` rows or its oldest row has waited `batch_window`, whichever comes first. One
//! transaction per batch (with a cached prepared statement) is what makes hundreds of thousands
//! of rows per second possible; the window bounds what a crash can lose.
//!
//! A failed commit (disk full, I/O error) rolls the batch back, counts it and its rows, and the
//! thread goes on with the next batch: the server never notices beyond the counters. Before each
//! commit the thread checks that the file at the configured path is still the one it opened; if
//! it was removed or replaced it says so and records into a fresh file at that path.

use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::mpsc::{Receiver, SyncSender, TryRecvError};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rusqlite::{params, Connection, TransactionBehavior};

use super::error::CaptureError;
use super::recorder::{RecorderConfig, Shared};
use super::retention::{self, Retention};
use super::row::SessionInfo;
use super::schema;
use crate::tap::{now_us, TapEvent, TapPayload};

/// How long the writer sleeps when its queue is empty: events wait at most this long before
/// joining a batch (the batch window, 200 ms by default, bounds the commit itself).
pub(crate) const TICK: Duration = Duration::from_millis(10);

/// What the recorder sends to its writer.
// Events travel inline: boxing them would put an allocation on the server's hot path, and the
// other variants are rare.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Msg {
    Event(TapEvent),
    /// Commit everything received so far, then answer.
    Flush(SyncSender<()>),
    /// Run retention now, then answer.
    Maintain(SyncSender<()>),
    /// Commit, mark the session ended, and exit.
    Stop,
}

/// Which file a path pointed at when it was opened (device and inode on Unix), to notice it
/// being deleted or replaced under a running recorder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FileIdentity(Option<(u64, u64)>);

impl FileIdentity {
    pub(crate) fn of(path: &Path) -> FileIdentity {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            FileIdentity(std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino())))
        }
        #[cfg(not(unix))]
        {
            FileIdentity(std::fs::metadata(path).ok().map(|_| (0, 0)))
        }
    }
}

pub(crate) struct Writer {
    /// `None` after the file vanished and could not be re-created; retried before each commit.
    conn: Option<Connection>,
    path: PathBuf,
    batch_rows: usize,
    batch_window: Duration,
    retention: Retention,
    hard_max_bytes: Option<u64>,
    session: SessionInfo,
    identity: FileIdentity,
    shared: Arc<Shared>,
    batch: Vec<TapEvent>,
    /// Errors already logged, so a full disk does not flood the log.
    logged_errors: u64,
    /// Events taken from the queue so far (published to `shared.dequeued` per burst).
    taken: u64,
}

enum Flow {
    Continue,
    Stop,
}

impl Writer {
    pub(crate) fn new(
        conn: Connection,
        cfg: RecorderConfig,
        session: SessionInfo,
        identity: FileIdentity,
        shared: Arc<Shared>,
    ) -> Writer {
        Writer {
            conn: Some(conn),
            path: cfg.path,
            batch_rows: cfg.batch_rows.max(1),
            batch_window: cfg.batch_window,
            retention: cfg.retention,
            hard_max_bytes: cfg.hard_max_bytes,
            session,
            identity,
            shared,
            batch: Vec::with_capacity(cfg.batch_rows.clamp(1, 65_536)),
            logged_errors: 0,
            taken: 0,
        }
    }

    pub(crate) fn run(mut self, rx: Receiver<Msg>) {
        let mut deadline: Option<Instant> = None;
        let check_every = self.retention.check_every.max(Duration::from_millis(10));
        let mut next_check = Instant::now() + check_every;
        self.update_file_bytes();
        loop {
            // Take what is queued, at most a batch before looking at the clock again.
            let mut emptied = false;
            for _ in 0..self.batch_rows {
                match rx.try_recv() {
                    Ok(msg) => {
                        if let Flow::Stop = self.handle(msg, &mut deadline) {
                            return;
                        }
                    }
                    Err(TryRecvError::Empty) => {
                        emptied = true;
                        break;
                    }
                    Err(TryRecvError::Disconnected) => {
                        self.stop();
                        return;
                    }
                }
            }
            self.shared.dequeued.store(self.taken, Ordering::Relaxed);
            let now = Instant::now();
            if deadline.is_some_and(|d| now >= d) {
                self.commit();
                deadline = None;
            }
            if now >= next_check {
                self.maintain();
                next_check = Instant::now() + check_every;
            }
            if emptied {
                // Events never wake this thread: waking it would cost the server's thread a
                // futex call, and this one a context switch, per event. It looks again after
                // a tick; control messages unpark it at once (see `Recorder`).
                let wake = deadline.map_or(next_check, |d| d.min(next_check));
                std::thread::park_timeout(TICK.min(wake.saturating_duration_since(now)));
            }
        }
    }

    fn handle(&mut self, msg: Msg, deadline: &mut Option<Instant>) -> Flow {
        match msg {
            Msg::Event(e) => {
                self.taken += 1;
                if self.batch.is_empty() {
                    *deadline = Some(Instant::now() + self.batch_window);
                }
                self.batch.push(e);
                if self.batch.len() >= self.batch_rows {
                    self.commit();
                    *deadline = None;
                }
            }
            Msg::Flush(ack) => {
                self.commit();
                *deadline = None;
                let _ = ack.send(());
            }
            Msg::Maintain(ack) => {
                self.commit();
                *deadline = None;
                self.maintain();
                let _ = ack.send(());
            }
            Msg::Stop => {
                self.stop();
                return Flow::Stop;
            }
        }
        Flow::Continue
    }

    fn stop(&mut self) {
        self.commit();
        self.finish();
    }

    /// Commits the batch, or counts it as lost.
    fn commit(&mut self) {
        self.shared.dequeued.store(self.taken, Ordering::Relaxed);
        if self.batch.is_empty() {
            return;
        }
        let n = self.batch.len() as u64;
        self.ensure_file();
        let result = match self.conn.as_mut() {
            Some(conn) => write_batch(conn, &self.session, &self.batch, &self.shared),
            None => Err(CaptureError::NotWritable {
                path: self.path.clone(),
                reason: "the capture file is gone and could not be re-created".into(),
            }),
        };
        self.batch.clear();
        match result {
            Ok(()) => {
                self.shared.rows_written.fetch_add(n, Ordering::Relaxed);
            }
            Err(e) => {
                self.shared.write_errors.fetch_add(1, Ordering::Relaxed);
                self.shared.rows_lost.fetch_add(n, Ordering::Relaxed);
                self.report(format!("lost a batch of {n} rows: {e}"));
            }
        }
        self.update_file_bytes();
    }

    /// Re-creates the file if it was removed or replaced since it was opened.
    fn ensure_file(&mut self) {
        if self.conn.is_some() && FileIdentity::of(&self.path) == self.identity {
            return;
        }
        if self.conn.is_some() {
            self.shared.write_errors.fetch_add(1, Ordering::Relaxed);
            self.report(format!(
                "capture file {} was removed or replaced; recording into a new file there",
                self.path.display()
            ));
        }
        self.conn = None;
        match self.reopen() {
            Ok(conn) => {
                self.identity = FileIdentity::of(&self.path);
                self.conn = Some(conn);
            }
            Err(e) => self.report(format!("cannot re-create the capture file: {e}")),
        }
    }

    fn reopen(&self) -> Result<Connection, CaptureError> {
        let conn = schema::open_rw(&self.path)?;
        schema::set_hard_max(&conn, self.hard_max_bytes)?;
        // Same session id as before, so rows keep pointing at this run's session.
        schema::insert_session(&conn, Some(self.session.id), &self.session)?;
        Ok(conn)
    }

    fn maintain(&mut self) {
        self.ensure_file();
        let Some(conn) = self.conn.as_ref() else {
            return;
        };
        if self.retention.max_age.is_some() || self.retention.max_bytes.is_some() {
            match retention::prune(conn, &self.retention, now_us()) {
                Ok(n) => {
                    self.shared.rows_pruned.fetch_add(n, Ordering::Relaxed);
                }
                Err(e) => self.report(format!("retention failed: {e}")),
            }
        }
        self.update_file_bytes();
    }

    /// Marks the session ended with its final counters (drops after the last batch included)
    /// and checkpoints, so a cleanly stopped file needs no WAL.
    fn finish(&mut self) {
        self.ensure_file();
        let Some(conn) = self.conn.as_ref() else {
            return;
        };
        let sh = &self.shared;
        let result = conn
            .execute(
                "UPDATE sessions SET ended_us = ?1, rows_written = ?2, dropped = ?3,
                 write_errors = ?4, rows_lost = ?5 WHERE id = ?6",
                params![
                    now_us(),
                    sh.rows_written.load(Ordering::Relaxed) as i64,
                    sh.dropped.load(Ordering::Relaxed) as i64,
                    sh.write_errors.load(Ordering::Relaxed) as i64,
                    sh.rows_lost.load(Ordering::Relaxed) as i64,
                    self.session.id
                ],
            )
            .and_then(|_| conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(())));
        if let Err(e) = result {
            self.report(format!("could not close the session cleanly: {e}"));
        }
    }

    fn update_file_bytes(&self) {
        let len = |p: &Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
        let mut wal = self.path.as_os_str().to_owned();
        wal.push("-wal");
        let bytes = len(&self.path) + len(Path::new(&wal));
        self.shared.file_bytes.store(bytes, Ordering::Relaxed);
    }

    fn report(&mut self, message: String) {
        // Log the first few errors and then one in a thousand; the counters carry the rest.
        if self.logged_errors < 10 || self.logged_errors % 1000 == 0 {
            tracing::warn!(path = %self.path.display(), "{message}");
        }
        self.logged_errors += 1;
        self.shared.set_error(message);
    }
}

/// Inserts one batch and the session's counters in one transaction.
fn write_batch(
    conn: &mut Connection,
    session: &SessionInfo,
    batch: &[TapEvent],
    shared: &Shared,
) -> Result<(), CaptureError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    {
        let mut insert = tx.prepare_cached(schema::INSERT_EVENT)?;
        let mut insert_room = tx.prepare_cached(schema::INSERT_ROOM)?;
        for e in batch {
            let (payload, payload_text): (Option<std::borrow::Cow<'_, str>>, Option<&str>) =
                match &e.payload {
                    Some(TapPayload::Frame(f)) => {
                        let text = f.payload_str();
                        (
                            if text.is_empty() {
                                None
                            } else {
                                Some(text.into())
                            },
                            None,
                        )
                    }
                    Some(TapPayload::Json(v)) => (Some(v.to_string().into()), None),
                    Some(TapPayload::Text(t)) => (None, Some(t.as_str())),
                    None => (None, None),
                };
            let rooms = if e.rooms.is_empty() {
                None
            } else {
                Some(serde_json::to_string(&e.rooms)?)
            };
            let meta = match &e.meta {
                Some(m) => Some(serde_json::to_string(m)?),
                None => None,
            };
            // One recorder may observe several nodes (an in-process cluster); each row keeps
            // the node it happened on, falling back to the session's node.
            let node: &str = if e.node.is_empty() {
                &session.node_id
            } else {
                &e.node
            };
            insert.execute(params![
                e.at_us,
                node,
                session.id,
                e.kind.as_str(),
                e.name.as_deref(),
                e.conn.as_deref(),
                e.role.as_deref(),
                e.user.as_deref(),
                rooms,
                e.topic.as_deref(),
                payload.as_deref(),
                payload_text,
                e.size.min(i64::MAX as usize) as i64,
                e.recipients,
                e.origin.as_str(),
                meta,
            ])?;
            if !e.rooms.is_empty() {
                let seq = tx.last_insert_rowid();
                for room in &e.rooms {
                    insert_room.execute(params![room.as_ref(), seq])?;
                }
            }
        }
        let written = shared.rows_written.load(Ordering::Relaxed) + batch.len() as u64;
        tx.prepare_cached(
            "UPDATE sessions SET rows_written = ?1, dropped = ?2, write_errors = ?3, rows_lost = ?4
             WHERE id = ?5",
        )?
        .execute(params![
            written as i64,
            shared.dropped.load(Ordering::Relaxed) as i64,
            shared.write_errors.load(Ordering::Relaxed) as i64,
            shared.rows_lost.load(Ordering::Relaxed) as i64,
            session.id,
        ])?;
    }
    tx.commit()?;
    Ok(())
}
