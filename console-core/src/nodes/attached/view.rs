//! The attached nodes as a node source: each answer merges what every attached node last
//! reported (a cluster's rooms span nodes; every row names its node), and each command goes to
//! the inspector of the node that holds its connection.

use std::collections::HashMap;

use futures_util::future::BoxFuture;

use super::{conns, overview, push, rooms, AttachError, AttachedNodes};
use crate::nodes::graph::GraphAsk;
use crate::nodes::{ConnFacts, ContractRef, NodeError, NodeView, NodesOverview, Pushed};
use crate::types::{
    ConnPage, ConnQuery, MemberChangeResult, MembershipGraph, NodeLink, NodeList, PushRequest,
    RoomDetail, RoomList, ServerCounters,
};

impl NodeView for AttachedNodes {
    fn connection_count(&self) -> usize {
        self.links()
            .iter()
            .filter_map(|l| l.read(|n| n.connections.len()))
            .sum()
    }

    /// Distinct rooms across the attached nodes.
    fn room_count(&self) -> usize {
        let mut names = std::collections::BTreeSet::new();
        for l in self.links() {
            l.read(|n| names.extend(n.rooms.keys().cloned()));
        }
        names.len()
    }

    /// Distinct topics across the attached nodes.
    fn topic_count(&self) -> usize {
        let mut keys = std::collections::BTreeSet::new();
        for l in self.links() {
            l.read(|n| keys.extend(n.topics.keys().cloned()));
        }
        keys.len()
    }

    fn counters(&self) -> ServerCounters {
        let mut c = ServerCounters::default();
        for l in self.links() {
            l.read(|n| {
                let s = &n.stats;
                c.connections_total += s.connections_total;
                c.refused_upgrades += s.refused_upgrades;
                c.slow_consumers += s.slow_consumers;
                c.reaped += s.reaped;
                c.frame_errors += s.frame_errors;
                c.handler_panics += s.handler_panics;
                c.listener_faults += s.listener_faults;
                c.tap_faults += s.tap_faults;
                c.open_sockets += s.open_sockets;
                c.pending_upgrades += s.pending_upgrades;
                c.evicted_upgrades += s.evicted_upgrades;
                c.upgrade_timeouts += s.upgrade_timeouts;
                c.membership_refusals += s.membership_refusals;
            });
        }
        c
    }

    fn roles(&self) -> HashMap<String, String> {
        self.connections()
            .into_iter()
            .map(|c| (c.id, c.role))
            .collect()
    }

    fn conn_page(&self, q: ConnQuery) -> ConnPage {
        conns::page(self, q)
    }

    fn conn(&self, id: &str) -> Result<ConnFacts, NodeError> {
        conns::facts(self, id)
    }

    fn disconnect<'a>(
        &'a self,
        id: &'a str,
        reason: String,
    ) -> BoxFuture<'a, Result<(), NodeError>> {
        Box::pin(conns::disconnect(self, id, reason))
    }

    fn rooms(&self, needle: &str) -> RoomList {
        rooms::list(self, needle)
    }

    fn room(&self, name: String, limit: usize) -> Result<RoomDetail, NodeError> {
        rooms::detail(self, name, limit)
    }

    fn graph(&self, ask: &GraphAsk) -> MembershipGraph {
        rooms::graph(self, ask)
    }

    fn change_room(
        &self,
        room: String,
        conn: String,
        add: bool,
    ) -> BoxFuture<'_, Result<MemberChangeResult, NodeError>> {
        Box::pin(rooms::change(self, room, conn, add))
    }

    /// Each node the push went through answers for itself; receivers are not listed (the
    /// nodes report counts).
    fn push<'a>(&'a self, req: &'a PushRequest) -> BoxFuture<'a, Pushed> {
        Box::pin(async move {
            let (result, per_node) = push::push(self, req).await;
            Pushed {
                result,
                nodes: Some(per_node),
                receivers: Vec::new(),
            }
        })
    }

    /// Each link reports its own drops.
    fn overview(&self, _dropped: u64) -> BoxFuture<'_, NodesOverview> {
        Box::pin(std::future::ready(overview::overview(self)))
    }

    fn node_list(&self, _dropped: u64) -> NodeList {
        NodeList {
            mode: "attach".into(),
            nodes: self.status(),
            discovery: self.discovery_status(),
        }
    }

    fn add_node(&self, url: &str) -> Result<NodeLink, NodeError> {
        self.add(url).map_err(|e| match e {
            AttachError::BadUrl(_) | AttachError::Duplicate(_) => NodeError::Refused(e.to_string()),
        })
    }

    fn remove_node(&self, id: u32) -> Result<(), NodeError> {
        if self.remove(id) {
            Ok(())
        } else {
            Err(NodeError::NotFound(format!("no attached node {id}")))
        }
    }

    /// The one the first node announced (the inherent [`AttachedNodes::contract`]).
    fn contract(&self) -> Result<ContractRef<'_>, NodeError> {
        AttachedNodes::contract(self)
            .map(ContractRef::Shared)
            .ok_or_else(|| {
                NodeError::Unavailable("no attached node has sent its contract yet".to_owned())
            })
    }

    fn upstream(&self) -> Option<String> {
        None
    }
}
