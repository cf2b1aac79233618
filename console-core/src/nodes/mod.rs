//! The node-source seam: where the console reads node state and sends commands.
//!
//! [`NodeSource::Embedded`] is the console's own server in this process (the default, what
//! `scripts/run` and `Console::new(server)` give). [`NodeSource::Attached`] is one or more
//! nodes in other processes, followed through their inspectors ([`AttachedNodes`]). The live
//! pipeline, the recorder and the overview read counts through [`NodeSource`]; the handlers
//! that list or change connections and rooms match on it and keep one branch per source.
//!
//! Why the embedded server is read directly rather than through `Inspector::local_session`:
//! the console's API answers from the registry itself (a connection's live counters, its
//! context and env, a room's members the moment a join returns), and its recorder is a tap
//! that sees every event without the session queue in between. An in-process inspector
//! session gives the same facts only as of its last event, which would make every existing
//! "act, then read" flow eventually consistent and route recording through a queue that
//! drops under load. Attached nodes cannot do better than that, so they get their own branch.
//!
//! Within attach mode there is one path whatever carries the session: a [`remote::RemoteNode`]
//! follows a node by URL or, for a server in this process, through
//! `Inspector::local_session` ([`AttachedNodes::add_local`]); discovery
//! ([`discovery::Discovery`]) adds links as a cluster's nodes appear.
//!
//! [`NodeSource::Proxy`] ([`proxy::Proxy`], `switchboard proxy`) relays clients to an upstream
//! server that is not Switchboard's and records the frames passing through. Its connections
//! come from the handshakes it relayed (role, user, query); rooms and topic listeners are not
//! on the wire, so it reports none and the panels say so rather than show an empty graph
//! (docs/proxy.md).

pub mod attached;
pub mod convert;
pub mod discovery;
pub mod proxy;
pub mod push;
pub mod remote;
pub mod sink;

use std::collections::HashMap;
use std::sync::Arc;

use switchboard_server::Server;

use crate::types::ServerCounters;
pub use attached::{AttachError, AttachedNodes};
pub use discovery::Discovery;

#[derive(Clone)]
pub enum NodeSource {
    /// The console's own server.
    Embedded(Server),
    /// Nodes in other processes, through their inspectors.
    Attached(Arc<AttachedNodes>),
    /// Clients relayed to an upstream server by the console's proxy.
    Proxy(Arc<proxy::Proxy>),
}

impl NodeSource {
    pub fn attached(&self) -> Option<&Arc<AttachedNodes>> {
        match self {
            NodeSource::Attached(a) => Some(a),
            NodeSource::Embedded(_) | NodeSource::Proxy(_) => None,
        }
    }

    pub fn proxy(&self) -> Option<&Arc<proxy::Proxy>> {
        match self {
            NodeSource::Proxy(p) => Some(p),
            _ => None,
        }
    }

    pub fn connection_count(&self) -> usize {
        match self {
            NodeSource::Embedded(s) => s.connection_count(),
            NodeSource::Attached(a) => a
                .links()
                .iter()
                .filter_map(|l| l.read(|n| n.connections.len()))
                .sum(),
            NodeSource::Proxy(p) => p.connection_count(),
        }
    }

    pub fn room_count(&self) -> usize {
        match self {
            NodeSource::Embedded(s) => s.room_count(),
            NodeSource::Attached(a) => a.room_count(),
            // Not on the wire: a server adds a connection to a room without telling it.
            NodeSource::Proxy(_) => 0,
        }
    }

    pub fn topic_count(&self) -> usize {
        match self {
            NodeSource::Embedded(s) => s.topic_count(),
            NodeSource::Attached(a) => a.topic_count(),
            NodeSource::Proxy(_) => 0,
        }
    }

    /// Totals since each server started, summed over the attached nodes.
    pub fn counters(&self) -> ServerCounters {
        match self {
            NodeSource::Embedded(s) => crate::live::aggregator::counters(s),
            NodeSource::Attached(a) => {
                let mut c = ServerCounters::default();
                for l in a.links() {
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
            NodeSource::Proxy(p) => ServerCounters {
                connections_total: p.connections_total(),
                frame_errors: p.frame_errors(),
                ..ServerCounters::default()
            },
        }
    }

    /// Connection id to role, for every connection. Walks the registry for the embedded
    /// server: call it from a blocking task.
    pub fn roles(&self) -> HashMap<String, String> {
        match self {
            // Ids and roles only: a full `local()` would copy every connection's rooms,
            // topics and parameters every few seconds.
            NodeSource::Embedded(s) => s
                .local_in_order()
                .iter()
                .map(|c| (c.id().to_owned(), c.role().to_owned()))
                .collect(),
            NodeSource::Attached(a) => a
                .connections()
                .into_iter()
                .map(|c| (c.id, c.role))
                .collect(),
            NodeSource::Proxy(p) => p
                .connections()
                .into_iter()
                .map(|c| (c.id, c.role))
                .collect(),
        }
    }
}
