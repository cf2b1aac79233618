//! [`ConsoleCore`]: the console backend as one value. It owns the server handle and its
//! WebSocket endpoint (or, in attach mode, the links to nodes in other processes), the
//! recorder, the live pipeline and the console's own HTTP listener, and stops them in order.

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

use crate::auth::{Access, Token};
use crate::error::ConsoleError;
use crate::host::Host;
use crate::live::aggregator::Aggregator;
use crate::live::hub::LiveHub;
use crate::live::tap::LiveTap;
use crate::live::TAP_QUEUE;
use crate::nodes::sink::Sink;
use crate::nodes::{AttachedNodes, EmbeddedNodes, NodeSource};
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
    /// The application endpoint; `None` in attach mode, where the console serves no
    /// application of its own.
    running: Option<RunningServer>,
    ui_addr: SocketAddr,
    stop: CancellationToken,
    ui_task: JoinHandle<std::io::Result<()>>,
    aggregator: JoinHandle<()>,
    api_runtime: ApiRuntime,
}

/// The runtime the console's API and UI are served on: a thread of its own, apart from the
/// runtime the application's connections run on. With 10,000 busy connections that runtime's
/// workers always have connection tasks queued, and an API call queued among them (and, worse,
/// woken from a blocking task through its shared queue) waited hundreds of milliseconds for
/// work that takes one or two. On its own mostly idle thread, a call waits only for the CPU.
struct ApiRuntime(Option<tokio::runtime::Runtime>);

/// Threads the API's runtime may use for blocking work (capture queries, exports, listing
/// connections).
const API_BLOCKING_THREADS: usize = 16;

impl ApiRuntime {
    fn new() -> Result<ApiRuntime, ConsoleError> {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .max_blocking_threads(API_BLOCKING_THREADS)
            .thread_name("switchboard-console-api")
            .enable_all()
            .build()
            .map(|rt| ApiRuntime(Some(rt)))
            .map_err(ConsoleError::Runtime)
    }

    fn spawn<F>(&self, f: F) -> JoinHandle<F::Output>
    where
        F: std::future::Future + Send + 'static,
        F::Output: Send + 'static,
    {
        match &self.0 {
            Some(rt) => rt.spawn(f),
            // Only after drop; kept total rather than panicking.
            None => tokio::spawn(f),
        }
    }
}

impl Drop for ApiRuntime {
    /// Without waiting: the console may be dropped inside another runtime, where a blocking
    /// shutdown would panic. Its tasks (the listener, live sockets) are stopped by then or
    /// are dropped here.
    fn drop(&mut self) {
        if let Some(rt) = self.0.take() {
            rt.shutdown_background();
        }
    }
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
        let contract = serde_json::to_value(server.contract().spec()).unwrap_or_default();
        let Pipeline {
            recorder,
            taps,
            hub,
            rx,
            stop,
        } = Pipeline::open(&opts, server.node_id(), contract)?;
        for tap in taps {
            server.add_tap(tap);
        }
        let source = NodeSource::Embedded(Arc::new(EmbeddedNodes::new(server.clone())));

        let running = server.start(&opts.app_listen).await?;
        let info_node = server.node_id().to_owned();
        let app_url = running.url();
        ConsoleCore::serve(Serve {
            server,
            source,
            running: Some(running),
            opts,
            host,
            recorder,
            hub,
            stop,
            rx,
            node_id: info_node,
            app_url,
        })
        .await
    }

    /// Attach mode: serve no application, follow the nodes at `urls` (`ws://HOST:PORT/?token=...`
    /// as `--inspect` prints them) through their inspectors, and record every node's events
    /// into the one capture file, each row with its node id. A node that cannot be reached yet
    /// is retried with backoff; more can be added later (`POST /api/nodes`).
    pub async fn attach(
        urls: Vec<String>,
        opts: ConsoleOptions,
        host: Arc<dyn Host>,
    ) -> Result<ConsoleCore, ConsoleError> {
        let server = idle_server()?;
        // Rows carry each node's id; the session's own node id says who recorded them. The
        // nodes' contract is not known yet (and could differ between nodes): none is stored.
        let Pipeline {
            recorder,
            taps,
            hub,
            rx,
            stop,
        } = Pipeline::open(&opts, "console-attach", serde_json::Value::Null)?;
        let nodes = Arc::new(AttachedNodes::new(
            Arc::new(Sink::new(taps, hub.clone())),
            stop.child_token(),
        ));
        for url in &urls {
            nodes.add(url)?;
        }
        let source = NodeSource::Attached(nodes);
        ConsoleCore::serve(Serve {
            server,
            source,
            running: None,
            opts,
            host,
            recorder,
            hub,
            stop,
            rx,
            node_id: String::new(),
            app_url: String::new(),
        })
        .await
    }

    /// Proxy mode: serve no application; relay the clients that connect to `listen` to the
    /// server at `upstream` (any server speaking the wire) and record what passes, each row
    /// with the node id `proxy:HOST:PORT` (docs/proxy.md). Returns the proxy too, for its
    /// address and its connections.
    pub async fn proxy(
        upstream: &str,
        listen: &str,
        opts: ConsoleOptions,
        host: Arc<dyn Host>,
    ) -> Result<(ConsoleCore, Arc<crate::nodes::proxy::Proxy>), ConsoleError> {
        let server = idle_server()?;
        // The upstream's contract is not known to the proxy: none is stored.
        let Pipeline {
            recorder,
            taps,
            hub,
            rx,
            stop,
        } = Pipeline::open(&opts, "console-proxy", serde_json::Value::Null)?;
        let proxy = Arc::new(
            crate::nodes::proxy::Proxy::start(upstream, listen, taps, stop.child_token()).await?,
        );
        // The traffic comes from the proxy's taps; the panels read its connections.
        let source = NodeSource::Proxy(proxy.clone());
        let app_url = format!("ws://{}", proxy.addr());
        let node_id = proxy.node_id().to_owned();
        let core = ConsoleCore::serve(Serve {
            server,
            source,
            running: None,
            opts,
            host,
            recorder,
            hub,
            stop,
            rx,
            node_id,
            app_url,
        })
        .await?;
        Ok((core, proxy))
    }

    /// Open the console's own listener and serve the API and the UI.
    async fn serve(s: Serve) -> Result<ConsoleCore, ConsoleError> {
        let Serve {
            server,
            source,
            running,
            opts,
            host,
            recorder,
            hub,
            stop,
            rx,
            node_id,
            app_url,
        } = s;
        // The live pipeline's consumer of the tapped events, started here for every mode.
        let aggregator = tokio::spawn(
            Aggregator::new(source.clone(), recorder.clone(), hub.clone(), rx).run(stop.clone()),
        );
        let bind_error = |source| ConsoleError::UiBind {
            addr: opts.ui_listen.clone(),
            source,
        };
        // Bound here, registered with the API's runtime below (a tokio listener belongs to the
        // runtime it was created on).
        let listener = std::net::TcpListener::bind(&opts.ui_listen).map_err(bind_error)?;
        listener.set_nonblocking(true).map_err(bind_error)?;
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
            node_id,
            app_url,
            source: opts.source.clone(),
            capture_path: recorder.as_ref().map(|r| r.path().display().to_string()),
        };
        let exports = ExportStore::new(tempfile::tempdir().map_err(ConsoleError::TempDir)?);
        let state = Arc::new(AppState::new(
            server,
            source,
            token,
            host,
            info,
            recorder,
            hub,
            exports,
            stop.clone(),
        ));
        let access = Access::new(state.token.clone(), ui_addr);
        let app = crate::api::router(state.clone(), access);
        let shutdown = stop.clone();
        let api_runtime = ApiRuntime::new()?;
        let ui_task = api_runtime.spawn(async move {
            let listener = TcpListener::from_std(listener)?;
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
            api_runtime,
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

    /// `ws://ADDR/`: where applications connect (empty in attach mode, which serves none).
    pub fn app_url(&self) -> String {
        self.running
            .as_ref()
            .map(RunningServer::url)
            .unwrap_or_default()
    }

    /// The application endpoint's address; `None` in attach mode.
    pub fn app_addr(&self) -> Option<SocketAddr> {
        self.running.as_ref().map(|r| r.addr)
    }

    /// The nodes followed in attach mode.
    pub fn attached(&self) -> Option<&Arc<AttachedNodes>> {
        self.state.source.attached()
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
        // Anything still running on the API's runtime (a replay, an export) ends here.
        drop(self.api_runtime);
        let served = match self.running {
            Some(running) => running.shutdown().await,
            None => Ok(()),
        };
        if let Some(nodes) = self.state.source.attached() {
            nodes.shutdown().await;
        }
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

/// What every mode records and shows through: the recorder (when a capture file is set), the
/// live tap feeding the hub, and the stop token. The taps are installed on the embedded server,
/// or fed by attached nodes or the proxy.
struct Pipeline {
    recorder: Option<Arc<RecorderSlot>>,
    taps: Vec<Arc<dyn switchboard_server::tap::Tap>>,
    hub: Arc<LiveHub>,
    rx: mpsc::Receiver<switchboard_server::tap::TapEvent>,
    stop: CancellationToken,
}

impl Pipeline {
    /// The recorder is tapped before the live view, as the embedded server always did.
    fn open(
        opts: &ConsoleOptions,
        node_id: &str,
        contract: serde_json::Value,
    ) -> Result<Pipeline, ConsoleError> {
        let recorder = match &opts.capture {
            Some(path) => Some(Arc::new(open_recorder(path, node_id, contract)?)),
            None => None,
        };
        let dropped = Arc::new(AtomicU64::new(0));
        let (tx, rx) = mpsc::channel(TAP_QUEUE);
        let hub = Arc::new(LiveHub::new(dropped.clone()));
        // The contract's per-message statistics start from what the file already holds.
        if let (Some(slot), Some(path)) = (&recorder, &opts.capture) {
            if let Some(session) = slot.stats().map(|s| s.session_id) {
                crate::live::seed::start(hub.clone(), path.clone(), session);
            }
        }
        let mut taps: Vec<Arc<dyn switchboard_server::tap::Tap>> = Vec::new();
        if let Some(slot) = &recorder {
            taps.push(slot.clone());
        }
        taps.push(Arc::new(LiveTap::new(tx, dropped)));
        Ok(Pipeline {
            recorder,
            taps,
            hub,
            rx,
            stop: CancellationToken::new(),
        })
    }
}

fn open_recorder(
    path: &std::path::Path,
    node_id: &str,
    contract: serde_json::Value,
) -> Result<RecorderSlot, ConsoleError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|source| ConsoleError::CreateDir {
            path: dir.to_path_buf(),
            source,
        })?;
    }
    let mut cfg = RecorderConfig::new(path);
    cfg.node_id = node_id.to_owned();
    cfg.tool_version = format!("switchboard-console {}", env!("CARGO_PKG_VERSION"));
    cfg.contract = contract;
    Ok(RecorderSlot::new(Recorder::open(cfg)?))
}

/// What [`ConsoleCore::serve`] needs from either mode.
struct Serve {
    server: Server,
    source: NodeSource,
    running: Option<RunningServer>,
    opts: ConsoleOptions,
    host: Arc<dyn Host>,
    recorder: Option<Arc<RecorderSlot>>,
    hub: Arc<LiveHub>,
    stop: CancellationToken,
    /// The taps' events, for the aggregator [`ConsoleCore::serve`] starts.
    rx: mpsc::Receiver<switchboard_server::tap::TapEvent>,
    node_id: String,
    app_url: String,
}

/// A server that is never started, so attach and proxy modes need no special case where a
/// handle is merely passed around (replay, "Try it"); it has no connections, its contract is
/// the empty one ([`crate::nodes::empty_contract`]), and its node id says what it is.
fn idle_server() -> Result<Server, ConsoleError> {
    let contract = crate::nodes::empty_contract().map_err(|e| ConsoleError::Idle(e.to_string()))?;
    let config = switchboard_server::ServerConfig {
        node_id: "console-attach".into(),
        ..switchboard_server::ServerConfig::default()
    };
    Server::builder(contract)
        .config(config)
        .build()
        .map_err(|e| ConsoleError::Idle(e.to_string()))
}
