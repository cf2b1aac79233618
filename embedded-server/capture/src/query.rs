//! Reading a capture: [`CaptureReader`] opens a file read-only (so it can sit beside a running
//! recorder) and answers the console's questions: a page of rows, one row whole, counts per
//! kind, and rows per time bucket for plots.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::types::Value as SqlValue;
use rusqlite::{params_from_iter, Connection};
use serde::{Deserialize, Serialize};

use super::error::CaptureError;
use super::filter::{Cursor, Filter, Page};
use super::row::{Row, SessionInfo};
use super::schema::{self, ROW_COLUMNS};
use crate::tap::TapKind;

/// How many rows of one kind a selection holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KindCount {
    pub kind: TapKind,
    pub count: u64,
}

/// How many rows fall in `[start_us, start_us + bucket)`. Empty buckets are not returned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RateBucket {
    pub start_us: i64,
    pub count: u64,
}

/// A summary of a whole capture file (`capture stats`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaptureStats {
    pub rows: u64,
    pub first_us: Option<i64>,
    pub last_us: Option<i64>,
    pub first_seq: Option<i64>,
    pub last_seq: Option<i64>,
    /// Database plus WAL, on disk.
    pub file_bytes: u64,
    pub by_kind: Vec<KindCount>,
    /// Summed over sessions: rows the server dropped because the recorder's queue was full.
    pub dropped: u64,
    pub write_errors: u64,
    pub rows_lost: u64,
    pub sessions: Vec<SessionInfo>,
}

/// A read-only view of a capture file.
///
/// Not `Sync` (one SQLite connection): give each thread its own reader, or put it behind a
/// mutex; opening one is cheap.
pub struct CaptureReader {
    conn: Connection,
    path: PathBuf,
    /// The file's schema version: filters are written for it (see [`Filter`]).
    schema: i64,
}

impl CaptureReader {
    /// Opens an existing capture file read-only. Fails on a file that is not a capture or was
    /// written by a newer schema.
    pub fn open(path: impl AsRef<Path>) -> Result<CaptureReader, CaptureError> {
        let path = path.as_ref().to_path_buf();
        let (conn, schema) = schema::open_ro(&path)?;
        Ok(CaptureReader { conn, path, schema })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The connection, for the other read-only views of this crate (`messages.rs`).
    pub(crate) fn conn(&self) -> &Connection {
        &self.conn
    }

    /// The SQL condition of `filter`; when it names connections, with the pushes stored once
    /// that reached them (see `received.rs`).
    fn sql(&self, filter: &Filter) -> Result<(String, Vec<SqlValue>), CaptureError> {
        self.sql_newest(filter, None)
    }

    /// [`sql`](Self::sql) for a page of the `newest` rows only: the received pushes are derived
    /// only as far back as such a page can reach.
    fn sql_newest(
        &self,
        filter: &Filter,
        newest: Option<usize>,
    ) -> Result<(String, Vec<SqlValue>), CaptureError> {
        let received =
            super::received::received_seqs(&self.conn, self.schema, &filter.conns, newest)?;
        Ok(filter.to_sql(self.schema, &received))
    }

    /// One page of at most `limit` rows (clamped to 1..=10,000) matching `filter`, starting at
    /// `cursor`. Rows come back in ascending `seq` order in every direction.
    pub fn query(
        &self,
        filter: &Filter,
        cursor: Cursor,
        limit: usize,
    ) -> Result<Page, CaptureError> {
        let limit = limit.clamp(1, 10_000);
        // The newest page of a filter naming only connections (the connection drawer) needs
        // the pushes they received only as far back as its `limit + 1` rows reach. With any
        // other condition a pushed row may not match it, so the whole history is derived.
        let only_conns = Filter {
            conns: Vec::new(),
            ..filter.clone()
        }
        .is_empty();
        let newest = (cursor == Cursor::End && only_conns).then_some(limit + 1);
        let (cond, mut params) = self.sql_newest(filter, newest)?;
        let (bound, order) = match cursor {
            Cursor::Start => (String::new(), "ASC"),
            Cursor::End => (String::new(), "DESC"),
            Cursor::After(seq) => {
                params.push(seq.into());
                (" AND seq > ?".to_string(), "ASC")
            }
            Cursor::Before(seq) => {
                params.push(seq.into());
                (" AND seq < ?".to_string(), "DESC")
            }
        };
        params.push(((limit + 1) as i64).into());
        let sql = format!(
            "SELECT {ROW_COLUMNS} FROM events WHERE {cond}{bound} ORDER BY seq {order} LIMIT ?"
        );
        let mut rows = self.collect(&sql, &params)?;
        let more = rows.len() > limit;
        rows.truncate(limit);
        let descending = order == "DESC";
        if descending {
            rows.reverse();
        }
        let (has_older, has_newer) = match (cursor, rows.first(), rows.last()) {
            (_, None, _) | (_, _, None) => match cursor {
                Cursor::After(seq) => (self.exists(filter, "seq <= ?", seq)?, false),
                Cursor::Before(seq) => (false, self.exists(filter, "seq >= ?", seq)?),
                Cursor::Start | Cursor::End => (false, false),
            },
            (Cursor::Start, _, _) => (false, more),
            (Cursor::End, _, _) => (more, false),
            (Cursor::After(_), Some(first), _) => {
                (self.exists(filter, "seq < ?", first.seq)?, more)
            }
            (Cursor::Before(_), _, Some(last)) => (more, self.exists(filter, "seq > ?", last.seq)?),
        };
        Ok(Page {
            rows,
            has_older,
            has_newer,
        })
    }

    /// The answer (`response_out` or `error_out`) the recorder paired with `request`, a
    /// `request_in` row; `None` for other rows or when it has none.
    pub fn answer_to(&self, request: &Row) -> Result<Option<Row>, CaptureError> {
        let Some(conn) = request
            .conn
            .as_ref()
            .filter(|_| request.kind == TapKind::RequestIn)
        else {
            return Ok(None);
        };
        let own = if self.schema >= 2 {
            "seq IN (SELECT seq FROM event_conns WHERE conn = ?1 AND seq > ?2)"
        } else {
            "conn = ?1 AND seq > ?2"
        };
        let sql = format!(
            "SELECT {ROW_COLUMNS} FROM events WHERE {own} \
             AND kind IN ('response_out', 'error_out') \
             AND CASE WHEN json_valid(meta) THEN json_extract(meta, '$.request') END = ?2 \
             ORDER BY seq LIMIT 1"
        );
        Ok(self
            .collect(&sql, &[conn.clone().into(), request.seq.into()])?
            .pop())
    }

    /// One row, whole.
    pub fn get(&self, seq: i64) -> Result<Option<Row>, CaptureError> {
        let sql = format!("SELECT {ROW_COLUMNS} FROM events WHERE seq = ?");
        Ok(self.collect(&sql, &[seq.into()])?.pop())
    }

    /// How many rows match.
    pub fn count(&self, filter: &Filter) -> Result<u64, CaptureError> {
        let (cond, params) = self.sql(filter)?;
        let sql = format!("SELECT count(*) FROM events WHERE {cond}");
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let n: i64 = stmt.query_row(params_from_iter(params.iter()), |r| r.get(0))?;
        Ok(n.max(0) as u64)
    }

    /// Rows per kind, most frequent first.
    pub fn counts_by_kind(&self, filter: &Filter) -> Result<Vec<KindCount>, CaptureError> {
        let (cond, params) = self.sql(filter)?;
        let sql = format!(
            "SELECT kind, count(*) AS n FROM events WHERE {cond} GROUP BY kind ORDER BY n DESC, kind"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let mut rows = stmt.query(params_from_iter(params.iter()))?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let kind: String = r.get(0)?;
            // A kind this build does not know (a newer recorder) is skipped, not fatal.
            if let Some(kind) = TapKind::parse(&kind) {
                out.push(KindCount {
                    kind,
                    count: r.get::<_, i64>(1)?.max(0) as u64,
                });
            }
        }
        Ok(out)
    }

    /// Rows per time bucket (e.g. one second) for rate plots, oldest first.
    pub fn rate(&self, filter: &Filter, bucket: Duration) -> Result<Vec<RateBucket>, CaptureError> {
        let width = (bucket.as_micros().clamp(1, i64::MAX as u128)) as i64;
        let (cond, mut params) = self.sql(filter)?;
        let sql = format!(
            "SELECT (at_us / ?) AS b, count(*) FROM events WHERE {cond} GROUP BY b ORDER BY b"
        );
        params.insert(0, width.into());
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let mut rows = stmt.query(params_from_iter(params.iter()))?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let b: i64 = r.get(0)?;
            out.push(RateBucket {
                start_us: b * width,
                count: r.get::<_, i64>(1)?.max(0) as u64,
            });
        }
        Ok(out)
    }

    /// Every capture session in the file, oldest first.
    pub fn sessions(&self) -> Result<Vec<SessionInfo>, CaptureError> {
        schema::sessions(&self.conn)
    }

    /// A summary of the whole file.
    pub fn stats(&self) -> Result<CaptureStats, CaptureError> {
        let all = Filter::default();
        let (rows, first_seq, last_seq): (i64, Option<i64>, Option<i64>) =
            self.conn
                .query_row("SELECT count(*), min(seq), max(seq) FROM events", [], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                })?;
        let (first_us, last_us): (Option<i64>, Option<i64>) =
            self.conn
                .query_row("SELECT min(at_us), max(at_us) FROM events", [], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })?;
        let sessions = self.sessions()?;
        let len = |p: &Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
        let mut wal = self.path.as_os_str().to_owned();
        wal.push("-wal");
        Ok(CaptureStats {
            rows: rows.max(0) as u64,
            first_us,
            last_us,
            first_seq,
            last_seq,
            file_bytes: len(&self.path) + len(Path::new(&wal)),
            by_kind: self.counts_by_kind(&all)?,
            dropped: sessions.iter().map(|s| s.dropped).sum(),
            write_errors: sessions.iter().map(|s| s.write_errors).sum(),
            rows_lost: sessions.iter().map(|s| s.rows_lost).sum(),
            sessions,
        })
    }

    /// Calls `f` with every matching row in ascending `seq` order, streaming (exports).
    pub fn scan(
        &self,
        filter: &Filter,
        mut f: impl FnMut(Row) -> Result<(), CaptureError>,
    ) -> Result<u64, CaptureError> {
        let (cond, params) = self.sql(filter)?;
        let sql = format!("SELECT {ROW_COLUMNS} FROM events WHERE {cond} ORDER BY seq ASC");
        let mut stmt = self.conn.prepare(&sql)?;
        let mut rows = stmt.query(params_from_iter(params.iter()))?;
        let mut n = 0;
        while let Some(r) = rows.next()? {
            f(Row::from_sql(r)?)?;
            n += 1;
        }
        Ok(n)
    }

    /// The ids of the sessions that the selection's rows belong to.
    pub fn session_ids(&self, filter: &Filter) -> Result<Vec<i64>, CaptureError> {
        let (cond, params) = self.sql(filter)?;
        let sql =
            format!("SELECT DISTINCT session_id FROM events WHERE {cond} ORDER BY session_id");
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let ids = stmt
            .query_map(params_from_iter(params.iter()), |r| r.get(0))?
            .collect::<Result<Vec<i64>, _>>()?;
        Ok(ids)
    }

    fn collect(
        &self,
        sql: &str,
        params: &[rusqlite::types::Value],
    ) -> Result<Vec<Row>, CaptureError> {
        let mut stmt = self.conn.prepare_cached(sql)?;
        let mut rows = stmt.query(params_from_iter(params.iter()))?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            out.push(Row::from_sql(r)?);
        }
        Ok(out)
    }

    fn exists(&self, filter: &Filter, bound: &str, seq: i64) -> Result<bool, CaptureError> {
        let (cond, mut params) = self.sql(filter)?;
        params.push(seq.into());
        let sql = format!("SELECT EXISTS (SELECT 1 FROM events WHERE {cond} AND {bound})");
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let found: bool = stmt.query_row(params_from_iter(params.iter()), |r| r.get(0))?;
        Ok(found)
    }
}

impl std::fmt::Debug for CaptureReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CaptureReader")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}
