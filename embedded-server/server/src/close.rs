//! How a connection ends: the close codes the server uses, who ended it, and the reason that
//! travels with the close frame and the disconnect record.

/// Close codes the server uses. 1000-series codes are RFC 6455's; 4000-series are ours.
pub mod close_code {
    /// The server is shutting down.
    pub const GOING_AWAY: u16 = 1001;
    /// The peer broke the WebSocket protocol (a reserved opcode or bit, a bad control frame).
    pub const PROTOCOL_ERROR: u16 = 1002;
    /// The peer closed without a status code (recorded, never sent).
    pub const NO_STATUS: u16 = 1005;
    /// The connection dropped without a close frame (recorded, never sent).
    pub const ABNORMAL: u16 = 1006;
    /// A text frame was not valid UTF-8.
    pub const INVALID_PAYLOAD: u16 = 1007;
    /// A frame exceeded the size limit.
    pub const TOO_BIG: u16 = 1009;
    /// The server failed (an `on_connect` hook that panicked or timed out).
    pub const INTERNAL_ERROR: u16 = 1011;
    /// Closed by the application or by hand from the console.
    pub const CLOSED_BY_SERVER: u16 = 4000;
    /// Too many pings went unanswered.
    pub const HEARTBEAT_TIMEOUT: u16 = 4001;
    /// The outbound queue was full: the client does not read fast enough.
    pub const SLOW_CONSUMER: u16 = 4002;
}

/// Who ended a connection. The string forms are what disconnect records carry as `by` (capture
/// files and the replayer read them back), so they must not change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ClosedBy {
    /// The client closed, or the socket broke (read or write failed).
    Client,
    /// The application, the console, or the server enforcing a limit (frame size).
    Server,
    /// The heartbeat reaped a connection that stopped answering pings.
    Heartbeat,
    /// The outbound queue filled up.
    SlowConsumer,
    /// Graceful shutdown.
    Shutdown,
}

impl ClosedBy {
    pub fn as_str(self) -> &'static str {
        match self {
            ClosedBy::Client => "client",
            ClosedBy::Server => "server",
            ClosedBy::Heartbeat => "heartbeat",
            ClosedBy::SlowConsumer => "slow_consumer",
            ClosedBy::Shutdown => "shutdown",
        }
    }

    /// Whether frames already queued are still written before the close frame. Only a close
    /// the server chose politely drains: when the client is gone there is no one to write to,
    /// a slow consumer is the reason the queue is full, and a reaped client is not listening.
    pub fn drains(self) -> bool {
        matches!(self, ClosedBy::Server | ClosedBy::Shutdown)
    }

    /// Whether the server sends a close frame: not when the client closed or vanished.
    pub fn sends_close_frame(self) -> bool {
        self != ClosedBy::Client
    }
}

/// Why and how a connection is being closed.
#[derive(Debug, Clone)]
pub(crate) struct CloseReason {
    pub code: u16,
    pub reason: String,
    pub by: ClosedBy,
}

impl CloseReason {
    pub fn new(by: ClosedBy, code: u16, reason: impl Into<String>) -> Self {
        CloseReason {
            code,
            reason: reason.into(),
            by,
        }
    }

    /// The client closed or the socket broke: nothing more can be written.
    pub fn client(code: u16, reason: impl Into<String>) -> Self {
        Self::new(ClosedBy::Client, code, reason)
    }

    /// The socket is gone without a close frame.
    pub fn lost(reason: impl Into<String>) -> Self {
        Self::client(close_code::ABNORMAL, reason)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recorded_names_stay_as_they_were() {
        let all = [
            (ClosedBy::Client, "client"),
            (ClosedBy::Server, "server"),
            (ClosedBy::Heartbeat, "heartbeat"),
            (ClosedBy::SlowConsumer, "slow_consumer"),
            (ClosedBy::Shutdown, "shutdown"),
        ];
        for (by, name) in all {
            assert_eq!(by.as_str(), name);
        }
    }
}
