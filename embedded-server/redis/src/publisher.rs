//! The publisher task: owns the command connection, drains the publish queue, keeps the
//! connection checked, and reconnects with backoff.
//!
//! One task and one connection publish everything, so messages leave in queue order: order per
//! channel (and across channels) is the order of `publish()` calls. Queued messages are sent in
//! pipelined batches (one round trip for up to [`MAX_BATCH`] messages) because a round trip per
//! message would cap a node at a few thousand messages per second.
//!
//! At most once: a batch whose pipeline fails is dropped, and while the connection is down every
//! message still queued is dropped too (counted in `publish_dropped`), so a reconnect never
//! replays messages from before the outage.
//!
//! The same connection serves presence commands: the task puts a clone of it in
//! [`Shared::command`] while it is healthy. Presence calls that fail, and the subscriber task
//! losing its own connection, wake this task ([`Shared::check_command`]) so it checks the
//! connection at once instead of at the next health tick.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use ::redis::aio::MultiplexedConnection;
use ::redis::AsyncConnectionConfig;
use bytes::Bytes;
use tokio::sync::mpsc;
use tokio::time::{self, MissedTickBehavior};

use super::backoff::ReconnectDelay;
use super::health::Link;
use super::Shared;

/// Messages sent in one pipeline at most. Big enough to amortise the round trip, small enough
/// that one failed batch loses little and one batch never holds the connection for long.
pub(crate) const MAX_BATCH: usize = 256;

/// How often an idle connection is PINGed. Redis going away cleanly closes the socket, but a
/// dead host or a network partition only shows up when a command times out; without traffic
/// nothing would notice, and the status would stay `Up` while publishes are doomed.
pub(crate) const HEALTH_INTERVAL: Duration = Duration::from_secs(1);

/// One queued message, with the namespaced channel already built by `publish()`.
#[derive(Debug)]
pub(crate) struct Outgoing {
    pub(crate) channel: String,
    pub(crate) payload: Bytes,
}

/// Runs until the adapter is closed (the task is aborted) or every sender is gone.
pub(crate) async fn run(shared: Arc<Shared>, mut queue: mpsc::Receiver<Outgoing>) {
    let mut delay = ReconnectDelay::new(shared.reconnect_min, shared.reconnect_max);
    loop {
        match connect(&shared).await {
            Ok(conn) => {
                delay.reset();
                *super::health::lock(&shared.command) = Some(conn.clone());
                if shared.health.up(Link::Command) {
                    tracing::info!("redis adapter: command connection restored");
                }
                let outcome = serve(&shared, &mut queue, conn).await;
                *super::health::lock(&shared.command) = None;
                match outcome {
                    Some(reason) => {
                        tracing::warn!("redis adapter: command connection lost: {reason}");
                        shared.check_subscriber.notify_one();
                        shared.health.down(Link::Command, reason);
                    }
                    None => return,
                }
            }
            Err(reason) => {
                if shared.health.down(Link::Command, reason.clone()) {
                    tracing::warn!("redis adapter: command connection unavailable: {reason}");
                } else {
                    tracing::debug!("redis adapter: command connection retry failed: {reason}");
                }
            }
        }
        if !discard_for(&shared, &mut queue, delay.next_delay()).await {
            return;
        }
    }
}

async fn connect(shared: &Shared) -> Result<MultiplexedConnection, String> {
    let config = AsyncConnectionConfig::new()
        .set_connection_timeout(Some(shared.command_timeout))
        .set_response_timeout(Some(shared.command_timeout));
    let attempt = shared
        .client
        .get_multiplexed_async_connection_with_config(&config);
    // The outer timeout also bounds what the connection timeout may not cover (DNS, the
    // handshake commands the client sends after connecting).
    match time::timeout(shared.command_timeout, attempt).await {
        Ok(Ok(conn)) => Ok(conn),
        Ok(Err(e)) => Err(format!("connect failed: {e}")),
        Err(_) => Err(format!(
            "connect timed out after {:?}",
            shared.command_timeout
        )),
    }
}

/// Publishes until the connection fails (`Some(reason)`) or the queue's senders are all gone
/// (`None`: the adapter was dropped).
async fn serve(
    shared: &Shared,
    queue: &mut mpsc::Receiver<Outgoing>,
    mut conn: MultiplexedConnection,
) -> Option<String> {
    let mut health = time::interval_at(time::Instant::now() + HEALTH_INTERVAL, HEALTH_INTERVAL);
    health.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut batch = Vec::with_capacity(MAX_BATCH);
    loop {
        tokio::select! {
            biased;
            received = queue.recv_many(&mut batch, MAX_BATCH) => {
                if received == 0 {
                    return None;
                }
                let result = publish_batch(shared, &mut conn, &batch).await;
                let count = batch.len() as u64;
                batch.clear();
                match result {
                    Ok(()) => {
                        shared.counters.published.fetch_add(count, Ordering::Relaxed);
                        // Traffic that succeeds proves the connection; no need to PING.
                        health.reset();
                    }
                    Err(reason) => {
                        shared.counters.publish_dropped.fetch_add(count, Ordering::Relaxed);
                        return Some(reason);
                    }
                }
            }
            () = shared.check_command.notified() => {
                if let Err(reason) = ping(shared, &mut conn).await {
                    return Some(reason);
                }
            }
            _ = health.tick() => {
                if let Err(reason) = ping(shared, &mut conn).await {
                    return Some(reason);
                }
            }
        }
    }
}

async fn publish_batch(
    shared: &Shared,
    conn: &mut MultiplexedConnection,
    batch: &[Outgoing],
) -> Result<(), String> {
    let mut pipe = ::redis::pipe();
    for message in batch {
        pipe.cmd("PUBLISH")
            .arg(&message.channel)
            .arg(&message.payload[..])
            .ignore();
    }
    match time::timeout(shared.command_timeout, pipe.query_async::<()>(conn)).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(format!("publish failed: {e}")),
        Err(_) => Err(format!(
            "publish timed out after {:?}",
            shared.command_timeout
        )),
    }
}

async fn ping(shared: &Shared, conn: &mut MultiplexedConnection) -> Result<(), String> {
    let cmd = ::redis::cmd("PING");
    match time::timeout(shared.command_timeout, cmd.query_async::<()>(conn)).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(format!("ping failed: {e}")),
        Err(_) => Err(format!("ping timed out after {:?}", shared.command_timeout)),
    }
}

/// Waits `delay` before the next attempt, dropping (and counting) every message queued
/// meanwhile: they were published while the transport was down and must not be sent late.
/// Returns `false` when the queue's senders are all gone.
async fn discard_for(
    shared: &Shared,
    queue: &mut mpsc::Receiver<Outgoing>,
    delay: Duration,
) -> bool {
    let sleep = time::sleep(delay);
    tokio::pin!(sleep);
    let mut batch = Vec::with_capacity(MAX_BATCH);
    loop {
        tokio::select! {
            () = &mut sleep => return true,
            received = queue.recv_many(&mut batch, MAX_BATCH) => {
                if received == 0 {
                    return false;
                }
                shared.counters.publish_dropped.fetch_add(received as u64, Ordering::Relaxed);
                batch.clear();
            }
        }
    }
}
