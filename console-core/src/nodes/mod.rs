//! The node sources: where the console reads node state and sends commands, behind one
//! interface, [`NodeView`], so every panel has one code path whichever source answers.
//!
//! There are three sources, each implementing [`NodeView`] in its own module and returning the
//! same row types ([`crate::types`]):
//! - [`embedded`] ([`EmbeddedNodes`]): the console's own server in this process (the default,
//!   what `scripts/run` and `Console::new(server)` give), read from its registry and driven
//!   through its `manual` handle;
//! - [`attached`] ([`AttachedNodes`]): nodes in other processes, followed through their
//!   inspectors, their answers merged (a cluster's rooms span nodes; every row names its node);
//! - [`proxy`] ([`proxy::Proxy`], `switchboard proxy`): clients relayed to an upstream server
//!   that need not be Switchboard's, with the frames passing through recorded.
//!
//! [`NodeSource`] holds whichever the console runs and dereferences to the interface: the HTTP
//! handlers (`crate::api`) and the live pipeline call it and never ask which source it is. The
//! variants are named only where a mode's own lifecycle is at stake ([`crate::ConsoleCore`]
//! starts, discovers and stops attach mode's links). A call a source cannot answer, whatever is
//! asked, returns [`NodeError::Unsupported`] (rooms and topic subscribers are not on the wire a
//! proxy relays, so it refuses room members and room pushes, and the panels say so rather than
//! show an empty graph; nodes are added only in attach mode); the API turns every
//! [`NodeError`] into the status and message the console has always answered. The paging of the
//! connection list is shared by all three ([`conn_page`]).
//!
//! Why the embedded server is read directly rather than through `Inspector::local_session`:
//! the console's API answers from the registry itself (a connection's live counters, its
//! context and env, a room's members the moment a join returns), and its recorder is a tap
//! that sees every event without the session queue in between. An in-process inspector
//! session gives the same facts only as of its last event, which would make every existing
//! "act, then read" flow eventually consistent and route recording through a queue that
//! drops under load. Attached nodes cannot do better than that, so they are a source of their
//! own behind the same interface, not the path the embedded server is forced through. The
//! console's parity tests hold the two to the same answers (`tests/console/parity.rs`, one
//! server seen both ways, and `parity_panels.rs`, the same panel calls against each).
//!
//! Within attach mode there is one path whatever carries the session: a [`remote::RemoteNode`]
//! follows a node by URL or, for a server in this process, through
//! `Inspector::local_session` ([`AttachedNodes::add_local`]); discovery
//! ([`discovery::Discovery`]) adds links as a cluster's nodes appear.

pub mod attached;
pub mod conn_page;
pub mod convert;
pub mod discovery;
pub mod embedded;
pub mod error;
pub mod graph;
pub mod proxy;
pub mod remote;
pub mod sink;
mod view;

use std::ops::Deref;
use std::sync::Arc;

pub use attached::{AttachError, AttachedNodes};
pub use discovery::Discovery;
pub use embedded::EmbeddedNodes;
pub use error::NodeError;
pub use view::{
    empty_contract, ConnFacts, ContractRef, NodeView, NodesOverview, Pushed, ATTACH_ONLY,
    MAX_RECEIVERS,
};

/// The source this console reads: one of three, each implementing [`NodeView`] in its own
/// module. It dereferences to the interface; the variants are named only where a mode's own
/// lifecycle is at stake (attach mode's links are started, discovered and stopped by
/// [`crate::ConsoleCore`]).
#[derive(Clone)]
pub enum NodeSource {
    /// The console's own server.
    Embedded(Arc<EmbeddedNodes>),
    /// Nodes in other processes, through their inspectors.
    Attached(Arc<AttachedNodes>),
    /// Clients relayed to an upstream server by the console's proxy.
    Proxy(Arc<proxy::Proxy>),
}

impl NodeSource {
    /// The interface, whichever source answers it.
    pub fn view(&self) -> &(dyn NodeView + 'static) {
        match self {
            NodeSource::Embedded(e) => e.as_ref(),
            NodeSource::Attached(a) => a.as_ref(),
            NodeSource::Proxy(p) => p.as_ref(),
        }
    }

    /// The attached nodes, in attach mode (to add, discover and stop links).
    pub fn attached(&self) -> Option<&Arc<AttachedNodes>> {
        match self {
            NodeSource::Attached(a) => Some(a),
            NodeSource::Embedded(_) | NodeSource::Proxy(_) => None,
        }
    }
}

impl Deref for NodeSource {
    type Target = dyn NodeView;

    fn deref(&self) -> &Self::Target {
        self.view()
    }
}
