//! The `switchboard-recorder` thread: the only owner of the recorder's SQLite connection.
//!
//! It collects events into a batch and commits the batch in one transaction when it holds
//! `batch_rows` rows or `batch_bytes` of payload, or its oldest row has waited `batch_window`,
//! whichever comes first. The window is checked while the queue is being drained too, so a
//! writer that is behind still commits at least every window. One
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

use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{params, CachedStatement, Connection, OptionalExtension, TransactionBehavior};

use super::checkpoint::{self, Checkpointer, WAL_HARD_LIMIT};
use super::error::CaptureError;
use super::pairing::{Extras, Pairing};
use super::reclaim::Reclaimer;
use super::recorder::{RecorderConfig, Shared};
use super::retention::{self, Retention};
use super::row::SessionInfo;
use super::schema;
use crate::tap::{now_us, TapEvent, TapPayload};

/// How long the writer sleeps when its queue is empty: events wait at most this long before
/// joining a batch (the batch window, 200 ms by default, bounds the commit itself).
pub(crate) const TICK: Duration = Duration::from_millis(10);

/// Events taken from the queue between two looks at the clock while draining it.
const CLOCK_EVERY: usize = 64;

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
    batch_max_bytes: u64,
    batch_window: Duration,
    retention: Retention,
    hard_max_bytes: Option<u64>,
    session: SessionInfo,
    identity: FileIdentity,
    shared: Arc<Shared>,
    batch: Vec<TapEvent>,
    /// Payload bytes in `batch` (given back to `shared.backlog_bytes` when it is committed).
    batch_bytes: u64,
    /// Errors already logged, so a full disk does not flood the log.
    logged_errors: u64,
    /// Events taken from the queue so far (published to `shared.dequeued` per burst).
    taken: u64,
    /// Copies the WAL into the database on its own thread (see `checkpoint.rs`).
    checkpointer: Checkpointer,
    /// Buffers for the JSON columns, reused by every row of every batch.
    scratch: Scratch,
    /// Frees committed batches on its own thread (see `reclaim.rs`).
    reclaim: Reclaimer,
    /// Open requests, to pair answers and causes with their `request_in` row (`pairing.rs`).
    pairing: Pairing,
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
        let checkpointer = Checkpointer::start(&cfg.path);
        Writer {
            conn: Some(conn),
            path: cfg.path,
            batch_rows: cfg.batch_rows.max(1),
            batch_max_bytes: cfg.batch_bytes.max(1),
            batch_window: cfg.batch_window,
            retention: cfg.retention,
            hard_max_bytes: cfg.hard_max_bytes,
            session,
            identity,
            shared,
            batch: Vec::with_capacity(cfg.batch_rows.clamp(1, 65_536)),
            batch_bytes: 0,
            logged_errors: 0,
            taken: 0,
            checkpointer,
            scratch: Scratch::default(),
            reclaim: Reclaimer::start(),
            pairing: Pairing::default(),
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
            for k in 0..self.batch_rows {
                // A writer that is behind never sees an empty queue: look at the clock every
                // few events, so the window still bounds how long a row waits uncommitted.
                if k % CLOCK_EVERY == CLOCK_EVERY - 1
                    && deadline.is_some_and(|d| Instant::now() >= d)
                {
                    self.commit();
                    deadline = None;
                }
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
                self.batch_bytes += e.size as u64;
                self.batch.push(e);
                if self.batch.len() >= self.batch_rows || self.batch_bytes >= self.batch_max_bytes {
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
            Some(conn) => write_batch(
                conn,
                &self.session,
                &self.batch,
                &self.shared,
                &mut self.scratch,
                &mut self.pairing,
            ),
            None => Err(CaptureError::NotWritable {
                path: self.path.clone(),
                reason: "the capture file is gone and could not be re-created".into(),
            }),
        };
        self.reclaim.recycle(&mut self.batch);
        // Committed or lost, these bytes no longer wait: make room for new events.
        self.shared
            .backlog_bytes
            .fetch_sub(std::mem::take(&mut self.batch_bytes), Ordering::Relaxed);
        match result {
            Ok(()) => {
                self.shared.rows_written.fetch_add(n, Ordering::Relaxed);
                self.checkpointer.committed();
            }
            Err(e) => {
                // The lost rows' seqs will be given to the next rows: nothing may point at them.
                self.pairing.clear();
                self.shared.write_errors.fetch_add(1, Ordering::Relaxed);
                self.shared.rows_lost.fetch_add(n, Ordering::Relaxed);
                self.report(format!("lost a batch of {n} rows: {e}"));
            }
        }
        let wal_bytes = self.update_file_bytes();
        self.bound_wal(wal_bytes);
    }

    /// Checkpoints on this thread when the checkpoint thread has fallen far behind (it lost the
    /// race with the next commit for a long time, or it is not running): RESTART waits for
    /// readers and makes the next commit start the WAL over, where `journal_size_limit` trims it.
    fn bound_wal(&mut self, wal_bytes: u64) {
        if wal_bytes <= WAL_HARD_LIMIT {
            return;
        }
        let Some(conn) = self.conn.as_ref() else {
            return;
        };
        if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(RESTART)", [], |_| Ok(())) {
            self.report(format!("could not checkpoint a {wal_bytes}-byte WAL: {e}"));
        }
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
        checkpoint::disable_auto(&conn)?;
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
            self.checkpointer.committed();
        }
        self.update_file_bytes();
    }

    /// Marks the session ended with its final counters (drops after the last batch included)
    /// and checkpoints, so a cleanly stopped file needs no WAL.
    fn finish(&mut self) {
        self.checkpointer.stop();
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

    /// Publishes the size of the database and its WAL; returns the WAL's size.
    fn update_file_bytes(&self) -> u64 {
        let db_bytes = std::fs::metadata(&self.path).map_or(0, |m| m.len());
        let wal_bytes = checkpoint::wal_bytes(&self.path);
        let bytes = db_bytes + wal_bytes;
        self.shared.file_bytes.store(bytes, Ordering::Relaxed);
        wal_bytes
    }

    fn report(&mut self, message: String) {
        // Log the first few errors and then one in a thousand; the counters carry the rest.
        if self.logged_errors < 10 || self.logged_errors.is_multiple_of(1000) {
            tracing::warn!(path = %self.path.display(), "{message}");
        }
        self.logged_errors += 1;
        self.shared.set_error(message);
    }
}

/// Rows per multi-row `INSERT INTO events`: the statement's cursors on the table and its
/// indexes stay open across its rows, and its AUTOINCREMENT bookkeeping runs once, where a
/// statement per row pays both for every row. 64 rows are 1,024 parameters.
const EVENTS_PER_INSERT: usize = 64;

/// `event_rooms` / `event_conns` rows per multi-row insert (2 parameters each).
const KEYS_PER_INSERT: usize = 128;

/// Inserts one batch and the session's counters in one transaction.
fn write_batch(
    conn: &mut Connection,
    session: &SessionInfo,
    batch: &[TapEvent],
    shared: &Shared,
    scratch: &mut Scratch,
    pairing: &mut Pairing,
) -> Result<(), CaptureError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    {
        let mut keys = insert_events(&tx, session, batch, scratch, pairing)?;
        insert_keys(&tx, schema::INSERT_ROOM, &mut keys.rooms)?;
        insert_keys(&tx, schema::INSERT_CONN, &mut keys.conns)?;
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

/// The `(key, seq)` rows of the keyed side tables for the rows of one batch.
#[derive(Default)]
struct Keys<'a> {
    rooms: Vec<(&'a str, i64)>,
    conns: Vec<(&'a str, i64)>,
}

impl<'a> Keys<'a> {
    /// Adds the keys of rows just inserted by one statement. Their `seq`s are consecutive and
    /// end at `last_seq`: AUTOINCREMENT gives each new row the largest `seq` so far plus one,
    /// and this transaction is the only writer.
    fn add(&mut self, rows: &'a [TapEvent], last_seq: i64) {
        let first = last_seq - rows.len() as i64 + 1;
        for (seq, e) in (first..).zip(rows) {
            self.rooms
                .extend(e.rooms.iter().map(|room| (room.as_ref(), seq)));
            if let Some(conn) = e.conn.as_deref() {
                self.conns.push((conn, seq));
            }
        }
    }
}

/// Inserts the `events` rows of a batch, [`EVENTS_PER_INSERT`] per statement, and returns the
/// side-table keys of its rows.
fn insert_events<'a>(
    conn: &Connection,
    session: &SessionInfo,
    batch: &'a [TapEvent],
    scratch: &mut Scratch,
    pairing: &mut Pairing,
) -> Result<Keys<'a>, CaptureError> {
    let mut keys = Keys::default();
    // The seq the batch's first row will get: AUTOINCREMENT continues after the largest seq
    // ever given (kept in `sqlite_sequence`), and this transaction is the only writer.
    let mut next_seq: i64 = conn
        .prepare_cached("SELECT seq FROM sqlite_sequence WHERE name = 'events'")?
        .query_row([], |r| r.get(0))
        .optional()?
        .unwrap_or(0)
        + 1;
    let mut extras = |e: &TapEvent| {
        let x = pairing.extras(next_seq, e);
        next_seq += 1;
        x
    };
    let sql = schema::insert_many_sql(
        schema::INSERT_EVENT,
        schema::EVENT_PARAMS,
        EVENTS_PER_INSERT,
    );
    let mut many = conn.prepare_cached(&sql)?;
    let mut chunks = batch.chunks_exact(EVENTS_PER_INSERT);
    for chunk in &mut chunks {
        for (i, e) in chunk.iter().enumerate() {
            let x = extras(e);
            bind_event(&mut many, i * schema::EVENT_PARAMS, session, e, x, scratch)?;
        }
        many.raw_execute()?;
        keys.add(chunk, conn.last_insert_rowid());
    }
    let mut one = conn.prepare_cached(schema::INSERT_EVENT)?;
    for e in chunks.remainder() {
        let x = extras(e);
        bind_event(&mut one, 0, session, e, x, scratch)?;
        one.raw_execute()?;
        keys.add(std::slice::from_ref(e), conn.last_insert_rowid());
    }
    Ok(keys)
}

/// Inserts `(key, seq)` rows with `single` ([`schema::INSERT_ROOM`] or [`schema::INSERT_CONN`])
/// in key order. This is what makes the side tables cheap: inserted in arrival order, a batch's
/// keys would land on one page per distinct key (per live connection), in key order they land on
/// consecutive pages that stay hot in the cache.
fn insert_keys(
    conn: &Connection,
    single: &str,
    keys: &mut [(&str, i64)],
) -> Result<(), CaptureError> {
    keys.sort_unstable();
    let mut many = conn.prepare_cached(&schema::insert_many_sql(single, 2, KEYS_PER_INSERT))?;
    let mut chunks = keys.chunks_exact(KEYS_PER_INSERT);
    for chunk in &mut chunks {
        for (i, (key, seq)) in chunk.iter().enumerate() {
            many.raw_bind_parameter(2 * i + 1, key)?;
            many.raw_bind_parameter(2 * i + 2, seq)?;
        }
        many.raw_execute()?;
    }
    let mut one = conn.prepare_cached(single)?;
    for (key, seq) in chunks.remainder() {
        one.execute(params![key, seq])?;
    }
    Ok(())
}

/// Reusable buffers for the JSON a row stores (its rooms, its meta, a payload given as a value):
/// encoding into them allocates nothing once they have grown. SQLite copies a bound value, so a
/// buffer is free again as soon as it is bound.
#[derive(Default)]
struct Scratch {
    rooms: Vec<u8>,
    meta: Vec<u8>,
    payload: Vec<u8>,
}

/// Binds one event to parameters `base + 1 ..= base + EVENT_PARAMS` of an insert built by
/// [`schema::insert_many_sql`] (columns in the order of [`schema::INSERT_EVENT`]).
fn bind_event(
    stmt: &mut CachedStatement<'_>,
    base: usize,
    session: &SessionInfo,
    e: &TapEvent,
    extras: Extras,
    scratch: &mut Scratch,
) -> Result<(), CaptureError> {
    let Scratch {
        rooms,
        meta,
        payload: json_payload,
    } = scratch;
    let (payload, payload_text): (Option<ToSqlOutput<'_>>, Option<&str>) = match &e.payload {
        Some(TapPayload::Frame(f)) => {
            let text = f.payload_str();
            (
                (!text.is_empty()).then(|| text_param(text.as_bytes())),
                None,
            )
        }
        Some(TapPayload::Json(v)) => (Some(json_param(json_payload, v)?), None),
        Some(TapPayload::Text(t)) => (None, Some(t.as_str())),
        None => (None, None),
    };
    let rooms = if e.rooms.is_empty() {
        None
    } else {
        Some(json_param(rooms, &e.rooms)?)
    };
    let meta = match (&e.meta, extras.is_empty()) {
        (Some(m), true) => Some(json_param(meta, m)?),
        (None, true) => None,
        (m, false) => {
            meta.clear();
            if let Some(m) = m {
                serde_json::to_writer(&mut *meta, m)?;
            }
            extras.append_to(meta);
            Some(text_param(meta))
        }
    };
    // One recorder may observe several nodes (an in-process cluster); each row keeps the node
    // it happened on, falling back to the session's node.
    let node: &str = if e.node.is_empty() {
        &session.node_id
    } else {
        &e.node
    };
    stmt.raw_bind_parameter(base + 1, e.at_us)?;
    stmt.raw_bind_parameter(base + 2, node)?;
    stmt.raw_bind_parameter(base + 3, session.id)?;
    stmt.raw_bind_parameter(base + 4, e.kind.as_str())?;
    stmt.raw_bind_parameter(base + 5, e.name.as_deref())?;
    stmt.raw_bind_parameter(base + 6, e.conn.as_deref())?;
    stmt.raw_bind_parameter(base + 7, e.role.as_deref())?;
    stmt.raw_bind_parameter(base + 8, e.user.as_deref())?;
    stmt.raw_bind_parameter(base + 9, rooms)?;
    stmt.raw_bind_parameter(base + 10, e.topic.as_deref())?;
    stmt.raw_bind_parameter(base + 11, payload)?;
    stmt.raw_bind_parameter(base + 12, payload_text)?;
    stmt.raw_bind_parameter(base + 13, e.size.min(i64::MAX as usize) as i64)?;
    stmt.raw_bind_parameter(base + 14, e.recipients)?;
    stmt.raw_bind_parameter(base + 15, e.origin.as_str())?;
    stmt.raw_bind_parameter(base + 16, meta)?;
    Ok(())
}

/// `value` encoded as JSON into `buf` (cleared first), as a text parameter borrowing it.
fn json_param<'b>(
    buf: &'b mut Vec<u8>,
    value: &impl serde::Serialize,
) -> Result<ToSqlOutput<'b>, CaptureError> {
    buf.clear();
    serde_json::to_writer(&mut *buf, value)?;
    Ok(text_param(buf))
}

/// UTF-8 bytes bound as TEXT (not BLOB) without copying them into a `String` first.
fn text_param(bytes: &[u8]) -> ToSqlOutput<'_> {
    ToSqlOutput::Borrowed(ValueRef::Text(bytes))
}
