//! The proxy as a node source: the connections it relays (role, user and query from each
//! handshake, secrets masked), itself as the one node, and pushes by hand written to client
//! connections as if the upstream had sent them. Rooms and topic subscribers are not on the
//! wire, so it reports none and refuses what needs them (docs/proxy.md).

use std::collections::HashMap;

use futures_util::future::BoxFuture;
use switchboard_server::secrets::masked_params;

use super::{ProxiedConn, Proxy, ProxyError};
use crate::nodes::graph::{GraphAsk, GraphBuilder};
use crate::nodes::{conn_page, ConnFacts, NodeError, NodeView};
use crate::types::{
    ConnPage, ConnQuery, ConnRow, MemberChangeResult, MembershipGraph, RoomDetail, RoomList,
    ServerCounters,
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
}
