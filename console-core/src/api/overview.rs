//! `GET /api/overview`: nodes, connections per role, rooms, topics, counters, the recorder and
//! the last ten minutes of message rates. The live stream keeps it current afterwards.

use std::sync::Arc;

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};

use crate::live::aggregator::{counters, role_counts, sorted_counts};
use crate::state::AppState;
use crate::types::{NodeRow, Overview, TopicRow};

pub fn routes() -> Router<Arc<AppState>> {
    Router::new().route("/api/overview", get(overview))
}

async fn overview(
    State(st): State<Arc<AppState>>,
) -> Result<Json<Overview>, super::error::ApiError> {
    if let Some(nodes) = st.attached() {
        return Ok(Json(attached(&st, nodes)));
    }
    if let Some(proxy) = st.proxy() {
        return Ok(Json(super::proxied::overview(proxy, &st)));
    }
    // Counted as connections come and go: no walk over them here.
    let connections = st.server.connection_count();
    let roles = sorted_counts(
        st.server
            .role_counts()
            .into_iter()
            .map(|(role, n)| (role, n as u32)),
    );
    let topics = st
        .server
        .topics_info()
        .into_iter()
        .map(|t| TopicRow {
            role: t.role,
            topic: t.topic,
            subscribers: t.subscribers as u32,
            listeners: t.listeners as u32,
        })
        .collect();
    let (nodes, cluster_error) = match st.server.cluster().topology().await {
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
                id: st.server.node_id().to_owned(),
                connections: connections as u32,
                rooms: st.server.room_count() as u32,
                alive: true,
                local: true,
                link: None,
            }],
            other.err().map(|e| e.to_string()),
        ),
    };
    Ok(Json(Overview {
        nodes,
        transport: st.server.cluster_transport().to_owned(),
        cluster_error,
        connections: connections as u32,
        roles,
        rooms: st.server.room_count() as u32,
        topics,
        counters: counters(&st.server),
        recorder: st.recorder.as_ref().map(|r| r.status()).unwrap_or_default(),
        live: st.hub.status(),
        rates: st.hub.rate_history(),
    }))
}

/// Attach mode: one row per attached node with the console's link to it (state, drops), and
/// totals over the nodes that are attached now.
fn attached(st: &AppState, nodes: &crate::nodes::AttachedNodes) -> Overview {
    let conns = nodes.connections();
    let roles = role_counts(conns.iter().map(|c| c.role.as_str()));
    let mut topics: std::collections::BTreeMap<(Option<String>, String), TopicRow> =
        std::collections::BTreeMap::new();
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
            alive: status.state == crate::types::LinkState::Attached,
            local: false,
            link: Some(status),
        });
    }
    Overview {
        nodes: rows,
        transport: "attach".into(),
        cluster_error: None,
        connections: conns.len() as u32,
        roles,
        rooms: st.source.room_count() as u32,
        topics: topics.into_values().collect(),
        counters: st.source.counters(),
        recorder: st.recorder.as_ref().map(|r| r.status()).unwrap_or_default(),
        live: st.hub.status(),
        rates: st.hub.rate_history(),
    }
}
