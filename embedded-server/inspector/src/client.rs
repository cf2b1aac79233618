//! [`InspectorClient`]: a console's end of a session, over a socket or in-process.
//!
//! One background task (the driver) owns the transport. It routes each command's answer to
//! the caller awaiting it, and queues everything else (events, `dropped`, errors without an
//! id) for [`InspectorClient::next`]. That queue is bounded; when the caller does not keep up,
//! the driver drops and counts ([`InspectorClient::dropped_locally`]) rather than stop reading,
//! so command answers are never stuck behind unread events.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Deserialize;
use switchboard_server::wire::util::lock;
use tokio::sync::{mpsc, oneshot};

use crate::error::{ClientError, CommandError};
use crate::link::{connect_socket, Link, Recv};
use crate::protocol::{
    Command, ErrorCode, Hello, NodeMessage, Outcome, Snapshot, MIN_VERSION, PROTOCOL, VERSION,
};

/// How a client attaches.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// Sent as `Authorization: Bearer` (the URL's `?token=` works as well). Default: none.
    pub bearer: Option<String>,
    /// Sent as the `Origin` header, as a browser page would. Default: none.
    pub origin: Option<String>,
    /// Messages held for [`InspectorClient::next`]; beyond it they are dropped and counted.
    /// Default: 4096.
    pub capacity: usize,
    /// Time allowed to connect and receive `hello` and the snapshot. Default: 30 s.
    pub attach_timeout: Duration,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            bearer: None,
            origin: None,
            capacity: 4096,
            attach_timeout: Duration::from_secs(30),
        }
    }
}

type Pending = Arc<Mutex<HashMap<u64, oneshot::Sender<Result<Outcome, CommandError>>>>>;

/// A command on its way to the driver.
pub(crate) struct Outgoing {
    pub id: u64,
    pub command: Command,
}

/// Sends commands and awaits their answers. Cheap to clone; the session lasts while the
/// client or any commander is alive.
#[derive(Clone)]
pub struct Commander {
    tx: mpsc::Sender<Outgoing>,
    pending: Pending,
    next_id: Arc<AtomicU64>,
}

impl Commander {
    /// Send `command` and wait for its answer. A session that ends first answers
    /// `DISCONNECTED`. There is no timeout here: the node answers every command (a `request`
    /// within its own timeout); wrap the call in one if the caller needs it.
    pub async fn command(&self, command: Command) -> Result<Outcome, CommandError> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed) + 1;
        let (tx, rx) = oneshot::channel();
        lock(&self.pending).insert(id, tx);
        if self.tx.send(Outgoing { id, command }).await.is_err() {
            lock(&self.pending).remove(&id);
            return Err(disconnected());
        }
        rx.await.unwrap_or_else(|_| Err(disconnected()))
    }
}

fn disconnected() -> CommandError {
    CommandError::new(
        ErrorCode::Disconnected,
        "the inspector session ended before answering",
    )
}

/// An attached console: the node's `hello` and first snapshot, the stream of what follows,
/// and commands.
pub struct InspectorClient {
    hello: Hello,
    snapshot: Snapshot,
    messages: mpsc::Receiver<NodeMessage>,
    commander: Commander,
    local_drops: Arc<AtomicU64>,
    bad_frames: Arc<AtomicU64>,
}

impl InspectorClient {
    /// Attach to `url` (`ws://ADDR/?token=...`, as the node printed it).
    pub async fn connect(url: &str) -> Result<InspectorClient, ClientError> {
        InspectorClient::connect_with(url, ClientOptions::default()).await
    }

    pub async fn connect_with(
        url: &str,
        options: ClientOptions,
    ) -> Result<InspectorClient, ClientError> {
        let limit = options.attach_timeout;
        let link = tokio::time::timeout(limit, connect_socket(url, &options))
            .await
            .map_err(|_| ClientError::Connect(format!("no answer within {limit:?}")))??;
        InspectorClient::attach(link, options).await
    }

    /// Read `hello` and the snapshot from `link`, then hand it to the driver.
    pub(crate) async fn attach(
        mut link: Link,
        options: ClientOptions,
    ) -> Result<InspectorClient, ClientError> {
        let limit = options.attach_timeout;
        let first = async {
            let hello = read_hello(&mut link).await?;
            let snapshot = match link.recv().await {
                Recv::Message(NodeMessage::Snapshot(s)) => *s,
                Recv::Message(other) => {
                    return Err(ClientError::Protocol(format!(
                        "expected the snapshot after hello, got {other:?}"
                    )))
                }
                Recv::Bad(e) => return Err(ClientError::Protocol(e)),
                Recv::End => return Err(ClientError::Closed),
            };
            Ok((hello, snapshot))
        };
        let (hello, snapshot) = match tokio::time::timeout(limit, first).await {
            Ok(Ok(v)) => v,
            Ok(Err(e)) => {
                link.close().await;
                return Err(e);
            }
            Err(_) => {
                link.close().await;
                return Err(ClientError::Protocol(format!(
                    "no hello and snapshot within {limit:?}"
                )));
            }
        };
        let (cmd_tx, cmd_rx) = mpsc::channel(16);
        let (msg_tx, msg_rx) = mpsc::channel(options.capacity.max(1));
        let pending: Pending = Arc::default();
        let local_drops = Arc::new(AtomicU64::new(0));
        let bad_frames = Arc::new(AtomicU64::new(0));
        tokio::spawn(drive(
            link,
            cmd_rx,
            pending.clone(),
            msg_tx,
            Counters {
                local_drops: local_drops.clone(),
                bad_frames: bad_frames.clone(),
            },
        ));
        Ok(InspectorClient {
            hello,
            snapshot,
            messages: msg_rx,
            commander: Commander {
                tx: cmd_tx,
                pending,
                next_id: Arc::new(AtomicU64::new(0)),
            },
            local_drops,
            bad_frames,
        })
    }

    pub fn hello(&self) -> &Hello {
        &self.hello
    }

    /// The snapshot sent right after `hello`.
    pub fn snapshot(&self) -> &Snapshot {
        &self.snapshot
    }

    /// The next event, `dropped` report, or error without an id; `None` once the session
    /// ended and everything received was read.
    pub async fn next(&mut self) -> Option<NodeMessage> {
        self.messages.recv().await
    }

    /// Send a command and wait for its answer (see [`Commander::command`]).
    pub async fn command(&self, command: Command) -> Result<Outcome, CommandError> {
        self.commander.command(command).await
    }

    /// A handle for sending commands from elsewhere while this client reads the stream.
    pub fn commander(&self) -> Commander {
        self.commander.clone()
    }

    /// Messages this client dropped because [`InspectorClient::next`] was not called often
    /// enough (the node's own drops arrive as `dropped` messages).
    pub fn dropped_locally(&self) -> u64 {
        self.local_drops.load(Ordering::Relaxed)
    }

    /// Frames from the node that were not the protocol (not JSON, not a message this build
    /// can read). They are skipped, never fatal: a console keeps its session and shows the
    /// count, so one malformed frame from a newer or buggy node does not blind it.
    pub fn bad_frames(&self) -> u64 {
        self.bad_frames.load(Ordering::Relaxed)
    }
}

/// What the driver counts for the client.
struct Counters {
    local_drops: Arc<AtomicU64>,
    bad_frames: Arc<AtomicU64>,
}

/// Enough of a `hello` to tell its version, whatever else a newer node put in it.
#[derive(Deserialize)]
struct VersionProbe {
    t: String,
    version: u32,
}

async fn read_hello(link: &mut Link) -> Result<Hello, ClientError> {
    let hello = match link.recv().await {
        Recv::Message(NodeMessage::Hello(h)) => *h,
        Recv::Message(other) => {
            return Err(ClientError::Protocol(format!(
                "expected hello first, got {other:?}"
            )))
        }
        Recv::Bad(text) => {
            return Err(match serde_json::from_str::<VersionProbe>(&text) {
                Ok(p) if p.t == "hello" && !readable(p.version) => ClientError::Version {
                    node: p.version,
                    supported: VERSION,
                },
                _ => ClientError::Protocol(format!("expected hello first, got {text}")),
            })
        }
        Recv::End => return Err(ClientError::Closed),
    };
    if !readable(hello.version) {
        return Err(ClientError::Version {
            node: hello.version,
            supported: VERSION,
        });
    }
    if hello.protocol != PROTOCOL {
        return Err(ClientError::Protocol(format!(
            "the node speaks `{}`, not `{PROTOCOL}`",
            hello.protocol
        )));
    }
    Ok(hello)
}

/// Whether this build reads a node of `version` (every version from [`MIN_VERSION`] on is a
/// superset of the one before, as far as a console reads it).
fn readable(version: u32) -> bool {
    (MIN_VERSION..=VERSION).contains(&version)
}

/// The driver: owns the transport until the session ends or every handle is gone.
async fn drive(
    mut link: Link,
    mut commands: mpsc::Receiver<Outgoing>,
    pending: Pending,
    messages: mpsc::Sender<NodeMessage>,
    counters: Counters,
) {
    loop {
        tokio::select! {
            incoming = link.recv() => match incoming {
                Recv::Message(msg) => route(msg, &pending, &messages, &counters.local_drops),
                Recv::Bad(text) => {
                    counters.bad_frames.fetch_add(1, Ordering::Relaxed);
                    tracing::warn!("inspector client: a message that is not the protocol: {text}");
                }
                Recv::End => break,
            },
            outgoing = commands.recv() => match outgoing {
                Some(out) => {
                    if link.send(out).await.is_err() {
                        break;
                    }
                }
                None => break,
            },
        }
    }
    // Closing first makes any later `command` fail at once instead of waiting forever.
    commands.close();
    let waiting: Vec<_> = lock(&pending).drain().collect();
    for (_, tx) in waiting {
        let _ = tx.send(Err(disconnected()));
    }
    link.close().await;
}

fn route(
    msg: NodeMessage,
    pending: &Pending,
    messages: &mpsc::Sender<NodeMessage>,
    local_drops: &AtomicU64,
) {
    let msg = match msg {
        NodeMessage::Result(r) => match lock(pending).remove(&r.id) {
            Some(tx) => {
                let _ = tx.send(Ok(r.outcome));
                return;
            }
            None => NodeMessage::Result(r),
        },
        NodeMessage::Error(e) => match e.id.and_then(|id| lock(pending).remove(&id)) {
            Some(tx) => {
                let _ = tx.send(Err(e.into()));
                return;
            }
            None => NodeMessage::Error(e),
        },
        // A batch is handed on as the events it holds, so callers see one `event` per thing
        // the server did whatever the node's version, and a caller that falls behind loses
        // (and counts) events, not whole batches.
        NodeMessage::Events(batch) => {
            for event in batch.events {
                hand_on(NodeMessage::Event(Box::new(event)), messages, local_drops);
            }
            return;
        }
        other => other,
    };
    hand_on(msg, messages, local_drops);
}

fn hand_on(msg: NodeMessage, messages: &mpsc::Sender<NodeMessage>, local_drops: &AtomicU64) {
    if let Err(mpsc::error::TrySendError::Full(_)) = messages.try_send(msg) {
        local_drops.fetch_add(1, Ordering::Relaxed);
    }
}
