//! The proxy as a node source: the connections it relays (role, user and query from each
//! handshake, secrets masked), itself as the one node, and pushes by hand written to client
//! connections as if the upstream had sent them. Rooms and topic subscribers are not on the
//! wire, so it reports none and refuses what needs them (docs/proxy.md).

use std::collections::HashMap;

use super::Proxy;
use crate::nodes::NodeView;
use crate::types::ServerCounters;

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
}
