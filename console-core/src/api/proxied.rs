//! The API in proxy mode: the connections the proxy relays (role, user and query from each
//! handshake, secrets masked), the node list and overview with the proxy as the one node, and
//! pushes by hand written to client connections as if the upstream had sent them. Rooms and
//! topic subscribers are not on the wire, so the proxy reports none (docs/proxy.md).

use crate::live::aggregator::role_counts;
use crate::nodes::proxy::Proxy;
use crate::state::AppState;
use crate::types::{LinkState, NodeLink, NodeList, NodeRow, Overview};

/// The proxy as the one node the console follows: it is there as long as the console runs.
pub fn link(proxy: &Proxy, st: &AppState) -> NodeLink {
    NodeLink {
        id: 0,
        url: proxy.upstream().to_owned(),
        node: Some(proxy.node_id().to_owned()),
        discovered: false,
        state: LinkState::Proxy,
        connections: proxy.connection_count() as u32,
        rooms: 0,
        dropped: st.hub.dropped(),
        bad_frames: proxy.frame_errors(),
        attaches: 1,
        last_error: None,
        server_version: None,
    }
}

pub fn node_list(proxy: &Proxy, st: &AppState) -> NodeList {
    NodeList {
        mode: "proxy".into(),
        nodes: vec![link(proxy, st)],
        discovery: None,
    }
}

pub fn overview(proxy: &Proxy, st: &AppState) -> Overview {
    let conns = proxy.connections();
    let status = link(proxy, st);
    Overview {
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
        counters: st.source.counters(),
        recorder: st.recorder.as_ref().map(|r| r.status()).unwrap_or_default(),
        live: st.hub.status(),
        rates: st.hub.rate_history(),
    }
}
