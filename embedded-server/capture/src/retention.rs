//! Retention: keeping a capture file within a size and an age.
//!
//! Pruning runs on the writer thread between batches, in chunks, so one check never holds the
//! writer long enough for the server's queue to fill. Rows go oldest first (lowest `seq`).
//! Freed pages are reused by later inserts, so the file settles near `max_bytes` instead of
//! shrinking and growing again; `VACUUM` reclaims the space by hand if needed.

use std::time::Duration;

use rusqlite::{params, Connection};

use super::error::CaptureError;

/// How much history a recorder keeps. `None` means "no limit" for that dimension.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Retention {
    /// Largest size of the database's used pages. When exceeded, the oldest rows are deleted
    /// until the file is back under 90% of it. Default: no limit.
    pub max_bytes: Option<u64>,
    /// Oldest age of a recorded row (by its timestamp). Rows of imported sessions are exempt:
    /// they carry their original, possibly old, timestamps. Default: no limit.
    pub max_age: Option<Duration>,
    /// How often the writer checks the limits. Default: 1 s.
    pub check_every: Duration,
}

impl Default for Retention {
    fn default() -> Self {
        Retention {
            max_bytes: None,
            max_age: None,
            check_every: Duration::from_secs(1),
        }
    }
}

/// Rows deleted per statement: small enough that one statement is a short transaction.
const CHUNK: usize = 5_000;
/// Most rows deleted per check; the rest waits for the next check so the writer keeps draining.
const MAX_PER_CHECK: usize = 200_000;

/// Applies the limits once. Returns how many rows were deleted.
pub(crate) fn prune(conn: &Connection, r: &Retention, now_us: i64) -> Result<u64, CaptureError> {
    let mut pruned = 0usize;
    if let Some(age) = r.max_age {
        let cutoff = now_us.saturating_sub(age.as_micros().min(i64::MAX as u128) as i64);
        let mut stmt = conn.prepare_cached(
            "DELETE FROM events WHERE seq IN (
                 SELECT seq FROM events
                 WHERE at_us < ?1
                   AND session_id IN (SELECT id FROM sessions WHERE imported_from IS NULL)
                 LIMIT ?2)",
        )?;
        while pruned < MAX_PER_CHECK {
            let n = stmt.execute(params![cutoff, CHUNK as i64])?;
            pruned += n;
            if n < CHUNK {
                break;
            }
        }
    }
    if let Some(max) = r.max_bytes {
        let target = max / 10 * 9;
        let mut used = used_bytes(conn)?;
        if used > max {
            let rows: i64 = conn.query_row("SELECT count(*) FROM events", [], |r| r.get(0))?;
            let per_row = (used / rows.max(1) as u64).max(1);
            let mut stmt = conn.prepare_cached(
                "DELETE FROM events WHERE seq IN (SELECT seq FROM events ORDER BY seq LIMIT ?1)",
            )?;
            while used > target && pruned < MAX_PER_CHECK {
                let want = ((used - target) / per_row).clamp(1, CHUNK as u64) as i64;
                let n = stmt.execute([want])?;
                pruned += n;
                if n == 0 {
                    break;
                }
                used = used_bytes(conn)?;
            }
        }
    }
    Ok(pruned as u64)
}

/// Bytes in pages that hold data (the file size less its free pages).
pub(crate) fn used_bytes(conn: &Connection) -> Result<u64, CaptureError> {
    let page_size: i64 = conn.query_row("PRAGMA page_size", [], |r| r.get(0))?;
    let pages: i64 = conn.query_row("PRAGMA page_count", [], |r| r.get(0))?;
    let free: i64 = conn.query_row("PRAGMA freelist_count", [], |r| r.get(0))?;
    Ok(((pages - free).max(0) * page_size.max(0)) as u64)
}
