//! `/api/replay`: running captured traffic again (client or push replay) and the report of what
//! came back different. The engine is `switchboard_capture::replay`; these are the console's
//! views of its request, progress and report.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

/// What a replay re-creates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ReplayKind {
    /// Re-create the recorded connections as WebSocket clients and compare what comes back.
    #[default]
    Clients,
    /// Fire the recorded pushes again at the embedded server's current connections.
    Pushes,
}

/// Which recorded rows to replay. Every field is optional: `{}` is the whole capture.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct ReplaySelection {
    #[ts(type = "number | null")]
    pub session: Option<i64>,
    #[ts(type = "number | null")]
    pub since_us: Option<i64>,
    #[ts(type = "number | null")]
    pub until_us: Option<i64>,
    pub conns: Vec<String>,
    #[ts(type = "number[]")]
    pub seqs: Vec<i64>,
}

/// `POST /api/replay`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct ReplayRequest {
    pub selection: ReplaySelection,
    pub mode: ReplayKind,
    /// `embedded` (this console's server) or a `ws://` URL (client replay only).
    pub target: String,
    /// 1 = recorded timing, 2 = twice as fast, 0 = no waiting.
    pub speed: f64,
    /// JSON paths left out of comparisons (`$..ts`, `$.d.id`).
    pub ignore: Vec<String>,
    /// Count a push received at another position than recorded as missing plus extra instead
    /// of as moved (which is not a difference).
    pub strict_order: bool,
}

impl Default for ReplayRequest {
    fn default() -> Self {
        ReplayRequest {
            selection: ReplaySelection::default(),
            mode: ReplayKind::Clients,
            target: "embedded".into(),
            speed: 1.0,
            ignore: Vec::new(),
            strict_order: false,
        }
    }
}

/// Where a replay stands. `failed`: it could not start (the error says why).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ReplayState {
    Ready,
    Running,
    Paused,
    Stopped,
    Finished,
    Failed,
}

/// How a replayed message compares with the recorded one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ReplayStatusKind {
    Same,
    Differs,
    Missing,
    Extra,
    Skipped,
    /// Arrived unchanged at another position among the connection's pushes (not a
    /// difference).
    Moved,
}

/// One place where the recorded and the replayed frame disagree.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ReplayDiff {
    /// JSON path from the frame's root (`$.d.text`).
    pub path: String,
    #[ts(type = "unknown")]
    pub recorded: Option<Value>,
    #[ts(type = "unknown")]
    pub replayed: Option<Value>,
}

/// One compared message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ReplayMessage {
    /// `reply`, `push` or `fired`.
    pub stream: String,
    pub index: u32,
    pub name: String,
    pub status: ReplayStatusKind,
    #[ts(type = "number | null")]
    pub recorded_seq: Option<i64>,
    #[ts(type = "unknown")]
    pub recorded: Option<Value>,
    #[ts(type = "unknown")]
    pub replayed: Option<Value>,
    pub diffs: Vec<ReplayDiff>,
    pub note: Option<String>,
}

/// One recorded connection and what its replay did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ReplayConnection {
    #[ts(type = "number")]
    pub session_id: i64,
    pub conn: String,
    pub role: String,
    pub user: Option<String>,
    /// Why the connection could not be opened, if it could not.
    pub error: Option<String>,
    pub notes: Vec<String>,
    /// Messages compared on this connection (read them with `GET /api/replay/messages`).
    pub message_count: u32,
    /// Of those, how many differ, are missing or are extra.
    pub difference_count: u32,
    pub moved_count: u32,
}

/// Counts of each status over every message.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ReplaySummary {
    #[ts(type = "number")]
    pub messages: u64,
    #[ts(type = "number")]
    pub same: u64,
    #[ts(type = "number")]
    pub differs: u64,
    #[ts(type = "number")]
    pub missing: u64,
    #[ts(type = "number")]
    pub extra: u64,
    #[ts(type = "number")]
    pub skipped: u64,
    #[ts(type = "number")]
    pub moved: u64,
    /// `differs + missing + extra`.
    #[ts(type = "number")]
    pub differences: u64,
}

/// A finished (or stopped) replay's report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ReplayResult {
    /// The URL (or `embedded server <node>`) replayed against.
    pub target: String,
    #[ts(type = "number")]
    pub started_us: i64,
    #[ts(type = "number")]
    pub finished_us: i64,
    pub summary: ReplaySummary,
    /// Rows of the selection that could not be replayed.
    pub skipped_rows: u32,
    pub connections: Vec<ReplayConnection>,
    /// Push replay: recorded pushes fired again (read them with `GET /api/replay/messages`).
    pub push_count: u32,
    pub push_difference_count: u32,
}

/// Which messages of the last report `GET /api/replay/messages` lists.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ReplayMessageFilter {
    /// `differs`, `missing` and `extra`: what fails a check.
    #[default]
    Differences,
    Moved,
    All,
}

/// Query of `GET /api/replay/messages`: a window of the last report's messages, so a report of
/// a busy session (hundreds of thousands of messages) is never sent whole.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct ReplayMessageQuery {
    pub filter: ReplayMessageFilter,
    /// Only this recorded connection (`fired` for push replay's pushes).
    pub conn: Option<String>,
    pub offset: Option<u32>,
    /// At most 500; default 100.
    pub limit: Option<u32>,
}

/// One message of the report with the connection it belongs to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ReplayEntry {
    /// The recorded connection id; `null` for a push fired by push replay.
    pub conn: Option<String>,
    pub role: Option<String>,
    pub user: Option<String>,
    pub message: ReplayMessage,
}

/// `GET /api/replay/messages`: connections in report order, each connection's replies then
/// pushes, then the fired pushes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ReplayPage {
    /// Messages matching the query.
    pub total: u32,
    pub offset: u32,
    pub items: Vec<ReplayEntry>,
}

/// `GET /api/replay`: the current or last replay (`id: null` before the first one).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ReplayStatus {
    pub id: Option<String>,
    pub state: ReplayState,
    #[ts(type = "number")]
    pub sent: u64,
    #[ts(type = "number")]
    pub total: u64,
    #[ts(type = "number")]
    pub diffs: u64,
    pub request: Option<ReplayRequest>,
    pub error: Option<String>,
    pub report: Option<ReplayResult>,
}

/// `POST /api/replay`'s answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ReplayStarted {
    pub id: String,
}

/// A capture session a replay can pick.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ReplaySession {
    #[ts(type = "number")]
    pub id: i64,
    #[ts(type = "number")]
    pub started_us: i64,
    pub node_id: String,
    pub imported_from: Option<String>,
    /// The session this console is recording now.
    pub current: bool,
}

/// `GET /api/replay/sessions`, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ReplaySessions {
    pub sessions: Vec<ReplaySession>,
}
