//! `proxy`: the console's recording proxy (`switchboard proxy --headless`) in front of an
//! upstream, in this process: `switchboard_console_core::ConsoleCore::proxy`, the very code the
//! console binary runs, without the window (whose release build costs minutes the benchmark
//! does not need). It records into a capture file and serves the console's API, as the
//! console does; `bench/run.sh --only proxy-latency,proxy-throughput` measures what it adds.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result};
use switchboard_console_core::{BrowserHost, ConsoleCore, ConsoleOptions};

#[derive(Debug, Clone, clap::Args)]
pub struct ProxyOpts {
    /// The server the clients are relayed to (`ws://HOST:PORT`).
    #[arg(long)]
    pub upstream: String,
    /// Where clients connect.
    #[arg(long, default_value = "127.0.0.1:7071")]
    pub listen: String,
    /// The capture file the proxy records into (a fresh one per run is the script's job).
    #[arg(long)]
    pub record: PathBuf,
}

pub async fn run(o: &ProxyOpts) -> Result<()> {
    let mut opts = ConsoleOptions::new();
    opts.capture = Some(o.record.clone());
    opts.ui_listen = "127.0.0.1:0".into();
    opts.source = format!("proxy to {}", o.upstream);
    let (core, proxy) = ConsoleCore::proxy(&o.upstream, &o.listen, opts, Arc::new(BrowserHost))
        .await
        .with_context(|| format!("proxying {} to {}", o.listen, o.upstream))?;
    println!("proxy listening {} -> {}", proxy.addr(), o.upstream);
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        _ = term.recv() => {}
        r = tokio::signal::ctrl_c() => r?,
    }
    core.shutdown().await.context("stopping the console")?;
    Ok(())
}
