//! What to select from a capture: the same [`Filter`] drives the query API, every export, the
//! counts and the rate plots, so what the console shows is exactly what gets exported.
//!
//! Paging is keyset paging on `seq` ([`Cursor`]): a page is found by an index range, never by
//! an OFFSET, so page 10,000 costs what page 1 costs.

use rusqlite::types::Value as SqlValue;
use serde::{Deserialize, Serialize};

use super::error::CaptureError;
use crate::tap::{Origin, TapKind};

/// A selection of rows. Empty lists and `None` do not restrict; a list matches any of its
/// values; all given fields must match.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Filter {
    /// Rows at or after this time (microseconds since the Unix epoch).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub since_us: Option<i64>,
    /// Rows strictly before this time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub until_us: Option<i64>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub kinds: Vec<TapKind>,
    /// Rows of these kinds are left out (the console hides pings and pongs unless asked).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub exclude_kinds: Vec<TapKind>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub names: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<String>,
    /// Rows naming any of these rooms (a row may name several).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rooms: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub topics: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub conns: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub users: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub origins: Vec<Origin>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sessions: Vec<i64>,
    /// Rows recorded from these nodes (a console attached to several nodes records them all
    /// into one file).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub nodes: Vec<String>,
    /// Text that the payload contains (ASCII case-insensitive; `%` and `_` are literal).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

impl Filter {
    pub fn is_empty(&self) -> bool {
        *self == Filter::default()
    }

    /// The SQL condition (over `events`, no leading `WHERE`) and its parameters, in order.
    /// `schema` is the file's schema version: version 1 has no `event_conns`.
    pub(crate) fn to_sql(&self, schema: i64, received: &[i64]) -> (String, Vec<SqlValue>) {
        let mut conds: Vec<String> = Vec::new();
        let mut params: Vec<SqlValue> = Vec::new();
        if let Some(t) = self.since_us {
            conds.push("at_us >= ?".into());
            params.push(SqlValue::Integer(t));
        }
        if let Some(t) = self.until_us {
            conds.push("at_us < ?".into());
            params.push(SqlValue::Integer(t));
        }
        if !self.exclude_kinds.is_empty() {
            let marks = vec!["?"; self.exclude_kinds.len()].join(", ");
            conds.push(format!("kind NOT IN ({marks})"));
            params.extend(
                self.exclude_kinds
                    .iter()
                    .map(|k| SqlValue::Text(k.as_str().into())),
            );
        }
        let mut any_of = |column: &str, values: Vec<SqlValue>| {
            if values.is_empty() {
                return;
            }
            let marks = vec!["?"; values.len()].join(", ");
            conds.push(format!("{column} IN ({marks})"));
            params.extend(values);
        };
        let texts = |v: &[String]| v.iter().map(|s| SqlValue::Text(s.clone())).collect();
        any_of(
            "kind",
            self.kinds
                .iter()
                .map(|k| SqlValue::Text(k.as_str().into()))
                .collect(),
        );
        any_of("name", texts(&self.names));
        any_of("role", texts(&self.roles));
        any_of("topic", texts(&self.topics));
        any_of("user", texts(&self.users));
        any_of("node_id", texts(&self.nodes));
        any_of(
            "origin",
            self.origins
                .iter()
                .map(|o| SqlValue::Text(o.as_str().into()))
                .collect(),
        );
        any_of(
            "session_id",
            self.sessions
                .iter()
                .map(|s| SqlValue::Integer(*s))
                .collect(),
        );
        // Rooms and connections are found through their keyed side tables (`event_rooms`,
        // `event_conns`): an index range per value, even for a row that names several rooms.
        let mut keyed = |table: &str, column: &str, values: &[String]| {
            if values.is_empty() {
                return;
            }
            let marks = vec!["?"; values.len()].join(", ");
            conds.push(format!(
                "seq IN (SELECT seq FROM {table} WHERE {column} IN ({marks}))"
            ));
            params.extend(texts(values));
        };
        keyed("event_rooms", "room", &self.rooms);
        // A connection's rows are its own and the pushes stored once that reached it
        // (`received`, derived by the reader: see `received.rs`).
        let received_clause = |conds: &mut Vec<String>, params: &mut Vec<SqlValue>, own: String| {
            if received.is_empty() {
                conds.push(own);
            } else {
                conds.push(format!(
                    "({own} OR seq IN (SELECT value FROM json_each(?)))"
                ));
                let list = serde_json::to_string(received).unwrap_or_else(|_| "[]".into());
                params.push(SqlValue::Text(list));
            }
        };
        if schema < 2 && !self.conns.is_empty() {
            // Version 1 files have an index on `events(conn)` instead of `event_conns`.
            let marks = vec!["?"; self.conns.len()].join(", ");
            params.extend(texts(&self.conns));
            received_clause(&mut conds, &mut params, format!("conn IN ({marks})"));
        }
        if schema >= 2 && !self.conns.is_empty() {
            let marks = vec!["?"; self.conns.len()].join(", ");
            params.extend(texts(&self.conns));
            received_clause(
                &mut conds,
                &mut params,
                format!("seq IN (SELECT seq FROM event_conns WHERE conn IN ({marks}))"),
            );
        }
        if let Some(text) = self.text.as_deref().filter(|t| !t.is_empty()) {
            let pattern = format!("%{}%", escape_like(text));
            conds.push("(payload LIKE ? ESCAPE '\\' OR payload_text LIKE ? ESCAPE '\\')".into());
            params.push(SqlValue::Text(pattern.clone()));
            params.push(SqlValue::Text(pattern));
        }
        if conds.is_empty() {
            ("1".into(), params)
        } else {
            (conds.join(" AND "), params)
        }
    }
}

fn escape_like(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Where a page starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "at", content = "seq")]
pub enum Cursor {
    /// The oldest rows.
    Start,
    /// The newest rows (a live view's first page).
    End,
    /// Rows with a greater seq (the next, newer page).
    After(i64),
    /// Rows with a smaller seq (the previous, older page).
    Before(i64),
}

/// One page of rows, always in ascending `seq` order whichever way it was fetched.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Page {
    pub rows: Vec<super::row::Row>,
    /// Whether rows older than the first one match the filter.
    pub has_older: bool,
    /// Whether rows newer than the last one match the filter (at the time of the query).
    pub has_newer: bool,
}

impl Page {
    /// The cursor of the page before this one (`None` when there is none).
    pub fn older(&self) -> Option<Cursor> {
        match self.rows.first() {
            Some(r) if self.has_older => Some(Cursor::Before(r.seq)),
            _ => None,
        }
    }

    /// The cursor of the page after this one (`None` when there is none yet).
    pub fn newer(&self) -> Option<Cursor> {
        match self.rows.last() {
            Some(r) if self.has_newer => Some(Cursor::After(r.seq)),
            _ => None,
        }
    }
}

/// Parses a time given as RFC 3339 (`2024-05-01T12:00:00Z`, any offset) or as Unix
/// milliseconds (`1714564800000`), into microseconds since the Unix epoch.
pub fn parse_time(s: &str) -> Result<i64, CaptureError> {
    let s = s.trim();
    if !s.is_empty()
        && s.trim_start_matches('-')
            .chars()
            .all(|c| c.is_ascii_digit())
    {
        let ms: i64 = s
            .parse()
            .map_err(|e| CaptureError::InvalidFilter(format!("time {s:?}: {e}")))?;
        return ms
            .checked_mul(1000)
            .ok_or_else(|| CaptureError::InvalidFilter(format!("time {s:?} is out of range")));
    }
    let t = time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
        .map_err(|e| {
            CaptureError::InvalidFilter(format!(
                "time {s:?} is neither RFC 3339 nor Unix milliseconds: {e}"
            ))
        })?;
    i64::try_from(t.unix_timestamp_nanos() / 1000)
        .map_err(|_| CaptureError::InvalidFilter(format!("time {s:?} is out of range")))
}

/// Formats microseconds since the Unix epoch as RFC 3339 in UTC with microseconds.
pub fn format_time(at_us: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp_nanos(at_us as i128 * 1000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let fmt = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z"
    );
    t.format(&fmt).unwrap_or_else(|_| at_us.to_string())
}
