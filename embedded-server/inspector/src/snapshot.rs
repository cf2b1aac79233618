//! Taking a [`Snapshot`] of a server, and the [`Hello`] that precedes it.
//!
//! The server's introspection reads each registry under its own short lock, so its lists can
//! disagree by whatever happened between two reads. Room sizes and topic subscriber counts
//! are therefore derived here from the one list of connections, which makes the snapshot
//! agree with itself; what changed meanwhile arrives as events (see `session.rs`).

use std::collections::BTreeMap;

use serde_json::Value;
use switchboard_server::tap::now_us;
use switchboard_server::{ConnInfo, Server};

use crate::config::SessionLimits;
use crate::mask::masked;
use crate::protocol::{
    Command, Connection, Hello, Limits, Room, Snapshot, Stats, Topic, PROTOCOL, VERSION,
};
use crate::state::topic_scope;

/// The node's introduction for a session with `limits`.
pub(crate) fn hello(server: &Server, limits: &SessionLimits, read_only: bool) -> Hello {
    let contract = serde_json::to_value(server.contract().spec()).unwrap_or_else(|e| {
        // A contract is plain data (maps, strings, JSON values): this cannot fail, but a
        // console is better off with no contract than a node that refuses every session.
        tracing::warn!("the contract could not be serialised for the inspector: {e}");
        Value::Null
    });
    let capabilities = if read_only {
        Vec::new()
    } else {
        Command::OPS.iter().map(|s| (*s).to_owned()).collect()
    };
    Hello {
        protocol: PROTOCOL.to_owned(),
        version: VERSION,
        node: server.node_id().to_owned(),
        server_version: env!("CARGO_PKG_VERSION").to_owned(),
        contract,
        capabilities,
        limits: Limits {
            queue_frames: limits.queue_frames,
            queue_bytes: limits.queue_bytes,
            max_command_bytes: limits.max_command_bytes,
            max_inflight_requests: limits.max_inflight_requests,
            batch_interval_ms: limits
                .batch_interval
                .as_millis()
                .try_into()
                .unwrap_or(u64::MAX),
        },
        transport: Some(server.cluster_transport().to_owned()),
    }
}

/// The server's state now. `contract` is `hello.contract` (it says which topics are a
/// role's).
pub(crate) fn take(server: &Server, contract: &Value) -> Snapshot {
    let connections: Vec<Connection> = server
        .local()
        .into_iter()
        .map(|info| connection(server, info))
        .collect();

    let mut rooms: BTreeMap<&str, usize> = BTreeMap::new();
    let mut topics: BTreeMap<(Option<String>, String), Topic> = BTreeMap::new();
    for c in &connections {
        for room in &c.rooms {
            *rooms.entry(room).or_default() += 1;
        }
        for topic in &c.topics {
            let role = topic_scope(contract, &c.role, topic);
            topics
                .entry((role.clone(), topic.clone()))
                .or_insert_with(|| Topic {
                    role,
                    topic: topic.clone(),
                    subscribers: 0,
                    listeners: 0,
                })
                .subscribers += 1;
        }
    }
    // Bus listeners are not connections: their counts come from the server as they are.
    for t in server.topics_info() {
        if t.listeners > 0 {
            topics
                .entry((t.role.clone(), t.topic.clone()))
                .or_insert_with(|| Topic {
                    role: t.role,
                    topic: t.topic,
                    subscribers: 0,
                    listeners: 0,
                })
                .listeners = t.listeners;
        }
    }

    let s = server.stats();
    let rooms: Vec<Room> = rooms
        .into_iter()
        .map(|(name, size)| Room {
            name: name.to_owned(),
            size,
        })
        .collect();
    Snapshot {
        at_us: now_us(),
        node: server.node_id().to_owned(),
        stats: Stats {
            connections: connections.len(),
            rooms: rooms.len(),
            connections_total: s.connections_total,
            refused_upgrades: s.refused_upgrades,
            slow_consumers: s.slow_consumers,
            reaped: s.reaped,
            frame_errors: s.frame_errors,
            handler_panics: s.handler_panics,
            listener_faults: s.listener_faults,
            tap_faults: s.tap_faults,
            open_sockets: s.open_sockets,
            pending_upgrades: s.pending_upgrades,
            evicted_upgrades: s.evicted_upgrades,
            upgrade_timeouts: s.upgrade_timeouts,
            membership_refusals: s.membership_refusals,
        },
        connections,
        rooms,
        topics: topics.into_values().collect(),
    }
}

fn connection(server: &Server, info: ConnInfo) -> Connection {
    // The context and env are read from the live connection; one that closed since the list
    // was taken shows neither (its `disconnect` event follows).
    let (ctx, env) = match server.conn(&info.id) {
        Some(conn) => (masked(conn.ctx().clone()), masked(conn.env())),
        None => (Value::Null, Value::Null),
    };
    // The server already masks parameters; masking again keeps this module's promise even if
    // that ever changes.
    let params = switchboard_server::secrets::masked_params(&info.params);
    Connection {
        id: info.id,
        role: info.role,
        user: info.user,
        node: info.node,
        origin: info.origin,
        connected_at_us: info.connected_at_us,
        last_ping_us: info.last_ping_us,
        last_pong_us: info.last_pong_us,
        missed_pongs: info.missed_pongs,
        rooms: info.rooms.into_iter().collect(),
        topics: info.topics.into_iter().collect(),
        msgs_in: info.msgs_in,
        msgs_out: info.msgs_out,
        bytes_in: info.bytes_in,
        bytes_out: info.bytes_out,
        queue_depth: info.queue_depth,
        queue_bytes: info.queue_bytes,
        errors: info.errors,
        params,
        ctx,
        env,
    }
}
