//! The contract as loaded: plain data, exactly what a contract file holds.
//!
//! These types are what the console shows and what a capture file stores, so they serialize to
//! the same camelCase JSON the file format uses (see `docs/contract-format.md`). Nothing here is
//! validated; [`Contract::compile`](super::Contract::compile) checks the rules and builds the
//! fast lookup tables the server uses.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A whole contract: the vocabulary every connection shares, plus one vocabulary per role.
///
/// Maps are `BTreeMap`s so the serialized form is stable (sorted by name) and two contracts
/// declaring the same things compare equal whatever order they were declared in.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Contract {
    /// Pushes every connection understands, whatever its role. Optional in the file.
    #[serde(default, skip_serializing_if = "SharedSpec::is_empty")]
    pub shared: SharedSpec,
    /// Role name to that role's vocabulary. Required in the file, and must not be empty.
    pub roles: BTreeMap<String, RoleSpec>,
}

/// The shared vocabulary. Only server-to-client messages can be shared: a request always belongs
/// to a role, because the role decides who may call it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SharedSpec {
    /// Shared events (may be broadcast to mixed-role rooms) and shared topics (the cluster bus).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub server_to_client: BTreeMap<String, EventSpec>,
}

impl SharedSpec {
    /// True when nothing is shared; the serialized form then omits `shared` altogether.
    pub fn is_empty(&self) -> bool {
        self.server_to_client.is_empty()
    }
}

/// What connections of one role may call and receive.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RoleSpec {
    /// Requests this role may send, answered by the server.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub client_to_server: BTreeMap<String, RequestSpec>,
    /// Events and topics only this role receives.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub server_to_client: BTreeMap<String, EventSpec>,
}

/// A server-to-client message. With `subscribe: false` it is an event (the server picks the
/// recipients); with `subscribe: true` it is a topic (clients opt in with a `sub` frame).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EventSpec {
    /// JSON Schema of the payload. A topic's payload must be an object schema.
    pub payload: Value,
    /// `true` makes this a topic. Defaults to `false` and is omitted from output when false.
    #[serde(default, skip_serializing_if = "is_false")]
    pub subscribe: bool,
    /// Free text for humans (the console shows it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// A client-to-server request and the shape of its answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RequestSpec {
    /// JSON Schema of what the client sends.
    pub input: Value,
    /// JSON Schema of what the server answers.
    pub output: Value,
    /// `true` lets this request run beside the connection's other requests instead of after
    /// those that arrived before it. Defaults to `false` and is omitted from output when false.
    #[serde(default, skip_serializing_if = "is_false")]
    pub concurrent: bool,
    /// Free text for humans (the console shows it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

fn is_false(value: &bool) -> bool {
    !*value
}
