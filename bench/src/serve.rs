//! Our side of the benchmarks: the embedded demo server (its `join` and `say` requests are
//! the bench contract), built in release, with the knobs the benchmarks turn: recording on or
//! off, one node or a Redis cluster, an inspector for a console to attach to or none.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use switchboard_capture::{Recorder, RecorderConfig};
use switchboard_demo as demo;
use switchboard_inspector::{Inspector, InspectorConfig};
use switchboard_redis::{RedisAdapter, RedisConfig};
use switchboard_server::ServerConfig;

#[derive(Debug, Clone, clap::Args)]
pub struct ServeOpts {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:7070")]
    pub listen: String,
    /// This node's id (random by default).
    #[arg(long)]
    pub node_id: Option<String>,
    /// Record all traffic into this capture file (the recorder installed as a tap).
    #[arg(long)]
    pub record: Option<PathBuf>,
    /// Join a cluster through this Redis (e.g. redis://127.0.0.1:6379/).
    #[arg(long)]
    pub redis: Option<String>,
    /// Let a console attach (the inspector) on this address; `tail` is such a console.
    #[arg(long)]
    pub inspect: Option<std::net::SocketAddr>,
    /// The inspector's token.
    #[arg(long, default_value = "bench-console-token", requires = "inspect")]
    pub inspect_token: String,
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
    let node_id = config.node_id.clone();
    let mut builder = demo::builder()?.config(config);
    let recorder = match &o.record {
        Some(path) => {
            let mut rc = RecorderConfig::new(path);
            rc.node_id = node_id;
            let recorder = Arc::new(
                Recorder::open(rc).with_context(|| format!("recording into {}", path.display()))?,
            );
            builder = builder.tap(recorder.clone());
            Some(recorder)
        }
        None => None,
    };
    if let Some(url) = &o.redis {
        let adapter = RedisAdapter::connect(RedisConfig::new(url.clone())).await?;
        builder = builder.adapter(Arc::new(adapter));
    }
    let server = builder.build()?;
    let inspector = match o.inspect {
        Some(listen) => Some(
            Inspector::start(
                &server,
                InspectorConfig {
                    listen,
                    token: Some(o.inspect_token.clone()),
                    ..InspectorConfig::default()
                },
            )
            .await
            .context("starting the inspector")?,
        ),
        None => None,
    };
    let running = server
        .start(&o.listen)
        .await
        .with_context(|| format!("listening on {}", o.listen))?;
    println!("ready {} node {}", running.addr, server.node_id());
    wait_for_stop().await?;
    if let Some(inspector) = inspector {
        inspector.shutdown().await;
    }
    running.shutdown().await?;
    if let Some(recorder) = recorder {
        recorder.flush()?;
        // One JSON line the benchmark script attaches to its results.
        println!("recorder {}", serde_json::to_string(&recorder.stats())?);
    }
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
