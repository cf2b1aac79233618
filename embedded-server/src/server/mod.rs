//! The server: accepting connections, dispatching their frames, delivering pushes.
//!
//! - [`builder`]: contract + handlers + hooks + taps -> [`Server`].
//! - [`accept`]: the HTTP upgrade, authentication, the connection cap.
//! - [`reader`]: one task per connection reading and dispatching frames.
//! - [`outbound`]: one writer task per connection, coalescing queued frames into one flush.
//! - [`conn`]: the connection handle shared by everything else.
//! - [`registry`], [`rooms`], [`topics`], [`bus`]: who receives what.
//! - [`delivery`]: emits, broadcasts, publishes and server-to-client requests.
//! - [`heartbeat`]: the server's ping timer and reaping.
//! - [`introspect`]: read-only views for the console and tests.
//! - [`lifecycle`]: serving and graceful shutdown.

pub mod accept;
pub mod builder;
pub mod bus;
pub mod config;
pub mod conn;
pub mod delivery;
pub mod error;
pub mod handlers;
pub mod heartbeat;
pub mod hooks;
pub mod introspect;
pub mod lifecycle;
pub mod outbound;
pub mod reader;
pub mod registry;
pub mod rooms;
pub mod shared;
pub mod topics;
pub mod typed;

use std::sync::Arc;

pub use builder::{BuildError, ServerBuilder};
pub use bus::{ListenerOutcome, Subscription};
pub use config::ServerConfig;
pub use conn::{close_code, Conn, Ctx};
pub use delivery::{ConnTarget, RoleTarget, UserTarget};
pub use error::{HandlerError, PushError, RequestError, ServeError};
pub use hooks::{AuthRequest, FaultContext, FaultKind, Identity, ServerFault};
pub use introspect::{ConnInfo, RoomInfo, ServerStats, TopicInfo};
pub use lifecycle::RunningServer;
pub use rooms::{Room, RoomTarget};

use crate::contract::CompiledContract;
use crate::tap::{Origin, Tap};
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
        &self.shared.node_id
    }

    pub fn contract(&self) -> &CompiledContract {
        &self.shared.contract
    }

    pub fn config(&self) -> &ServerConfig {
        &self.shared.config
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

    /// Install another observer after start (the console's live view, for instance).
    pub fn add_tap(&self, tap: Arc<dyn Tap>) {
        self.shared.add_tap(tap)
    }

    /// A connection on this node.
    pub fn conn(&self, id: &str) -> Option<Conn> {
        self.shared.registry.get(id)
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
        self.shared.shutdown.cancelled().await
    }

    /// Is shutdown under way?
    pub fn is_shutting_down(&self) -> bool {
        self.shared.shutdown.is_cancelled()
    }
}
