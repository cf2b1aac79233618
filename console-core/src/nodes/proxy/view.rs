//! The proxy as a node source: the connections it relays (role, user and query from each
//! handshake, secrets masked), itself as the one node, and pushes by hand written to client
//! connections as if the upstream had sent them. Rooms and topic subscribers are not on the
//! wire, so it reports none and refuses what needs them (docs/proxy.md).

use std::collections::HashMap;

use futures_util::future::BoxFuture;
use switchboard_server::secrets::masked_params;

use super::{ProxiedConn, Proxy, ProxyError};
use crate::live::aggregator::role_counts;
use crate::nodes::graph::{GraphAsk, GraphBuilder};
use crate::nodes::{
    conn_page, empty_contract, ConnFacts, ContractRef, NodeError, NodeView, NodesOverview, Pushed,
    ATTACH_ONLY, MAX_RECEIVERS,
};
use crate::types::{
    ConnPage, ConnQuery, ConnRow, LinkState, MemberChangeResult, MemberRow, MembershipGraph,
    NodeLink, NodeList, NodeRow, PushRequest, PushTarget, RoomDetail, RoomList, ServerCounters,
};

/// What the Rooms panel and the rooms API say in proxy mode.
pub const NO_ROOMS: &str =
    "rooms cannot be seen through a proxy: the wire does not tell a client which rooms it is in";

/// A relayed connection as a list row. Frames are counted at the proxy (`in` from the client,
/// `out` to it); there is no pong to report, since each hop answers its own pings, and rooms
/// and topics are not on the wire.
fn row(c: &ProxiedConn, node: &str) -> ConnRow {
    ConnRow {
        id: c.id.clone(),
        role: c.role.clone(),
        user: c.user.clone(),
        node: node.to_owned(),
        origin: "client".into(),
        connected_at_us: c.opened_us,
        last_pong_us: None,
        missed_pongs: 0,
        rooms: Vec::new(),
        topics: Vec::new(),
        msgs_in: c.counts.msgs_in,
        msgs_out: c.counts.msgs_out,
        bytes_in: c.counts.bytes_in,
        bytes_out: c.counts.bytes_out,
        queue_depth: 0,
        queue_bytes: 0,
        errors: c.counts.errors,
        remote: c.remote.clone(),
        user_agent: c.user_agent.clone(),
    }
}

fn rows(proxy: &Proxy) -> Vec<ConnRow> {
    let node = proxy.node_id();
    proxy.connections().iter().map(|c| row(c, node)).collect()
}

/// The connections a push by hand goes to: one connection, a user's sessions or everyone,
/// each written an `evt` frame. Rooms and topics are refused: the proxy cannot see rooms,
/// and topic subscribers are the upstream's to track.
fn targets(proxy: &Proxy, target: &PushTarget) -> Result<Vec<ProxiedConn>, NodeError> {
    let all = proxy.connections();
    let picked: Vec<ProxiedConn> = match target {
        PushTarget::Conn { id } => all.into_iter().filter(|c| &c.id == id).collect(),
        PushTarget::User { user } => all.into_iter().filter(|c| &c.user == user).collect(),
        PushTarget::Everyone => all,
        PushTarget::Rooms { .. } => return Err(NodeError::Unsupported(NO_ROOMS)),
        PushTarget::RoleTopic { .. } | PushTarget::SharedTopic => {
            return Err(NodeError::Unsupported(
                "topic pushes cannot go through a proxy: the upstream holds the subscriptions",
            ))
        }
    };
    if picked.is_empty() {
        return Err(NodeError::NotFound(match target {
            PushTarget::Conn { id } => format!("no connection `{id}` through the proxy"),
            PushTarget::User { user } => {
                format!("user `{user}` has no connection through the proxy")
            }
            _ => "no connection through the proxy right now".to_owned(),
        }));
    }
    Ok(picked)
}

/// Send `req` as `evt` frames; how many connections got it, and who (by role then id).
/// Fails when none did (with the first refusal).
fn push(proxy: &Proxy, req: &PushRequest) -> (Result<usize, NodeError>, Vec<MemberRow>) {
    let conns = match targets(proxy, &req.target) {
        Ok(c) => c,
        Err(e) => return (Err(e), Vec::new()),
    };
    let mut receivers = Vec::new();
    let mut first_error = None;
    for c in conns {
        match proxy.push_event(&c.id, &req.name, &req.payload) {
            Ok(()) => receivers.push(MemberRow {
                id: c.id,
                role: c.role,
                user: c.user,
                node: Some(proxy.node_id().to_owned()),
            }),
            Err(e) => {
                first_error.get_or_insert(match e {
                    ProxyError::NoConnection(_) => NodeError::NotFound(e.to_string()),
                    ProxyError::Busy(_) => NodeError::Unavailable(e.to_string()),
                    other => NodeError::Refused(other.to_string()),
                });
            }
        }
    }
    let delivered = receivers.len();
    receivers.sort_by(|a, b| a.role.cmp(&b.role).then(a.id.cmp(&b.id)));
    receivers.truncate(MAX_RECEIVERS);
    match (delivered, first_error) {
        (0, Some(e)) => (Err(e), receivers),
        _ => (Ok(delivered), receivers),
    }
}

/// The proxy as the one node the console follows: it is there as long as the console runs.
fn link(proxy: &Proxy, dropped: u64) -> NodeLink {
    NodeLink {
        id: 0,
        url: proxy.upstream().to_owned(),
        node: Some(proxy.node_id().to_owned()),
        discovered: false,
        state: LinkState::Proxy,
        connections: proxy.connection_count() as u32,
        rooms: 0,
        dropped,
        bad_frames: proxy.frame_errors(),
        attaches: 1,
        last_error: None,
        server_version: None,
    }
}

fn node_list(proxy: &Proxy, dropped: u64) -> NodeList {
    NodeList {
        mode: "proxy".into(),
        nodes: vec![link(proxy, dropped)],
        discovery: None,
    }
}

fn overview(proxy: &Proxy, dropped: u64) -> NodesOverview {
    let conns = proxy.connections();
    let status = link(proxy, dropped);
    NodesOverview {
        nodes: vec![NodeRow {
            id: proxy.node_id().to_owned(),
            connections: conns.len() as u32,
            rooms: 0,
            alive: true,
            local: true,
            link: Some(status),
        }],
        transport: "proxy".into(),
        cluster_error: None,
        connections: conns.len() as u32,
        roles: role_counts(conns.iter().map(|c| c.role.as_str())),
        rooms: 0,
        topics: Vec::new(),
        counters: proxy.counters(),
    }
}

impl NodeView for Proxy {
    fn connection_count(&self) -> usize {
        Proxy::connection_count(self)
    }

    fn room_count(&self) -> usize {
        // Not on the wire: a server adds a connection to a room without telling it.
        0
    }

    fn topic_count(&self) -> usize {
        0
    }

    fn counters(&self) -> ServerCounters {
        ServerCounters {
            connections_total: self.connections_total(),
            frame_errors: self.frame_errors(),
            ..ServerCounters::default()
        }
    }

    fn roles(&self) -> HashMap<String, String> {
        self.connections()
            .into_iter()
            .map(|c| (c.id, c.role))
            .collect()
    }

    fn conn_page(&self, q: ConnQuery) -> ConnPage {
        conn_page::page_of_rows(rows(self), q)
    }

    /// The handshake is all the proxy knows of a connection: its query (secrets masked), no
    /// headers or context, and `env` is in the traffic rows.
    fn conn(&self, id: &str) -> Result<ConnFacts, NodeError> {
        let c = self.connection(id).ok_or_else(|| {
            NodeError::NotFound(format!(
                "no connection `{id}` through the proxy (it may have disconnected)"
            ))
        })?;
        Ok(ConnFacts {
            info: row(&c, self.node_id()),
            params: masked_params(&c.params),
            headers: Default::default(),
            ctx: serde_json::Value::Null,
            env: serde_json::Value::Null,
        })
    }

    /// The client gets close code 4000 with the reason, the upstream a normal close with the
    /// same reason, and the disconnect is recorded with `closed_by: "console"`.
    fn disconnect<'a>(
        &'a self,
        id: &'a str,
        reason: String,
    ) -> BoxFuture<'a, Result<(), NodeError>> {
        let closed = self.close(id, &reason).map_err(|e| match e {
            ProxyError::NoConnection(_) => NodeError::NotFound(format!(
                "no connection `{id}` through the proxy (it may have disconnected)"
            )),
            other => NodeError::Refused(other.to_string()),
        });
        Box::pin(std::future::ready(closed))
    }

    fn rooms(&self, _needle: &str) -> RoomList {
        RoomList {
            rooms: Vec::new(),
            total: 0,
        }
    }

    fn room(&self, _name: String, _limit: usize) -> Result<RoomDetail, NodeError> {
        Err(NodeError::Unsupported(NO_ROOMS))
    }

    /// No room is visible through a proxy: the panel says why instead of drawing a graph.
    fn graph(&self, ask: &GraphAsk) -> MembershipGraph {
        GraphBuilder::new(ask).finish()
    }

    fn change_room(
        &self,
        _room: String,
        _conn: String,
        _add: bool,
    ) -> BoxFuture<'_, Result<MemberChangeResult, NodeError>> {
        Box::pin(std::future::ready(Err(NodeError::Unsupported(NO_ROOMS))))
    }

    fn push<'a>(&'a self, req: &'a PushRequest) -> BoxFuture<'a, Pushed> {
        let (result, receivers) = push(self, req);
        Box::pin(std::future::ready(Pushed {
            result,
            nodes: None,
            receivers,
        }))
    }

    fn overview(&self, dropped: u64) -> BoxFuture<'_, NodesOverview> {
        Box::pin(std::future::ready(overview(self, dropped)))
    }

    fn node_list(&self, dropped: u64) -> NodeList {
        node_list(self, dropped)
    }

    fn add_node(&self, _url: &str) -> Result<NodeLink, NodeError> {
        Err(NodeError::Unsupported(ATTACH_ONLY))
    }

    fn remove_node(&self, _id: u32) -> Result<(), NodeError> {
        Err(NodeError::Unsupported(ATTACH_ONLY))
    }

    /// The upstream's contract is not known to the proxy: an empty one.
    fn contract(&self) -> Result<ContractRef<'_>, NodeError> {
        empty_contract().map(ContractRef::Shared)
    }

    fn upstream(&self) -> Option<String> {
        Some(Proxy::upstream(self).to_owned())
    }
}
