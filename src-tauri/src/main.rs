//! `switchboard`: the console. Opens a window (or runs headless) around the demo, a contract
//! file, and records all traffic.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context};
use clap::{Args, Parser, Subcommand};
use switchboard_console::Console;
use switchboard_console_core::nodes::convert::masked_url;
use switchboard_console_core::nodes::Discovery;
use switchboard_demo::{self as demo, simulate};
use switchboard_redis::{RedisAdapter, RedisConfig};
use switchboard_server::cluster::AdapterStatus;
use switchboard_server::contract::Contract;
use switchboard_server::{Server, ServerConfig};
use tokio_util::sync::CancellationToken;

/// Switchboard: a realtime server with its console. Without --contract it runs the embedded
/// demo. With a display it opens a window; otherwise (or with --headless) it serves the console
/// to a browser and prints the URL.
#[derive(Parser, Debug)]
#[command(name = "switchboard", version)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// Run this contract file instead of the demo (requests answer schema-valid samples).
    #[arg(long, value_name = "FILE")]
    contract: Option<PathBuf>,
    /// Address of the applications' WebSocket endpoint.
    #[arg(long, default_value = "127.0.0.1:7070", value_name = "ADDR")]
    listen: String,
    /// Join a cluster through this Redis server.
    #[arg(long, value_name = "URL")]
    redis: Option<String>,
    /// This node's id in the cluster (random by default).
    #[arg(long, value_name = "NAME")]
    node_id: Option<String>,
    /// Start N simulated demo clients (users and agents) for live traffic.
    #[arg(long, value_name = "N", default_value_t = 0)]
    simulate: usize,
    /// Requests per second across all simulated clients (default: N / 2).
    #[arg(long, value_name = "RATE")]
    simulate_rate: Option<f64>,
    /// No window: serve the console over HTTP and print its URL.
    #[arg(long)]
    headless: bool,
    /// Address of the console's own HTTP listener (UI and API). Port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:0", value_name = "ADDR")]
    ui_listen: String,
    /// Record traffic into this capture file (default: in the app data folder).
    #[arg(long, value_name = "FILE")]
    db: Option<PathBuf>,
    /// Most simultaneous application connections.
    #[arg(long, default_value_t = 100_000, value_name = "N")]
    max_connections: usize,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run no server: attach to running nodes through their inspectors (start them with
    /// `switchboard-server --inspect ADDR`, or `Inspector::start` in your app) and record what
    /// each of them does into one capture file.
    Attach(AttachArgs),
    /// Run no server: stand between clients and a server that speaks the wire (super-line's
    /// TypeScript server, another Switchboard), relay every connection to it and record what
    /// passes (docs/proxy.md).
    Proxy(ProxyArgs),
}

#[derive(Args, Debug)]
struct ProxyArgs {
    /// The server to relay to: ws://HOST:PORT (each client's path and query are appended).
    #[arg(long, value_name = "URL")]
    upstream: String,
    /// Where clients connect instead of the upstream.
    #[arg(long, default_value = "127.0.0.1:7070", value_name = "ADDR")]
    listen: String,
    /// No window: serve the console over HTTP and print its URL.
    #[arg(long)]
    headless: bool,
    /// Address of the console's own HTTP listener (UI and API). Port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:0", value_name = "ADDR")]
    ui_listen: String,
    /// Record the relayed traffic into this capture file (default: in the app data folder).
    #[arg(long, value_name = "FILE")]
    db: Option<PathBuf>,
}

#[derive(Args, Debug)]
struct AttachArgs {
    /// Attach URLs as the nodes print them: ws://HOST:PORT/?token=TOKEN (one or more, or
    /// none with --redis).
    #[arg(value_name = "URL", required_unless_present = "redis")]
    urls: Vec<String>,
    /// Discover every node of the cluster on this Redis that advertises an inspector
    /// (`switchboard-server --redis ... --inspect ...`) and follow nodes as they come and go.
    #[arg(long, value_name = "URL")]
    redis: Option<String>,
    /// The Redis namespace the cluster uses.
    #[arg(long, value_name = "NAME", default_value = "sb", requires = "redis")]
    redis_namespace: String,
    /// The inspector token the cluster's nodes share (they are started with the same
    /// --inspect-token); tokens are never published in Redis. Default:
    /// $SWITCHBOARD_INSPECT_TOKEN.
    #[arg(long, value_name = "TOKEN", requires = "redis")]
    token: Option<String>,
    /// No window: serve the console over HTTP and print its URL.
    #[arg(long)]
    headless: bool,
    /// Address of the console's own HTTP listener (UI and API). Port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:0", value_name = "ADDR")]
    ui_listen: String,
    /// Record every node's traffic into this capture file (default: in the app data folder).
    #[arg(long, value_name = "FILE")]
    db: Option<PathBuf>,
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "warn,switchboard_console=info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Where `attach --token` is read from when the flag is absent (the variable the nodes read
/// for `--inspect-token`).
const INSPECT_TOKEN_ENV: &str = "SWITCHBOARD_INSPECT_TOKEN";

fn attach(args: AttachArgs) -> anyhow::Result<()> {
    let mut console = Console::attach(args.urls)
        .ui_listen(args.ui_listen)
        .headless(args.headless);
    if let Some(url) = args.redis {
        let token = args
            .token
            .or_else(|| std::env::var(INSPECT_TOKEN_ENV).ok())
            .filter(|t| !t.is_empty())
            .with_context(|| {
                format!("--redis needs the nodes' inspector token: --token TOKEN or ${INSPECT_TOKEN_ENV}")
            })?;
        let rt = switchboard_console::console::runtime()?;
        let config = RedisConfig {
            namespace: args.redis_namespace,
            ..RedisConfig::new(url.clone())
        };
        // The adapter's tasks live on the runtime the console then runs on. Redis being down
        // is no reason to refuse: discovery waits for it, and URLs given still attach.
        let adapter = rt
            .block_on(RedisAdapter::connect(config))
            .with_context(|| format!("connecting to Redis at {}", masked_url(&url)))?;
        if let AdapterStatus::Down(reason) = adapter.current_status() {
            eprintln!("warning: Redis not reachable yet ({reason}); discovery retries");
        }
        console = console
            .runtime(rt)
            .discover(Discovery::new(Arc::new(adapter), url, token));
    }
    if let Some(db) = args.db {
        console = console.capture(db);
    }
    console.run()?;
    Ok(())
}

fn proxy(args: ProxyArgs) -> anyhow::Result<()> {
    let mut console = Console::proxy(args.upstream, args.listen)
        .ui_listen(args.ui_listen)
        .headless(args.headless);
    if let Some(db) = args.db {
        console = console.capture(db);
    }
    console.run()?;
    Ok(())
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Some(Command::Attach(args)) => return attach(args),
        Some(Command::Proxy(args)) => return proxy(args),
        None => {}
    }
    let mut config = ServerConfig::default();
    if let Some(id) = cli.node_id.clone() {
        config.node_id = id;
    }
    config.max_connections = cli.max_connections;

    let is_demo = cli.contract.is_none();
    if !is_demo && cli.simulate > 0 {
        bail!("--simulate runs the demo's clients; it cannot be combined with --contract");
    }
    let (builder, source) = match &cli.contract {
        Some(path) => {
            let contract = Contract::from_file(path)
                .and_then(|c| c.compile())
                .with_context(|| format!("loading {}", path.display()))?;
            (
                Server::builder(Arc::new(contract)),
                path.display().to_string(),
            )
        }
        None => (demo::builder()?, "demo".to_owned()),
    };
    let mut builder = builder.config(config);
    let rt = switchboard_console::console::runtime()?;
    if let Some(url) = &cli.redis {
        // The adapter's tasks live on the runtime the console then runs on.
        let adapter = rt
            .block_on(RedisAdapter::connect(RedisConfig::new(url.clone())))
            .with_context(|| format!("connecting to Redis at {url}"))?;
        if let AdapterStatus::Down(reason) = adapter.current_status() {
            eprintln!("warning: Redis not reachable yet ({reason}); serving locally and retrying");
        }
        builder = builder.adapter(Arc::new(adapter));
    }
    let server: Server = builder.build()?;

    let mut console = Console::new(server)
        .runtime(rt)
        .listen(cli.listen)
        .ui_listen(cli.ui_listen)
        .headless(cli.headless)
        .source(source);
    if let Some(db) = cli.db {
        console = console.capture(db);
    }
    if is_demo {
        let clients = cli.simulate;
        let rate = cli.simulate_rate;
        console = console.on_start(move |core| {
            demo::spawn_ticker(core.server(), Duration::from_secs(1));
            if clients > 0 {
                let mut opts = simulate::SimulateOptions::new(core.app_url(), clients);
                if let Some(rate) = rate {
                    opts.rate_per_sec = rate;
                }
                let stop = CancellationToken::new();
                let server = core.server().clone();
                let stop2 = stop.clone();
                tokio::spawn(async move {
                    server.shutdown_signal().await;
                    stop2.cancel();
                });
                simulate::spawn(opts, stop);
                println!("  simulating               {clients} demo clients");
            }
        });
    }
    console.run()?;
    Ok(())
}
