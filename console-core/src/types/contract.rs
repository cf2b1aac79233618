//! `/api/contract`: the vocabulary, shared and per role, with schemas and samples.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum MessageKind {
    /// Client to server, answered.
    Request,
    /// Server to client, recipients chosen by the server.
    Event,
    /// Server to client, to subscribers.
    Topic,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    ClientToServer,
    ServerToClient,
}

/// One message of the contract.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct MessageView {
    pub name: String,
    pub kind: MessageKind,
    pub direction: Direction,
    pub description: Option<String>,
    /// The payload's schema (a request's input).
    #[ts(type = "unknown")]
    pub schema: serde_json::Value,
    /// A request's output schema.
    #[ts(type = "unknown")]
    pub output: Option<serde_json::Value>,
    /// A value valid against `schema`: where the push editor starts when nothing was recorded.
    #[ts(type = "unknown")]
    pub sample: serde_json::Value,
    /// The payload of the most recent recorded message of this name (a request's input,
    /// from this role), when the capture has one: the push editor and "Try it" start there.
    #[ts(type = "unknown")]
    pub recorded: Option<serde_json::Value>,
    /// When `recorded` was recorded.
    #[ts(type = "number | null")]
    pub recorded_at_us: Option<i64>,
    /// Its traffic in the capture file (earlier runs and imports) and since this console
    /// started; `None` when none is known (see [`ContractView::stats_source`]).
    pub stats: Option<MessageStats>,
}

/// One message's traffic: the rows the capture file held when the console started, plus what
/// went by since.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct MessageStats {
    /// Requests received, or pushes and publishes sent.
    #[ts(type = "number")]
    pub count: u64,
    /// Requests answered with an error.
    #[ts(type = "number")]
    pub errors: u64,
    /// Answers (replies and errors) with a duration.
    #[ts(type = "number")]
    pub answered: u64,
    /// Answer durations in microseconds, from a histogram of four buckets per doubling: the
    /// upper bound of the percentile's bucket, never below the true value and at most 25 %
    /// above it.
    #[ts(type = "number | null")]
    pub p50_us: Option<u64>,
    #[ts(type = "number | null")]
    pub p95_us: Option<u64>,
    #[ts(type = "number | null")]
    pub p99_us: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct RoleView {
    pub role: String,
    pub requests: Vec<MessageView>,
    /// Events and topics only this role receives.
    pub events: Vec<MessageView>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ContractView {
    /// Shared events (room and server-wide broadcasts) and shared topics (the bus).
    pub shared: Vec<MessageView>,
    pub roles: Vec<RoleView>,
    /// The contract as a contract file would hold it.
    #[ts(type = "unknown")]
    pub spec: serde_json::Value,
    /// Where the messages' `stats` come from.
    pub stats_source: StatsSource,
}

/// Where per-message statistics come from: always the traffic since the console started, and
/// with a capture file the rows it already held (read once at start, in the background).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct StatsSource {
    /// The console records into a capture file, whose earlier rows are counted.
    pub capture: bool,
    /// The capture's earlier rows are still being read: counts may still grow.
    pub loading: bool,
    /// Rows read from the capture (requests, answers, pushes and publishes of earlier runs
    /// and imports).
    #[ts(type = "number")]
    pub capture_rows: u64,
    /// Why the capture's rows could not be read, when they could not.
    pub error: Option<String>,
}
