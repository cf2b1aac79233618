//! [`ConsoleCore`]: the console backend as one value. It owns the server handle and its
//! WebSocket endpoint, the recorder, the live pipeline and the console's own HTTP listener, and
//! stops them in order.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

use switchboard_capture::{Recorder, RecorderConfig};
use switchboard_server::RunningServer;
use switchboard_server::Server;
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::auth::Token;
use crate::error::ConsoleError;
use crate::host::Host;
use crate::live::aggregator::Aggregator;
use crate::live::hub::LiveHub;
use crate::live::tap::LiveTap;
use crate::live::TAP_QUEUE;
use crate::recording::RecorderSlot;
use crate::state::{AppState, ExportStore};
use crate::types::HostInfo;

/// How to run the console backend. See [`ConsoleOptions::new`] for the defaults.
#[derive(Debug, Clone)]
pub struct ConsoleOptions {
    /// The application's WebSocket endpoint. Default `127.0.0.1:7070`.
    pub app_listen: String,
    /// The console's own HTTP listener (UI and API); a different socket from the application's,
    /// so console traffic never shows up as connections, presence or recorded traffic.
    /// Default `127.0.0.1:0` (a free port, printed in the URL).
    pub ui_listen: String,
    /// The capture file to record into (created with its folder if missing). `None` runs without
    /// recording: history and exports then answer 503. Default `None`.
    pub capture: Option<PathBuf>,
    /// What the server runs, as shown in the UI: `demo`, a contract file, `application`.
    /// Default `application`.
    pub source: String,
    /// The access token. Default `None`: a random one per run (tests may fix it).
    pub token: Option<String>,
}

impl ConsoleOptions {
    pub fn new() -> Self {
        ConsoleOptions {
            app_listen: "127.0.0.1:7070".into(),
            ui_listen: "127.0.0.1:0".into(),
            capture: None,
            source: "application".into(),
            token: None,
        }
    }
}

impl Default for ConsoleOptions {
    fn default() -> Self {
        Self::new()
    }
}

/// A running console backend.
pub struct ConsoleCore {
    state: Arc<AppState>,
    running: RunningServer,
    ui_addr: SocketAddr,
    stop: CancellationToken,
    ui_task: JoinHandle<std::io::Result<()>>,
    aggregator: JoinHandle<()>,
}

impl ConsoleCore {
    /// Install the recorder and the live tap on `server`, start its WebSocket endpoint, and
    /// serve the console on its own listener. The taps go in before the endpoint opens, so the
    /// capture holds every connection from the first.
    pub async fn start(
        server: Server,
        opts: ConsoleOptions,
        host: Arc<dyn Host>,
    ) -> Result<ConsoleCore, ConsoleError> {
        let recorder = match &opts.capture {
            Some(path) => Some(Arc::new(open_recorder(&server, path)?)),
            None => None,
        };
        if let Some(slot) = &recorder {
            server.add_tap(slot.clone());
        }

        let dropped = Arc::new(AtomicU64::new(0));
        let (tx, rx) = mpsc::channel(TAP_QUEUE);
        server.add_tap(Arc::new(LiveTap::new(tx, dropped.clone())));
        let hub = Arc::new(LiveHub::new(dropped));
        let stop = CancellationToken::new();
        let aggregator = tokio::spawn(
            Aggregator::new(server.clone(), recorder.clone(), hub.clone(), rx).run(stop.clone()),
        );

        let running = server.start(&opts.app_listen).await?;
        let listener =
            TcpListener::bind(&opts.ui_listen)
                .await
                .map_err(|source| ConsoleError::UiBind {
                    addr: opts.ui_listen.clone(),
                    source,
                })?;
        let ui_addr = listener
            .local_addr()
            .map_err(|source| ConsoleError::UiBind {
                addr: opts.ui_listen.clone(),
                source,
            })?;

        let token = opts
            .token
            .clone()
            .map(Token::from_string)
            .unwrap_or_else(Token::random);
        let info = HostInfo {
            mode: host.mode(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            node_id: server.node_id().to_owned(),
            app_url: running.url(),
            source: opts.source.clone(),
            capture_path: recorder.as_ref().map(|r| r.path().display().to_string()),
        };
        let exports = ExportStore::new(tempfile::tempdir().map_err(ConsoleError::TempDir)?);
        let state = Arc::new(AppState::new(
            server,
            token,
            host,
            info,
            recorder,
            hub,
            exports,
            stop.clone(),
        ));
        let app = crate::api::router(state.clone());
        let shutdown = stop.clone();
        let ui_task = tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async move { shutdown.cancelled().await })
                .await
        });
        Ok(ConsoleCore {
            state,
            running,
            ui_addr,
            stop,
            ui_task,
            aggregator,
        })
    }

    /// `http://ADDR/?token=...`: what to open in a browser (and what the window loads).
    pub fn ui_url(&self) -> String {
        format!(
            "http://{}/?token={}",
            self.ui_addr,
            self.state.token.as_str()
        )
    }

    pub fn ui_addr(&self) -> SocketAddr {
        self.ui_addr
    }

    pub fn token(&self) -> &str {
        self.state.token.as_str()
    }

    /// `ws://ADDR/`: where applications connect.
    pub fn app_url(&self) -> String {
        self.running.url()
    }

    pub fn app_addr(&self) -> SocketAddr {
        self.running.addr
    }

    pub fn server(&self) -> &Server {
        &self.state.server
    }

    pub fn capture_path(&self) -> Option<PathBuf> {
        self.state.capture_path()
    }

    /// Stop in order: the console listener and live sockets, the application's endpoint
    /// (graceful: in-flight requests answer, sockets close with 1001), the live pipeline, and
    /// last the recorder, which commits what it holds and marks its session ended.
    pub async fn shutdown(self) -> Result<(), ConsoleError> {
        self.stop.cancel();
        let _ = self.ui_task.await;
        let served = self.running.shutdown().await;
        let _ = self.aggregator.await;
        if let Some(slot) = self.state.recorder.clone() {
            match tokio::task::spawn_blocking(move || slot.close()).await {
                Ok(Ok(_)) => {}
                Ok(Err(e)) => tracing::warn!("the recorder did not close cleanly: {e}"),
                Err(e) => tracing::warn!("the recorder did not close cleanly: {e}"),
            }
        }
        served.map_err(ConsoleError::from)
    }
}

fn open_recorder(server: &Server, path: &std::path::Path) -> Result<RecorderSlot, ConsoleError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|source| ConsoleError::CreateDir {
            path: dir.to_path_buf(),
            source,
        })?;
    }
    let mut cfg = RecorderConfig::new(path);
    cfg.node_id = server.node_id().to_owned();
    cfg.tool_version = format!("switchboard-console {}", env!("CARGO_PKG_VERSION"));
    cfg.contract = serde_json::to_value(server.contract().spec()).unwrap_or_default();
    Ok(RecorderSlot::new(Recorder::open(cfg)?))
}
