//! The tap: how the server tells an observer (the recorder, the console's live view) what
//! happened, without ever waiting for it.
//!
//! The server builds a [`TapEvent`] per logical message (one per broadcast, not one per
//! recipient) and hands it to every installed [`Tap`]. A tap must return at once: the recorder
//! `try_send`s into a bounded channel and counts what it had to drop. Payloads are shared with
//! the frame already encoded for the wire ([`TapPayload::Frame`]), so observing costs a
//! reference-count increment, not a re-serialisation; and the event itself is handed out
//! reference-counted ([`Tap::observe_shared`]), so a tap that keeps it (an attached console)
//! does not copy its strings and JSON.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::wire::Encoded;

/// What kind of thing happened. The string forms (`as_str`) are what the capture file stores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum TapKind {
    // Lifecycle
    Connect,
    Disconnect,
    HeartbeatReap,
    SlowConsumer,
    AuthRefused,
    // Requests, client to server
    RequestIn,
    ResponseOut,
    ErrorOut,
    // Requests, server to client
    ServerRequest,
    ServerReply,
    ServerReplyError,
    // Pushes
    Emit,
    ToConn,
    ToUser,
    RoomBroadcast,
    Broadcast,
    RolePublish,
    SharedPublish,
    // The bus
    BusLocal,
    BusOut,
    BusIn,
    BusInRejected,
    // Membership and subscriptions
    RoomAdd,
    RoomRemove,
    Subscribe,
    Unsubscribe,
    SubscribeDenied,
    // Bad frames
    FrameError,
    // What else the client saw
    /// The `env` frame a connection starts with.
    Env,
    /// The `res` answering an accepted `sub`.
    SubscribeAck,
    /// A connection-level `err` (no request id), e.g. `BAD_REQUEST` for a malformed frame.
    ConnError,
    /// A heartbeat ping the server sent.
    Ping,
    /// The client's pong answering it.
    Pong,
}

impl TapKind {
    pub const ALL: [TapKind; 33] = [
        TapKind::Connect,
        TapKind::Disconnect,
        TapKind::HeartbeatReap,
        TapKind::SlowConsumer,
        TapKind::AuthRefused,
        TapKind::RequestIn,
        TapKind::ResponseOut,
        TapKind::ErrorOut,
        TapKind::ServerRequest,
        TapKind::ServerReply,
        TapKind::ServerReplyError,
        TapKind::Emit,
        TapKind::ToConn,
        TapKind::ToUser,
        TapKind::RoomBroadcast,
        TapKind::Broadcast,
        TapKind::RolePublish,
        TapKind::SharedPublish,
        TapKind::BusLocal,
        TapKind::BusOut,
        TapKind::BusIn,
        TapKind::BusInRejected,
        TapKind::RoomAdd,
        TapKind::RoomRemove,
        TapKind::Subscribe,
        TapKind::Unsubscribe,
        TapKind::SubscribeDenied,
        TapKind::FrameError,
        TapKind::Env,
        TapKind::SubscribeAck,
        TapKind::ConnError,
        TapKind::Ping,
        TapKind::Pong,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TapKind::Connect => "connect",
            TapKind::Disconnect => "disconnect",
            TapKind::HeartbeatReap => "heartbeat_reap",
            TapKind::SlowConsumer => "slow_consumer",
            TapKind::AuthRefused => "auth_refused",
            TapKind::RequestIn => "request_in",
            TapKind::ResponseOut => "response_out",
            TapKind::ErrorOut => "error_out",
            TapKind::ServerRequest => "server_request",
            TapKind::ServerReply => "server_reply",
            TapKind::ServerReplyError => "server_reply_error",
            TapKind::Emit => "emit",
            TapKind::ToConn => "to_conn",
            TapKind::ToUser => "to_user",
            TapKind::RoomBroadcast => "room_broadcast",
            TapKind::Broadcast => "broadcast",
            TapKind::RolePublish => "role_publish",
            TapKind::SharedPublish => "shared_publish",
            TapKind::BusLocal => "bus_local",
            TapKind::BusOut => "bus_out",
            TapKind::BusIn => "bus_in",
            TapKind::BusInRejected => "bus_in_rejected",
            TapKind::RoomAdd => "room_add",
            TapKind::RoomRemove => "room_remove",
            TapKind::Subscribe => "subscribe",
            TapKind::Unsubscribe => "unsubscribe",
            TapKind::SubscribeDenied => "subscribe_denied",
            TapKind::FrameError => "frame_error",
            TapKind::Env => "env",
            TapKind::SubscribeAck => "subscribe_ack",
            TapKind::ConnError => "conn_error",
            TapKind::Ping => "ping",
            TapKind::Pong => "pong",
        }
    }

    pub fn parse(s: &str) -> Option<TapKind> {
        TapKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Who caused a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// A connected client (its frames, and what the server does while handling them).
    Client,
    /// The server's own code (timers, the application's pushes outside a request).
    #[default]
    Server,
    /// A push fired by hand from the console.
    Manual,
    /// Traffic re-sent by the replayer.
    Replay,
    /// A test connection the console opened ("Try it"), and what the server does while handling
    /// its frames.
    Console,
}

impl Origin {
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Client => "client",
            Origin::Server => "server",
            Origin::Manual => "manual",
            Origin::Replay => "replay",
            Origin::Console => "console",
        }
    }

    pub fn parse(s: &str) -> Option<Origin> {
        match s {
            "client" => Some(Origin::Client),
            "server" => Some(Origin::Server),
            "manual" => Some(Origin::Manual),
            "replay" => Some(Origin::Replay),
            "console" => Some(Origin::Console),
            _ => None,
        }
    }
}

/// The payload of a tapped message.
#[derive(Debug, Clone)]
pub enum TapPayload {
    /// A slice of a frame already encoded for the wire.
    Frame(Encoded),
    /// A value that never went on the wire as such (a request's input as parsed, an issue list).
    Json(Value),
    /// Raw text, such as the bounded prefix of a frame that could not be parsed.
    Text(String),
}

impl TapPayload {
    /// The payload as JSON text (or raw text for [`TapPayload::Text`]).
    pub fn to_text(&self) -> String {
        match self {
            TapPayload::Frame(e) => e.payload_str().to_owned(),
            TapPayload::Json(v) => v.to_string(),
            TapPayload::Text(t) => t.clone(),
        }
    }
}

/// One observed message or change.
#[derive(Debug, Clone)]
pub struct TapEvent {
    /// Microseconds since the Unix epoch.
    pub at_us: i64,
    pub kind: TapKind,
    /// The node the event happened on (empty when the producer has no node, e.g. a tool).
    pub node: Arc<str>,
    /// Request, event or topic name.
    pub name: Option<Arc<str>>,
    pub conn: Option<Arc<str>>,
    pub role: Option<Arc<str>>,
    pub user: Option<Arc<str>>,
    /// Room name(s), for room operations and broadcasts.
    pub rooms: Vec<Arc<str>>,
    pub topic: Option<Arc<str>>,
    pub payload: Option<TapPayload>,
    /// Size in bytes of the frame (or the payload when there is no frame).
    pub size: usize,
    /// How many connections a push reached.
    pub recipients: Option<u32>,
    pub origin: Origin,
    /// Anything else worth keeping: close code and reason, duration, filters, error code.
    pub meta: Option<Value>,
    /// The request whose handler made this happen (a push, a broadcast, a publish, a bus
    /// message, a membership change, a server-to-client request), when it happened inside one.
    /// Filled by [`crate::shared`] from the task-local set around each handler call, so no
    /// delivery path has to pass it along.
    pub cause: Option<TapCause>,
}

/// A request, named the way a capture can find its `request_in` row: the connection that sent
/// it and the request id `i` it carried.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TapCause {
    pub conn: Arc<str>,
    pub i: u64,
}

tokio::task_local! {
    /// The request whose handler is running on this task (see [`TapEvent::cause`]).
    static CAUSE: TapCause;
}

/// Runs `fut` (a request handler) with `cause` as the cause of everything tapped while it is
/// polled, including when it moves to its own task.
pub fn with_cause<F: std::future::Future>(
    cause: TapCause,
    fut: F,
) -> impl std::future::Future<Output = F::Output> {
    CAUSE.scope(cause, fut)
}

/// The request whose handler is being polled, if any.
pub fn current_cause() -> Option<TapCause> {
    CAUSE.try_with(Clone::clone).ok()
}

impl TapEvent {
    pub fn new(kind: TapKind, origin: Origin) -> Self {
        TapEvent::on_node(kind, origin, Arc::from(""))
    }

    /// An event of `node`, stamped now. What the server builds: `new` allocates the empty node
    /// name it starts with, which the server would only replace.
    pub fn on_node(kind: TapKind, origin: Origin, node: Arc<str>) -> Self {
        TapEvent {
            at_us: now_us(),
            kind,
            node,
            name: None,
            conn: None,
            role: None,
            user: None,
            rooms: Vec::new(),
            topic: None,
            payload: None,
            size: 0,
            recipients: None,
            origin,
            meta: None,
            cause: None,
        }
    }
}

/// Microseconds since the Unix epoch.
pub fn now_us() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_micros() as i64)
        .unwrap_or(0)
}

/// An observer of everything the server does. `observe` is called on the hot path: it must not
/// block, await, or do I/O. A panic in `observe` is caught there: it is counted
/// (`ServerStats::tap_faults`), reported to `on_error` as `FaultKind::Tap`, and the other taps
/// still see the event.
pub trait Tap: Send + Sync + 'static {
    fn observe(&self, event: &TapEvent);

    /// The same event, reference-counted: what the server calls. A tap that keeps events
    /// (queues them for another task) takes another reference here instead of copying the
    /// event in [`observe`](Tap::observe), so observing costs a count increment and the
    /// event's strings and JSON are freed once, by whoever lets go of it last. The default
    /// calls `observe`.
    fn observe_shared(&self, event: &Arc<TapEvent>) {
        self.observe(event)
    }
}
