//! The errors of starting and stopping the console backend.

use std::path::PathBuf;

use switchboard_capture::CaptureError;
use switchboard_server::ServeError;

/// Why the console backend could not start or stop cleanly.
#[derive(Debug, thiserror::Error)]
pub enum ConsoleError {
    /// The application's WebSocket endpoint could not be started.
    #[error(transparent)]
    Serve(#[from] ServeError),
    /// The console's own HTTP listener could not be bound.
    #[error("cannot listen for the console UI on {addr}: {source}")]
    UiBind {
        addr: String,
        #[source]
        source: std::io::Error,
    },
    /// The capture file could not be opened for recording.
    #[error("cannot record traffic: {0}")]
    Capture(#[from] CaptureError),
    /// The folder holding the capture file could not be created.
    #[error("cannot create {path}: {source}")]
    CreateDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// An attach URL was refused (attach mode).
    #[error(transparent)]
    Attach(#[from] crate::nodes::AttachError),
    /// The proxy could not start (proxy mode).
    #[error(transparent)]
    Proxy(#[from] crate::nodes::proxy::ProxyError),
    /// The idle server attach mode holds could not be built (a bug, not a user error).
    #[error("cannot prepare attach mode: {0}")]
    Idle(String),
    /// The console API's own runtime could not be started.
    #[error("cannot start the console's API runtime: {0}")]
    Runtime(#[source] std::io::Error),
    /// The temporary folder for exports could not be created.
    #[error("cannot create a temporary folder for exports: {0}")]
    TempDir(#[source] std::io::Error),
}
