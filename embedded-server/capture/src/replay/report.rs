//! The outcome of a replay, serialisable for the console and for `--report FILE.json`.
//!
//! Per connection, one entry per message: the replies to what the connection sent (in the order
//! it sent them), then the pushes it received (aligned with the recorded ones). Each entry holds
//! the recorded and the replayed frame, a [`Status`] and, when they differ, the JSON paths where
//! they do. Push replay adds one entry per fired push.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::compare::Difference;
use super::control::RunState;
use super::error::ReplayError;
use super::options::{ReplayMode, ReplayOptions};
use super::plan::{Selection, SkippedRow};

/// How a replayed message compares with the recorded one.
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "ReplayStatusKind"))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Equal, ignored paths left out (or: neither run got an answer).
    Same,
    /// Both exist and differ at [`MessageReport::diffs`].
    Differs,
    /// Recorded, but the replay got nothing (no reply in time, a push that never came).
    Missing,
    /// The replay got something the recording does not have.
    Extra,
    /// Not replayed or not compared; [`MessageReport::note`] says why.
    Skipped,
    /// A push that arrived unchanged but at another position among the connection's pushes
    /// ([`MessageReport::note`] says where). Pushes caused by connections running side by side
    /// interleave differently from run to run, so this is not a difference; with
    /// [`super::ReplayOptions::strict_order`] moves are not looked for, and a reordered push
    /// shows as missing plus extra.
    Moved,
}

impl Status {
    /// Whether this status fails a `--check`.
    pub fn is_difference(self) -> bool {
        matches!(self, Status::Differs | Status::Missing | Status::Extra)
    }
}

/// Which stream of a connection a message belongs to.
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "ReplayStream"))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stream {
    /// The answer to something the connection sent (`res`, `err`, a subscribe's ack).
    Reply,
    /// Something the server pushed to the connection (`evt`, `pub`, `sreq`, a connection-level
    /// `err`).
    Push,
    /// A push fired again by push replay.
    Fired,
}

/// One compared message.
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "ReplayMessage"))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessageReport {
    pub stream: Stream,
    /// Position in its stream on this connection (0-based).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub index: usize,
    /// Request, event, topic or action label.
    pub name: String,
    pub status: Status,
    /// The row that was re-sent (replies) or fired (push replay).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub action_seq: Option<i64>,
    /// The row holding the recorded frame.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub recorded_seq: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(type = "unknown"))]
    pub recorded: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(type = "unknown"))]
    pub replayed: Option<Value>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub diffs: Vec<Difference>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// One recorded connection and what its replay did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConnectionReport {
    pub session_id: i64,
    /// The recorded connection id.
    pub conn: String,
    pub role: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// Parameters sent on the upgrade (secret-looking values masked here, not on the wire).
    pub params: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// Why the connection could not be opened, if it could not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// How the recorded connection was closed by the server, if it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recorded_server_close: Option<Value>,
    /// How the server closed the replayed connection before the replay did, if it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replayed_server_close: Option<Value>,
    /// Whether received pushes were compared (see [`super::ReplayOptions::compare_pushes`]).
    pub pushes_compared: bool,
    pub messages: Vec<MessageReport>,
}

/// Counts of each status over every message of the report.
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "ReplaySummary"))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub messages: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub same: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub differs: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub missing: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub extra: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub skipped: u64,
    /// Reports written before moves were recognised have no such field.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub moved: u64,
    /// `differs + missing + extra`: what fails a `--check` (kept by [`Summary::add`]; reports
    /// written before the field have none, [`Summary::differences`] recomputes it).
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub differences: u64,
}

impl Summary {
    pub fn add(&mut self, status: Status) {
        self.messages += 1;
        match status {
            Status::Same => self.same += 1,
            Status::Differs => self.differs += 1,
            Status::Missing => self.missing += 1,
            Status::Extra => self.extra += 1,
            Status::Skipped => self.skipped += 1,
            Status::Moved => self.moved += 1,
        }
        self.differences = self.differs + self.missing + self.extra;
    }

    /// Messages that fail a `--check` (recomputed, for reports written before the field).
    pub fn differences(&self) -> u64 {
        self.differs + self.missing + self.extra
    }
}

/// Everything a replay found. Serialises to the `--report` JSON file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReplayReport {
    /// Also sent as `sb_replay=<id>` on every replayed connection (with the target's replay key,
    /// when known), so the target's capture marks their traffic with origin `replay`.
    pub replay_id: String,
    pub mode: ReplayMode,
    /// The URL (or `embedded server <node>`) replayed against.
    pub target: String,
    /// The capture file, when the plan was loaded from one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    pub selection: Selection,
    /// The options used (parameter values masked).
    pub options: ReplayOptions,
    pub started_us: i64,
    pub finished_us: i64,
    /// `finished`, or `stopped` when stopped by hand.
    pub state: RunState,
    pub summary: Summary,
    /// Rows of the selection that could not be replayed, and why.
    pub skipped_rows: Vec<SkippedRow>,
    /// Rows of kinds a replay has no use for, counted by kind.
    pub ignored_rows: BTreeMap<String, u64>,
    pub connections: Vec<ConnectionReport>,
    /// Push replay: one entry per recorded push.
    pub pushes: Vec<MessageReport>,
}

impl ReplayReport {
    /// Whether any message differs, is missing or is extra (what `--check` fails on).
    pub fn has_differences(&self) -> bool {
        self.summary.differences() > 0
    }

    /// Every message that is not the same and not skipped, with its connection.
    pub fn differences(&self) -> Vec<(Option<&ConnectionReport>, &MessageReport)> {
        let per_conn = self.connections.iter().flat_map(|c| {
            c.messages
                .iter()
                .filter(|m| m.status.is_difference())
                .map(move |m| (Some(c), m))
        });
        let pushes = self
            .pushes
            .iter()
            .filter(|m| m.status.is_difference())
            .map(|m| (None, m));
        per_conn.chain(pushes).collect()
    }

    /// Recounts [`ReplayReport::summary`] from the messages.
    pub(crate) fn recount(&mut self) {
        let mut summary = Summary::default();
        for m in self
            .connections
            .iter()
            .flat_map(|c| c.messages.iter())
            .chain(self.pushes.iter())
        {
            summary.add(m.status);
        }
        self.summary = summary;
    }

    /// Writes the report as pretty JSON to `path`, through `<path>.partial` and a rename, so a
    /// CI job never reads half a report.
    pub fn write_json(&self, path: &Path) -> Result<(), ReplayError> {
        let mut partial = path.as_os_str().to_owned();
        partial.push(".partial");
        let partial = std::path::PathBuf::from(partial);
        let text = serde_json::to_vec_pretty(self)?;
        std::fs::write(&partial, text).map_err(|e| ReplayError::io(&partial, e))?;
        std::fs::rename(&partial, path).map_err(|e| ReplayError::io(path, e))?;
        Ok(())
    }

    /// A human summary: the counts, skipped rows, then each difference with its paths.
    pub fn write_text(&self, out: &mut dyn Write) -> std::io::Result<()> {
        let s = &self.summary;
        writeln!(
            out,
            "replay {} ({}) against {}: {} messages: {} same, {} differ, {} missing, {} extra, {} moved, {} skipped{}",
            self.replay_id,
            match self.mode {
                ReplayMode::Clients => "clients",
                ReplayMode::Pushes => "pushes",
            },
            self.target,
            s.messages,
            s.same,
            s.differs,
            s.missing,
            s.extra,
            s.moved,
            s.skipped,
            if self.state == RunState::Stopped { " (stopped)" } else { "" },
        )?;
        for row in &self.skipped_rows {
            writeln!(
                out,
                "  skipped row {} ({}{}): {}",
                row.seq,
                row.kind,
                row.conn
                    .as_deref()
                    .map(|c| format!(", conn {c}"))
                    .unwrap_or_default(),
                row.reason
            )?;
        }
        for c in &self.connections {
            if let Some(e) = &c.error {
                writeln!(out, "  conn {} ({}): {e}", c.conn, who(c))?;
            }
            for note in &c.notes {
                writeln!(out, "  conn {} ({}): {note}", c.conn, who(c))?;
            }
        }
        for (conn, m) in self.differences() {
            let place = match conn {
                Some(c) => format!("conn {} ({})", c.conn, who(c)),
                None => "push".to_owned(),
            };
            let stream = match m.stream {
                Stream::Reply => "reply",
                Stream::Push => "push",
                Stream::Fired => "fired",
            };
            let status = match m.status {
                Status::Differs => "differs",
                Status::Missing => "missing",
                Status::Extra => "extra",
                Status::Same => "same",
                Status::Skipped => "skipped",
                Status::Moved => "moved",
            };
            let seq = m
                .recorded_seq
                .or(m.action_seq)
                .map(|s| format!(" (row {s})"))
                .unwrap_or_default();
            writeln!(
                out,
                "  {place} {stream} #{} {}{seq}: {status}",
                m.index, m.name
            )?;
            for d in &m.diffs {
                writeln!(
                    out,
                    "      {}: {} -> {}",
                    d.path,
                    show(d.recorded.as_ref()),
                    show(d.replayed.as_ref())
                )?;
            }
            if m.diffs.is_empty() {
                if let Some(v) = m.recorded.as_ref().or(m.replayed.as_ref()) {
                    writeln!(out, "      {}", clip(&v.to_string()))?;
                }
            }
            if let Some(note) = &m.note {
                writeln!(out, "      {note}")?;
            }
        }
        // Moves are not differences and can be many in a busy session: one line a connection.
        for c in &self.connections {
            let moved = c
                .messages
                .iter()
                .filter(|m| m.status == Status::Moved)
                .count();
            if moved > 0 {
                writeln!(
                    out,
                    "  conn {} ({}): {moved} push{} arrived unchanged at another position (moved)",
                    c.conn,
                    who(c),
                    if moved == 1 { "" } else { "es" }
                )?;
            }
        }
        Ok(())
    }
}

fn who(c: &ConnectionReport) -> String {
    match &c.user {
        Some(u) => format!("{} {u}", c.role),
        None => c.role.clone(),
    }
}

fn show(v: Option<&Value>) -> String {
    match v {
        Some(v) => clip(&v.to_string()),
        None => "(absent)".to_owned(),
    }
}

fn clip(s: &str) -> String {
    const MAX: usize = 200;
    if s.len() <= MAX {
        return s.to_owned();
    }
    format!("{}...", crate::wire::util::truncate_utf8(s, MAX))
}
