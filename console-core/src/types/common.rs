//! Small types several resources share.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// How many connections of one role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct RoleCount {
    pub role: String,
    pub connections: u32,
}

/// One problem with a payload, as the server's validators report it: `path` holds object keys
/// (strings) and array indexes (numbers) from the root of the payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ApiIssue {
    #[ts(type = "Array<string | number>")]
    pub path: Vec<serde_json::Value>,
    pub message: String,
}

/// The body of every failed API call: a sentence for people, a stable code for code, and the
/// schema issues when a payload was refused.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ApiErrorBody {
    pub error: String,
    /// `unauthorized`, `forbidden`, `not_found`, `bad_request`, `validation`, `conflict`,
    /// `unavailable` or `internal`.
    pub code: String,
    pub issues: Vec<ApiIssue>,
}
