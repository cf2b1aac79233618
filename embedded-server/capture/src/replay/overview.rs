//! A report at a glance: its counts and, per connection, how many messages differ or moved,
//! without the messages themselves. The console sends this and pages the messages separately,
//! so a report of a busy session (hundreds of thousands of messages) is never sent whole.
//!
//! Declared here, beside the report it summarises, so a field added to the report has one
//! place to reach the console (whose TypeScript copy is generated from these types).

use serde::{Deserialize, Serialize};

use super::report::{ConnectionReport, ReplayReport, Status, Summary};

/// One recorded connection and what its replay did, without its messages.
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "ReplayConnection"))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConnectionOverview {
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub session_id: i64,
    /// The recorded connection id.
    pub conn: String,
    pub role: String,
    pub user: Option<String>,
    /// Why the connection could not be opened, if it could not.
    pub error: Option<String>,
    pub notes: Vec<String>,
    /// Messages compared on this connection.
    pub message_count: u32,
    /// Of those, how many differ, are missing or are extra.
    pub difference_count: u32,
    /// Of those, how many arrived unchanged at another position.
    pub moved_count: u32,
}

/// A finished (or stopped) replay's report, without its messages.
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "ReplayResult"))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportOverview {
    /// The URL (or `embedded server <node>`) replayed against.
    pub target: String,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub started_us: i64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub finished_us: i64,
    pub summary: Summary,
    /// Rows of the selection that could not be replayed.
    pub skipped_rows: u32,
    pub connections: Vec<ConnectionOverview>,
    /// Push replay: recorded pushes fired again.
    pub push_count: u32,
    /// Of those, how many came out different.
    pub push_difference_count: u32,
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl ConnectionReport {
    /// This connection's counts, without its messages.
    pub fn overview(&self) -> ConnectionOverview {
        let with =
            |f: fn(Status) -> bool| count(self.messages.iter().filter(|m| f(m.status)).count());
        ConnectionOverview {
            session_id: self.session_id,
            conn: self.conn.clone(),
            role: self.role.clone(),
            user: self.user.clone(),
            error: self.error.clone(),
            notes: self.notes.clone(),
            message_count: count(self.messages.len()),
            difference_count: with(Status::is_difference),
            moved_count: with(|s| s == Status::Moved),
        }
    }
}

impl ReplayReport {
    /// The report's counts, without its messages.
    pub fn overview(&self) -> ReportOverview {
        let mut summary = self.summary;
        summary.differences = summary.differences();
        ReportOverview {
            target: self.target.clone(),
            started_us: self.started_us,
            finished_us: self.finished_us,
            summary,
            skipped_rows: count(self.skipped_rows.len()),
            connections: self
                .connections
                .iter()
                .map(ConnectionReport::overview)
                .collect(),
            push_count: count(self.pushes.len()),
            push_difference_count: count(
                self.pushes
                    .iter()
                    .filter(|m| m.status.is_difference())
                    .count(),
            ),
        }
    }
}
