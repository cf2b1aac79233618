//! `tail`: a console attached to a node's inspector that reads everything it is sent, as
//! `switchboard attach` does, in its own process; for measuring what an attached console costs
//! the server (`bench/run.sh --only console-fanout,console-latency`).

use anyhow::{Context, Result};
use serde::Serialize;
use switchboard_inspector::protocol::NodeMessage;
use switchboard_inspector::InspectorClient;

#[derive(Debug, Clone, clap::Args)]
pub struct TailOpts {
    /// The node's attach URL (`ws://HOST:PORT/?token=...`).
    #[arg(long)]
    pub url: String,
}

#[derive(Default, Serialize)]
struct TailStats {
    /// Events received.
    events: u64,
    /// Events the node's session dropped (its queue was full), as reported by the node.
    dropped: u64,
    /// Messages this process could not read in time (its own queue was full).
    dropped_locally: u64,
}

pub async fn run(o: &TailOpts) -> Result<()> {
    let mut client = InspectorClient::connect(&o.url)
        .await
        .with_context(|| format!("attaching to {}", o.url))?;
    println!("attached to {}", client.hello().node);
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    let mut stats = TailStats::default();
    loop {
        tokio::select! {
            m = client.next() => match m {
                Some(NodeMessage::Event(_)) => stats.events += 1,
                Some(NodeMessage::Dropped(d)) => stats.dropped += d.count,
                Some(_) => {}
                None => break,
            },
            _ = term.recv() => break,
            r = tokio::signal::ctrl_c() => { r?; break; }
        }
    }
    stats.dropped_locally = client.dropped_locally();
    // One JSON line the benchmark script attaches to its results.
    println!("tail {}", serde_json::to_string(&stats)?);
    Ok(())
}
