//! The console's own server as a node source: every answer is read from its registry the
//! moment it is asked, and every command goes through its `manual` handle, so the recorder
//! stores what the console did with origin `manual` (see the module doc of [`crate::nodes`]
//! for why this source is not an inspector session).
//!
//! `conns.rs` the connections, `rooms.rs` rooms and the graph, `push.rs` pushes by hand,
//! `overview.rs` the Overview's nodes and the node list.

mod conns;
mod overview;
mod push;
mod rooms;

use std::collections::HashMap;

use futures_util::future::BoxFuture;
use switchboard_server::tap::Origin;
use switchboard_server::Server;

use super::graph::GraphAsk;
use super::{ConnFacts, ContractRef, NodeError, NodeView, NodesOverview, Pushed, ATTACH_ONLY};
use crate::types::{
    ConnPage, ConnQuery, MemberChangeResult, MembershipGraph, NodeLink, NodeList, PushRequest,
    RoomDetail, RoomList, ServerCounters,
};

/// The embedded server, read and driven as a node source.
pub struct EmbeddedNodes {
    server: Server,
    /// The same server, recording what it does as `manual`.
    manual: Server,
}

impl EmbeddedNodes {
    pub fn new(server: Server) -> EmbeddedNodes {
        EmbeddedNodes {
            manual: server.with_origin(Origin::Manual),
            server,
        }
    }
}

impl NodeView for EmbeddedNodes {
    fn connection_count(&self) -> usize {
        self.server.connection_count()
    }

    fn room_count(&self) -> usize {
        self.server.room_count()
    }

    fn topic_count(&self) -> usize {
        self.server.topic_count()
    }

    fn counters(&self) -> ServerCounters {
        crate::live::aggregator::counters(&self.server)
    }

    fn roles(&self) -> HashMap<String, String> {
        // Ids and roles only: a full `local()` would copy every connection's rooms, topics
        // and parameters every few seconds.
        self.server
            .local_in_order()
            .iter()
            .map(|c| (c.id().to_owned(), c.role().to_owned()))
            .collect()
    }

    fn conn_page(&self, q: ConnQuery) -> ConnPage {
        conns::page(&self.server, q)
    }

    fn conn(&self, id: &str) -> Result<ConnFacts, NodeError> {
        conns::facts(&self.server, id)
    }

    fn disconnect<'a>(
        &'a self,
        id: &'a str,
        reason: String,
    ) -> BoxFuture<'a, Result<(), NodeError>> {
        Box::pin(std::future::ready(conns::disconnect(
            &self.server,
            id,
            reason,
        )))
    }

    fn rooms(&self, needle: &str) -> RoomList {
        rooms::list(&self.server, needle)
    }

    fn room(&self, name: String, limit: usize) -> Result<RoomDetail, NodeError> {
        rooms::detail(&self.server, name, limit)
    }

    fn graph(&self, ask: &GraphAsk) -> MembershipGraph {
        rooms::graph(&self.server, ask)
    }

    fn change_room(
        &self,
        room: String,
        conn: String,
        add: bool,
    ) -> BoxFuture<'_, Result<MemberChangeResult, NodeError>> {
        Box::pin(std::future::ready(rooms::change(
            &self.server,
            &self.manual,
            &room,
            &conn,
            add,
        )))
    }

    /// The receivers are listed only when it reached someone, as they were before it went.
    fn push<'a>(&'a self, req: &'a PushRequest) -> BoxFuture<'a, Pushed> {
        let result = push::send(&self.server, &self.manual, req);
        let receivers = match &result {
            Ok(n) if *n > 0 => push::receivers(&self.server, req),
            _ => Vec::new(),
        };
        Box::pin(std::future::ready(Pushed {
            result,
            nodes: None,
            receivers,
        }))
    }

    fn overview(&self, _dropped: u64) -> BoxFuture<'_, NodesOverview> {
        Box::pin(overview::overview(&self.server))
    }

    fn node_list(&self, dropped: u64) -> NodeList {
        overview::node_list(&self.server, dropped)
    }

    fn add_node(&self, _url: &str) -> Result<NodeLink, NodeError> {
        Err(NodeError::Unsupported(ATTACH_ONLY))
    }

    fn remove_node(&self, _id: u32) -> Result<(), NodeError> {
        Err(NodeError::Unsupported(ATTACH_ONLY))
    }

    fn contract(&self) -> Result<ContractRef<'_>, NodeError> {
        Ok(ContractRef::Borrowed(self.server.contract()))
    }

    fn upstream(&self) -> Option<String> {
        None
    }
}
