//! Connection churn: `concurrency` clients each loop connect -> join a room (acknowledged) ->
//! close (close handshake completed), for `duration`. Reports completed cycles per second and
//! the time one cycle takes.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Result;
use tokio::task::JoinSet;

use crate::hist::{Percentiles, Shards};
use crate::procstat::{CpuMeter, CpuUse};
use crate::proto::{connect_member, Dialect};

#[derive(Debug, Clone)]
pub struct ChurnOpts {
    pub dialect: Dialect,
    pub addrs: Vec<String>,
    pub room: String,
    pub concurrency: usize,
    pub duration: Duration,
    pub server_pids: Vec<u32>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct ChurnResult {
    pub concurrency: usize,
    pub measured_s: f64,
    pub cycles: u64,
    pub cycles_per_s: f64,
    pub errors: u64,
    pub first_error: Option<String>,
    /// One cycle: connect, join acknowledged, close acknowledged.
    pub latency: Percentiles,
    pub cpu: CpuUse,
}

pub async fn run(o: &ChurnOpts) -> Result<ChurnResult> {
    let hist = Arc::new(Shards::default());
    let cycles = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let first_error = Arc::new(std::sync::Mutex::new(None::<String>));
    let started = Instant::now();
    let until = started + o.duration;
    let cpu = CpuMeter::start(&o.server_pids);
    let mut set = JoinSet::new();
    for w in 0..o.concurrency.max(1) {
        let o = o.clone();
        let (hist, cycles, errors, first_error) = (
            hist.clone(),
            cycles.clone(),
            errors.clone(),
            first_error.clone(),
        );
        set.spawn(async move {
            let mut local = hist.local(w);
            let mut n = 0usize;
            while Instant::now() < until {
                let addr = &o.addrs[(w + n) % o.addrs.len()];
                let name = format!("c{w}-{n}");
                n += 1;
                let t = Instant::now();
                match connect_member(o.dialect, addr, &name, &o.room).await {
                    Ok(ws) => {
                        // Closes and waits (bounded) for the server's side of the close.
                        ws.close().await;
                        local.record(t.elapsed().as_micros() as u64);
                        cycles.fetch_add(1, Ordering::Relaxed);
                    }
                    Err(e) => {
                        errors.fetch_add(1, Ordering::Relaxed);
                        first_error
                            .lock()
                            .unwrap_or_else(|p| p.into_inner())
                            .get_or_insert_with(|| format!("{e:#}"));
                        tokio::time::sleep(Duration::from_millis(10)).await;
                    }
                }
            }
        });
    }
    while set.join_next().await.is_some() {}
    let cpu = cpu.stop();
    let measured_s = started.elapsed().as_secs_f64();
    let cycles = cycles.load(Ordering::Relaxed);
    let first_error = first_error
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone();
    Ok(ChurnResult {
        concurrency: o.concurrency,
        measured_s,
        cycles,
        cycles_per_s: cycles as f64 / measured_s,
        errors: errors.load(Ordering::Relaxed),
        first_error,
        latency: Percentiles::of(&hist.merged()),
        cpu,
    })
}
