//! One timer for the whole server: ping everyone, and reap those who stopped answering.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use super::close::{close_code, CloseReason, ClosedBy};
use super::shared::Shared;
use crate::tap::{now_us, TapKind};
use crate::wire::encode;

pub(crate) async fn run(shared: Arc<Shared>) {
    let period = shared.config().heartbeat_interval;
    if period.is_zero() {
        return;
    }
    let ping = encode::ping();
    let ping_len = ping.len();
    let ping = ping.frame;
    let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = shared.shutdown().cancelled() => return,
            _ = ticker.tick() => {}
        }
        let max = shared.config().max_missed_pongs;
        let now = now_us();
        for conn in shared.registry().all() {
            let stats = conn.stats();
            let missed = stats.missed_pongs();
            if let Some(max) = max {
                if missed >= max {
                    if conn.begin_close(CloseReason::new(
                        ClosedBy::Heartbeat,
                        close_code::HEARTBEAT_TIMEOUT,
                        format!("no pong for {missed} pings"),
                    )) {
                        shared.counters().reaped.fetch_add(1, Ordering::Relaxed);
                    }
                    continue;
                }
            }
            stats.ping_sent(now);
            conn.deliver(&ping);
            shared.tap_conn(TapKind::Ping, &conn, |ev| ev.size = ping_len);
        }
    }
}
