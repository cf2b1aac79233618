//! Typed errors: one enum for starting an inspector, one for attaching to one, one for a
//! command's failure.

use std::net::SocketAddr;

use serde_json::Value;

use crate::protocol::{ErrorCode, ErrorMessage};

/// Why [`Inspector::start`](crate::Inspector::start) refused to start.
#[derive(Debug, thiserror::Error)]
pub enum InspectorError {
    /// Anyone who can reach a non-loopback address could drive the server, so a token is
    /// required there.
    #[error(
        "the inspector would listen on {addr}, which is not a loopback address: give it a token"
    )]
    TokenRequired { addr: SocketAddr },
    #[error("the inspector token is empty")]
    EmptyToken,
    #[error("the inspector cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("inspector I/O error: {0}")]
    Io(#[from] std::io::Error),
}

/// Why a console could not attach, or lost its session.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ClientError {
    /// The URL is malformed or the node could not be reached.
    #[error("cannot reach the inspector: {0}")]
    Connect(String),
    /// The node answered the upgrade with an HTTP error: 401 (missing or wrong token), 403
    /// (a foreign `Origin`), 503 (too many consoles attached).
    #[error("the inspector refused to attach ({status}): {message}")]
    Refused { status: u16, message: String },
    /// The node speaks a version of the protocol this build does not.
    #[error("the node speaks switchboard.inspector version {node}; this console speaks {supported}: upgrade the older side")]
    Version { node: u32, supported: u32 },
    /// The node sent something that does not follow the protocol.
    #[error("protocol error: {0}")]
    Protocol(String),
    /// The session ended.
    #[error("the inspector session ended")]
    Closed,
}

/// A command the node refused or could not carry out, or one whose session ended first
/// (code `DISCONNECTED`).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct CommandError {
    pub code: ErrorCode,
    pub message: String,
    pub data: Option<Value>,
}

impl CommandError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> CommandError {
        CommandError {
            code,
            message: message.into(),
            data: None,
        }
    }

    pub fn with_data(mut self, data: Value) -> CommandError {
        self.data = Some(data);
        self
    }

    /// The error answer carrying this error for command `id`.
    pub fn into_message(self, id: Option<u64>) -> ErrorMessage {
        ErrorMessage {
            id,
            code: self.code,
            message: self.message,
            data: self.data,
        }
    }
}

impl From<ErrorMessage> for CommandError {
    fn from(m: ErrorMessage) -> Self {
        CommandError {
            code: m.code,
            message: m.message,
            data: m.data,
        }
    }
}
