//! Entry points for the fuzz targets (`fuzz/` at the repository's root) and the property
//! tests, as in `switchboard_wire::fuzz`: untrusted bytes in, `Err(message)` for a refusal, a
//! panic only for a broken promise. Imports read files, so each call works in a directory of
//! its own under the system's temporary directory and removes it afterwards.
//!
//! The promises checked besides "no panic": a refused import keeps nothing (the new capture
//! has no session), and a refused destination stays byte-identical.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use rusqlite::Connection;
use switchboard_server::wire::fuzz::explained;

use crate::import::import;
use crate::schema::APPLICATION_ID;

/// The first bytes of every SQLite database file.
const SQLITE_HEADER: &[u8] = b"SQLite format 3\0";

/// An import source (JSONL export or SQLite capture, told apart by content, as `capture
/// import` does) into a new capture. Returns the rows imported.
pub fn import_source(data: &[u8]) -> Result<u64, String> {
    let dir = Scratch::new();
    let input = dir.path("input");
    let db = dir.path("capture.db");
    std::fs::write(&input, data).map_err(|e| format!("scratch file: {e}"))?;
    match import(&db, &input, &mut |_, _| {}) {
        Ok(summary) => Ok(summary.rows),
        Err(e) => {
            let sessions = sessions_in(&db);
            assert_eq!(
                sessions, 0,
                "a refused import kept {sessions} session(s): {e}"
            );
            Err(explained(e.to_string()))
        }
    }
}

/// A SQLite source: the bytes after SQLite's header, so every input takes the SQLite path.
pub fn import_sqlite(data: &[u8]) -> Result<u64, String> {
    if data.starts_with(SQLITE_HEADER) {
        return import_source(data);
    }
    let mut file = SQLITE_HEADER.to_vec();
    file.extend_from_slice(data);
    import_source(&file)
}

/// An import into an existing destination file of these bytes, from a valid one-session JSONL
/// export: the destination is identified before anything is written, and one that is refused
/// must not change at all (no WAL switch, no `-wal`/`-shm` files).
pub fn import_destination(data: &[u8], source_jsonl: &[u8]) -> Result<u64, String> {
    let dir = Scratch::new();
    let input = dir.path("source.jsonl");
    let db = dir.path("destination.db");
    std::fs::write(&input, source_jsonl).map_err(|e| format!("scratch file: {e}"))?;
    std::fs::write(&db, data).map_err(|e| format!("scratch file: {e}"))?;
    match import(&db, &input, &mut |_, _| {}) {
        Ok(summary) => Ok(summary.rows),
        Err(e) => {
            // Looked at before anything else opens the file.
            let after = std::fs::read(&db).unwrap_or_default();
            let sides: Vec<&str> = ["destination.db-wal", "destination.db-shm"]
                .into_iter()
                .filter(|side| dir.path(side).exists())
                .collect();
            // The import identifies its destination by SQLite's header and application id
            // before it changes anything: a file that is neither a capture (our id) nor a
            // blank database (id 0, which a new capture claims) must come out as it went in.
            // One that passed may have been touched before it failed (it is ours).
            if !claimable(data) {
                assert!(after == data, "a refused destination changed: {e}");
                assert!(
                    sides.is_empty(),
                    "a refused destination gained {sides:?}: {e}"
                );
            }
            Err(explained(e.to_string()))
        }
    }
}

fn sessions_in(db: &Path) -> i64 {
    if !db.exists() {
        return 0;
    }
    Connection::open(db)
        .and_then(|c| c.query_row("SELECT count(*) FROM sessions", [], |r| r.get(0)))
        .unwrap_or(0)
}

/// Whether an import may write to a destination of these bytes: an empty file, or a SQLite
/// database whose application id is a capture's or not set yet.
fn claimable(data: &[u8]) -> bool {
    if data.is_empty() {
        return true;
    }
    if !data.starts_with(SQLITE_HEADER) {
        return false;
    }
    let id = data
        .get(68..72)
        .map_or(0, |b| i32::from_be_bytes([b[0], b[1], b[2], b[3]]));
    id == 0 || id == APPLICATION_ID
}

/// A directory of its own for one call, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!(
            "switchboard-fuzz-{}-{n}-{:08x}",
            std::process::id(),
            rand::random::<u32>()
        ));
        std::fs::create_dir_all(&dir).expect("a scratch directory");
        Scratch(dir)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
