//! A report at a glance: its counts and, per connection, how many messages differ or moved,
//! without the messages themselves. The console sends this and pages the messages separately,
//! so a report of a busy session (hundreds of thousands of messages) is never sent whole.
//!
//! Declared here, beside the report it summarises, so a field added to the report has one
//! place to reach the console (whose TypeScript copy is generated from these types).

use serde::{Deserialize, Serialize};

use std::collections::BTreeMap;

use super::report::{ConnectionReport, MessageReport, ReplayReport, Status, Summary};

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
    /// The differences grouped by what differs, largest group first: one group per JSON path
    /// of the messages that differ (`$.d.delivered changed in 4,033 messages`), one per message
    /// name of those missing or extra.
    pub groups: Vec<DiffGroup>,
}

/// Messages that differ in the same way.
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "ReplayDiffGroup"))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiffGroup {
    /// `differs`, `missing` or `extra`.
    pub status: Status,
    /// For `differs`: the JSON path that changed (a message may be in several groups).
    pub path: Option<String>,
    /// For `missing` and `extra`: the request, event or topic name.
    pub name: Option<String>,
    pub count: u32,
}

impl DiffGroup {
    /// Whether `m` belongs to this group.
    pub fn holds(&self, m: &MessageReport) -> bool {
        m.status == self.status
            && match (&self.path, &self.name) {
                (Some(p), _) => m.diffs.iter().any(|d| d.path == *p),
                (None, Some(n)) => m.name == *n,
                (None, None) => true,
            }
    }
}

/// The groups of `messages` (see [`ReportOverview::groups`]).
fn groups<'a>(messages: impl Iterator<Item = &'a MessageReport>) -> Vec<DiffGroup> {
    let mut by_key: BTreeMap<(Status, Option<String>, Option<String>), u32> = BTreeMap::new();
    for m in messages {
        match m.status {
            Status::Differs => {
                let mut paths: Vec<&str> = m.diffs.iter().map(|d| d.path.as_str()).collect();
                paths.sort_unstable();
                paths.dedup();
                for p in paths {
                    *by_key
                        .entry((Status::Differs, Some(p.to_owned()), None))
                        .or_default() += 1;
                }
            }
            Status::Missing | Status::Extra => {
                *by_key
                    .entry((m.status, None, Some(m.name.clone())))
                    .or_default() += 1;
            }
            _ => {}
        }
    }
    let mut out: Vec<DiffGroup> = by_key
        .into_iter()
        .map(|((status, path, name), count)| DiffGroup {
            status,
            path,
            name,
            count,
        })
        .collect();
    out.sort_by_key(|g| std::cmp::Reverse(g.count));
    out
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
            groups: groups(
                self.connections
                    .iter()
                    .flat_map(|c| c.messages.iter())
                    .chain(self.pushes.iter()),
            ),
        }
    }
}
