//! `/api/host`: what the UI needs to know about where it runs.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Where the UI is shown. The same UI runs in both; only saving an export differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum HostMode {
    /// The desktop window: exports are saved through a native dialog opened by the backend.
    Window,
    /// A browser (headless mode): exports are downloaded.
    Browser,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct HostInfo {
    pub mode: HostMode,
    /// The console's version.
    pub version: String,
    pub node_id: String,
    /// Where applications connect: `ws://ADDR/`.
    pub app_url: String,
    /// What the server runs: `demo`, a contract file's path, or `application`.
    pub source: String,
    /// The capture file traffic is recorded into (`null` when recording is off).
    pub capture_path: Option<String>,
}
