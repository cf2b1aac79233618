//! `switchboard-server`: run the demo or a contract file, record traffic, let a console attach
//! (`--inspect`, see `switchboard-inspector`), manage captures.
//! `serve` (the default subcommand) lives here; the other subcommands are in the library
//! (`switchboard_cli`), where their tests can reach them.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::{Parser, Subcommand};
use switchboard_capture::{Recorder, RecorderConfig};
use switchboard_demo as demo;
use switchboard_inspector::{Inspector, InspectorConfig};
use switchboard_redis::{RedisAdapter, RedisConfig};
use switchboard_server::cluster::{AdapterStatus, ClusterConfig};
use switchboard_server::contract::Contract;
use switchboard_server::tap::Tap;
use switchboard_server::{ReplayKey, Server, ServerConfig};

#[derive(Parser, Debug)]
#[command(
    name = "switchboard-server",
    version,
    about = "Switchboard realtime server (super-line v1 wire)"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    serve: ServeArgs,
}

#[derive(clap::Args, Debug)]
struct ServeArgs {
    /// Run the embedded demo (the default when no --contract is given).
    #[arg(long)]
    demo: bool,
    /// Run a contract file; requests answer schema-valid sample outputs.
    #[arg(long, value_name = "FILE", conflicts_with = "demo")]
    contract: Option<PathBuf>,
    /// Address for the WebSocket endpoint.
    #[arg(long, default_value = "127.0.0.1:7070", value_name = "ADDR")]
    listen: String,
    /// This node's id (random by default).
    #[arg(long, value_name = "NAME")]
    node_id: Option<String>,
    /// Largest accepted frame in bytes; larger frames close the socket with 1009.
    #[arg(long, default_value_t = 1024 * 1024, value_name = "BYTES")]
    max_frame_bytes: usize,
    /// Seconds between server pings.
    #[arg(long, default_value_t = 30, value_name = "SECS")]
    heartbeat_secs: u64,
    /// Close connections after this many unanswered pings (never by default).
    #[arg(long, value_name = "N")]
    max_missed_pongs: Option<u32>,
    /// Also start N simulated demo clients (users and agents) for live traffic.
    #[arg(long, value_name = "N", default_value_t = 0)]
    simulate: usize,
    /// Requests per second across all simulated clients (default: N / 2).
    #[arg(long, value_name = "RATE")]
    simulate_rate: Option<f64>,
    /// Record every message into this SQLite capture file.
    #[arg(long, value_name = "FILE")]
    record: Option<PathBuf>,
    /// Join a cluster through this Redis (e.g. redis://127.0.0.1:6379).
    #[arg(long, value_name = "URL")]
    redis: Option<String>,
    /// Milliseconds after which a silent node counts as dead (presence entries expire).
    #[arg(long, default_value_t = 5000, value_name = "MS")]
    node_ttl_ms: u64,
    /// Maximum simultaneous connections.
    #[arg(long, default_value_t = 100_000, value_name = "N")]
    max_connections: usize,
    /// Let a console attach from another process (switchboard.inspector.v1) on this address,
    /// apart from the application's endpoint; the attach URL is printed after the listening
    /// line. See docs/inspector.md.
    #[arg(long, value_name = "ADDR")]
    inspect: Option<SocketAddr>,
    /// The token consoles must present. Default: $SWITCHBOARD_INSPECT_TOKEN, else a random
    /// one on a loopback address (another address requires a token).
    #[arg(long, value_name = "TOKEN", requires = "inspect")]
    inspect_token: Option<String>,
    /// Where other machines reach the inspector (HOST:PORT or ws://HOST:PORT/), published in
    /// cluster presence with --redis so `switchboard attach --redis` finds this node. Default:
    /// the --inspect address, unless it is a wildcard (0.0.0.0, ::). The token is never
    /// published.
    #[arg(long, value_name = "ADDR", requires = "inspect")]
    inspect_advertise: Option<String>,
    /// The secret that marks the replayer's connections (`replay --replay-key`), so they are
    /// recorded with origin `replay`; at least 16 visible ASCII characters. Without it the key
    /// is random and a replay from another process is recorded as ordinary clients.
    #[arg(long, value_name = "KEY")]
    replay_key: Option<ReplayKey>,
}

/// Where `--inspect-token` is read from when the flag is absent.
const INSPECT_TOKEN_ENV: &str = "SWITCHBOARD_INSPECT_TOKEN";

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the server (the default).
    Serve,
    /// Inspect, export and import capture files.
    #[command(subcommand)]
    Capture(Box<switchboard_cli::capture_cmd::CaptureCommand>),
    /// Replay a capture against a server and report what differs (exit 1 with --check when
    /// something does, 2 when the replay cannot run).
    Replay(Box<switchboard_cli::replay_cmd::ReplayArgs>),
    /// Export a contract for other languages (a super-line TypeScript module with zod
    /// schemas).
    #[command(subcommand)]
    Contract(switchboard_cli::contract_cmd::ContractCommand),
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,switchboard_server=info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        match cli.command {
            None | Some(Command::Serve) => serve(cli.serve).await.map(|()| ExitCode::SUCCESS),
            Some(Command::Capture(cmd)) => tokio::task::spawn_blocking(move || (*cmd).run())
                .await
                .context("capture command")?
                .map(|()| ExitCode::SUCCESS)
                .map_err(anyhow::Error::from),
            Some(Command::Contract(cmd)) => cmd
                .run()
                .map(|()| ExitCode::SUCCESS)
                .map_err(anyhow::Error::from),
            Some(Command::Replay(args)) => Ok(match args.run().await {
                Ok(outcome) => ExitCode::from(outcome.exit_code()),
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::from(2)
                }
            }),
        }
    });
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    if args.simulate > 0 && args.contract.is_some() {
        anyhow::bail!("--simulate runs the demo's clients; it cannot be combined with --contract");
    }
    let signals = StopSignals::install()?;
    let mut config = ServerConfig::default();
    if let Some(id) = args.node_id {
        config.node_id = id;
    }
    config.max_frame_bytes = args.max_frame_bytes;
    config.heartbeat_interval = Duration::from_secs(args.heartbeat_secs);
    config.max_missed_pongs = args.max_missed_pongs;
    config.max_connections = args.max_connections;
    config.replay_key = args.replay_key;

    let (contract, what) = match &args.contract {
        Some(path) => (
            Contract::from_file(path)?.compile()?,
            format!("contract {}", path.display()),
        ),
        None => (demo::contract()?, "demo".to_owned()),
    };
    let contract_json = serde_json::to_value(contract.spec())?;
    let builder = Server::builder(Arc::new(contract));
    let builder = if args.contract.is_none() {
        demo::register(builder)
    } else {
        builder
    };
    let node_id = config.node_id.clone();
    let mut builder = builder.config(config);

    let recorder = match &args.record {
        Some(path) => {
            let mut rc = RecorderConfig::new(path);
            rc.node_id = node_id;
            rc.tool_version = env!("CARGO_PKG_VERSION").to_owned();
            rc.contract = contract_json;
            let recorder = Arc::new(Recorder::open(rc)?);
            let tap: Arc<dyn Tap> = recorder.clone();
            builder = builder.tap(tap.clone());
            Some((recorder, tap))
        }
        None => None,
    };
    if let Some(url) = &args.redis {
        let adapter = RedisAdapter::connect(RedisConfig::new(url.clone())).await?;
        if let AdapterStatus::Down(reason) = adapter.current_status() {
            eprintln!("warning: Redis not reachable yet ({reason}); serving locally and retrying");
        }
        let ttl = args.node_ttl_ms.max(100);
        builder = builder
            .adapter(Arc::new(adapter))
            .cluster_config(ClusterConfig {
                node_ttl: Duration::from_millis(ttl),
                heartbeat: Duration::from_millis((ttl / 5).clamp(20, 1000)),
                ..ClusterConfig::default()
            });
    }
    let server = builder.build()?;
    // Started before the application's endpoint, so a refused inspector (no token beyond
    // loopback, a busy port) stops the command before anything serves.
    let inspector = match args.inspect {
        Some(listen) => {
            let token = args.inspect_token.or_else(|| {
                std::env::var(INSPECT_TOKEN_ENV)
                    .ok()
                    .filter(|t| !t.is_empty())
            });
            let config = InspectorConfig {
                listen,
                token,
                advertise: args.inspect_advertise,
                ..InspectorConfig::default()
            };
            let inspector = Inspector::start(&server, config).await.with_context(|| {
                format!("--inspect (tokens come from --inspect-token or ${INSPECT_TOKEN_ENV})")
            })?;
            Some(inspector)
        }
        None => None,
    };
    let running = server.start(&args.listen).await?;
    let stop = tokio_util::sync::CancellationToken::new();
    if args.contract.is_none() {
        demo::spawn_ticker(&server, Duration::from_secs(1));
        if args.simulate > 0 {
            let mut opts = demo::simulate::SimulateOptions::new(running.url(), args.simulate);
            if let Some(rate) = args.simulate_rate {
                opts.rate_per_sec = rate;
            }
            demo::simulate::spawn(opts, stop.clone());
        }
    }
    say(format_args!(
        "Switchboard listening on {} ({what}, node {})",
        running.url(),
        server.node_id()
    ));
    if let Some(inspector) = &inspector {
        say(format_args!(
            "Inspector attach URL {}",
            inspector.attach_url()
        ));
    }
    if let Some(path) = &args.record {
        say(format_args!("recording into {}", path.display()));
    }
    tracing::info!(addr = %running.addr, node = server.node_id(), "serving {what}");
    let signal = signals.wait().await?;
    eprintln!("{signal}: shutting down...");
    stop.cancel();
    if let Some(inspector) = inspector {
        inspector.shutdown().await;
    }
    let served = running.shutdown().await;
    // The recorder goes last, after every socket closed, so the capture holds the replies to
    // in-flight requests and the closes; then its session is marked ended.
    if let Some((recorder, tap)) = recorder {
        server.remove_tap(&tap);
        drop(tap);
        let path = recorder.path().to_path_buf();
        let stats = tokio::task::spawn_blocking(move || match Arc::try_unwrap(recorder) {
            Ok(recorder) => recorder.close(),
            // Someone still holds it (an event being observed right now): commit what it has;
            // the session is closed when the last holder drops it.
            Err(shared) => shared.flush().map(|()| shared.stats()),
        })
        .await
        .context("closing the recorder")??;
        eprintln!(
            "recorded {} rows into {} ({} dropped)",
            stats.rows_written,
            path.display(),
            stats.dropped
        );
    }
    served?;
    Ok(())
}

/// One line on stdout for whoever started the server. A reader that went away (`| head -1`, a
/// supervisor that only wanted the URL) is not a reason to stop serving: `println!` would panic
/// on the closed pipe, so write errors are ignored here.
fn say(line: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}").and_then(|()| out.flush());
}

/// SIGTERM (what systemd, Docker and Kubernetes send to stop a service) and SIGINT (Ctrl-C),
/// both meaning "shut down gracefully". Installed before the endpoint opens, so a signal that
/// arrives during start-up is not the default action (an immediate death, clients seeing 1006,
/// the capture losing its last batch) but a graceful stop as soon as serving begins.
struct StopSignals {
    #[cfg(unix)]
    term: tokio::signal::unix::Signal,
    #[cfg(unix)]
    int: tokio::signal::unix::Signal,
}

impl StopSignals {
    fn install() -> anyhow::Result<StopSignals> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            Ok(StopSignals {
                term: signal(SignalKind::terminate()).context("installing the SIGTERM handler")?,
                int: signal(SignalKind::interrupt()).context("installing the SIGINT handler")?,
            })
        }
        #[cfg(not(unix))]
        Ok(StopSignals {})
    }

    /// Waits for either signal and names it.
    async fn wait(mut self) -> anyhow::Result<&'static str> {
        #[cfg(unix)]
        {
            tokio::select! {
                _ = self.term.recv() => Ok("SIGTERM"),
                _ = self.int.recv() => Ok("SIGINT"),
            }
        }
        #[cfg(not(unix))]
        {
            tokio::signal::ctrl_c()
                .await
                .context("waiting for Ctrl-C")?;
            Ok("Ctrl-C")
        }
    }
}
