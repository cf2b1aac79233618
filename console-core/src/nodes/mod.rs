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

use std::collections::{BTreeMap, HashMap};
use std::ops::Deref;
use std::sync::{Arc, OnceLock};

use futures_util::future::BoxFuture;
use switchboard_server::contract::{CompiledContract, Contract};

use crate::types::{
    ConnPage, ConnQuery, ConnRow, MemberChangeResult, MemberRow, MembershipGraph, NodeLink,
    NodeList, NodePushResult, NodeRow, PushRequest, RoleCount, RoomDetail, RoomList,
    ServerCounters, TopicRow,
};
pub use attached::{AttachError, AttachedNodes};
pub use discovery::Discovery;
pub use embedded::EmbeddedNodes;
pub use error::NodeError;
use graph::GraphAsk;

/// What every node source answers, whichever it is: the panels and the live pipeline call
/// these and never ask which source they talk to.
pub trait NodeView: Send + Sync {
    /// Connections now.
    fn connection_count(&self) -> usize;
    /// Rooms with members now (0 where rooms are not visible).
    fn room_count(&self) -> usize;
    /// Topics with subscribers or listeners now.
    fn topic_count(&self) -> usize;
    /// Totals since each server started, summed over the nodes.
    fn counters(&self) -> ServerCounters;
    /// Connection id to role, for every connection. May walk every connection: call it from
    /// a blocking task.
    fn roles(&self) -> HashMap<String, String>;

    /// One page of the connection list, filtered, sorted and paged as `q` asks
    /// ([`conn_page`]). May walk every connection: call it from a blocking task.
    fn conn_page(&self, q: ConnQuery) -> ConnPage;
    /// Connection `id` as the source knows it now.
    fn conn(&self, id: &str) -> Result<ConnFacts, NodeError>;
    /// Close connection `id`, telling its client `reason`.
    fn disconnect<'a>(
        &'a self,
        id: &'a str,
        reason: String,
    ) -> BoxFuture<'a, Result<(), NodeError>>;

    /// Rooms whose name contains `needle` (lower case; empty for all), and how many there are.
    fn rooms(&self, needle: &str) -> RoomList;
    /// Room `name` with its first `limit` members, by role then id.
    fn room(&self, name: String, limit: usize) -> Result<RoomDetail, NodeError>;
    /// Who is in which room, for the graph, shaped by what the panel asks ([`graph`]): one
    /// walk over the connections that copies no text it does not list.
    fn graph(&self, ask: &GraphAsk) -> MembershipGraph;
    /// Add connection `conn` to `room` (`add`) or remove it from it.
    fn change_room(
        &self,
        room: String,
        conn: String,
        add: bool,
    ) -> BoxFuture<'_, Result<MemberChangeResult, NodeError>>;

    /// Fire a push by hand, checked against the contract, recorded with origin `manual`.
    fn push<'a>(&'a self, req: &'a PushRequest) -> BoxFuture<'a, Pushed>;

    /// The nodes and the totals the Overview shows. `dropped` is what the console's own live
    /// queue lost: the drops of a source in this process (a node attached through an inspector
    /// reports its session's own).
    fn overview(&self, dropped: u64) -> BoxFuture<'_, NodesOverview>;
    /// The nodes this console follows and its link to each (`GET /api/nodes`); `dropped` as
    /// for [`NodeView::overview`].
    fn node_list(&self, dropped: u64) -> NodeList;
    /// Follow one more node, at `url` (attach mode; the other sources refuse).
    fn add_node(&self, url: &str) -> Result<NodeLink, NodeError>;
    /// Stop following link `id` (attach mode; the other sources refuse).
    fn remove_node(&self, id: u32) -> Result<(), NodeError>;

    /// The contract the nodes serve: the embedded server's, the one attached nodes announced
    /// in their hello, or an empty one through a proxy (the upstream's is not known to it).
    fn contract(&self) -> Result<ContractRef<'_>, NodeError>;
    /// The server a relaying source forwards its clients to (the proxy's upstream,
    /// `ws://HOST:PORT`): where a replay goes by default in proxy mode. `None` for sources that
    /// relay nothing.
    fn upstream(&self) -> Option<String>;
}

/// A source's contract, borrowed from the embedded server or shared from what a node
/// announced; either way read as a [`CompiledContract`].
pub enum ContractRef<'a> {
    Borrowed(&'a CompiledContract),
    Shared(Arc<CompiledContract>),
}

impl Deref for ContractRef<'_> {
    type Target = CompiledContract;

    fn deref(&self) -> &CompiledContract {
        match self {
            ContractRef::Borrowed(c) => c,
            ContractRef::Shared(c) => c,
        }
    }
}

/// The contract of a console that serves no application of its own (attach and proxy modes):
/// one role, `console`, with no messages. Compiled once.
pub fn empty_contract() -> Result<Arc<CompiledContract>, NodeError> {
    static EMPTY: OnceLock<Result<Arc<CompiledContract>, String>> = OnceLock::new();
    EMPTY
        .get_or_init(|| {
            Contract::from_json_str(EMPTY_CONTRACT, "console")
                .and_then(|c| c.compile())
                .map(Arc::new)
                .map_err(|e| e.to_string())
        })
        .clone()
        .map_err(NodeError::Internal)
}

const EMPTY_CONTRACT: &str = r#"{"roles":{"console":{}}}"#;

/// What the Overview shows of the nodes; the console adds its own parts (recorder, live
/// stream, rates).
pub struct NodesOverview {
    pub nodes: Vec<NodeRow>,
    /// The cluster's transport for the embedded server; `attach` or `proxy` otherwise.
    pub transport: String,
    pub cluster_error: Option<String>,
    pub connections: u32,
    pub roles: Vec<RoleCount>,
    pub rooms: u32,
    pub topics: Vec<TopicRow>,
    pub counters: ServerCounters,
}

/// Why a console that is not in attach mode cannot add or remove nodes.
pub const ATTACH_ONLY: &str = "this console runs its own server; start it with `switchboard attach URL...` to follow other nodes";

/// What a push by hand did.
pub struct Pushed {
    /// How many connections received it, or why none did.
    pub result: Result<usize, NodeError>,
    /// Each node's own result, where the push went through the nodes' inspectors.
    pub nodes: Option<Vec<NodePushResult>>,
    /// The first [`MAX_RECEIVERS`] connections it reached, by role then id, where the source
    /// can tell them.
    pub receivers: Vec<MemberRow>,
}

/// Receivers listed with a push record; `delivered` counts all of them.
pub const MAX_RECEIVERS: usize = 100;

/// One connection in depth: its row and what its handshake and server state hold, secrets
/// masked. What a source does not know is left empty (an inspector reports no headers; the
/// proxy knows only the handshake).
pub struct ConnFacts {
    pub info: ConnRow,
    pub params: BTreeMap<String, String>,
    pub headers: BTreeMap<String, String>,
    pub ctx: serde_json::Value,
    pub env: serde_json::Value,
}

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
