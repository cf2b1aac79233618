//! Our side of the benchmarks: the embedded demo server (its `join` and `say` requests are
//! the bench contract), built in release, with the knobs the benchmarks turn.

use std::time::Duration;

use anyhow::{Context, Result};
use switchboard_server::{demo, ServerConfig};

#[derive(Debug, Clone, clap::Args)]
pub struct ServeOpts {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:7070")]
    pub listen: String,
    /// This node's id (random by default).
    #[arg(long)]
    pub node_id: Option<String>,
}

pub async fn run(o: &ServeOpts) -> Result<()> {
    let mut config = ServerConfig {
        // The benchmarks hold tens of thousands of sockets; the cap is not what is measured.
        max_connections: 1_000_000,
        heartbeat_interval: Duration::from_secs(30),
        ..ServerConfig::default()
    };
    if let Some(id) = &o.node_id {
        config.node_id = id.clone();
    }
    let builder = demo::builder()?.config(config);
    let server = builder.build()?;
    let running = server
        .start(&o.listen)
        .await
        .with_context(|| format!("listening on {}", o.listen))?;
    println!("ready {} node {}", running.addr, server.node_id());
    wait_for_stop().await?;
    running.shutdown().await?;
    Ok(())
}

/// Ctrl-C or SIGTERM (what the benchmark script sends).
async fn wait_for_stop() -> Result<()> {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        r = tokio::signal::ctrl_c() => r?,
        _ = term.recv() => {}
    }
    Ok(())
}
