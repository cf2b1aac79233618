//! Default locations.

use std::path::PathBuf;

/// The app's identifier, as in `tauri.conf.json`: Tauri's app data folder is named after it.
pub const IDENTIFIER: &str = "dev.switchboard.console";

/// `<platform data dir>/dev.switchboard.console/capture.db` (on Linux
/// `~/.local/share/dev.switchboard.console/capture.db`), the same folder Tauri calls the app
/// data directory; `./switchboard-capture.db` when the platform has no data directory.
pub fn default_capture() -> PathBuf {
    match dirs::data_dir() {
        Some(dir) => dir.join(IDENTIFIER).join("capture.db"),
        None => PathBuf::from("switchboard-capture.db"),
    }
}
