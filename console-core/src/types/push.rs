//! `/api/push`: pushes fired by hand, recorded with origin `manual`.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Who a manual push goes to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum PushTarget {
    /// One connection: an event of its role, or a shared event.
    Conn { id: String },
    /// Every session of a user.
    User { user: String },
    /// Members of one or more rooms (each once), optionally leaving one connection out. Shared
    /// events only.
    Rooms {
        rooms: Vec<String>,
        except: Option<String>,
    },
    /// Subscribers of a role's topic.
    RoleTopic { role: String },
    /// Subscribers of a shared topic, and the bus's in-process listeners.
    SharedTopic,
    /// Every connection on the node. Shared events only.
    Everyone,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct PushRequest {
    pub target: PushTarget,
    /// The event's name, or the topic's for the topic targets.
    pub name: String,
    #[ts(type = "unknown")]
    pub payload: serde_json::Value,
}

/// One manual push and what came of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct PushRecord {
    pub id: u32,
    #[ts(type = "number")]
    pub at_us: i64,
    pub request: PushRequest,
    /// Connections that received it (`null` when it failed).
    pub delivered: Option<u32>,
    pub error: Option<String>,
    /// Who it was sent to: the connections the target selected when it was sent (the first
    /// 100, by role then id; `delivered` counts them all). Empty for attached nodes.
    #[serde(default)]
    pub receivers: Vec<super::rooms::MemberRow>,
    /// Attach mode: what each node the push went to did with it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub nodes: Option<Vec<super::nodes::NodePushResult>>,
}

/// Newest first, at most the last 200 pushes; kept across restarts beside the capture file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct PushHistory {
    pub pushes: Vec<PushRecord>,
}
