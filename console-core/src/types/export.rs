//! `/api/exports`: writing a selection of the capture to a file.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::traffic::TrafficFilter;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ExportFormatName {
    /// A header line, then one JSON row per line; re-importable.
    Jsonl,
    /// One row per line, times in UTC; for spreadsheets.
    Csv,
    /// HAR 1.2 with `_webSocketMessages`; opens in browser devtools.
    Har,
    /// A capture file holding the selection; re-importable.
    Sqlite,
}

/// Which secrets to mask.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct RedactionOptions {
    /// Mask values under keys that look secret (token, password, secret, cookie, api key...).
    pub default_keys: bool,
    /// More keys to mask, matched whole.
    pub keys: Vec<String>,
    /// JSON paths to mask, such as `$.auth.token` or `$.items[*].card`.
    pub paths: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum SaveMode {
    /// Keep the file for `GET /api/exports/{id}` (a browser download).
    Download,
    /// Ask where to save it with the desktop's save dialog (window mode only).
    Native,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ExportRequest {
    pub filter: TrafficFilter,
    pub format: ExportFormatName,
    pub redaction: RedactionOptions,
    pub save: SaveMode,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ExportResult {
    /// For `GET /api/exports/{id}` (downloads only).
    pub id: Option<String>,
    pub file_name: String,
    #[ts(type = "number")]
    pub rows: u64,
    #[ts(type = "number")]
    pub bytes: u64,
    /// Where the native dialog saved it.
    pub saved_to: Option<String>,
    /// The user closed the save dialog without choosing a file.
    pub cancelled: bool,
}
