//! `/api/try`: the console's own test connections ("Try it"), recorded with origin `console`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Open a test connection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct TryOpen {
    pub role: String,
    /// Handshake parameters sent in the upgrade's query (for example `name`).
    #[serde(default)]
    pub params: BTreeMap<String, String>,
    /// The application's `ws://` endpoint. Empty: the embedded server. Attached nodes need it,
    /// since the console does not know where their applications listen.
    #[serde(default)]
    pub url: String,
}

/// A push a test connection received: an event, or a publication on a subscribed topic.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct TryPush {
    /// Counts every push the connection received, kept or dropped.
    pub seq: u32,
    /// Milliseconds since the Unix epoch.
    pub at_ms: f64,
    /// `event` or `topic`.
    pub kind: String,
    pub name: String,
    #[ts(type = "unknown")]
    pub payload: serde_json::Value,
}

/// One test connection and what it received.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct TrySession {
    pub id: String,
    pub role: String,
    pub url: String,
    /// Recorded as `console` (the embedded server, which trusts the console's key), or as an
    /// ordinary client (another process's server).
    pub console_origin: bool,
    /// `connecting`, `connected`, `reconnecting` or `closed: <why>`.
    pub state: String,
    pub subscriptions: Vec<String>,
    /// The newest pushes, oldest first (at most the buffer's size).
    pub pushes: Vec<TryPush>,
    /// Pushes that fell out of the buffer.
    pub dropped: u32,
}

/// Every open test connection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct TryList {
    pub sessions: Vec<TrySession>,
    /// How many may be open at once.
    pub limit: u32,
}

/// A request sent on a test connection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct TryRequest {
    pub name: String,
    #[ts(type = "unknown")]
    pub payload: serde_json::Value,
}

/// The server's answer to a request: its reply, or its error.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct TryAnswer {
    pub ok: bool,
    #[ts(type = "unknown")]
    pub reply: serde_json::Value,
    /// The error's code and message when `ok` is false.
    pub error: Option<String>,
    pub took_ms: f64,
}

/// Subscribe to, or unsubscribe from, a topic.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct TryTopic {
    pub topic: String,
}
