//! Why the console could not run.

/// The console's run failed.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("cannot start the async runtime: {0}")]
    Runtime(#[source] std::io::Error),
    #[error("cannot install the SIGTERM/SIGINT handlers: {0}")]
    Signals(#[source] std::io::Error),
    #[error(transparent)]
    Console(#[from] switchboard_console_core::ConsoleError),
    #[error("the console URL {url} is not a valid URL: {reason}")]
    Url { url: String, reason: String },
    #[error("the desktop window failed: {0}")]
    Window(#[from] tauri::Error),
}
