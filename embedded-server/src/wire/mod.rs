//! The super-line v1 wire: one JSON object per WebSocket text frame.
//!
//! `inbound` parses what a client sends (and, for our Rust client, what a server sends),
//! `outbound` encodes frames once into shareable bytes, `codes` holds the error codes.
//! Both directions live here so the server, the Rust client, the replayer and the benchmark
//! tool agree on one definition of the protocol.

mod codes;
mod inbound;
mod outbound;

pub use codes::ErrorCode;
pub use inbound::{parse_client_frame, parse_server_frame, ClientFrame, FrameError, ServerFrame};
pub use outbound::{encode, encode_client, Encoded, Frame};

/// One problem found by schema validation: where (`path`, keys and indexes from the root of the
/// payload) and what.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Issue {
    pub path: Vec<serde_json::Value>,
    pub message: String,
}
