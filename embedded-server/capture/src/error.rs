//! The one error type of the capture module.
//!
//! Library code returns [`CaptureError`]; only a binary's `main` turns it into a message. Each
//! variant says which file or line it is about, so a failed export or import can be acted on
//! without a debugger.

use std::path::PathBuf;

/// Everything that can go wrong while recording, querying, exporting or importing a capture.
#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    /// The capture file cannot be created or written (checked when the recorder starts).
    #[error("cannot record into {path}: {reason}")]
    NotWritable { path: PathBuf, reason: String },

    /// The file exists but cannot be opened as a capture.
    #[error("cannot open capture file {path}: {reason}")]
    Open { path: PathBuf, reason: String },

    /// The file was written by a newer build whose schema this one does not know.
    #[error("capture file {path} has schema version {found}; this build knows up to {supported}")]
    SchemaTooNew {
        path: PathBuf,
        found: i64,
        supported: i64,
    },

    /// An SQLite statement failed.
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),

    /// Reading or writing an export or import file failed.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// An imported file is malformed; `line` is 1-based (0 for a SQLite source).
    #[error("{path}:{line}: {message}")]
    Import {
        path: PathBuf,
        line: u64,
        message: String,
    },

    /// `capture import` was asked to import a capture into itself (the same file, under this
    /// name or another): that would double every row.
    #[error("cannot import {path} into itself: the source and the destination are the same file")]
    ImportIntoItself { path: PathBuf },

    /// A value stored in the capture file is not what the schema promises.
    #[error("corrupt row {seq}: {message}")]
    Corrupt { seq: i64, message: String },

    /// A filter value (time, kind, origin) could not be understood.
    #[error("invalid filter: {0}")]
    InvalidFilter(String),

    /// A redaction JSON path could not be parsed.
    #[error("invalid redaction path {path:?}: {reason}")]
    InvalidPath { path: String, reason: String },

    #[error("json: {0}")]
    Json(#[from] serde_json::Error),

    #[error("csv: {0}")]
    Csv(#[from] csv::Error),

    /// The recorder's writer thread is gone (it panicked); nothing more will be recorded.
    #[error("the recorder's writer thread has stopped")]
    WriterGone,
}

impl CaptureError {
    /// An I/O failure on `path` (a file, or a stream such as `<stdout>`).
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        CaptureError::Io {
            path: path.into(),
            source,
        }
    }
}
