//! Exports: the rows a [`Filter`] selects, with [`Redaction`] applied, written as JSONL, CSV,
//! HAR 1.2 or a SQLite snapshot.
//!
//! Every format is written to `<out>.partial` and renamed into place only when complete, so an
//! interrupted export never leaves a truncated file that looks whole.

pub mod csv;
pub mod har;
pub mod jsonl;
pub mod sqlite;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::error::CaptureError;
use super::filter::Filter;
use super::query::CaptureReader;
use super::redact::{Redaction, RedactionSummary};
use super::row::SessionInfo;

/// Name written in every export header, checked by the importer.
pub const FORMAT_NAME: &str = "switchboard-capture";
/// Version of the export formats (JSONL header and rows, snapshot `info`).
pub const FORMAT_VERSION: u32 = 1;

/// The file formats an export can produce.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExportFormat {
    /// One header line, then one JSON row per line; re-importable.
    Jsonl,
    /// One row per line with a header row, times in UTC; for spreadsheets.
    Csv,
    /// HAR 1.2, one entry per WebSocket connection with `_webSocketMessages` (browser devtools).
    Har,
    /// A capture file holding only the selection; re-importable and openable by the console.
    Sqlite,
}

/// What to export and how.
#[derive(Debug, Clone)]
pub struct ExportOptions {
    pub filter: Filter,
    pub redaction: Redaction,
    /// Written in the header; the exporting tool's version.
    pub tool_version: String,
}

impl Default for ExportOptions {
    fn default() -> Self {
        ExportOptions {
            filter: Filter::default(),
            redaction: Redaction::new(),
            tool_version: env!("CARGO_PKG_VERSION").into(),
        }
    }
}

/// The first line of a JSONL export, and the `export` entry of a snapshot's `info` table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExportHeader {
    /// Always [`FORMAT_NAME`].
    pub format: String,
    pub format_version: u32,
    pub tool_version: String,
    pub exported_at_us: i64,
    /// The selection that was exported.
    pub filter: Filter,
    /// What was masked.
    pub redaction: RedactionSummary,
    /// The contract of the newest session in the export (what a replay should load).
    pub contract: Option<Value>,
    /// Every session the exported rows belong to, with its own contract.
    pub sessions: Vec<SessionInfo>,
}

impl ExportHeader {
    pub(crate) fn build(
        reader: &CaptureReader,
        opts: &ExportOptions,
    ) -> Result<Self, CaptureError> {
        let ids = reader.session_ids(&opts.filter)?;
        let sessions: Vec<SessionInfo> = reader
            .sessions()?
            .into_iter()
            .filter(|s| ids.contains(&s.id))
            .collect();
        Ok(ExportHeader {
            format: FORMAT_NAME.into(),
            format_version: FORMAT_VERSION,
            tool_version: opts.tool_version.clone(),
            exported_at_us: crate::tap::now_us(),
            filter: opts.filter.clone(),
            redaction: opts.redaction.summary(),
            contract: sessions.last().and_then(|s| s.contract.clone()),
            sessions,
        })
    }
}

/// Exports the selection to `out` in `format`. `progress` is called with the number of rows
/// written so far (every few thousand rows, and at the end). Returns the number of rows.
pub fn export(
    reader: &CaptureReader,
    format: ExportFormat,
    out: &Path,
    opts: &ExportOptions,
    progress: &mut dyn FnMut(u64),
) -> Result<u64, CaptureError> {
    let same_file = match (
        std::fs::canonicalize(out),
        std::fs::canonicalize(reader.path()),
    ) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if same_file {
        return Err(CaptureError::io(
            out,
            std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                "refusing to export over the capture being read",
            ),
        ));
    }
    let partial = partial_path(out);
    let result = match format {
        ExportFormat::Jsonl => jsonl::export(reader, &partial, opts, progress),
        ExportFormat::Csv => csv::export(reader, &partial, opts, progress),
        ExportFormat::Har => har::export(reader, &partial, opts, progress),
        ExportFormat::Sqlite => sqlite::export(reader, &partial, opts, progress),
    };
    match result {
        Ok(n) => {
            std::fs::rename(&partial, out).map_err(|e| CaptureError::io(out, e))?;
            progress(n);
            Ok(n)
        }
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            Err(e)
        }
    }
}

fn partial_path(out: &Path) -> PathBuf {
    let mut p = out.as_os_str().to_owned();
    p.push(".partial");
    PathBuf::from(p)
}

/// Creates a buffered file for writing.
pub(crate) fn create(path: &Path) -> Result<std::io::BufWriter<std::fs::File>, CaptureError> {
    let f = std::fs::File::create(path).map_err(|e| CaptureError::io(path, e))?;
    Ok(std::io::BufWriter::with_capacity(1 << 16, f))
}

/// How often exports report progress.
pub(crate) const PROGRESS_EVERY: u64 = 4096;
