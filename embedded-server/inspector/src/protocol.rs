//! The `switchboard.inspector.v1` protocol: every message a node and a console exchange, as
//! serde types. Each message is one JSON object in one WebSocket text frame, tagged by `t`.
//! `docs/inspector.md` describes the same messages with an example each.
//!
//! Why the protocol has its own types instead of reusing the server's introspection structs:
//! consoles are built and upgraded apart from the nodes they attach to, so the shape of what
//! crosses the socket must change only together with [`VERSION`], never as a side effect of a
//! refactor inside the server.
//!
//! Compatibility, so that an older console can refuse a newer node clearly:
//! - `hello.version` is bumped whenever a message or a field changes meaning or disappears,
//!   or a new message type appears that a console must understand. A console refuses a node
//!   whose version it does not know (the Rust client returns
//!   [`ClientError::Version`](crate::ClientError::Version)).
//! - Within one version a node may add optional fields, and event kinds (`event.kind` is an
//!   open set of strings, like the capture's); consoles ignore fields they do not know and show
//!   unknown kinds as they are.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use switchboard_server::tap::{Origin, TapKind};

/// The protocol's name, also offered and echoed as the WebSocket subprotocol.
pub const PROTOCOL: &str = "switchboard.inspector.v1";

/// The protocol's version, sent in `hello`.
///
/// 2: events travel in batches (`events`), no longer one `event` message each. A version-1
/// console does not know `events` and would lose every event without noticing, so the version
/// changed and such a console refuses a version-2 node at `hello`.
pub const VERSION: u32 = 2;

/// The oldest node version this build reads. A version-1 node sends each event as `event`,
/// which this build still reads, so a newer console attaches to an older node.
pub const MIN_VERSION: u32 = 1;

/// Node to console.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "t", rename_all = "snake_case")]
pub enum NodeMessage {
    /// Always first: who the node is and what it can do.
    Hello(Box<Hello>),
    /// Always second: the node's state, consistent with the events that follow.
    Snapshot(Box<Snapshot>),
    /// One thing the server did, in the capture's kinds and fields. Sent by version-1 nodes
    /// only (a version-2 node sends `events`); still read, and what
    /// [`InspectorClient::next`](crate::InspectorClient::next) yields for every event.
    Event(Box<Event>),
    /// Things the server did, oldest first: the events queued for this session since the
    /// previous batch (at most [`BATCH_EVENTS`](crate::BATCH_EVENTS), never empty). The
    /// Rust client hands them to its caller one `event` at a time.
    Events(Box<EventBatch>),
    /// Events this session lost because its queue was full.
    Dropped(Dropped),
    /// The answer to a command.
    Result(Box<CommandResult>),
    /// A command, or a frame from the console, that could not be carried out.
    Error(ErrorMessage),
    /// A message type this build does not know (sent by a newer node of the same version);
    /// never sent, only read.
    #[serde(other)]
    Unknown,
}

/// Console to node.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "t", rename_all = "snake_case")]
pub enum ConsoleMessage {
    /// A command; `id` is the console's own correlation number, echoed in the answer.
    Cmd {
        id: u64,
        #[serde(flatten)]
        command: Command,
    },
}

/// The node introducing itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hello {
    /// Always [`PROTOCOL`].
    pub protocol: String,
    /// [`VERSION`] of the node's build.
    pub version: u32,
    /// The node's id (the server's `node_id`).
    pub node: String,
    /// The Switchboard release the node runs.
    pub server_version: String,
    /// The contract the server serves, in the contract file format, JSON Schemas included.
    pub contract: Value,
    /// The command `op`s this node accepts (none when the inspector is read-only).
    pub capabilities: Vec<String>,
    /// What this session may queue and send.
    pub limits: Limits,
    /// How the node reaches its peers: `memory` (it is alone) or `redis` (it is one node of a
    /// cluster, where a push to rooms, a user, a topic or everyone reaches every node). A
    /// console attached to several nodes of one cluster sends such pushes through one of them
    /// only. Absent from older nodes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transport: Option<String>,
}

/// The limits of one session, so a console can explain what it sees when one is hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    /// Events that may wait for this session before new ones are dropped.
    pub queue_frames: usize,
    /// Estimated bytes of events that may wait before new ones are dropped.
    pub queue_bytes: usize,
    /// Largest text frame a console may send; larger ones are answered `TOO_BIG`.
    pub max_command_bytes: usize,
    /// Server-to-client requests of this session that may be waiting for an answer at once.
    pub max_inflight_requests: usize,
    /// The least time between two `events` batches, in milliseconds: how late an event may
    /// reach the console. 0 from version-1 nodes (which send each event at once).
    #[serde(default)]
    pub batch_interval_ms: u64,
}

/// The node's state at one moment: connections, rooms, topics, counters.
///
/// Room sizes and topic subscriber counts are derived from the connections listed here, so
/// the snapshot agrees with itself even while the server keeps changing.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    /// When it was taken, microseconds since the Unix epoch.
    pub at_us: i64,
    pub node: String,
    /// Oldest first.
    pub connections: Vec<Connection>,
    /// By name.
    pub rooms: Vec<Room>,
    /// By scope, then name.
    pub topics: Vec<Topic>,
    pub stats: Stats,
}

/// One application connection. Secret-looking keys in `params`, `ctx` and `env` are masked.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Connection {
    pub id: String,
    pub role: String,
    pub user: String,
    pub node: String,
    /// Who opened it: `client` or `replay`.
    pub origin: String,
    pub connected_at_us: i64,
    #[serde(default)]
    pub last_ping_us: Option<i64>,
    #[serde(default)]
    pub last_pong_us: Option<i64>,
    #[serde(default)]
    pub missed_pongs: u32,
    #[serde(default)]
    pub rooms: BTreeSet<String>,
    #[serde(default)]
    pub topics: BTreeSet<String>,
    #[serde(default)]
    pub msgs_in: u64,
    #[serde(default)]
    pub msgs_out: u64,
    #[serde(default)]
    pub bytes_in: u64,
    #[serde(default)]
    pub bytes_out: u64,
    /// Frames waiting in its outbound queue when the snapshot was taken.
    #[serde(default)]
    pub queue_depth: usize,
    /// Bytes waiting in its outbound queue or being written when the snapshot was taken
    /// (bounded by the server's `outbound_queue_bytes`). 0 from nodes that predate it.
    #[serde(default)]
    pub queue_bytes: usize,
    /// Error replies, failed replies to server requests, denied subscriptions and bad frames.
    /// 0 from nodes that predate it.
    #[serde(default)]
    pub errors: u64,
    /// The upgrade's query parameters.
    #[serde(default)]
    pub params: BTreeMap<String, String>,
    /// The context `authenticate` gave it (server-side only, never sent to the client).
    #[serde(default)]
    pub ctx: Value,
    /// The client-visible state last sent in its `env` frame.
    #[serde(default)]
    pub env: Value,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Room {
    pub name: String,
    /// Members on this node.
    pub size: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Topic {
    /// The role of a role topic; `None` for a shared topic.
    pub role: Option<String>,
    pub topic: String,
    /// Subscribed connections on this node.
    pub subscribers: usize,
    /// In-process bus listeners (shared topics only).
    pub listeners: usize,
}

/// Totals since the server started.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    pub connections: usize,
    pub rooms: usize,
    pub connections_total: u64,
    pub refused_upgrades: u64,
    pub slow_consumers: u64,
    pub reaped: u64,
    pub frame_errors: u64,
    pub handler_panics: u64,
    pub listener_faults: u64,
    /// Calls to a tap that panicked. The fields from here on are 0 from nodes that predate
    /// them (added compatibly, version 1 still).
    #[serde(default)]
    pub tap_faults: u64,
    /// Sockets still held by a writer task (closing connections included).
    #[serde(default)]
    pub open_sockets: u64,
    /// Connections still in their HTTP upgrade.
    #[serde(default)]
    pub pending_upgrades: u64,
    /// Upgrades dropped to make room under the server's `max_pending_upgrades`.
    #[serde(default)]
    pub evicted_upgrades: u64,
    /// Upgrades dropped for sending their headers too slowly (`upgrade_timeout`).
    #[serde(default)]
    pub upgrade_timeouts: u64,
    /// Joins and subscribes refused by the per-connection room and topic caps
    /// (`LIMIT_EXCEEDED`).
    #[serde(default)]
    pub membership_refusals: u64,
}

/// One tapped event, with the fields the capture stores for it.
///
/// `connect`, `disconnect`, `room_add`, `room_remove`, `subscribe` and `unsubscribe` are the
/// change stream: applied to the snapshot in order ([`Snapshot::apply`]) they keep it current.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Microseconds since the Unix epoch.
    pub at_us: i64,
    /// A [`TapKind`] in its string form (`room_broadcast`, `connect`, ...).
    pub kind: String,
    pub node: String,
    /// Request, event or topic name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rooms: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
    /// The payload as JSON, values under secret-looking keys masked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload: Option<Value>,
    /// A payload that is not JSON (the bounded prefix of a frame that failed to parse).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload_text: Option<String>,
    /// Bytes of the frame (or of the payload when there was no frame).
    #[serde(default)]
    pub size: u64,
    /// How many connections a push reached.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipients: Option<u32>,
    /// An [`Origin`] in its string form: `client`, `server`, `manual` or `replay`.
    pub origin: String,
    /// Close codes, durations, error codes, filters; secret-looking keys masked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Value>,
}

impl Event {
    /// The kind, if this build knows it.
    pub fn tap_kind(&self) -> Option<TapKind> {
        TapKind::parse(&self.kind)
    }

    /// The origin, if this build knows it.
    pub fn tap_origin(&self) -> Option<Origin> {
        Origin::parse(&self.origin)
    }
}

/// Events in the order they happened.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EventBatch {
    pub events: Vec<Event>,
}

/// Events lost by this session since the previous report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dropped {
    /// Lost since the previous `dropped` message.
    pub count: u64,
    /// Lost since the session began.
    pub total: u64,
}

/// What a console asks a node to do. Pushes are recorded with origin `manual`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Command {
    /// Push an event (or publish on a topic) to a target.
    Push {
        target: PushTarget,
        /// The event's name, or the topic's for the topic targets.
        name: String,
        #[serde(default)]
        payload: Value,
    },
    /// Put a connection in a room.
    RoomAdd { room: String, conn: String },
    /// Take a connection out of a room.
    RoomRemove { room: String, conn: String },
    /// Close a connection. `code` defaults to 4000 (closed by the server); `reason` is cut to
    /// the 123 bytes a close frame can carry.
    Disconnect {
        conn: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        code: Option<u16>,
        #[serde(default)]
        reason: String,
    },
    /// Ask a connection (a server-to-client request) and wait for its answer.
    Request {
        conn: String,
        name: String,
        #[serde(default)]
        input: Value,
        /// Defaults to the server's `request_timeout`; at most an hour.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        timeout_ms: Option<u64>,
    },
    /// A fresh snapshot (after `dropped`, to be sure the view is right again).
    Snapshot,
}

impl Command {
    /// The `op` tag, as listed in `hello.capabilities`.
    pub fn op(&self) -> &'static str {
        match self {
            Command::Push { .. } => "push",
            Command::RoomAdd { .. } => "room_add",
            Command::RoomRemove { .. } => "room_remove",
            Command::Disconnect { .. } => "disconnect",
            Command::Request { .. } => "request",
            Command::Snapshot => "snapshot",
        }
    }

    /// Every `op`, in the order `hello.capabilities` lists them.
    pub const OPS: [&'static str; 6] = [
        "push",
        "room_add",
        "room_remove",
        "disconnect",
        "request",
        "snapshot",
    ];
}

/// Who a push goes to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PushTarget {
    /// One connection: an event of its role, or a shared event.
    Conn { id: String },
    /// Every session of a user: an event one of its roles receives.
    User { user: String },
    /// Members of one or more rooms, each once; shared events only.
    Rooms {
        rooms: Vec<String>,
        /// Leave this connection out.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        except: Option<String>,
        /// Only connections of these users.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        only_users: Option<Vec<String>>,
        /// Only these connections.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        only_conns: Option<Vec<String>>,
    },
    /// Subscribers of a role's topic.
    RoleTopic { role: String },
    /// Subscribers of a shared topic, and the bus's listeners.
    SharedTopic,
    /// Every connection on the node (a server-wide broadcast); shared events only.
    Everyone,
}

/// A command's answer; `op` repeats the command's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommandResult {
    pub id: u64,
    #[serde(flatten)]
    pub outcome: Outcome,
}

/// What a command did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Outcome {
    /// Connections on this node that received the push.
    Push {
        delivered: usize,
    },
    /// `changed` is false when the connection already was a member.
    RoomAdd {
        changed: bool,
    },
    /// `changed` is false when the connection was not a member.
    RoomRemove {
        changed: bool,
    },
    /// The close has begun (queued frames are still written first).
    Disconnect,
    /// The client's answer.
    Request {
        reply: Value,
    },
    Snapshot {
        snapshot: Box<Snapshot>,
    },
}

/// An error answer. `id` is the command's, or absent when the frame was too broken to carry
/// one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorMessage {
    #[serde(default)]
    pub id: Option<u64>,
    pub code: ErrorCode,
    pub message: String,
    /// Details: validation issues, the client's error data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
}

/// Why a command or frame was refused. The session always goes on after an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ErrorCode {
    /// Not a JSON object with a known `t`, or a binary frame.
    BadFrame,
    /// A `cmd` whose fields do not make a command (unknown `op`, a missing field, a bad close
    /// code).
    BadCommand,
    /// The frame is larger than `limits.max_command_bytes`.
    TooBig,
    /// No such connection, user or role on this node.
    NotFound,
    /// The contract does not allow this push (unknown event, not a shared event, unknown
    /// topic).
    Refused,
    /// The payload does not match its schema; `data` lists the issues.
    Validation,
    /// The client did not answer a request in time.
    Timeout,
    /// The client answered a request with an error; `data` carries its code, message and data.
    Remote,
    /// The connection closed before answering.
    Disconnected,
    /// Too many requests of this session are waiting for an answer.
    Busy,
    /// The inspector is read-only.
    ReadOnly,
    /// Something failed inside the node (the cluster adapter, an encoding).
    Internal,
    /// A code this build does not know (sent by a newer node); never sent.
    #[serde(other)]
    Unknown,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::BadFrame => "BAD_FRAME",
            ErrorCode::BadCommand => "BAD_COMMAND",
            ErrorCode::TooBig => "TOO_BIG",
            ErrorCode::NotFound => "NOT_FOUND",
            ErrorCode::Refused => "REFUSED",
            ErrorCode::Validation => "VALIDATION",
            ErrorCode::Timeout => "TIMEOUT",
            ErrorCode::Remote => "REMOTE",
            ErrorCode::Disconnected => "DISCONNECTED",
            ErrorCode::Busy => "BUSY",
            ErrorCode::ReadOnly => "READ_ONLY",
            ErrorCode::Internal => "INTERNAL",
            ErrorCode::Unknown => "UNKNOWN",
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn round_trip<T: Serialize + for<'de> Deserialize<'de> + PartialEq + std::fmt::Debug>(
        value: T,
        expected: Value,
    ) {
        let encoded = serde_json::to_value(&value).unwrap();
        assert_eq!(encoded, expected);
        let back: T = serde_json::from_value(encoded).unwrap();
        assert_eq!(back, value);
    }

    #[test]
    fn commands_are_flat_objects_tagged_t_and_op() {
        round_trip(
            ConsoleMessage::Cmd {
                id: 7,
                command: Command::Push {
                    target: PushTarget::Rooms {
                        rooms: vec!["lobby".into()],
                        except: None,
                        only_users: Some(vec!["alice".into()]),
                        only_conns: None,
                    },
                    name: "message".into(),
                    payload: json!({"text": "hi"}),
                },
            },
            json!({"t":"cmd","id":7,"op":"push","name":"message","payload":{"text":"hi"},
                   "target":{"kind":"rooms","rooms":["lobby"],"only_users":["alice"]}}),
        );
        round_trip(
            ConsoleMessage::Cmd {
                id: 1,
                command: Command::Snapshot,
            },
            json!({"t":"cmd","id":1,"op":"snapshot"}),
        );
    }

    #[test]
    fn results_carry_the_op_beside_the_id() {
        round_trip(
            NodeMessage::Result(Box::new(CommandResult {
                id: 3,
                outcome: Outcome::Push { delivered: 2 },
            })),
            json!({"t":"result","id":3,"op":"push","delivered":2}),
        );
        round_trip(
            NodeMessage::Result(Box::new(CommandResult {
                id: 4,
                outcome: Outcome::Disconnect,
            })),
            json!({"t":"result","id":4,"op":"disconnect"}),
        );
    }

    #[test]
    fn what_a_newer_node_adds_is_read_as_unknown_not_as_an_error() {
        let m: NodeMessage = serde_json::from_value(json!({"t":"gossip","x":1})).unwrap();
        assert_eq!(m, NodeMessage::Unknown);
        let e: ErrorMessage =
            serde_json::from_value(json!({"id":1,"code":"NEW_CODE","message":"m"})).unwrap();
        assert_eq!(e.code, ErrorCode::Unknown);
        let ev: NodeMessage = serde_json::from_value(
            json!({"t":"event","at_us":1,"kind":"teleport","node":"n","origin":"server","extra":1}),
        )
        .unwrap();
        match ev {
            NodeMessage::Event(ev) => assert_eq!(ev.tap_kind(), None),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_batch_is_one_message_with_its_events_in_order() {
        let event = |at_us| Event {
            at_us,
            kind: "room_broadcast".into(),
            node: "n".into(),
            origin: "server".into(),
            ..Event::default()
        };
        round_trip(
            NodeMessage::Events(Box::new(EventBatch {
                events: vec![event(1), event(2)],
            })),
            json!({"t":"events","events":[
                {"at_us":1,"kind":"room_broadcast","node":"n","origin":"server","size":0},
                {"at_us":2,"kind":"room_broadcast","node":"n","origin":"server","size":0}]}),
        );
    }

    #[test]
    fn error_codes_spell_as_on_the_wire() {
        for code in [ErrorCode::BadFrame, ErrorCode::TooBig, ErrorCode::ReadOnly] {
            assert_eq!(
                serde_json::to_value(code).unwrap(),
                Value::String(code.as_str().into())
            );
        }
    }
}
