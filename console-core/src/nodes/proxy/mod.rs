//! Proxy mode: the console stands between clients and an upstream server that speaks the wire
//! (any implementation: super-line's own TypeScript server, another Switchboard), relays every
//! connection and records what passes like the embedded server's traffic.
//!
//! - `mod.rs`: [`Proxy`], the listener, the connections it holds, pushes by hand;
//! - `handshake.rs`: reading the client's upgrade, opening the upstream with the same path,
//!   query and headers, and answering the upstream's refusal (or 502) to the client;
//! - `relay.rs`: one connection: frames copied both ways unchanged, each parsed once for the
//!   record;
//! - `record.rs`: a parsed frame as a [`TapEvent`], with request latency;
//! - `envelope.rs`: the fast read of a frame for the record: its envelope's fields borrowed,
//!   its payload kept as text (one copy, no JSON tree) when that is exactly what the wire
//!   parser's value would be written as (the wire parser otherwise);
//! - `view.rs`: the proxy as the console's node source ([`crate::nodes::NodeView`]): its
//!   connections as rows, itself as the one node, pushes by hand, and the refusals of what is
//!   not on the wire (rooms, topic subscribers).
//!
//! The relay never re-encodes: the text a side sent is the text the other side gets, so the
//! proxy cannot change what the application sees. Each direction writes what it has read (the
//! frames already arrived, at most `relay::MAX_BATCH`) and awaits the other socket's flush
//! before it reads on: a slow side slows its peer down (backpressure through TCP) instead of
//! growing a queue. See docs/proxy.md.

mod envelope;
mod handshake;
mod record;
mod relay;
mod view;

pub use view::NO_ROOMS;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::Value;
use switchboard_server::tap::{Origin, Tap, TapEvent, TapKind, TapPayload};
use switchboard_server::wire::util::{lock, truncate_utf8};
use switchboard_server::wire::{encode, Frame};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;

/// Frames pushed by hand waiting for one connection's writer; a full queue refuses the push.
pub const MANUAL_QUEUE: usize = 64;
/// Most connections the proxy holds at once; more are answered 503.
pub const MAX_CONNECTIONS: usize = 10_000;

/// Why the proxy did not start, or a push by hand was refused.
#[derive(Debug, thiserror::Error)]
pub enum ProxyError {
    #[error("`{0}` is not an upstream URL: it must start with ws:// or wss://")]
    BadUpstream(String),
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: String,
        #[source]
        source: std::io::Error,
    },
    #[error("no connection `{0}` through the proxy")]
    NoConnection(String),
    #[error("connection `{0}` has {MANUAL_QUEUE} pushes waiting already")]
    Busy(String),
    #[error("the payload cannot be encoded: {0}")]
    Encode(String),
    #[error("connection `{0}` is closing already")]
    Closing(String),
}

/// Close code the client gets when the console closes its connection: the embedded server's
/// own for a close by the application or the console, so a client sees one code for "closed
/// on purpose by the server side" whichever mode the console runs in.
pub const CLOSED_BY_CONSOLE: u16 = switchboard_server::close_code::CLOSED_BY_SERVER;
/// Close code the upstream gets when the console closes a connection: a normal closure (the
/// 4000-range belongs to the upstream's application, which may give 4000 a meaning of its
/// own), with the console's reason.
pub const CLOSED_TO_UPSTREAM: u16 = 1000;
/// Longest close reason in bytes: a close frame's payload is at most 125 bytes, 2 of them the
/// code.
pub const MAX_CLOSE_REASON: usize = 123;

/// Why the console closes a relayed connection, handed to its relay.
#[derive(Debug, Clone)]
pub(crate) struct ConsoleClose {
    pub reason: String,
}

/// One client connection through the proxy, as the handshake told it, with its frame counts
/// as of the moment it was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxiedConn {
    pub id: String,
    pub role: String,
    pub user: String,
    /// The upgrade's query parameters (secrets masked when shown).
    pub params: BTreeMap<String, String>,
    pub opened_us: i64,
    /// The client's address as the proxy saw it.
    pub remote: Option<String>,
    /// The upgrade request's `User-Agent`.
    pub user_agent: Option<String>,
    pub counts: ConnCounts,
}

/// Frames and bytes a connection sent (`in`) and was sent (`out`, pushes by hand included),
/// and its frames that did not parse.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConnCounts {
    pub msgs_in: u64,
    pub msgs_out: u64,
    pub bytes_in: u64,
    pub bytes_out: u64,
    pub errors: u64,
}

/// The relay's live counters for one connection (relaxed atomics: read for display only).
#[derive(Default)]
pub(crate) struct Counters {
    msgs_in: AtomicU64,
    msgs_out: AtomicU64,
    bytes_in: AtomicU64,
    bytes_out: AtomicU64,
    pub(crate) errors: AtomicU64,
}

impl Counters {
    pub(crate) fn sent_by_client(&self, bytes: usize) {
        self.msgs_in.fetch_add(1, Ordering::Relaxed);
        self.bytes_in.fetch_add(bytes as u64, Ordering::Relaxed);
    }

    pub(crate) fn sent_to_client(&self, bytes: usize) {
        self.msgs_out.fetch_add(1, Ordering::Relaxed);
        self.bytes_out.fetch_add(bytes as u64, Ordering::Relaxed);
    }

    fn read(&self) -> ConnCounts {
        ConnCounts {
            msgs_in: self.msgs_in.load(Ordering::Relaxed),
            msgs_out: self.msgs_out.load(Ordering::Relaxed),
            bytes_in: self.bytes_in.load(Ordering::Relaxed),
            bytes_out: self.bytes_out.load(Ordering::Relaxed),
            errors: self.errors.load(Ordering::Relaxed),
        }
    }
}

impl Held {
    fn read(&self) -> ProxiedConn {
        ProxiedConn {
            counts: self.counters.read(),
            ..self.info.clone()
        }
    }
}

struct Held {
    info: ProxiedConn,
    counters: Arc<Counters>,
    /// Frames pushed by hand, written to the client between the upstream's frames.
    manual: mpsc::Sender<Frame>,
    /// Closes the connection from the console; taken by the first close.
    close: Option<oneshot::Sender<ConsoleClose>>,
}

pub(crate) struct Shared {
    upstream: String,
    /// The node id recorded on every row: `proxy:` and the upstream's address.
    node: Arc<str>,
    taps: Vec<Arc<dyn Tap>>,
    conns: Mutex<BTreeMap<String, Held>>,
    next: AtomicU64,
    frame_errors: AtomicU64,
}

impl Shared {
    pub(crate) fn observe(&self, mut ev: TapEvent) {
        ev.node = self.node.clone();
        for tap in &self.taps {
            tap.observe(&ev);
        }
    }
}

/// A running proxy.
pub struct Proxy {
    shared: Arc<Shared>,
    addr: SocketAddr,
    stop: CancellationToken,
}

impl Proxy {
    /// Listen on `listen` and relay every connection to `upstream` (`ws://HOST:PORT`, a path
    /// prefix allowed); what passes is handed to `taps` (the recorder and the live view).
    pub async fn start(
        upstream: &str,
        listen: &str,
        taps: Vec<Arc<dyn Tap>>,
        stop: CancellationToken,
    ) -> Result<Proxy, ProxyError> {
        let upstream = upstream.trim().trim_end_matches('/').to_owned();
        let host = upstream
            .strip_prefix("ws://")
            .or_else(|| upstream.strip_prefix("wss://"))
            .ok_or_else(|| ProxyError::BadUpstream(upstream.clone()))?;
        if host.is_empty() {
            return Err(ProxyError::BadUpstream(upstream));
        }
        let listener = TcpListener::bind(listen)
            .await
            .map_err(|source| ProxyError::Listen {
                addr: listen.to_owned(),
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| ProxyError::Listen {
            addr: listen.to_owned(),
            source,
        })?;
        let shared = Arc::new(Shared {
            node: Arc::from(format!("proxy:{host}")),
            upstream,
            taps,
            conns: Mutex::new(BTreeMap::new()),
            next: AtomicU64::new(0),
            frame_errors: AtomicU64::new(0),
        });
        tokio::spawn(accept_loop(listener, shared.clone(), stop.clone()));
        Ok(Proxy { shared, addr, stop })
    }

    /// Where clients connect.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn upstream(&self) -> &str {
        &self.shared.upstream
    }

    /// The node id rows from this proxy carry.
    pub fn node_id(&self) -> &str {
        &self.shared.node
    }

    /// Connections open through the proxy now, by id.
    pub fn connections(&self) -> Vec<ProxiedConn> {
        lock(&self.shared.conns).values().map(Held::read).collect()
    }

    /// How many connections are open through the proxy now.
    pub fn connection_count(&self) -> usize {
        lock(&self.shared.conns).len()
    }

    /// Connections relayed since the proxy started (refused upgrades not counted).
    pub fn connections_total(&self) -> u64 {
        self.shared.next.load(Ordering::Relaxed)
    }

    /// Connection `id`, if it is open through the proxy.
    pub fn connection(&self, id: &str) -> Option<ProxiedConn> {
        lock(&self.shared.conns).get(id).map(Held::read)
    }

    /// Frames that did not parse as the wire (relayed unchanged all the same).
    pub fn frame_errors(&self) -> u64 {
        self.shared.frame_errors.load(Ordering::Relaxed)
    }

    /// Send event `name` to connection `conn` as if the upstream had sent it, recorded as
    /// `manual`. Nothing checks the payload: the upstream's contract is not known to the proxy.
    pub fn push_event(&self, conn: &str, name: &str, payload: &Value) -> Result<(), ProxyError> {
        let encoded = encode::evt(name, payload).map_err(|e| ProxyError::Encode(e.to_string()))?;
        let (info, sender) = {
            let conns = lock(&self.shared.conns);
            let held = conns
                .get(conn)
                .ok_or_else(|| ProxyError::NoConnection(conn.to_owned()))?;
            (held.info.clone(), held.manual.clone())
        };
        sender
            .try_send(encoded.frame.clone())
            .map_err(|_| ProxyError::Busy(conn.to_owned()))?;
        let mut ev = TapEvent::new(TapKind::ToConn, Origin::Manual);
        ev.name = Some(name.into());
        ev.conn = Some(info.id.as_str().into());
        ev.role = Some(info.role.as_str().into());
        ev.user = Some(info.user.as_str().into());
        ev.size = encoded.len();
        ev.recipients = Some(1);
        ev.payload = Some(TapPayload::Frame(encoded));
        self.shared.observe(ev);
        Ok(())
    }

    /// Close connection `conn` from the console: the client gets [`CLOSED_BY_CONSOLE`] with
    /// `reason`, the upstream [`CLOSED_TO_UPSTREAM`] with the same reason, and the disconnect
    /// is recorded with `closed_by: "console"`. Returns once the relay has been told; the
    /// close handshakes finish in the relay's task.
    pub fn close(&self, conn: &str, reason: &str) -> Result<(), ProxyError> {
        let sender = {
            let mut conns = lock(&self.shared.conns);
            let held = conns
                .get_mut(conn)
                .ok_or_else(|| ProxyError::NoConnection(conn.to_owned()))?;
            held.close
                .take()
                .ok_or_else(|| ProxyError::Closing(conn.to_owned()))?
        };
        let reason = truncate_utf8(reason, MAX_CLOSE_REASON).to_owned();
        // The relay has ended on its own meanwhile: it records its own disconnect.
        let _ = sender.send(ConsoleClose { reason });
        Ok(())
    }

    /// Stop accepting and close every relayed connection.
    pub fn stop(&self) {
        self.stop.cancel();
    }
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>, stop: CancellationToken) {
    loop {
        let accepted = tokio::select! {
            _ = stop.cancelled() => return,
            accepted = listener.accept() => accepted,
        };
        let Ok((stream, _peer)) = accepted else {
            // Out of file descriptors and the like: try again rather than end the proxy.
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            continue;
        };
        let _ = stream.set_nodelay(true);
        let shared = shared.clone();
        let stop = stop.clone();
        tokio::spawn(async move {
            relay::serve(stream, shared, stop).await;
        });
    }
}

/// What a relay gets when its connection is registered.
pub(crate) struct Registered {
    pub manual: mpsc::Receiver<Frame>,
    pub close: oneshot::Receiver<ConsoleClose>,
    pub counters: Arc<Counters>,
}

impl Shared {
    fn register(&self, info: ProxiedConn) -> Option<Registered> {
        let mut conns = lock(&self.conns);
        if conns.len() >= MAX_CONNECTIONS {
            return None;
        }
        let (tx, manual) = mpsc::channel(MANUAL_QUEUE);
        let (close_tx, close) = oneshot::channel();
        let counters = Arc::new(Counters::default());
        conns.insert(
            info.id.clone(),
            Held {
                info,
                counters: counters.clone(),
                manual: tx,
                close: Some(close_tx),
            },
        );
        Some(Registered {
            manual,
            close,
            counters,
        })
    }

    fn forget(&self, id: &str) {
        lock(&self.conns).remove(id);
    }

    fn next_id(&self) -> String {
        format!("px-{}", self.next.fetch_add(1, Ordering::Relaxed) + 1)
    }

    fn is_full(&self) -> bool {
        lock(&self.conns).len() >= MAX_CONNECTIONS
    }
}
