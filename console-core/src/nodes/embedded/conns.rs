//! The embedded server's connections: the list read from its registry's index (a full row
//! built only for the page), one connection with its context, env and headers read live, and
//! closing one.

use switchboard_capture::Redaction;
use switchboard_server::{close_code, Conn, ConnInfo, Server};

use crate::live::aggregator::sorted_counts;
use crate::nodes::conn_page::{self, has, key, Listed};
use crate::nodes::{ConnFacts, NodeError};
use crate::types::{ConnPage, ConnQuery, ConnRow, ConnSort};

/// A live connection's facts as a list row.
fn row(c: ConnInfo) -> ConnRow {
    ConnRow {
        id: c.id,
        role: c.role,
        user: c.user,
        node: c.node,
        origin: c.origin,
        connected_at_us: c.connected_at_us,
        last_pong_us: c.last_pong_us,
        missed_pongs: c.missed_pongs,
        rooms: c.rooms,
        topics: c.topics,
        msgs_in: c.msgs_in,
        msgs_out: c.msgs_out,
        bytes_in: c.bytes_in,
        bytes_out: c.bytes_out,
        queue_depth: c.queue_depth as u32,
        queue_bytes: c.queue_bytes as u64,
        errors: c.errors,
        remote: c.remote,
        user_agent: c.user_agent,
    }
}

/// An embedded server's connection together with its node id (the same for all).
struct Live<'a>(Conn, &'a str);

impl Listed for Live<'_> {
    fn role(&self) -> &str {
        self.0.role()
    }
    fn node(&self) -> &str {
        self.1
    }
    fn matches(&self, needle: &str) -> bool {
        let c = &self.0;
        // Cheapest first; rooms and topics are read in place.
        has(c.id(), needle)
            || has(c.user(), needle)
            || has(c.role(), needle)
            || has(self.1, needle)
            || c.any_room(|r| has(r, needle))
            || c.any_topic(|t| has(t, needle))
    }
    fn sort_key(&self, by: ConnSort) -> i64 {
        let c = &self.0;
        match by {
            ConnSort::MsgsIn => key(by, c.msgs_in(), 0, 0, 0, 0),
            ConnSort::MsgsOut => key(by, 0, c.msgs_out(), 0, 0, 0),
            ConnSort::Queue => key(by, 0, 0, c.queue_depth(), 0, 0),
            ConnSort::QueueBytes => key(by, 0, 0, c.queue_bytes(), 0, 0),
            ConnSort::Errors => key(by, 0, 0, 0, c.errors(), 0),
            ConnSort::Age => key(by, 0, 0, 0, 0, c.connected_at_us()),
        }
    }
    fn into_row(self) -> ConnRow {
        row(self.0.info())
    }
}

/// An embedded server's list: its index gives the order and its counters the roles.
pub(super) fn page(server: &Server, q: ConnQuery) -> ConnPage {
    let node = server.node_id().to_owned();
    let roles = sorted_counts(
        server
            .role_counts()
            .into_iter()
            .map(|(role, n)| (role, n as u32)),
    );
    let all = server
        .local_in_order()
        .into_iter()
        .map(|c| Live(c, &node))
        .collect();
    conn_page::page(all, roles, q)
}

fn masked(mut value: serde_json::Value) -> serde_json::Value {
    Redaction::new().redact_value(&mut value);
    value
}

fn gone(id: &str) -> NodeError {
    NodeError::NotFound(format!(
        "no connection `{id}` on this node (it may have disconnected)"
    ))
}

pub(super) fn facts(server: &Server, id: &str) -> Result<ConnFacts, NodeError> {
    let conn = server.conn(id).ok_or_else(|| gone(id))?;
    let mut info = conn.info();
    let params = info.params.clone();
    let headers = std::mem::take(&mut info.headers);
    Ok(ConnFacts {
        info: row(info),
        params,
        headers,
        ctx: masked(conn.ctx().clone()),
        env: masked(conn.env()),
    })
}

pub(super) fn disconnect(server: &Server, id: &str, reason: String) -> Result<(), NodeError> {
    let conn = server.conn(id).ok_or_else(|| gone(id))?;
    conn.close(close_code::CLOSED_BY_SERVER, reason);
    Ok(())
}
