//! Switchboard's realtime server: a typed contract served over the super-line v1 wire, with
//! rooms, topics, pushes, a bus on shared topics, heartbeat, and cluster routing.
//!
//! Where it sits: above `switchboard-wire` (frames, contract), below everything that observes
//! or drives a server (`switchboard-capture`, the console) and beside its transports
//! (`switchboard-redis` implements [`cluster::Adapter`]). It compiles no SQLite, no Redis client
//! and no command-line parser: an application that embeds it opts into those crates.
//!
//! Layout (one concern per file):
//! - `builder`: contract + handlers + hooks + taps -> [`Server`]; `config`: [`ServerConfig`].
//! - `lifecycle`: the accept loop (upgrade timeout), serving and graceful shutdown;
//!   `handshakes`: the cap on connections still in their HTTP upgrade.
//! - `accept`: the HTTP upgrade, authentication, the connection cap; `upgrade`: the WebSocket
//!   handshake on top of hyper; `replay_key`: how the replayer's connections are told apart.
//! - `reader`: one task per connection reading and dispatching frames; `order`: a connection's
//!   requests handled in arrival order; `outbound`: one writer task per connection, coalescing
//!   queued frames into one flush; `write_deadline`: the sink wrapper that bounds each write by
//!   `config.write_timeout`.
//! - `conn`: the connection handle shared by everything else; `close`: close codes and reasons;
//!   `conn_stats`: its counters; `mirror`: its own list of rooms and topics; `peer`: where it
//!   came from (remote address, upgrade headers with secrets masked).
//! - `registry` (connections, with an index in list order and counts per role for
//!   introspection), `rooms` (the room registry), `topics`, `bus`: who receives what.
//! - `delivery`: emits, broadcasts, publishes and server-to-client requests; `confirm`: the
//!   awaited forms that count deliveries on every node.
//! - `conn_hooks`: running the application's `on_connect` and `on_disconnect`, contained.
//! - `heartbeat`: the server's ping timer and reaping.
//! - `introspect`: read-only views for the console and tests.
//! - `shared`: the state every handle points at, and the tap fan-out.
//! - [`cluster`]: routing between nodes: interest tracking, the envelope, presence tasks, the
//!   [`cluster::Adapter`] trait and the in-process [`cluster::MemoryHub`].
//! - [`tap`]: what the server reports to observers (the recorder, the console).
//! - [`typed`]: typed handlers and pushes over the contract's Rust types.
//!
//! `fuzz` (hidden) holds the cluster envelope decoder's entry point for the fuzz targets and
//! property tests.
//!
//! [`wire`], [`contract`] and [`secrets`] are re-exported from `switchboard-wire`, since this
//! crate's API speaks their types.
//!
//! A message's path: a client frame is parsed by [`wire`], dispatched by `reader` (validated
//! against the [`contract`], handled), and any push it causes is encoded once by [`wire`] and
//! queued to each recipient's writer task (`outbound`); every step is reported to the
//! installed [`tap::Tap`]s.

mod accept;
mod builder;
mod bus;
mod close;
pub mod cluster;
mod config;
mod confirm;
mod conn;
mod conn_hooks;
mod conn_stats;
mod delivery;
mod error;
#[doc(hidden)]
pub mod fuzz;
mod handlers;
mod handshakes;
mod heartbeat;
mod hooks;
mod introspect;
mod lifecycle;
mod mirror;
mod order;
mod outbound;
mod peer;
mod reader;
mod registry;
mod replay_key;
mod rooms;
mod shared;
pub mod tap;
mod topics;
pub mod typed;
mod upgrade;
mod write_deadline;

pub use switchboard_wire as wire;
pub use switchboard_wire::{contract, secrets};

use std::sync::Arc;

pub use builder::{BuildError, ServerBuilder};
pub use bus::{ListenerOutcome, Subscription};
pub use close::close_code;
pub use config::ServerConfig;
pub use confirm::ClusterDelivery;
pub use conn::{Conn, Ctx};
pub use delivery::{ConnTarget, RoleTarget, UserTarget};
pub use error::{HandlerError, MembershipError, PushError, RequestError, ServeError};
pub use hooks::{AuthRequest, Disconnect, FaultContext, FaultKind, Identity, Refusal, ServerFault};
pub use introspect::{ConnInfo, RoomInfo, RoomRoles, ServerStats, TopicInfo};
pub use lifecycle::RunningServer;
pub use peer::{Peer, MAX_PEER_HEADERS, MAX_PEER_HEADER_BYTES};
pub use replay_key::{InvalidReplayKey, ReplayKey, CONSOLE_PARAM, REPLAY_KEY_HEADER, REPLAY_PARAM};
pub use rooms::{Room, RoomTarget};

use crate::tap::{Origin, Tap};
use contract::CompiledContract;
use shared::Shared;

/// A handle to a running (or ready to run) server. Cheap to clone; every clone is the same
/// server. A handle carries the [`Origin`] stamped on what it records, so the console's
/// manual pushes are told apart from the application's.
#[derive(Clone)]
pub struct Server {
    pub(crate) shared: Arc<Shared>,
    pub(crate) origin: Origin,
}

impl Server {
    pub fn builder(contract: impl Into<Arc<CompiledContract>>) -> ServerBuilder {
        ServerBuilder::new(contract.into())
    }

    pub fn node_id(&self) -> &str {
        self.shared.node_id()
    }

    /// A new, separate server with this one's contract, handlers and hooks, and its
    /// configuration under another node id: no connection, room, subscription, tap or cluster
    /// peer of this server reaches it, nor anything it does reach them. The console replays
    /// against one by default, so a replay never delivers to real clients. Bus listeners added
    /// at run time (`Server::bus`) are not copied.
    pub fn isolated(&self, node_id: &str) -> Server {
        let config = ServerConfig {
            node_id: node_id.to_owned(),
            ..self.config().clone()
        };
        Server {
            shared: Arc::new(shared::Shared::new(self.shared.isolated_parts(config))),
            origin: Default::default(),
        }
    }

    pub fn contract(&self) -> &CompiledContract {
        self.shared.contract()
    }

    pub fn config(&self) -> &ServerConfig {
        self.shared.config()
    }

    /// The same server, recording what this handle does with another origin.
    pub fn with_origin(&self, origin: Origin) -> Server {
        Server {
            shared: self.shared.clone(),
            origin,
        }
    }

    pub fn origin(&self) -> Origin {
        self.origin
    }

    /// The key that marks a connection as the replayer's (see [`REPLAY_KEY_HEADER`]): the one
    /// set in [`ServerConfig::replay_key`], or the random one made when the server was built.
    /// Hand it only to a replayer.
    pub fn replay_key(&self) -> &ReplayKey {
        self.shared.replay_key()
    }

    /// Install another observer after start (the console's live view, for instance).
    pub fn add_tap(&self, tap: Arc<dyn Tap>) {
        self.shared.add_tap(tap)
    }

    /// Uninstall an observer installed with [`Server::add_tap`] (the same `Arc`); returns
    /// whether it was installed. With no observer left the server stops building events, so
    /// an observer attached only now and then (the inspector) costs nothing in between.
    pub fn remove_tap(&self, tap: &Arc<dyn Tap>) -> bool {
        self.shared.remove_tap(tap)
    }

    /// A connection on this node.
    pub fn conn(&self, id: &str) -> Option<Conn> {
        self.shared.registry().get(id)
    }

    pub fn room(&self, name: &str) -> Room {
        Room {
            server: self.clone(),
            name: name.to_owned(),
        }
    }

    /// Several rooms at once; each recipient receives one copy.
    pub fn rooms<I: IntoIterator<Item = S>, S: Into<String>>(&self, names: I) -> RoomTarget {
        RoomTarget {
            server: Some(self.clone()),
            rooms: names.into_iter().map(Into::into).collect(),
            filter: Default::default(),
        }
    }

    pub fn to_conn(&self, id: &str) -> ConnTarget {
        ConnTarget {
            server: self.clone(),
            id: id.to_owned(),
        }
    }

    pub fn to_user(&self, user: &str) -> UserTarget {
        UserTarget {
            server: self.clone(),
            user: user.to_owned(),
        }
    }

    pub fn for_role(&self, role: &str) -> RoleTarget {
        RoleTarget {
            server: self.clone(),
            role: role.to_owned(),
        }
    }

    /// Resolves when shutdown begins; background tasks of the application can select on it.
    pub async fn shutdown_signal(&self) {
        self.shared.shutdown().cancelled().await
    }

    /// Is shutdown under way?
    pub fn is_shutting_down(&self) -> bool {
        self.shared.shutdown().is_cancelled()
    }
}
