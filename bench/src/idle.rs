//! Memory per idle connection: RSS of the server(s) before and after `conns` members have
//! connected and joined a room, divided by the number of connections.

use std::time::{Duration, Instant};

use anyhow::{bail, Result};

use crate::fanout::connect_many;
use crate::procstat::pids_rss;
use crate::proto::Dialect;

#[derive(Debug, Clone)]
pub struct IdleOpts {
    pub dialect: Dialect,
    pub addrs: Vec<String>,
    pub room: String,
    pub conns: usize,
    pub connect_concurrency: usize,
    pub server_pids: Vec<u32>,
    /// Wait after the last connection before reading RSS, so lazy allocations and a garbage
    /// collector have settled.
    pub settle: Duration,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct IdleResult {
    pub connections: usize,
    pub rss_before: u64,
    pub rss_after: u64,
    pub bytes_per_conn: f64,
    pub kib_per_conn: f64,
    pub connect_s: f64,
    pub connects_per_s: f64,
}

pub async fn run(o: &IdleOpts) -> Result<IdleResult> {
    if o.server_pids.is_empty() {
        bail!("--server-pid is required to read the server's memory");
    }
    let rss_before = pids_rss(&o.server_pids)?;
    let started = Instant::now();
    let sockets = connect_many(
        o.dialect,
        &o.addrs,
        &o.room,
        o.conns,
        o.connect_concurrency,
        "idle",
    )
    .await?;
    let connect_s = started.elapsed().as_secs_f64();
    tokio::time::sleep(o.settle).await;
    let rss_after = pids_rss(&o.server_pids)?;
    drop(sockets);
    let per = rss_after.saturating_sub(rss_before) as f64 / o.conns.max(1) as f64;
    Ok(IdleResult {
        connections: o.conns,
        rss_before,
        rss_after,
        bytes_per_conn: per,
        kib_per_conn: per / 1024.0,
        connect_s,
        connects_per_s: o.conns as f64 / connect_s.max(1e-9),
    })
}
