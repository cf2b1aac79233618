//! The subscriber task: owns the pub/sub connection, keeps Redis's subscriptions equal to the
//! remembered set, forwards messages to the inbound queue, and reconnects with backoff.
//!
//! `subscribe()`/`unsubscribe()` only edit the remembered set ([`Shared::subscriptions`]) and
//! wake this task, which then sends the difference between that set and what the connection
//! has. No command queue sits in between, so nothing can overflow however often the router
//! subscribes, and a burst of changes collapses into one SUBSCRIBE. After a reconnect the
//! connection has nothing, so the whole set is subscribed again before the link reports `Up`.
//!
//! The redis crate's pub/sub stream is unbounded internally; this task drains it without ever
//! awaiting (`try_send` into the bounded inbound queue, dropping and counting when that is
//! full), so a slow consumer costs dropped messages, never unbounded memory.

use std::collections::HashSet;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use ::redis::aio::{PubSubSink, PubSubStream};
use ::redis::Msg;
use bytes::Bytes;
use futures_util::StreamExt;
use tokio::sync::mpsc::{self, error::TrySendError};
use tokio::time::{self, MissedTickBehavior};

use super::backoff::ReconnectDelay;
use super::health::{lock, Link};
use super::publisher::HEALTH_INTERVAL;
use super::Shared;
use switchboard_server::cluster::adapter::AdapterMessage;

/// Channels per SUBSCRIBE/UNSUBSCRIBE command, so restoring a large set after a reconnect is a
/// few bounded commands rather than one huge one.
const CHANNELS_PER_COMMAND: usize = 1000;

/// Runs until the adapter is closed (the task is aborted).
pub(crate) async fn run(shared: Arc<Shared>, inbound: mpsc::Sender<AdapterMessage>) {
    let mut delay = ReconnectDelay::new(shared.reconnect_min, shared.reconnect_max);
    loop {
        let reason = match connect(&shared).await {
            Ok((sink, stream)) => {
                let (reason, was_up) = serve(&shared, sink, stream, &inbound).await;
                if was_up {
                    delay.reset();
                }
                reason
            }
            Err(reason) => reason,
        };
        if shared.health.down(Link::Subscriber, reason.clone()) {
            tracing::warn!("redis adapter: subscriber connection lost: {reason}");
            shared.check_command.notify_one();
        } else {
            tracing::debug!("redis adapter: subscriber connection retry failed: {reason}");
        }
        time::sleep(delay.next_delay()).await;
    }
}

async fn connect(shared: &Shared) -> Result<(PubSubSink, PubSubStream), String> {
    match time::timeout(shared.command_timeout, shared.client.get_async_pubsub()).await {
        Ok(Ok(pubsub)) => Ok(pubsub.split()),
        Ok(Err(e)) => Err(format!("connect failed: {e}")),
        Err(_) => Err(format!(
            "connect timed out after {:?}",
            shared.command_timeout
        )),
    }
}

/// Restores the subscriptions, reports `Up`, then forwards messages until the connection fails;
/// returns why, and whether the link got as far as `Up`.
async fn serve(
    shared: &Shared,
    mut sink: PubSubSink,
    mut stream: PubSubStream,
    inbound: &mpsc::Sender<AdapterMessage>,
) -> (String, bool) {
    let mut active = HashSet::new();
    if let Err(reason) = sync(shared, &mut sink, &mut active).await {
        return (reason, false);
    }
    if shared.health.up(Link::Subscriber) {
        tracing::info!(
            channels = active.len(),
            "redis adapter: subscriber connection restored"
        );
    }
    let mut health = time::interval_at(time::Instant::now() + HEALTH_INTERVAL, HEALTH_INTERVAL);
    health.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let reason = loop {
        tokio::select! {
            biased;
            () = shared.subscriptions_changed.notified() => {
                if let Err(reason) = sync(shared, &mut sink, &mut active).await {
                    break reason;
                }
            }
            message = stream.next() => match message {
                Some(message) => {
                    forward(shared, &message, inbound);
                    health.reset();
                }
                None => break "connection closed".to_owned(),
            },
            () = shared.check_subscriber.notified() => {
                if let Err(reason) = ping(shared, &mut sink).await {
                    break reason;
                }
            }
            _ = health.tick() => {
                if let Err(reason) = ping(shared, &mut sink).await {
                    break reason;
                }
            }
        }
    };
    (reason, true)
}

async fn ping(shared: &Shared, sink: &mut PubSubSink) -> Result<(), String> {
    match time::timeout(shared.command_timeout, sink.ping::<()>()).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(format!("ping failed: {e}")),
        Err(_) => Err(format!("ping timed out after {:?}", shared.command_timeout)),
    }
}

/// Makes the connection's subscriptions (`active`) equal to the remembered set.
async fn sync(
    shared: &Shared,
    sink: &mut PubSubSink,
    active: &mut HashSet<String>,
) -> Result<(), String> {
    // Copy under the lock, send after releasing it: no lock is held across an await.
    let wanted = lock(&shared.subscriptions).clone();
    let add: Vec<String> = wanted.difference(active).cloned().collect();
    let remove: Vec<String> = active.difference(&wanted).cloned().collect();
    for chunk in add.chunks(CHANNELS_PER_COMMAND) {
        match time::timeout(shared.command_timeout, sink.subscribe(chunk)).await {
            Ok(Ok(())) => active.extend(chunk.iter().cloned()),
            Ok(Err(e)) => return Err(format!("subscribe failed: {e}")),
            Err(_) => {
                return Err(format!(
                    "subscribe timed out after {:?}",
                    shared.command_timeout
                ))
            }
        }
    }
    for chunk in remove.chunks(CHANNELS_PER_COMMAND) {
        match time::timeout(shared.command_timeout, sink.unsubscribe(chunk)).await {
            Ok(Ok(())) => {
                for channel in chunk {
                    active.remove(channel);
                }
            }
            Ok(Err(e)) => return Err(format!("unsubscribe failed: {e}")),
            Err(_) => {
                return Err(format!(
                    "unsubscribe timed out after {:?}",
                    shared.command_timeout
                ))
            }
        }
    }
    Ok(())
}

/// Hands one message to the inbound queue without waiting; drops and counts it when the queue
/// is full or nobody took the receiver's place.
fn forward(shared: &Shared, message: &Msg, inbound: &mpsc::Sender<AdapterMessage>) {
    let Some(channel) = shared.keys.strip_channel(message.get_channel_name()) else {
        // Only namespaced channels are subscribed, so this is a message we never asked for.
        shared
            .counters
            .inbound_dropped
            .fetch_add(1, Ordering::Relaxed);
        tracing::debug!(
            channel = message.get_channel_name(),
            "redis adapter: message outside the namespace ignored"
        );
        return;
    };
    let message = AdapterMessage {
        channel: channel.to_owned(),
        payload: Bytes::copy_from_slice(message.get_payload_bytes()),
    };
    match inbound.try_send(message) {
        Ok(()) => {
            shared.counters.received.fetch_add(1, Ordering::Relaxed);
        }
        Err(TrySendError::Full(_)) | Err(TrySendError::Closed(_)) => {
            shared
                .counters
                .inbound_dropped
                .fetch_add(1, Ordering::Relaxed);
        }
    }
}
