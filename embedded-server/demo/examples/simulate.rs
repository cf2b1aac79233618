//! The demo's simulated clients as a process of their own, for load that should not share a
//! process (or its file-descriptor limit) with the server under test.
//!
//! ```sh
//! cargo run --release --example simulate -- ws://127.0.0.1:7070/ 10000 5000
//! ```

use switchboard_demo::simulate::{spawn, SimulateOptions};
use tokio_util::sync::CancellationToken;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let url = args
        .next()
        .ok_or_else(|| anyhow::anyhow!("usage: simulate URL [CLIENTS] [RATE]"))?;
    let clients: usize = args.next().map(|s| s.parse()).transpose()?.unwrap_or(100);
    let mut opts = SimulateOptions::new(url, clients);
    if let Some(rate) = args.next() {
        opts.rate_per_sec = rate.parse()?;
    }
    let stop = CancellationToken::new();
    let task = spawn(opts, stop.clone());
    tokio::signal::ctrl_c().await?;
    stop.cancel();
    let _ = task.await;
    Ok(())
}
