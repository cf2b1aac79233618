//! The socket task: the one owner of the connection.
//!
//! Handles talk to it over a bounded command channel. The task alternates between three
//! phases, each a `select!` that also serves commands so no caller is ever left unheard:
//! connecting (one attempt), connected (see `session.rs`), and backing off before the next
//! attempt. While there is no socket, requests and subscribes wait in a bounded queue.
//!
//! It stops on [`Command::Close`], when every [`Client`](super::Client) handle is gone (the
//! channel closes), or after a failure with reconnecting turned off.

use std::collections::{BTreeSet, VecDeque};
use std::sync::Arc;

use serde_json::Value;
use tokio::sync::{mpsc, oneshot};
use url::Url;

use super::connect::{self, Socket};
use super::session::SessionEnd;
use super::state::Shared;
use super::{ClientError, ClientOptions, ConnState, ConnectionError};

/// Capacity of the command channel. Senders wait when it is full, which is the backpressure a
/// burst of calls should feel; the driver drains it continuously in every phase.
pub(crate) const COMMAND_CAPACITY: usize = 256;

pub(crate) type Reply<T> = oneshot::Sender<Result<T, ClientError>>;

/// What a handle asks of the driver.
pub(crate) enum Command {
    Request {
        name: String,
        input: Value,
        reply: Reply<Value>,
    },
    Subscribe {
        topic: String,
        reply: Reply<()>,
    },
    Unsubscribe {
        topic: String,
    },
    Close,
}

impl Command {
    /// The caller stopped waiting (its timeout fired), so the command need not be sent.
    fn abandoned(&self) -> bool {
        match self {
            Command::Request { reply, .. } => reply.is_closed(),
            Command::Subscribe { reply, .. } => reply.is_closed(),
            Command::Unsubscribe { .. } | Command::Close => false,
        }
    }

    fn fail(self, error: ClientError) {
        // A send error only means the caller stopped waiting.
        match self {
            Command::Request { reply, .. } => {
                let _ = reply.send(Err(error));
            }
            Command::Subscribe { reply, .. } => {
                let _ = reply.send(Err(error));
            }
            Command::Unsubscribe { .. } | Command::Close => {}
        }
    }
}

/// The client is shutting down (close requested or every handle dropped).
pub(crate) struct Stop;

pub(crate) struct Driver {
    pub(crate) opts: ClientOptions,
    pub(crate) shared: Arc<Shared>,
    pub(crate) commands: mpsc::Receiver<Command>,
    /// Next correlation id. One counter for `req` and `sub` over the client's whole life, so an
    /// id never repeats, not even across reconnects.
    next_id: u64,
    /// Requests and subscribes waiting for a connection, oldest first.
    pub(crate) queue: VecDeque<Command>,
    /// Topics the server acknowledged; re-sent after every reconnect.
    pub(crate) topics: BTreeSet<String>,
}

/// Puts the client in [`ConnState::Closed`] however the task ends, even by a panic, so that
/// `close()` and `wait_connected()` never wait for a task that is gone.
struct ClosedOnExit(Arc<Shared>);

impl Drop for ClosedOnExit {
    fn drop(&mut self) {
        self.0.set_state(ConnState::Closed);
    }
}

impl Driver {
    pub(crate) fn new(
        opts: ClientOptions,
        shared: Arc<Shared>,
        commands: mpsc::Receiver<Command>,
    ) -> Self {
        Driver {
            opts,
            shared,
            commands,
            next_id: 1,
            queue: VecDeque::new(),
            topics: BTreeSet::new(),
        }
    }

    pub(crate) fn next_id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    pub(crate) async fn run(mut self) {
        let _closed = ClosedOnExit(self.shared.clone());
        let url = match self.opts.endpoint() {
            Ok(url) => url,
            Err(message) => {
                tracing::error!("client not started: {message}");
                return self.finish(ClientError::Connect(message));
            }
        };
        // Failed attempts since the last successful connection.
        let mut attempt: u32 = 0;
        loop {
            match self.connect_phase(&url).await {
                Err(Stop) => return self.finish(ClientError::Closed),
                Ok(Err(message)) => {
                    tracing::warn!("client connection attempt failed: {message}");
                    self.shared.note_failure(&message);
                    self.shared
                        .registry
                        .emit_error(ConnectionError::Connect(message.clone()));
                    if !self.opts.reconnect {
                        return self.finish(ClientError::Connect(message));
                    }
                }
                Ok(Ok((socket, first))) => {
                    attempt = 0;
                    match self.session(socket, first).await {
                        SessionEnd::Stop => return self.finish(ClientError::Closed),
                        SessionEnd::Dropped(reason) => {
                            tracing::info!("client connection lost: {reason}");
                            if !self.opts.reconnect {
                                return self.finish(ClientError::Disconnected);
                            }
                        }
                    }
                }
            }
            attempt = attempt.saturating_add(1);
            self.shared.set_state(ConnState::Reconnecting { attempt });
            if self.backoff_phase(attempt).await.is_err() {
                return self.finish(ClientError::Closed);
            }
        }
    }

    /// One attempt to open the socket, serving commands meanwhile.
    async fn connect_phase(&mut self, url: &Url) -> Result<Result<(Socket, String), String>, Stop> {
        // Cloned: the attempt runs while `self` serves commands.
        let headers = self.opts.headers.clone();
        let open = connect::open(url, &headers, self.opts.connect_timeout);
        tokio::pin!(open);
        loop {
            tokio::select! {
                opened = &mut open => return Ok(opened),
                command = self.commands.recv() => self.offline(command)?,
            }
        }
    }

    async fn backoff_phase(&mut self, attempt: u32) -> Result<(), Stop> {
        let delay = self.opts.backoff.delay(attempt);
        tracing::debug!(attempt, ?delay, "client reconnecting");
        let sleep = tokio::time::sleep(delay);
        tokio::pin!(sleep);
        loop {
            tokio::select! {
                () = &mut sleep => return Ok(()),
                command = self.commands.recv() => self.offline(command)?,
            }
        }
    }

    /// Serve a command while there is no socket.
    fn offline(&mut self, command: Option<Command>) -> Result<(), Stop> {
        match command {
            None | Some(Command::Close) => Err(Stop),
            Some(Command::Unsubscribe { topic }) => {
                self.topics.remove(&topic);
                // Subscribes still queued for the topic are settled now, as if sent and then
                // undone: the caller asked for "subscribe, then unsubscribe".
                let queue = std::mem::take(&mut self.queue);
                for command in queue {
                    match command {
                        Command::Subscribe { topic: t, reply } if t == topic => {
                            let _ = reply.send(Ok(()));
                        }
                        other => self.queue.push_back(other),
                    }
                }
                Ok(())
            }
            Some(command) => {
                self.enqueue(command);
                Ok(())
            }
        }
    }

    fn enqueue(&mut self, command: Command) {
        if command.abandoned() {
            return;
        }
        if self.queue.len() >= self.opts.queue_limit {
            // Make room from callers that already gave up before refusing a live one.
            self.queue.retain(|c| !c.abandoned());
        }
        if self.queue.len() >= self.opts.queue_limit {
            command.fail(ClientError::QueueFull);
        } else {
            self.queue.push_back(command);
        }
    }

    /// Stop for good: fail everything still waiting and enter [`ConnState::Closed`].
    fn finish(&mut self, reason: ClientError) {
        for command in self.queue.drain(..) {
            command.fail(reason.clone());
        }
        // Refuse new commands, then settle the ones already in the channel.
        self.commands.close();
        while let Ok(command) = self.commands.try_recv() {
            command.fail(reason.clone());
        }
        self.shared.close(reason);
    }
}
