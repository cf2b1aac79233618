//! `/api/traffic`: recorded history, and the rows the live tail carries.

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use switchboard_server::tap::{Origin, TapKind};
use ts_rs::TS;

/// One message or change. Recorded rows carry their `seq` in the capture file; live rows have
/// none yet (`null`).
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct TrafficRow {
    #[ts(type = "number | null")]
    pub seq: Option<i64>,
    #[ts(type = "number")]
    pub at_us: i64,
    pub kind: TapKind,
    /// Request, event or topic name.
    pub name: Option<String>,
    pub conn: Option<String>,
    pub role: Option<String>,
    pub user: Option<String>,
    pub rooms: Vec<String>,
    pub topic: Option<String>,
    /// The payload JSON as it went on the wire.
    #[ts(type = "unknown")]
    pub payload: Option<Box<RawValue>>,
    /// A payload that is not JSON (the start of a frame that could not be parsed).
    pub payload_text: Option<String>,
    #[ts(type = "number")]
    pub size: u64,
    pub recipients: Option<u32>,
    pub origin: Origin,
    /// Close codes, durations, error codes, filters.
    #[ts(type = "unknown")]
    pub meta: Option<serde_json::Value>,
    /// The node it happened on (absent in rows from older consoles).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub node: Option<String>,
    /// `sent` (client to server) or `received` (server to client), from the connection's
    /// side; absent for lifecycle and membership rows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub direction: Option<String>,
    /// The `seq` of the request whose handler made this row (recorded rows only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional, type = "number")]
    pub cause: Option<i64>,
    /// On an answer: the `seq` of the request it answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional, type = "number")]
    pub request_seq: Option<i64>,
    /// On an answer: microseconds from the request to it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional, type = "number")]
    pub latency_us: Option<i64>,
    /// On an error row: its code (`VALIDATION`, `FORBIDDEN`, `BAD_REQUEST`...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub code: Option<String>,
}

/// `GET /api/traffic/{seq}/related`: the rows a recorded row is paired with.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct TrafficRelated {
    /// For a request: its answer (`response_out` or `error_out`).
    pub answer: Option<TrafficRow>,
    /// For an answer: its request.
    pub request: Option<TrafficRow>,
    /// For a row made inside a handler: that handler's request.
    pub cause: Option<TrafficRow>,
}

/// A selection of traffic. Empty lists and `null` do not restrict; a list matches any of its
/// values; every given field must match. The same filter drives the live tail, the history
/// and exports, so what is shown is what gets exported.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct TrafficFilter {
    /// At or after (microseconds since the Unix epoch).
    #[ts(type = "number | null")]
    pub since_us: Option<i64>,
    /// Strictly before.
    #[ts(type = "number | null")]
    pub until_us: Option<i64>,
    pub kinds: Vec<TapKind>,
    /// Kinds left out (the UI hides `ping` and `pong` unless asked); absent: none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[ts(as = "Option<Vec<TapKind>>", optional)]
    pub exclude_kinds: Vec<TapKind>,
    pub names: Vec<String>,
    pub roles: Vec<String>,
    pub rooms: Vec<String>,
    pub topics: Vec<String>,
    pub conns: Vec<String>,
    pub users: Vec<String>,
    pub origins: Vec<Origin>,
    /// Text the payload contains, ignoring ASCII case.
    pub text: Option<String>,
    /// Rows from these nodes (attach mode); absent or empty: every node.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[ts(as = "Option<Vec<String>>", optional)]
    pub nodes: Vec<String>,
}

/// Where a history page starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case", tag = "at")]
pub enum TrafficCursor {
    /// The oldest rows.
    Start,
    /// The newest rows.
    End,
    /// Rows newer than `seq`.
    After {
        #[ts(type = "number")]
        seq: i64,
    },
    /// Rows older than `seq`.
    Before {
        #[ts(type = "number")]
        seq: i64,
    },
}

/// Body of `POST /api/traffic/query`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct TrafficQuery {
    pub filter: TrafficFilter,
    pub cursor: TrafficCursor,
    /// 1 to 5000.
    pub limit: u32,
}

/// Rows in ascending `seq` order, whichever way they were fetched.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct TrafficPage {
    pub rows: Vec<TrafficRow>,
    pub has_older: bool,
    pub has_newer: bool,
}
