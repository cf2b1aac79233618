//! The `switchboard-checkpoint` thread: copies the recorder's WAL back into the database on its
//! own connection, so the writer thread never stops inserting to do it.
//!
//! The writer's connection has `wal_autocheckpoint = 0`; after each commit it signals this
//! thread, which runs a PASSIVE checkpoint (never blocks the writer, never waits for readers).
//! When a checkpoint has copied every frame before the writer's next transaction, SQLite starts
//! the WAL over from its beginning, so under a light load the WAL stays about one batch long.
//! Under a sustained full-speed load the PASSIVE checkpoints rarely finish between two commits,
//! so three bounds keep the WAL from growing: once it is past [`WAL_RESTART_AT`]
//! (`journal_size_limit`), this thread runs a RESTART instead, which takes the write lock
//! between two of the writer's batches, copies the few frames the last PASSIVE left, and makes
//! the next commit start the WAL over, where `journal_size_limit` trims the file; after a second
//! with no commit it runs a TRUNCATE (the writer is idle, so it waits for nobody); and should
//! this thread fall far behind or be gone, the writer runs a RESTART itself past
//! [`WAL_HARD_LIMIT`].
//!
//! Durability is unchanged: a commit is durable once it is in the WAL (`synchronous = NORMAL`),
//! whoever checkpoints it later.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{sync_channel, Receiver, RecvTimeoutError, SyncSender};
use std::thread::JoinHandle;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use super::writer::FileIdentity;

/// How long the writer must be idle before the WAL is truncated to zero bytes.
const IDLE: Duration = Duration::from_secs(1);

/// WAL size past which this thread runs RESTART rather than PASSIVE checkpoints: the writer's
/// `journal_size_limit` (schema.rs), a few batches.
const WAL_RESTART_AT: u64 = 64 * 1024 * 1024;

/// WAL size past which the writer checkpoints itself (RESTART) instead of relying on this
/// thread: four times [`WAL_RESTART_AT`], reached only if this thread cannot keep up.
pub(crate) const WAL_HARD_LIMIT: u64 = 4 * WAL_RESTART_AT;

/// How long a TRUNCATE checkpoint waits for a reader or the writer before it gives up until the
/// next idle period. Short, because while it waits it holds the write lock.
const BUSY_TIMEOUT: Duration = Duration::from_millis(100);

/// Turns off checkpoints on commit for the writer's connection: [`Checkpointer`] does them.
pub(crate) fn disable_auto(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch("PRAGMA wal_autocheckpoint = 0")
}

/// Handle to the checkpoint thread; dropping it stops and joins the thread.
pub(crate) struct Checkpointer {
    tx: Option<SyncSender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Checkpointer {
    /// Starts the thread for the capture file at `path`. If the thread cannot be spawned the
    /// recorder still works: the writer's own hard limit keeps the WAL bounded.
    pub(crate) fn start(path: &Path) -> Checkpointer {
        let (tx, rx) = sync_channel(1);
        let worker = Worker {
            path: path.to_path_buf(),
            conn: None,
            dirty: false,
        };
        match std::thread::Builder::new()
            .name("switchboard-checkpoint".into())
            .spawn(move || worker.run(rx))
        {
            Ok(thread) => Checkpointer {
                tx: Some(tx),
                thread: Some(thread),
            },
            Err(e) => {
                tracing::warn!(error = %e, "no checkpoint thread; the writer checkpoints itself");
                Checkpointer {
                    tx: None,
                    thread: None,
                }
            }
        }
    }

    /// Asks for a checkpoint after a commit. Never blocks: if one is already pending, this one
    /// is folded into it.
    pub(crate) fn committed(&self) {
        if let Some(tx) = &self.tx {
            // Full: a signal is pending and covers this commit too. Disconnected: the thread
            // is gone, and the writer's hard limit bounds the WAL.
            let _ = tx.try_send(());
        }
    }

    /// Stops the thread and waits for it, so the writer's final checkpoint does not contend.
    pub(crate) fn stop(&mut self) {
        self.tx = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The thread's state: its own connection to the file, reopened if the file is replaced.
struct Worker {
    path: PathBuf,
    conn: Option<(Connection, FileIdentity)>,
    /// Something was committed since the WAL was last truncated.
    dirty: bool,
}

impl Worker {
    fn run(mut self, rx: Receiver<()>) {
        loop {
            match rx.recv_timeout(IDLE) {
                Ok(()) => {
                    self.dirty = true;
                    let mode = if wal_bytes(&self.path) > WAL_RESTART_AT {
                        "RESTART"
                    } else {
                        "PASSIVE"
                    };
                    self.checkpoint(mode);
                }
                Err(RecvTimeoutError::Timeout) => {
                    if self.dirty && self.checkpoint("TRUNCATE") {
                        self.dirty = false;
                    }
                }
                Err(RecvTimeoutError::Disconnected) => return,
            }
        }
    }

    /// Runs one checkpoint; true if it completed (every frame copied, nothing busy).
    fn checkpoint(&mut self, mode: &str) -> bool {
        let Some(conn) = self.connection() else {
            return false;
        };
        let sql = format!("PRAGMA wal_checkpoint({mode})");
        match conn.query_row(&sql, [], |r| r.get::<_, i64>(0)) {
            Ok(busy) => busy == 0,
            Err(e) => {
                // The writer reports write failures; a failed checkpoint only delays the next.
                tracing::debug!(error = %e, mode, "capture checkpoint failed");
                self.conn = None;
                false
            }
        }
    }

    /// The connection to the file now at the path, opened on first use and again when the
    /// writer has re-created the file. Never creates the file itself.
    fn connection(&mut self) -> Option<&Connection> {
        let now = FileIdentity::of(&self.path);
        if self.conn.as_ref().is_some_and(|(_, id)| *id != now) {
            self.conn = None;
        }
        if self.conn.is_none() {
            self.conn = open(&self.path).ok().map(|c| (c, now));
        }
        self.conn.as_ref().map(|(c, _)| c)
    }
}

/// Length of the WAL file next to `path` (0 if there is none).
pub(crate) fn wal_bytes(path: &Path) -> u64 {
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    std::fs::metadata(Path::new(&wal)).map_or(0, |m| m.len())
}

fn open(path: &Path) -> rusqlite::Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    disable_auto(&conn)?;
    Ok(conn)
}
