//! The embedded server in the Overview and the node list: its cluster's topology when it has
//! one (each node's counts as presence reports them), else itself as the one node; counts kept
//! as connections come and go, so nothing here walks the connections.

use switchboard_server::Server;

use crate::live::aggregator::{counters, sorted_counts};
use crate::nodes::NodesOverview;
use crate::types::{LinkState, NodeLink, NodeList, NodeRow, TopicRow};

pub(super) async fn overview(server: &Server) -> NodesOverview {
    // Counted as connections come and go: no walk over them here.
    let connections = server.connection_count();
    let roles = sorted_counts(
        server
            .role_counts()
            .into_iter()
            .map(|(role, n)| (role, n as u32)),
    );
    let topics = server
        .topics_info()
        .into_iter()
        .map(|t| TopicRow {
            role: t.role,
            topic: t.topic,
            subscribers: t.subscribers as u32,
            listeners: t.listeners as u32,
        })
        .collect();
    let (nodes, cluster_error) = match server.cluster().topology().await {
        Ok(nodes) if !nodes.is_empty() => (
            nodes
                .into_iter()
                .map(|n| NodeRow {
                    id: n.id,
                    connections: n.connections as u32,
                    rooms: n.rooms as u32,
                    alive: n.alive,
                    local: n.is_self,
                    link: None,
                })
                .collect(),
            None,
        ),
        other => (
            vec![NodeRow {
                id: server.node_id().to_owned(),
                connections: connections as u32,
                rooms: server.room_count() as u32,
                alive: true,
                local: true,
                link: None,
            }],
            other.err().map(|e| e.to_string()),
        ),
    };
    NodesOverview {
        nodes,
        transport: server.cluster_transport().to_owned(),
        cluster_error,
        connections: connections as u32,
        roles,
        rooms: server.room_count() as u32,
        topics,
        counters: counters(server),
    }
}

/// The embedded server as a link that is always there.
fn link(server: &Server, dropped: u64) -> NodeLink {
    NodeLink {
        id: 0,
        url: String::new(),
        node: Some(server.node_id().to_owned()),
        discovered: false,
        state: LinkState::Embedded,
        connections: server.connection_count() as u32,
        rooms: server.room_count() as u32,
        dropped,
        bad_frames: 0,
        attaches: 1,
        last_error: None,
        server_version: Some(env!("CARGO_PKG_VERSION").to_owned()),
    }
}

pub(super) fn node_list(server: &Server, dropped: u64) -> NodeList {
    NodeList {
        mode: "embedded".into(),
        nodes: vec![link(server, dropped)],
        discovery: None,
    }
}
