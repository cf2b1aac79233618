//! The one error type of the replay module.
//!
//! A replay is meant to survive bad input: rows it cannot use are *reported* (as skipped rows
//! and messages in the [`ReplayReport`](super::ReplayReport)), never turned into an error. What
//! remains here is what makes a replay impossible to start or to finish writing: the capture
//! cannot be read, the target or an option cannot be understood, the report cannot be written.

use std::path::PathBuf;

use crate::CaptureError;

/// Why a replay could not run (or its report could not be written).
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    /// The capture file could not be opened or read.
    #[error("capture: {0}")]
    Capture(#[from] CaptureError),

    /// The selection names a session the capture does not hold.
    #[error("capture has no session {session} (sessions: {available})")]
    UnknownSession { session: i64, available: String },

    /// The target URL cannot be dialled.
    #[error("invalid replay target {url:?}: {reason}")]
    InvalidTarget { url: String, reason: String },

    /// Push replay fires recorded pushes through a server handle; a URL does not give one.
    #[error(
        "push replay needs a server handle, and {url} is only a URL: pushes are fired through the \
         embedded server's API (`Server::with_origin(Origin::Replay)`), which a remote process does \
         not expose. Run the push replay from the console attached to the embedded server, or \
         replay the recorded clients instead (client replay works over any URL)"
    )]
    PushNeedsServer { url: String },

    /// Client replay opens real WebSocket connections, so it needs the server's URL.
    #[error(
        "client replay needs the server's ws:// URL: the target was given as a server handle \
         without one"
    )]
    NoUrl,

    /// A `--ignore` JSON path could not be parsed.
    #[error("invalid ignore path {path:?}: {reason}")]
    InvalidPath { path: String, reason: String },

    /// An option is out of range (negative speed, zero timeout, ...).
    #[error("invalid replay option: {0}")]
    InvalidOption(String),

    /// A `--param` argument is not `KEY=VALUE` or `USER:KEY=VALUE`.
    #[error("invalid --param {arg:?}: expected KEY=VALUE or USER:KEY=VALUE")]
    InvalidParam { arg: String },

    /// Writing the report (or printing the summary) failed.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("json: {0}")]
    Json(#[from] serde_json::Error),
}

impl ReplayError {
    /// An I/O failure on `path` (a file, or a stream such as `<stdout>`).
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        ReplayError::Io {
            path: path.into(),
            source,
        }
    }
}
