//! What can go wrong, as two typed enums: [`ClientError`] is the outcome of one call
//! (a request, a subscribe, waiting for the connection); [`ConnectionError`] is something the
//! connection hit that no call owns, reported through [`Client::errors`](super::Client::errors)
//! and [`Client::on_connection_error`](super::Client::on_connection_error).

use serde_json::Value;

use switchboard_wire::ErrorCode;

/// Why a call on the [`Client`](super::Client) failed.
///
/// [`ClientError::code`] maps every variant onto the wire's error codes, so code written for the
/// super-line TypeScript client (which branches on `DISCONNECTED`, `TIMEOUT`, ...) ports directly.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ClientError {
    /// The server answered with an `err` frame.
    #[error("{code}: {message}")]
    Remote {
        code: ErrorCode,
        message: String,
        /// The frame's `d`, when present (for `VALIDATION`, the list of issues).
        data: Option<Value>,
    },
    /// No answer within the request's timeout. The request may still have run on the server.
    #[error("no answer within the request timeout")]
    Timeout,
    /// The socket dropped while the request was in flight; whether it ran is unknown.
    #[error("the connection dropped before the server answered")]
    Disconnected,
    /// The client is reconnecting and its queue of waiting requests is full
    /// ([`ClientOptions::queue_limit`](super::ClientOptions::queue_limit)).
    #[error("not connected and the request queue is full")]
    QueueFull,
    /// The client was closed (by [`Client::close`](super::Client::close) or by dropping every
    /// handle) before the call could complete.
    #[error("the client is closed")]
    Closed,
    /// The connection could not be opened, and the client has given up (reconnect off, or an
    /// unusable URL) or the caller's wait ran out while attempts kept failing.
    #[error("could not connect: {0}")]
    Connect(String),
}

impl ClientError {
    /// The wire error code this outcome corresponds to.
    ///
    /// Every local failure to get an answer (queue full, closed, never connected) reads as
    /// `DISCONNECTED`: for the caller it means the same thing, "the server never answered because
    /// there was no usable connection".
    pub fn code(&self) -> ErrorCode {
        match self {
            ClientError::Remote { code, .. } => code.clone(),
            ClientError::Timeout => ErrorCode::TIMEOUT,
            ClientError::Disconnected
            | ClientError::QueueFull
            | ClientError::Closed
            | ClientError::Connect(_) => ErrorCode::DISCONNECTED,
        }
    }

    /// Build a [`ClientError::Remote`] from the fields of an `err` frame.
    pub(crate) fn remote(code: ErrorCode, message: String, data: Option<Value>) -> Self {
        ClientError::Remote {
            code,
            message,
            data,
        }
    }
}

/// Something the connection hit that no single call owns.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ConnectionError {
    /// An `err` frame without `i`: the server reports a problem with the connection as a whole
    /// (for example a frame it could not parse).
    #[error("server reported {code}: {message}")]
    Remote {
        code: ErrorCode,
        message: String,
        data: Option<Value>,
    },
    /// One attempt to open the socket failed (unreachable, HTTP 401, no `env` in time). When
    /// reconnecting is on, the client backs off and tries again.
    #[error("could not connect: {0}")]
    Connect(String),
    /// After a reconnect the server refused to restore a subscription; the client forgets the
    /// topic, so its callbacks receive nothing more until the application subscribes again.
    #[error("re-subscribing to `{topic}` was refused: {code}: {message}")]
    Resubscribe {
        topic: String,
        code: ErrorCode,
        message: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_failures_map_to_wire_codes() {
        assert_eq!(ClientError::Timeout.code(), ErrorCode::TIMEOUT);
        assert_eq!(ClientError::Disconnected.code(), ErrorCode::DISCONNECTED);
        assert_eq!(ClientError::QueueFull.code(), ErrorCode::DISCONNECTED);
        let remote = ClientError::remote(ErrorCode::custom("TEAPOT"), "short".into(), None);
        assert_eq!(remote.code().as_str(), "TEAPOT");
        assert_eq!(remote.to_string(), "TEAPOT: short");
    }
}
