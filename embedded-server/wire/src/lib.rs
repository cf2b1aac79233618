//! Switchboard's wire and contract: the bottom layer, shared by the server, the Rust client,
//! the recorder, the replayer and the benchmark tool so they agree on one definition.
//!
//! Where it sits: every other Switchboard crate depends on this one; it depends on none of
//! them, and on no networking (only `tungstenite`'s `Utf8Bytes`, the shared text buffer a
//! frame is encoded into).
//!
//! Layout:
//! - the super-line v1 wire, one JSON object per WebSocket text frame: `inbound` parses what a
//!   client sends (and, for the Rust client, what a server sends), `outbound` encodes frames
//!   once into shareable bytes, `codes` holds the error codes;
//! - [`contract`]: roles, requests, events and topics with their JSON Schemas, loaded from a
//!   file or built from Rust types, compiled into validators and samples;
//! - [`limits`]: how deep a frame may nest, for every reader of super-line JSON;
//! - [`secrets`]: which parameter and context keys hold secrets (masked in views and exports);
//! - [`util`]: the two helpers every layer needs (a poison-tolerant lock, UTF-8-safe
//!   truncation), declared once here;
//! - `fuzz` (hidden): the parsers' entry points shared by the fuzz targets and property tests.

mod codes;
mod inbound;
mod outbound;

pub mod contract;
#[doc(hidden)]
pub mod fuzz;
pub mod limits;
pub mod secrets;
pub mod util;

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
