//! `/api/replay`: running captured traffic again (client or push replay) and the report of what
//! came back different. The engine is `switchboard_capture::replay`; its own types (the mode,
//! the selection, each compared message, the counts, the report's overview) are used here as
//! they are, with their TypeScript generated from them: only the console's request, state and
//! paging are declared in this file.

use serde::{Deserialize, Serialize};
use switchboard_capture::replay::{MessageReport, ReplayMode, ReportOverview, Selection, Status};
use ts_rs::TS;

/// `POST /api/replay`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct ReplayRequest {
    pub selection: Selection,
    pub mode: ReplayMode,
    /// `isolated` (the default: a server started for the replay with the embedded server's
    /// contract and handlers, on a private port, that no real client is connected to), `live`
    /// (this console's server, where real clients receive what the replay causes; `embedded`
    /// is the same) or a `ws://` URL (client replay only). In proxy mode: `upstream` (the
    /// default there), the server the proxy relays to, or a `ws://` URL.
    pub target: String,
    /// 1 = recorded timing, 2 = twice as fast, 0 = no waiting.
    pub speed: f64,
    /// JSON paths left out of comparisons (`$..ts`, `$.d.id`).
    pub ignore: Vec<String>,
    /// Events and topics (by name) left out of the push comparison on both sides: what the
    /// target sends on its own schedule (a timer's `ticker`). Needed against a proxy's
    /// upstream, whose pushes all count as caused by the clients (docs/proxy.md).
    pub ignore_events: Vec<String>,
    /// Count a push received at another position than recorded as missing plus extra instead
    /// of as moved (which is not a difference).
    pub strict_order: bool,
}

impl Default for ReplayRequest {
    fn default() -> Self {
        ReplayRequest {
            selection: Selection::default(),
            mode: ReplayMode::Clients,
            target: "isolated".into(),
            speed: 1.0,
            ignore: Vec::new(),
            ignore_events: Vec::new(),
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
    /// Only one group of differences (see the result's `groups`): its status, and its path
    /// (`differs`) or message name (`missing`, `extra`).
    pub status: Option<Status>,
    pub path: Option<String>,
    pub name: Option<String>,
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
    pub message: MessageReport,
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
    pub report: Option<ReportOverview>,
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
