//! [`NodeView`]: the one interface every node source implements, with what its calls return
//! and the limits every source keeps alike.

use std::collections::{BTreeMap, HashMap};
use std::ops::Deref;
use std::sync::{Arc, OnceLock};

use futures_util::future::BoxFuture;
use switchboard_server::contract::{CompiledContract, Contract};

use super::graph::GraphAsk;
use super::NodeError;
use crate::types::{
    ConnPage, ConnQuery, ConnRow, MemberChangeResult, MemberRow, MembershipGraph, NodeLink,
    NodeList, NodePushResult, NodeRow, PushRequest, RoleCount, RoomDetail, RoomList,
    ServerCounters, TopicRow,
};

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
    /// ([`conn_page`](super::conn_page)). May walk every connection: call it from a blocking
    /// task.
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
    /// Who is in which room, for the graph, shaped by what the panel asks
    /// ([`graph`](super::graph)): one walk over the connections that copies no text it does not
    /// list.
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
pub const ATTACH_ONLY: &str = concat!(
    "this console runs its own server; ",
    "start it with `switchboard attach URL...` to follow other nodes"
);

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

/// One room's detail from its members, as every source answers it: sorted by role then id,
/// cut to `limit` with the full size kept. `place` says where the room was looked for ("on
/// this node", "on any attached node") when it has no members, because a room exists only
/// while it has some.
pub fn room_detail(
    room: String,
    mut members: Vec<MemberRow>,
    limit: usize,
    place: &str,
) -> Result<RoomDetail, NodeError> {
    if members.is_empty() {
        return Err(NodeError::NotFound(format!(
            "no room `{room}` {place} (rooms exist while they have members)"
        )));
    }
    members.sort_by(|a, b| a.role.cmp(&b.role).then(a.id.cmp(&b.id)));
    let size = members.len() as u32;
    let truncated = members.len() > limit;
    members.truncate(limit);
    Ok(RoomDetail {
        name: room,
        size,
        members,
        truncated,
    })
}
