//! The attached nodes in the Overview: one row per node with the console's link to it (state,
//! drops), and totals over the nodes that are attached now.

use std::collections::BTreeMap;

use super::AttachedNodes;
use crate::live::aggregator::role_counts;
use crate::nodes::{NodeView, NodesOverview};
use crate::types::{LinkState, NodeRow, TopicRow};

pub(super) fn overview(nodes: &AttachedNodes) -> NodesOverview {
    let conns = nodes.connections();
    let roles = role_counts(conns.iter().map(|c| c.role.as_str()));
    let mut topics: BTreeMap<(Option<String>, String), TopicRow> = BTreeMap::new();
    let mut rows = Vec::new();
    for link in nodes.links() {
        let status = link.status();
        link.read(|n| {
            for t in n.topics.values() {
                let row = topics
                    .entry((t.role.clone(), t.topic.clone()))
                    .or_insert_with(|| TopicRow {
                        role: t.role.clone(),
                        topic: t.topic.clone(),
                        subscribers: 0,
                        listeners: 0,
                    });
                row.subscribers += t.subscribers as u32;
                row.listeners += t.listeners as u32;
            }
        });
        rows.push(NodeRow {
            id: status.node.clone().unwrap_or_else(|| status.url.clone()),
            connections: status.connections,
            rooms: status.rooms,
            alive: status.state == LinkState::Attached,
            local: false,
            link: Some(status),
        });
    }
    NodesOverview {
        nodes: rows,
        transport: "attach".into(),
        cluster_error: None,
        connections: conns.len() as u32,
        roles,
        rooms: nodes.room_count() as u32,
        topics: topics.into_values().collect(),
        counters: nodes.counters(),
    }
}
