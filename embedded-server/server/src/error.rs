//! The server's error types: one per kind of operation, each mapped to what the wire says.

use serde_json::Value;

use crate::wire::{ErrorCode, Issue};

/// What a request handler returns on failure; sent to the client as an `err` frame.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{code}: {message}")]
pub struct HandlerError {
    pub code: ErrorCode,
    pub message: String,
    pub data: Option<Value>,
}

impl HandlerError {
    pub fn new(code: impl Into<ErrorCode>, message: impl Into<String>) -> Self {
        HandlerError {
            code: code.into(),
            message: message.into(),
            data: None,
        }
    }
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::FORBIDDEN, message)
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::NOT_FOUND, message)
    }
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::BAD_REQUEST, message)
    }
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::INTERNAL, message)
    }
    pub fn with_data(mut self, data: Value) -> Self {
        self.data = Some(data);
        self
    }
}

impl From<PushError> for HandlerError {
    fn from(e: PushError) -> Self {
        match e {
            PushError::Limit(e) => e.into(),
            e => HandlerError::internal(e.to_string()),
        }
    }
}

impl From<MembershipError> for HandlerError {
    fn from(e: MembershipError) -> Self {
        HandlerError::new(ErrorCode::LIMIT_EXCEEDED, e.to_string())
    }
}

impl From<serde_json::Error> for HandlerError {
    fn from(e: serde_json::Error) -> Self {
        HandlerError::internal(e.to_string())
    }
}

/// Why a push (emit, broadcast, publish) was refused. Nothing was sent when this is returned.
#[derive(Debug, Clone, thiserror::Error)]
pub enum PushError {
    #[error("unknown event `{name}` for role `{role}`")]
    UnknownEvent { name: String, role: String },
    #[error(
        "`{0}` is not a shared event: rooms and server-wide broadcasts carry shared events only"
    )]
    NotShared(String),
    #[error("unknown topic `{0}`")]
    UnknownTopic(String),
    #[error("unknown role `{0}`")]
    UnknownRole(String),
    #[error("payload of `{name}` failed validation: {}", describe_issues(issues))]
    Validation { name: String, issues: Vec<Issue> },
    #[error("payload could not be encoded: {0}")]
    Encode(String),
    #[error("cluster adapter: {0}")]
    Adapter(String),
    /// A per-connection cap refused a server-side subscribe (`Conn::subscribe`).
    #[error(transparent)]
    Limit(MembershipError),
}

pub(crate) fn describe_issues(issues: &[Issue]) -> String {
    issues
        .iter()
        .map(|i| {
            let path: Vec<String> = i
                .path
                .iter()
                .map(|p| match p {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect();
            if path.is_empty() {
                i.message.clone()
            } else {
                format!("{}: {}", path.join("."), i.message)
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Why a connection could not join a room or subscribe to a topic: a per-connection cap
/// (`ServerConfig::max_rooms_per_conn`, `max_topics_per_conn`) is reached. A handler that
/// returns it with `?` answers the client `LIMIT_EXCEEDED` with this message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MembershipError {
    #[error("room `{room}` refused: this connection is already in {limit} rooms, the most one connection may join")]
    TooManyRooms { room: String, limit: usize },
    #[error("topic `{topic}` refused: this connection already subscribes to {limit} topics, the most one connection may")]
    TooManyTopics { topic: String, limit: usize },
}

/// Why a server-to-client request failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum RequestError {
    #[error("no connection with id `{0}`")]
    NotConnected(String),
    #[error("the client did not answer in time")]
    Timeout,
    #[error("the connection closed before answering")]
    Disconnected,
    #[error("the client answered with an error: {code}: {message}")]
    Remote {
        code: ErrorCode,
        message: String,
        data: Option<Value>,
    },
    #[error("cluster adapter: {0}")]
    Adapter(String),
}

/// Why the server could not start or run.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: String,
        source: std::io::Error,
    },
    #[error("server I/O error: {0}")]
    Io(#[from] std::io::Error),
    #[error("an authenticate hook was given a role `{0}` that is not in the contract")]
    UnknownRole(String),
}
