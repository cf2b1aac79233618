//! The API in proxy mode: the connections the proxy relays (role, user and query from each
//! handshake, secrets masked), the node list and overview with the proxy as the one node, and
//! pushes by hand written to client connections as if the upstream had sent them. Rooms and
//! topic subscribers are not on the wire, so the proxy reports none (docs/proxy.md).

use super::error::ApiError;
use crate::live::aggregator::role_counts;
use crate::nodes::proxy::{ProxiedConn, Proxy, ProxyError};
use crate::state::AppState;
use crate::types::{
    LinkState, MemberRow, NodeLink, NodeList, NodeRow, Overview, PushRequest, PushTarget,
};

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

/// The connections a push by hand goes to: one connection, a user's sessions or everyone,
/// each written an `evt` frame. Rooms and topics are refused: the proxy cannot see rooms,
/// and topic subscribers are the upstream's to track.
fn targets(proxy: &Proxy, target: &PushTarget) -> Result<Vec<ProxiedConn>, ApiError> {
    let all = proxy.connections();
    let picked: Vec<ProxiedConn> = match target {
        PushTarget::Conn { id } => all.into_iter().filter(|c| &c.id == id).collect(),
        PushTarget::User { user } => all.into_iter().filter(|c| &c.user == user).collect(),
        PushTarget::Everyone => all,
        PushTarget::Rooms { .. } => {
            return Err(ApiError::bad_request(crate::nodes::proxy::NO_ROOMS))
        }
        PushTarget::RoleTopic { .. } | PushTarget::SharedTopic => {
            return Err(ApiError::bad_request(
                "topic pushes cannot go through a proxy: the upstream holds the subscriptions",
            ))
        }
    };
    if picked.is_empty() {
        return Err(ApiError::not_found(match target {
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
pub fn push(proxy: &Proxy, req: &PushRequest) -> (Result<usize, ApiError>, Vec<MemberRow>) {
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
                    ProxyError::NoConnection(_) => ApiError::not_found(e.to_string()),
                    ProxyError::Busy(_) => ApiError::unavailable(e.to_string()),
                    other => ApiError::bad_request(other.to_string()),
                });
            }
        }
    }
    let delivered = receivers.len();
    receivers.sort_by(|a, b| a.role.cmp(&b.role).then(a.id.cmp(&b.id)));
    receivers.truncate(super::push::MAX_RECEIVERS);
    match (delivered, first_error) {
        (0, Some(e)) => (Err(e), receivers),
        _ => (Ok(delivered), receivers),
    }
}
