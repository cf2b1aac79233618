use std::time::Duration;

use crate::ReplayKey;

/// Server settings. Every field has a default suited to local development; see `Default`.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// This node's id, stamped on publishes (`nd`) and bus messages (`from`).
    /// Default: `node-` followed by 8 random hex digits.
    pub node_id: String,
    /// Largest text frame accepted from a client, in bytes. Larger frames close the socket with
    /// close code 1009. Default: 1 MiB.
    pub max_frame_bytes: usize,
    /// Frames that may wait in one connection's outbound queue. A connection whose queue is full
    /// is closed as a slow consumer rather than slowing everyone else. Default: 4096.
    pub outbound_queue: usize,
    /// Bytes that may wait in one connection's outbound queue (frames queued and the batch its
    /// writer is sending). Past it the connection is closed as a slow consumer, like a queue
    /// full in frames: a few large frames to a client that does not read would otherwise hold
    /// gigabytes long before the frame bound is reached. A single frame larger than the bound
    /// is still queued when the queue is empty. Default: 4 MiB.
    pub outbound_queue_bytes: usize,
    /// How long the writer may wait on the socket (for it to take more frames, to flush, or to
    /// take the close frame) before giving up on the peer as a slow consumer and dropping the
    /// socket, so a client that never reads cannot hold a socket and its queued memory after
    /// it was closed. Default: 10 s.
    pub write_timeout: Duration,
    /// How long a client has to send the complete headers of its upgrade request; past it the
    /// TCP connection is dropped (a slowloris defence). Default: 10 s.
    pub upgrade_timeout: Duration,
    /// TCP connections still in their HTTP upgrade (headers not complete, or not yet answered)
    /// held at once. A new connection past it evicts the oldest one still waiting, so clients
    /// that finish their handshake promptly keep getting in while many half-open requests are
    /// held; the cap also keeps such requests from using up the process's descriptors.
    /// Default: 256.
    pub max_pending_upgrades: usize,
    /// Rooms one connection may be in at once; `Room::add` past it is refused with
    /// [`MembershipError::TooManyRooms`](crate::MembershipError). Default: 1,024.
    pub max_rooms_per_conn: usize,
    /// Topics one connection may subscribe to at once; a `sub` past it is answered with an
    /// `err` frame of code `LIMIT_EXCEEDED`. Default: 256.
    pub max_topics_per_conn: usize,
    /// Connections accepted at once; upgrades beyond it are refused with 503. An upgrade counts
    /// from before its authentication until its connection's cleanup is done, so a burst cannot
    /// get past the cap. Default: 100,000.
    pub max_connections: usize,
    /// Requests of one connection that may wait behind a handler still running (requests are
    /// handled in arrival order), and, separately, requests declared concurrent that may run
    /// at once. One more is answered `BAD_REQUEST` without running; the connection stays open.
    /// Default: 256.
    pub max_pending_requests: usize,
    /// How long `on_connect` and `on_disconnect` may take. A connect hook that takes longer
    /// refuses the connection (1011); a disconnect hook is abandoned and the cleanup goes on.
    /// Both are reported to `on_error`. Default: 10 s.
    pub hook_timeout: Duration,
    /// How often the server sends its `ping` frame. Default: 30 s.
    pub heartbeat_interval: Duration,
    /// Close a connection after this many pings in a row went unanswered. `None` (the default)
    /// never reaps, as in the reference implementation.
    pub max_missed_pongs: Option<u32>,
    /// Default timeout for server-to-client requests. Default: 30 s.
    pub request_timeout: Duration,
    /// Validate handler outputs against the contract (a failure is answered `INTERNAL` and
    /// reported); off, an output goes out as the handler returned it. Default:
    /// [`ServerConfig::VALIDATES_BY_DEFAULT`], on in debug builds and off in release builds.
    pub validate_output: bool,
    /// Validate payloads the application pushes (emits, broadcasts, publishes) against the
    /// contract (a failure is `PushError::Validation` and nothing is sent); off, a payload goes
    /// out as given. Default: [`ServerConfig::VALIDATES_BY_DEFAULT`], on in debug builds and off
    /// in release builds.
    pub validate_pushes: bool,
    /// Accept WebSocket upgrades only on this path. Default: `None`, any path.
    pub path: Option<String>,
    /// How long shutdown waits for in-flight requests before closing sockets. Default: 5 s.
    pub shutdown_grace: Duration,
    /// The secret a replayer shows to have its connections recorded with origin `replay` (see
    /// [`REPLAY_KEY_HEADER`](crate::REPLAY_KEY_HEADER)). Set it to replay against this server
    /// from another process (`switchboard-server --replay-key`). Default: `None`, a random key
    /// made when the server is built, which only holders of the [`Server`](crate::Server)
    /// handle can read (the embedded replayer, through `Server::replay_key`).
    pub replay_key: Option<ReplayKey>,
}

impl ServerConfig {
    /// The default of `validate_output` and `validate_pushes`: `true` in debug builds, `false`
    /// in release builds. Validating every output and push against its JSON Schema costs time
    /// on the hot path, which a release build should not pay for a contract its application was
    /// developed and tested against in debug builds. Inputs from clients are always validated,
    /// whatever the build. Set both fields to choose regardless of the build.
    pub const VALIDATES_BY_DEFAULT: bool = cfg!(debug_assertions);
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            node_id: format!("node-{:08x}", rand::random::<u32>()),
            max_frame_bytes: 1024 * 1024,
            outbound_queue: 4096,
            outbound_queue_bytes: 4 * 1024 * 1024,
            write_timeout: Duration::from_secs(10),
            upgrade_timeout: Duration::from_secs(10),
            max_pending_upgrades: 256,
            max_rooms_per_conn: 1024,
            max_topics_per_conn: 256,
            max_connections: 100_000,
            max_pending_requests: 256,
            hook_timeout: Duration::from_secs(10),
            heartbeat_interval: Duration::from_secs(30),
            max_missed_pongs: None,
            request_timeout: Duration::from_secs(30),
            validate_output: Self::VALIDATES_BY_DEFAULT,
            validate_pushes: Self::VALIDATES_BY_DEFAULT,
            path: None,
            shutdown_grace: Duration::from_secs(5),
            replay_key: None,
        }
    }
}
