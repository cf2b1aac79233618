//! The desktop window. It loads the console's own loopback URL, exactly like a browser would,
//! so the UI has one code path; the only thing the window adds is the native save dialog,
//! which the backend opens from Rust when the UI exports with `save: native`.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use futures_util::future::BoxFuture;
use switchboard_console_core::{Host, HostMode};
use tauri::{AppHandle, Manager, RunEvent, WebviewUrl, WebviewWindowBuilder};
use tauri_plugin_dialog::DialogExt;

use crate::error::RunError;
use crate::signals::StopSignals;

/// The window as a [`Host`]: it knows the app handle once Tauri has started.
#[derive(Default)]
pub struct WindowHost {
    app: OnceLock<AppHandle>,
}

impl Host for WindowHost {
    fn mode(&self) -> HostMode {
        HostMode::Window
    }

    fn choose_save_path(&self, suggested_name: String) -> BoxFuture<'static, Option<PathBuf>> {
        let Some(app) = self.app.get().cloned() else {
            return Box::pin(async { None });
        };
        let (tx, rx) = tokio::sync::oneshot::channel();
        app.dialog()
            .file()
            .set_title("Save the export")
            .set_file_name(&suggested_name)
            .save_file(move |picked| {
                let _ = tx.send(picked.and_then(|p| p.into_path().ok()));
            });
        Box::pin(async move { rx.await.ok().flatten() })
    }
}

/// WebKit derives `navigator.language` from the C library's locale name: exactly `C` becomes
/// `en-US`, but `C.UTF-8` (the default of Debian containers and CI) becomes `c`, which is not a
/// language tag, and the page's `Intl` calls throw on it. Use plain `C` in that case. Called
/// before the runtime starts any thread.
pub fn fix_locale() {
    let current = ["LC_ALL", "LC_CTYPE", "LANG"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
        .unwrap_or_default();
    let base = current.split(['.', '@']).next().unwrap_or("");
    if base.is_empty() || base == "C" || base == "POSIX" {
        std::env::set_var("LC_ALL", "C");
    }
}

/// WebKitGTK's accelerated compositing keeps layer backing stores for the whole page in the web
/// process; the console (text, tables and canvas charts) gains nothing from it, and without it
/// the web process used 195 MB instead of 331 MB (RSS, PSS 120 MB instead of 250 MB) at 50
/// connections (docs/console.md, "The window's memory"). A value set by whoever starts the
/// console wins. Called before the runtime starts any thread, like [`fix_locale`].
pub fn lighter_webview() {
    if std::env::var_os("WEBKIT_DISABLE_COMPOSITING_MODE").is_none() {
        std::env::set_var("WEBKIT_DISABLE_COMPOSITING_MODE", "1");
    }
}

/// Open the window on `url` and run the desktop event loop until the window closes (or SIGTERM
/// or SIGINT arrives).
pub fn run(
    rt: &tokio::runtime::Runtime,
    url: &str,
    host: Arc<WindowHost>,
    signals: StopSignals,
) -> Result<(), RunError> {
    let parsed: tauri::Url = url
        .parse()
        .map_err(|e: url_parse_error::Error| RunError::Url {
            url: url.to_owned(),
            reason: e.to_string(),
        })?;
    // One runtime for everything: Tauri's own tasks run on ours.
    tauri::async_runtime::set(rt.handle().clone());
    let app = tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        .setup(move |app| {
            let _ = host.app.set(app.handle().clone());
            WebviewWindowBuilder::new(app, "main", WebviewUrl::External(parsed.clone()))
                .title("Switchboard")
                .inner_size(1360.0, 860.0)
                .min_inner_size(960.0, 620.0)
                // The UI's background (--bg): the window and webview are painted with it before
                // the page's first paint, so opening never flashes white.
                .background_color(tauri::webview::Color(0x0d, 0x11, 0x17, 0xff))
                .build()?;
            let handle = app.handle().clone();
            tauri::async_runtime::spawn(async move {
                let signal = signals.wait().await;
                tracing::info!("{signal}: closing the window");
                handle.exit(0);
            });
            Ok(())
        })
        .build(tauri::generate_context!())?;
    let code = app.run_return(|app, event| {
        if let RunEvent::ExitRequested { .. } = event {
            if let Some(w) = app.get_webview_window("main") {
                let _ = w.hide();
            }
        }
    });
    tracing::debug!("desktop event loop ended ({code})");
    Ok(())
}

/// Names the URL parse error type without depending on the `url` crate directly.
mod url_parse_error {
    pub type Error = <tauri::Url as std::str::FromStr>::Err;
}
