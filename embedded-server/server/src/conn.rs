//! A connection handle: cheap to clone, shared by the reader, handlers, rooms and topics.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};

use serde_json::Value;
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;

use super::close::{close_code, CloseReason, ClosedBy};
use super::conn_stats::ConnStats;
use super::error::{MembershipError, PushError, RequestError};
use super::hooks::Identity;
use super::mirror::Mirror;
use super::order::RequestOrder;
use super::peer::Peer;
use super::rooms::RoomMap;
use super::shared::Shared;
use super::topics::{TopicKey, TopicMap};
use super::Server;
use crate::contract::TopicLookup;
use crate::tap::{now_us, Origin, TapKind};
use crate::wire::util::lock;
use crate::wire::{encode, Frame};

/// Per-connection context given by `authenticate`.
pub type Ctx = Arc<Value>;

/// Everything one connection is. Besides the two mirrors (see [`Mirror`] for their lock
/// order), each lock here is a leaf: nothing else is locked while one is held.
struct ConnInner {
    id: Arc<str>,
    role: Arc<str>,
    user: Arc<str>,
    ctx: Ctx,
    params: BTreeMap<String, String>,
    peer: Peer,
    connected_at_us: i64,
    origin: Origin,
    out: mpsc::Sender<Frame>,
    queue_capacity: usize,
    /// Bytes of the frames queued and not yet written (the writer's batch included).
    queued_bytes: AtomicUsize,
    /// `config.outbound_queue_bytes`: past it, a delivery closes the connection.
    queue_bytes_limit: usize,
    /// Cancelled when the close begins; the reader and writer tasks wait on it.
    closing: CancellationToken,
    /// The first reason given wins; set before `open` turns false.
    close_reason: Mutex<Option<CloseReason>>,
    open: AtomicBool,
    env: Mutex<Value>,
    rooms: Mirror<Arc<str>, RoomMap>,
    topics: Mirror<TopicKey, TopicMap>,
    stats: ConnStats,
    pending: Mutex<HashMap<u64, oneshot::Sender<Result<Value, RequestError>>>>,
    next_request: AtomicU64,
    /// The order its requests are handled in (see [`RequestOrder`]).
    order: RequestOrder,
    shared: Weak<Shared>,
}

/// A live connection on this node.
#[derive(Clone)]
pub struct Conn {
    inner: Arc<ConnInner>,
}

impl std::fmt::Debug for Conn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Conn")
            .field("id", &self.inner.id)
            .field("role", &self.inner.role)
            .field("user", &self.inner.user)
            .finish()
    }
}

impl Conn {
    /// A new, open connection of `shared` for an authenticated client, and the receiving end
    /// of its outbound queue (for the writer task). Nothing is registered yet.
    pub(crate) fn open(
        shared: &Arc<Shared>,
        identity: Identity,
        params: BTreeMap<String, String>,
        peer: Peer,
        origin: Origin,
    ) -> (Conn, mpsc::Receiver<Frame>) {
        let capacity = shared.config().outbound_queue.max(1);
        let (out, rx) = mpsc::channel(capacity);
        let inner = ConnInner {
            id: shared.new_conn_id(),
            role: identity.role.into(),
            user: identity.user.into(),
            ctx: Arc::new(identity.ctx),
            params,
            peer,
            connected_at_us: now_us(),
            origin,
            out,
            queue_capacity: capacity,
            queued_bytes: AtomicUsize::new(0),
            queue_bytes_limit: shared.config().outbound_queue_bytes,
            closing: CancellationToken::new(),
            close_reason: Mutex::new(None),
            open: AtomicBool::new(true),
            env: Mutex::new(identity.env),
            rooms: Mirror::default(),
            topics: Mirror::default(),
            stats: ConnStats::default(),
            pending: Mutex::new(HashMap::new()),
            next_request: AtomicU64::new(0),
            order: RequestOrder::default(),
            shared: Arc::downgrade(shared),
        };
        let conn = Conn {
            inner: Arc::new(inner),
        };
        (conn, rx)
    }

    pub fn id(&self) -> &str {
        &self.inner.id
    }
    pub fn role(&self) -> &str {
        &self.inner.role
    }
    pub fn user(&self) -> &str {
        &self.inner.user
    }
    pub fn ctx(&self) -> &Value {
        &self.inner.ctx
    }
    /// The query-string parameters of the upgrade request.
    pub fn params(&self) -> &BTreeMap<String, String> {
        &self.inner.params
    }
    /// The remote address and the upgrade's headers (secrets masked).
    pub fn peer(&self) -> &Peer {
        &self.inner.peer
    }
    pub fn connected_at_us(&self) -> i64 {
        self.inner.connected_at_us
    }
    pub fn is_open(&self) -> bool {
        self.inner.open.load(Ordering::Acquire)
    }
    /// Rooms this connection is in, on this node.
    pub fn rooms(&self) -> Vec<String> {
        let rooms = self.inner.rooms.snapshot();
        rooms.iter().map(|r| r.to_string()).collect()
    }
    /// Rooms this connection is in, without copying their names (for walking many
    /// connections, as the console's membership graph does).
    pub fn room_arcs(&self) -> Vec<Arc<str>> {
        self.inner.rooms.snapshot()
    }
    /// Calls `f` with each room this connection is in, under its room list's lock (`f` must
    /// not block): a walk over many connections reads the names without copying a list or
    /// touching the names' shared counts, which every member of a big room would contend on.
    pub fn for_each_room(&self, mut f: impl FnMut(&Arc<str>)) {
        self.inner.rooms.any(|r| {
            f(r);
            false
        });
    }
    /// Whether the name of a room this connection is in satisfies `f` (which must not block).
    pub fn any_room(&self, mut f: impl FnMut(&str) -> bool) -> bool {
        self.inner.rooms.any(|r| f(r))
    }
    /// Whether the name of a topic this connection subscribes to satisfies `f` (which must not
    /// block).
    pub fn any_topic(&self, mut f: impl FnMut(&str) -> bool) -> bool {
        self.inner.topics.any(|(_, topic)| f(topic))
    }
    /// Topics this connection subscribes to, by name.
    pub fn topics(&self) -> Vec<String> {
        let keys = self.inner.topics.snapshot();
        let mut names: Vec<String> = keys.iter().map(|(_, topic)| topic.to_string()).collect();
        names.sort();
        names
    }
    pub fn env(&self) -> Value {
        lock(&self.inner.env).clone()
    }
    /// Frames received from the client so far.
    pub fn msgs_in(&self) -> u64 {
        self.inner.stats.msgs_in()
    }
    /// Frames queued for the client so far.
    pub fn msgs_out(&self) -> u64 {
        self.inner.stats.msgs_out()
    }
    /// Errors so far: error replies, failed replies to the server's requests, denied
    /// subscriptions and unreadable frames.
    pub fn errors(&self) -> u64 {
        self.inner.stats.errors()
    }
    /// Frames waiting in the outbound queue.
    pub fn queue_depth(&self) -> usize {
        self.inner.queue_capacity - self.inner.out.capacity()
    }
    /// Bytes of the frames waiting in the outbound queue or being written.
    pub fn queue_bytes(&self) -> usize {
        self.inner.queued_bytes.load(Ordering::Relaxed)
    }

    /// The server this connection belongs to, or `None` once the server is gone.
    pub fn server(&self) -> Option<Server> {
        self.inner.shared.upgrade().map(|shared| Server {
            shared,
            origin: self.inner.origin,
        })
    }

    /// Push an event to this connection only. Allowed: this role's events and shared events.
    /// Returns how many connections received it (0 or 1).
    pub fn emit(&self, event: &str, payload: &Value) -> Result<usize, PushError> {
        let Some(server) = self.server() else {
            return Ok(0);
        };
        server.emit_to_conns(TapKind::Emit, event, payload, std::slice::from_ref(self))
    }

    /// Replace the connection's client-visible state and send it as a new `env` frame.
    pub fn set_env(&self, value: Value) -> Result<(), PushError> {
        let encoded = encode::env(&value).map_err(|e| PushError::Encode(e.to_string()))?;
        *lock(&self.inner.env) = value;
        self.deliver(&encoded.frame);
        Ok(())
    }

    /// A handle for broadcasting to `room` from this connection's point of view: the
    /// connection itself is excluded unless `include_self` is called.
    pub fn to_room(&self, room: &str) -> super::rooms::RoomTarget {
        let server = self.server();
        super::rooms::RoomTarget::from_conn(server, vec![room.to_owned()], self.id().to_owned())
    }

    /// A handle for broadcasting to every room this connection is in (on this node's count of
    /// its rooms, and their members on every node), each member once, the connection itself
    /// left out unless `include_self` is called. The rooms are read now: joins that follow do
    /// not widen a handle already made. In no room, the broadcast reaches nobody.
    pub fn to_rooms(&self) -> super::rooms::RoomTarget {
        super::rooms::RoomTarget::from_conn(self.server(), self.rooms(), self.id().to_owned())
    }

    /// Put this connection in `room` (as `server.room(room).add(conn)` does); `Ok(false)` when
    /// it already was there, is closed, or its server is gone; an error when it is already in
    /// `ServerConfig::max_rooms_per_conn` rooms (a handler returning it with `?` answers
    /// `LIMIT_EXCEEDED`).
    pub fn join(&self, room: &str) -> Result<bool, MembershipError> {
        match self.server() {
            Some(s) => s.room_add(room, self),
            None => Ok(false),
        }
    }

    /// Take this connection out of `room`; false when it was not there.
    pub fn leave(&self, room: &str) -> bool {
        self.server().is_some_and(|s| s.room_remove(room, self))
    }

    /// Subscribe this connection to `topic` (a shared topic, or a topic of its role) from the
    /// server's side, as its `sub` frame would, without asking `authorize_subscribe`: the
    /// server decided. Its client receives the topic's `pub` frames from now on. `Ok(false)`
    /// when it already was subscribed, is closed, or its server is gone;
    /// [`PushError::Limit`] past `ServerConfig::max_topics_per_conn`.
    pub fn subscribe(&self, topic: &str) -> Result<bool, PushError> {
        let Some(server) = self.server() else {
            return Ok(false);
        };
        let shared = &server.shared;
        let key = self.topic_key(shared, topic)?;
        let limit = shared.config().max_topics_per_conn;
        let added = match shared.topics().subscribe(key, self, limit) {
            Ok(added) => added,
            Err(e) => {
                shared
                    .counters()
                    .membership_refusals
                    .fetch_add(1, Ordering::Relaxed);
                return Err(PushError::Limit(e));
            }
        };
        shared.cluster().announce_changes(shared);
        if added {
            shared.tap_conn(TapKind::Subscribe, self, |ev| {
                ev.name = Some(topic.into());
                ev.topic = Some(topic.into());
                // Not the client's `sub`: a replay leaves it to the server to do again.
                ev.meta = Some(serde_json::json!({ "by": "server" }));
            });
        }
        Ok(added)
    }

    /// Undo [`Conn::subscribe`] (or the client's own `sub`); `Ok(false)` when it was not
    /// subscribed.
    pub fn unsubscribe(&self, topic: &str) -> Result<bool, PushError> {
        let Some(server) = self.server() else {
            return Ok(false);
        };
        let shared = &server.shared;
        let key = self.topic_key(shared, topic)?;
        let removed = shared.topics().unsubscribe(&key, self);
        shared.cluster().announce_changes(shared);
        if removed {
            shared.tap_conn(TapKind::Unsubscribe, self, |ev| {
                ev.name = Some(topic.into());
                ev.topic = Some(topic.into());
                ev.meta = Some(serde_json::json!({ "by": "server" }));
            });
        }
        Ok(removed)
    }

    /// The registry key of `topic` for this connection's role.
    fn topic_key(&self, shared: &Shared, topic: &str) -> Result<TopicKey, PushError> {
        match shared.contract().topic_for_role(self.role(), topic) {
            TopicLookup::Shared(_) => Ok((None, topic.into())),
            TopicLookup::Role(_) => Ok((Some(self.role_arc().clone()), topic.into())),
            TopicLookup::NotATopic | TopicLookup::Unknown => {
                Err(PushError::UnknownTopic(topic.to_owned()))
            }
        }
    }

    /// Whether this connection is in `room` (read from its own list: no registry lock).
    pub fn in_room(&self, room: &str) -> bool {
        self.inner.rooms.contains(room)
    }

    /// Close the connection with a code and reason (queued frames are still sent first).
    pub fn close(&self, code: u16, reason: impl Into<String>) {
        self.begin_close(CloseReason::new(ClosedBy::Server, code, reason));
    }

    /// Queue a frame. Returns whether it was queued. Never waits: a full queue closes the
    /// connection as a slow consumer, so one stalled reader cannot hold up a broadcast.
    ///
    /// The queue is bounded twice: in frames by the channel, in bytes by `queued_bytes`, which
    /// the writer lowers once a batch is written. The bytes are reserved before the frame is
    /// queued, so concurrent deliveries cannot all pass the bound; a lone frame larger than
    /// the bound still goes out when nothing else is waiting.
    pub(crate) fn deliver(&self, frame: &Frame) -> bool {
        if !self.is_open() {
            return false;
        }
        let len = frame.len();
        let before = self.inner.queued_bytes.fetch_add(len, Ordering::Relaxed);
        if before > 0 && before + len > self.inner.queue_bytes_limit {
            self.inner.queued_bytes.fetch_sub(len, Ordering::Relaxed);
            self.slow_consumer(format!(
                "slow consumer: {before} bytes waiting in the outbound queue (limit {})",
                self.inner.queue_bytes_limit
            ));
            return false;
        }
        match self.inner.out.try_send(frame.clone()) {
            Ok(()) => {
                self.inner.stats.queued(len);
                true
            }
            Err(mpsc::error::TrySendError::Full(_)) => {
                self.inner.queued_bytes.fetch_sub(len, Ordering::Relaxed);
                self.slow_consumer(format!(
                    "slow consumer: {} frames waiting in the outbound queue",
                    self.inner.queue_capacity
                ));
                false
            }
            Err(mpsc::error::TrySendError::Closed(_)) => {
                self.inner.queued_bytes.fetch_sub(len, Ordering::Relaxed);
                false
            }
        }
    }

    /// The writer wrote (or dropped) frames of `bytes` taken off the queue.
    pub(crate) fn written(&self, bytes: usize) {
        self.inner.queued_bytes.fetch_sub(bytes, Ordering::Relaxed);
    }

    /// Runs under registry locks during a fan-out, so it only flips state; the reader task
    /// reports the close (tap, `on_error`) once it wakes, outside any lock.
    fn slow_consumer(&self, reason: String) {
        self.begin_close(CloseReason::new(
            ClosedBy::SlowConsumer,
            close_code::SLOW_CONSUMER,
            reason,
        ));
    }

    /// Start closing; the first reason wins. Returns whether this call started the close.
    ///
    /// The connection is marked closed while the reason's lock is held, so a caller that finds
    /// the close already begun also sees the connection closed: the cleanup relies on that to
    /// order itself with joins and subscribes (see `RoomRegistry::add`).
    pub(crate) fn begin_close(&self, reason: CloseReason) -> bool {
        {
            let mut slot = lock(&self.inner.close_reason);
            if slot.is_some() {
                return false;
            }
            *slot = Some(reason);
            self.inner.open.store(false, Ordering::Release);
        }
        self.inner.closing.cancel();
        true
    }

    pub(crate) fn close_reason(&self) -> Option<CloseReason> {
        lock(&self.inner.close_reason).clone()
    }

    /// Register a server-to-client request and return its id and the receiver of the answer.
    pub(crate) fn register_request(&self) -> (u64, oneshot::Receiver<Result<Value, RequestError>>) {
        let id = self.inner.next_request.fetch_add(1, Ordering::Relaxed) + 1;
        let (tx, rx) = oneshot::channel();
        lock(&self.inner.pending).insert(id, tx);
        (id, rx)
    }

    pub(crate) fn resolve_request(&self, id: u64, result: Result<Value, RequestError>) -> bool {
        let tx = lock(&self.inner.pending).remove(&id);
        match tx {
            Some(tx) => {
                let _ = tx.send(result);
                true
            }
            None => false,
        }
    }

    pub(crate) fn forget_request(&self, id: u64) {
        lock(&self.inner.pending).remove(&id);
    }

    pub(crate) fn fail_pending_requests(&self) {
        let pending: Vec<_> = lock(&self.inner.pending).drain().collect();
        for (_, tx) in pending {
            let _ = tx.send(Err(RequestError::Disconnected));
        }
    }

    pub(crate) fn mark_pong(&self) {
        self.inner.stats.pong_received(now_us());
    }

    // ----- parts other modules of the crate need -----

    /// The id as a shared string (registry keys, tap events, the console's walks over every
    /// connection), without copying it.
    pub fn id_arc(&self) -> &Arc<str> {
        &self.inner.id
    }
    /// The role as a shared string, like [`id_arc`](Self::id_arc).
    pub fn role_arc(&self) -> &Arc<str> {
        &self.inner.role
    }
    /// The user as a shared string, like [`id_arc`](Self::id_arc).
    pub fn user_arc(&self) -> &Arc<str> {
        &self.inner.user
    }
    /// The context handed to every handler.
    pub(crate) fn ctx_arc(&self) -> &Ctx {
        &self.inner.ctx
    }
    pub(crate) fn origin(&self) -> Origin {
        self.inner.origin
    }
    pub(crate) fn stats(&self) -> &ConnStats {
        &self.inner.stats
    }
    /// Cancelled once the connection starts closing.
    pub(crate) fn closing(&self) -> &CancellationToken {
        &self.inner.closing
    }
    /// The rooms this connection is in; edited by the room registry only.
    pub(crate) fn room_mirror(&self) -> &Mirror<Arc<str>, RoomMap> {
        &self.inner.rooms
    }
    /// How this connection's requests are sequenced.
    pub(crate) fn order(&self) -> &RequestOrder {
        &self.inner.order
    }
    /// The topics this connection subscribes to; edited by the topic registry only.
    pub(crate) fn topic_mirror(&self) -> &Mirror<TopicKey, TopicMap> {
        &self.inner.topics
    }
}
