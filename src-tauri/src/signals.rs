//! The signals that ask the console to stop: SIGTERM (what systemd, Docker and Kubernetes send)
//! and SIGINT (Ctrl-C). Both lead to the same ordered shutdown as closing the window; without a
//! SIGTERM handler the process would die at once, its applications' sockets would drop with
//! 1006 and the capture would lose its last batch and never be marked ended.

/// Both signal handlers, installed together (inside the runtime).
pub struct StopSignals {
    #[cfg(unix)]
    term: tokio::signal::unix::Signal,
    #[cfg(unix)]
    int: tokio::signal::unix::Signal,
}

impl StopSignals {
    /// Installs the handlers; from then on the signals no longer kill the process, they wait
    /// for [`StopSignals::wait`]. Must run inside the tokio runtime.
    pub fn install() -> std::io::Result<StopSignals> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            Ok(StopSignals {
                term: signal(SignalKind::terminate())?,
                int: signal(SignalKind::interrupt())?,
            })
        }
        #[cfg(not(unix))]
        Ok(StopSignals {})
    }

    /// Waits for either signal and names it.
    #[cfg_attr(not(unix), allow(unused_mut))]
    pub async fn wait(mut self) -> &'static str {
        #[cfg(unix)]
        {
            tokio::select! {
                _ = self.term.recv() => "SIGTERM",
                _ = self.int.recv() => "SIGINT",
            }
        }
        #[cfg(not(unix))]
        {
            if let Err(e) = tokio::signal::ctrl_c().await {
                tracing::warn!("cannot wait for Ctrl-C ({e}); stopping");
            }
            "Ctrl-C"
        }
    }
}
