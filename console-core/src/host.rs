//! What the program hosting the console provides: the desktop window can open a native save
//! dialog, a browser cannot. The backend has no Tauri dependency; the window side implements
//! [`Host`] and hands it in.

use std::path::PathBuf;

use futures_util::future::BoxFuture;

use crate::types::HostMode;

pub trait Host: Send + Sync + 'static {
    fn mode(&self) -> HostMode;

    /// Ask the user where to save `suggested_name`; `None` when they cancel. Only a window host
    /// can answer; the default says "cancelled" so the UI can fall back to a download.
    fn choose_save_path(&self, suggested_name: String) -> BoxFuture<'static, Option<PathBuf>> {
        let _ = suggested_name;
        Box::pin(async { None })
    }
}

/// A browser: headless mode, and tests.
#[derive(Debug, Default, Clone, Copy)]
pub struct BrowserHost;

impl Host for BrowserHost {
    fn mode(&self) -> HostMode {
        HostMode::Browser
    }
}
