//! One attached console: the session's whole life, whatever carries it.
//!
//! A session reads [`Inbound`] items from a channel and writes [`NodeMessage`]s to another;
//! the socket (`socket.rs`) and the in-process session (`local.rs`) only move items between
//! those channels and their transport, so a remote node and the console's embedded server go
//! through this one code path.
//!
//! Order of a session:
//! 1. join the inspector's fan-out (`fanout.rs`: events start queueing);
//! 2. send `hello`, take the snapshot and send it;
//! 3. forward queued events in batches, report drops, and carry out commands, until the
//!    console leaves, the inspector stops or the server shuts down;
//! 4. leave the fan-out (also if the task is cancelled or panics: a drop guard does it).
//!
//! Because the session joins before the snapshot is taken, no change can fall between
//! them: a change is either reflected in the snapshot, or queued, or both (which is harmless,
//! see `state.rs`).
//!
//! Batches: the first event after a quiet spell is sent at once; after a send the session
//! leaves the queue alone for `batch_interval`, then takes everything queued (up to
//! [`BATCH_EVENTS`](crate::BATCH_EVENTS) and about [`BATCH_BYTES`](crate::BATCH_BYTES)) into
//! one `events` message, in one drain of the queue. The queue wakes the session only when it
//! goes from empty to not empty, so the server pays a wake-up, a drain and a socket write per
//! batch, not per event. The queue's limits are unchanged; events waiting for the next batch
//! still count in them and are dropped (and reported) when they are full.

use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use serde_json::Value;
use switchboard_server::tap::Origin;
use switchboard_server::Server;
use tokio::sync::{mpsc, Semaphore};
use tokio_util::sync::CancellationToken;

use crate::commands;
use crate::config::SessionLimits;
use crate::error::CommandError;
use crate::event::from_tap;
use crate::fanout::Fanout;
use crate::protocol::{
    Command, CommandResult, Dropped, ErrorCode, EventBatch, NodeMessage, Outcome,
};
use crate::queue::{self, SessionQueue};
use crate::snapshot;
use crate::tapped::Tapped;

/// What a session hands its transport: a message, or a batch of events still in the tap's
/// form, so a socket writes it straight as JSON (`event::Batch`) and an in-process console
/// gets it as values ([`Outbound::into_message`]).
#[derive(Debug)]
pub(crate) enum Outbound {
    Message(NodeMessage),
    /// Never empty; oldest first.
    Events(Vec<Tapped>),
}

impl Outbound {
    /// The message a console reads.
    pub fn into_message(self) -> NodeMessage {
        match self {
            Outbound::Message(m) => m,
            Outbound::Events(events) => NodeMessage::Events(Box::new(EventBatch {
                events: events.iter().map(|t| from_tap(t.event())).collect(),
            })),
        }
    }
}

/// What a transport hands the session.
#[derive(Debug)]
pub(crate) enum Inbound {
    /// A text frame from a console's socket, parsed here.
    Text(String),
    /// A frame that is not text.
    Binary,
    /// A command from an in-process console, already typed.
    Command { id: u64, command: Command },
}

/// What a session needs to start.
#[derive(Clone)]
pub(crate) struct SessionSetup {
    pub server: Server,
    pub limits: SessionLimits,
    pub read_only: bool,
    /// The inspector's sessions on this server, which share one tap.
    pub fanout: Arc<Fanout>,
    /// Cancelled when the inspector stops.
    pub stop: CancellationToken,
}

/// The console went away (its channel closed) or the session must stop.
struct Gone;

struct Session {
    server: Server,
    /// The same server, recording what the console does as `manual`.
    manual: Server,
    out: mpsc::Sender<Outbound>,
    contract: Value,
    limits: SessionLimits,
    read_only: bool,
    /// Permits for server-to-client requests waiting for their answer.
    requests: Arc<Semaphore>,
    /// Cancelled when the session ends (stops its request tasks too).
    ended: CancellationToken,
    dropped_total: u64,
}

/// Run a session until the console leaves, the inspector stops or the server shuts down.
pub(crate) async fn run(
    setup: SessionSetup,
    mut inbound: mpsc::Receiver<Inbound>,
    out: mpsc::Sender<Outbound>,
) {
    let SessionSetup {
        server,
        limits,
        read_only,
        fanout,
        stop,
    } = setup;
    let limits = limits.sane();
    let (tap, queue) = queue::channel(&limits);
    let _joined = fanout.join(tap);
    let ended = stop.child_token();
    let _ended_guard = ended.clone().drop_guard();

    let hello = snapshot::hello(&server, &limits, read_only);
    let mut session = Session {
        manual: server.with_origin(Origin::Manual),
        contract: hello.contract.clone(),
        server,
        out,
        limits,
        read_only,
        requests: Arc::new(Semaphore::new(limits.max_inflight_requests)),
        ended,
        dropped_total: 0,
    };
    if session
        .send(NodeMessage::Hello(Box::new(hello)))
        .await
        .is_err()
    {
        return;
    }
    let first = snapshot::take(&session.server, &session.contract);
    if session
        .send(NodeMessage::Snapshot(Box::new(first)))
        .await
        .is_err()
    {
        return;
    }
    let _ = session.serve(&mut inbound, &queue).await;
}

impl Session {
    async fn serve(
        &mut self,
        inbound: &mut mpsc::Receiver<Inbound>,
        queue: &SessionQueue,
    ) -> Result<(), Gone> {
        let server = self.server.clone();
        let dropped = queue.drop_signal();
        let interval = self.limits.batch_interval;
        // Events are queued and wait for `linger` (the interval after the previous batch, or
        // no wait at all when the previous batch was full).
        let mut waiting = false;
        // When the next batch may leave: `batch_interval` after the previous one.
        let mut next_at = Instant::now();
        let linger = tokio::time::sleep_until(next_at);
        tokio::pin!(linger);
        loop {
            tokio::select! {
                biased;
                _ = self.ended.cancelled() => return Err(Gone),
                _ = server.shutdown_signal() => return Err(Gone),
                item = inbound.recv() => match item {
                    Some(item) => self.handle(item).await?,
                    None => return Err(Gone),
                },
                () = &mut linger, if waiting => {
                    waiting = self.send_batch(queue).await?;
                    next_at = next_batch(waiting, interval);
                    linger.as_mut().reset(next_at);
                }
                // Sent at once after a quiet spell, otherwise when the interval is over.
                () = queue.ready(), if !waiting => {
                    if Instant::now() >= next_at {
                        waiting = self.send_batch(queue).await?;
                        next_at = next_batch(waiting, interval);
                        linger.as_mut().reset(next_at);
                    } else {
                        waiting = true;
                    }
                }
                _ = dropped.notified() => self.report_drops(queue).await?,
            }
        }
    }

    /// Send what is queued, up to a batch's limits, as one message, then report drops.
    /// Returns whether events were left over (the batch was full): the next batch then leaves
    /// at once.
    async fn send_batch(&mut self, queue: &SessionQueue) -> Result<bool, Gone> {
        let mut events = Vec::new();
        let more = queue.take_batch(&mut events);
        if !events.is_empty() {
            self.send(Outbound::Events(events)).await?;
        }
        self.report_drops(queue).await?;
        Ok(more)
    }

    /// Send to the console, waiting for room in the outbox, unless the session must end.
    async fn send(&self, msg: impl Into<Outbound>) -> Result<(), Gone> {
        tokio::select! {
            sent = self.out.send(msg.into()) => sent.map_err(|_| Gone),
            _ = self.ended.cancelled() => Err(Gone),
            _ = self.server.shutdown_signal() => Err(Gone),
        }
    }

    async fn report_drops(&mut self, queue: &SessionQueue) -> Result<(), Gone> {
        let count = queue.take_dropped();
        if count == 0 {
            return Ok(());
        }
        self.dropped_total += count;
        self.send(NodeMessage::Dropped(Dropped {
            count,
            total: self.dropped_total,
        }))
        .await
    }

    async fn answer(&self, id: u64, result: Result<Outcome, CommandError>) -> Result<(), Gone> {
        self.send(answer(id, result)).await
    }

    async fn refuse(&self, id: Option<u64>, code: ErrorCode, message: String) -> Result<(), Gone> {
        self.send(NodeMessage::Error(
            CommandError::new(code, message).into_message(id),
        ))
        .await
    }

    async fn handle(&mut self, item: Inbound) -> Result<(), Gone> {
        match item {
            Inbound::Binary => {
                self.refuse(
                    None,
                    ErrorCode::BadFrame,
                    "binary frames are not part of the protocol: send JSON in text frames".into(),
                )
                .await
            }
            Inbound::Command { id, command } => self.execute(id, command).await,
            Inbound::Text(text) => match self.parse(&text) {
                Ok((id, command)) => self.execute(id, command).await,
                Err((id, code, message)) => self.refuse(id, code, message).await,
            },
        }
    }

    /// A text frame as a command, or why it is not one.
    fn parse(&self, text: &str) -> Result<(u64, Command), (Option<u64>, ErrorCode, String)> {
        parse_command(text, self.limits.max_command_bytes)
    }

    async fn execute(&mut self, id: u64, command: Command) -> Result<(), Gone> {
        if self.read_only {
            return self
                .refuse(
                    Some(id),
                    ErrorCode::ReadOnly,
                    format!("this inspector is read-only: `{}` refused", command.op()),
                )
                .await;
        }
        let result = match command {
            Command::Push {
                target,
                name,
                payload,
            } => commands::push(&self.manual, &target, &name, &payload)
                .map(|delivered| Outcome::Push { delivered }),
            Command::RoomAdd { room, conn } => commands::room(&self.manual, &room, &conn, true)
                .map(|changed| Outcome::RoomAdd { changed }),
            Command::RoomRemove { room, conn } => commands::room(&self.manual, &room, &conn, false)
                .map(|changed| Outcome::RoomRemove { changed }),
            Command::Disconnect { conn, code, reason } => {
                commands::disconnect(&self.server, &conn, code, &reason)
                    .map(|()| Outcome::Disconnect)
            }
            Command::Snapshot => Ok(Outcome::Snapshot {
                snapshot: Box::new(snapshot::take(&self.server, &self.contract)),
            }),
            Command::Request {
                conn,
                name,
                input,
                timeout_ms,
            } => {
                let timeout = timeout_ms.map(Duration::from_millis);
                match self.spawn_request(id, conn, name, input, timeout) {
                    Ok(()) => return Ok(()),
                    Err(busy) => Err(busy),
                }
            }
        };
        self.answer(id, result).await
    }

    /// A server-to-client request waits for the client, so it runs on its own task and
    /// answers when it is done; the session keeps streaming meanwhile.
    fn spawn_request(
        &self,
        id: u64,
        conn: String,
        name: String,
        input: Value,
        timeout: Option<Duration>,
    ) -> Result<(), CommandError> {
        let Ok(permit) = self.requests.clone().try_acquire_owned() else {
            return Err(CommandError::new(
                ErrorCode::Busy,
                format!(
                    "{} requests of this session are already waiting for an answer",
                    self.limits.max_inflight_requests
                ),
            ));
        };
        let out = self.out.clone();
        let manual = self.manual.clone();
        let ended = self.ended.clone();
        tokio::spawn(async move {
            let _permit = permit;
            let work = commands::request(manual, conn, name, input, timeout);
            let result = tokio::select! {
                r = work => r,
                _ = ended.cancelled() => return,
            };
            let msg = answer(id, result.map(|reply| Outcome::Request { reply }));
            tokio::select! {
                _ = out.send(Outbound::Message(msg)) => {}
                _ = ended.cancelled() => {}
            }
        });
        Ok(())
    }
}

/// When the batch after this one may leave: at once when events are still waiting (`more`),
/// otherwise after `interval`.
fn next_batch(more: bool, interval: Duration) -> Instant {
    if more {
        Instant::now()
    } else {
        Instant::now() + interval
    }
}

impl From<NodeMessage> for Outbound {
    fn from(m: NodeMessage) -> Outbound {
        Outbound::Message(m)
    }
}

fn answer(id: u64, result: Result<Outcome, CommandError>) -> NodeMessage {
    match result {
        Ok(outcome) => NodeMessage::Result(Box::new(CommandResult { id, outcome })),
        Err(e) => NodeMessage::Error(e.into_message(Some(id))),
    }
}

/// A text frame as a command, or why it is not one (with the command's id when it had
/// one).
pub(crate) fn parse_command(
    text: &str,
    max: usize,
) -> Result<(u64, Command), (Option<u64>, ErrorCode, String)> {
    if text.len() > max {
        return Err((
            None,
            ErrorCode::TooBig,
            format!(
                "a frame of {} bytes is over the limit of {max} bytes",
                text.len()
            ),
        ));
    }
    let value: Value = serde_json::from_str(text)
        .map_err(|e| (None, ErrorCode::BadFrame, format!("not JSON: {e}")))?;
    let Some(t) = value.get("t").and_then(Value::as_str) else {
        return Err((
            None,
            ErrorCode::BadFrame,
            "a message is a JSON object with a string `t`".into(),
        ));
    };
    if t != "cmd" {
        return Err((
            None,
            ErrorCode::BadFrame,
            format!("unknown message type `{t}`: a console sends `cmd`"),
        ));
    }
    let Some(id) = value.get("id").and_then(Value::as_u64) else {
        return Err((
            None,
            ErrorCode::BadFrame,
            "a `cmd` needs a non-negative integer `id`".into(),
        ));
    };
    let command: Command = serde_json::from_value(value)
        .map_err(|e| (Some(id), ErrorCode::BadCommand, e.to_string()))?;
    Ok((id, command))
}
