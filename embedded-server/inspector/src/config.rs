//! The inspector's settings. Every field has a default suited to local development; each
//! field says what it is for, its default, and what happens when its limit is hit.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

/// Settings of [`Inspector::start`](crate::Inspector::start).
#[derive(Clone)]
pub struct InspectorConfig {
    /// Where the inspector listens: its own address, never the application's endpoint, so an
    /// inspector connection is never an application connection. Default: `127.0.0.1:0` (a free
    /// port on loopback; [`InspectorHandle::addr`](crate::InspectorHandle::addr) tells which).
    pub listen: SocketAddr,
    /// The token a console must present. `None` (the default) on a loopback address makes
    /// the inspector generate a random one (32 hex digits); on any other address `None` is
    /// refused with [`InspectorError::TokenRequired`](crate::InspectorError::TokenRequired).
    /// An empty token is always refused.
    pub token: Option<String>,
    /// Origins (`scheme://host[:port]`) a browser page may attach from, besides loopback pages.
    /// Requests without an `Origin` header (every non-browser client) are not affected.
    /// Default: none.
    pub allowed_origins: Vec<String>,
    /// Refuse every command (answered `READ_ONLY`), for a node that may be observed but never
    /// driven. Default: `false`.
    pub read_only: bool,
    /// Limits of each session.
    pub session: SessionLimits,
    /// Consoles attached at once; one more is answered 503. Default: 8.
    pub max_sessions: usize,
    /// The address other machines reach this inspector on (`ws://HOST:PORT/`), published in
    /// the node's cluster presence so `switchboard attach --redis` finds it. Needed when
    /// `listen` is a wildcard (`0.0.0.0`, `::`) or behind a NAT. Default `None`: the bound
    /// address (`ws://127.0.0.1:7071/`), and nothing at all for a wildcard address, which no
    /// console could dial. Never include the token: it is not published.
    pub advertise: Option<String>,
}

impl Default for InspectorConfig {
    fn default() -> Self {
        InspectorConfig {
            listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            token: None,
            allowed_origins: Vec::new(),
            read_only: false,
            session: SessionLimits::default(),
            max_sessions: 8,
            advertise: None,
        }
    }
}

impl std::fmt::Debug for InspectorConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InspectorConfig")
            .field("listen", &self.listen)
            .field("token", &self.token.as_ref().map(|_| "********"))
            .field("allowed_origins", &self.allowed_origins)
            .field("read_only", &self.read_only)
            .field("session", &self.session)
            .field("max_sessions", &self.max_sessions)
            .field("advertise", &self.advertise)
            .finish()
    }
}

/// What one session (one attached console) may hold. Sent to the console in `hello.limits`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionLimits {
    /// Events waiting for the session. When full, new events are dropped (never waited for),
    /// counted, and reported in a `dropped` message. Default: 4096.
    pub queue_frames: usize,
    /// Estimated bytes of the events waiting (payload size plus [`EVENT_OVERHEAD`] each). When
    /// the next event would exceed it, it is dropped like a frame over `queue_frames`.
    /// Default: 8 MiB.
    pub queue_bytes: usize,
    /// Largest text frame a console may send. A larger one (up to [`TRANSPORT_LIMIT`]) is
    /// answered `TOO_BIG` and the session goes on. Default: 64 KiB.
    pub max_command_bytes: usize,
    /// Server-to-client requests of one session waiting for their answer at once; one more
    /// is answered `BUSY`. Default: 16.
    pub max_inflight_requests: usize,
    /// Messages ready for the console but not yet written to its socket (or read from a local
    /// session). Default: 64. A message may be a batch of events (see `batch_interval`).
    pub outbox: usize,
    /// The least time between two batches of events sent to this console. The first event
    /// after a quiet spell goes out at once; events that follow within the interval wait in
    /// the queue and leave together, as one `events` message of at most [`BATCH_EVENTS`]
    /// events and about [`BATCH_BYTES`] bytes. Sending each event on its own cost the server
    /// a task wake-up, a channel hand-over and a socket write per event, several times what
    /// encoding it costs (`docs/benchmarks.md`, section 7); a console is read by a person, so
    /// a tenth of a second of delay costs nothing. Zero sends whatever is queued as soon as
    /// the session runs (still batched when events arrive faster than it sends).
    /// Default: 100 ms.
    pub batch_interval: Duration,
}

/// Most events in one `events` message. More waiting go in the next one.
pub const BATCH_EVENTS: usize = 512;

/// About the most bytes of events in one `events` message, counted like
/// [`SessionLimits::queue_bytes`] (payload size plus [`EVENT_OVERHEAD`] each). A batch is
/// closed before the event that would take it over, except that an event alone is always sent,
/// so a batch stays under this or is one event that was admitted to the queue on its own.
pub const BATCH_BYTES: usize = 256 * 1024;

/// What an event counts for in [`SessionLimits::queue_bytes`] beyond its payload: the fields
/// around it, as they will be written.
pub const EVENT_OVERHEAD: usize = 256;

/// The largest frame a console's socket accepts at all. A frame beyond it is not read: the
/// socket is closed with 1009 (message too big). Between `max_command_bytes` and this, the
/// frame is read, refused with `TOO_BIG`, and the session goes on.
pub const TRANSPORT_LIMIT: usize = 1024 * 1024;

impl Default for SessionLimits {
    fn default() -> Self {
        SessionLimits {
            queue_frames: 4096,
            queue_bytes: 8 * 1024 * 1024,
            max_command_bytes: 64 * 1024,
            max_inflight_requests: 16,
            outbox: 64,
            batch_interval: Duration::from_millis(100),
        }
    }
}

impl SessionLimits {
    /// The same limits with every count at least 1 and the command limit within the
    /// transport's, so a zero in a config cannot make a session that can do nothing.
    pub(crate) fn sane(self) -> SessionLimits {
        SessionLimits {
            queue_frames: self.queue_frames.max(1),
            queue_bytes: self.queue_bytes.max(1),
            max_command_bytes: self.max_command_bytes.clamp(1, TRANSPORT_LIMIT),
            max_inflight_requests: self.max_inflight_requests.max(1),
            outbox: self.outbox.max(1),
            // An hour is far beyond any use, and keeps `Instant` arithmetic from overflowing.
            batch_interval: self.batch_interval.min(Duration::from_secs(3600)),
        }
    }
}
