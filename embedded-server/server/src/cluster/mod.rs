//! Several nodes as one server.
//!
//! - [`adapter`]: the transport trait (pub/sub + presence) and its delivery guarantee.
//! - [`memory`]: the in-process transport (single node, tests).
//! - [`redis`]: the Redis transport (pub/sub for messages, keys with a TTL for presence).
//! - `link`: interest tracking and forwarding: a push crosses only to nodes that want it.
//! - `interest_key`: the keys nodes announce (`room:NAME`, ...), written and read in one place;
//!   `interest_set`: another node's announced keys, looked up without allocating;
//!   `local_interest`: this node's keys, counted as the registries change; `peers`: the other
//!   nodes and what each wants; `interest_audit`: a from-scratch check of the kept interest.
//! - `envelope`: the versioned message format between nodes.
//! - `inbound`: delivering what other nodes send.
//! - `tasks`: presence writes, announcements, peer expiry, recovery after an outage.
//! - [`view`]: cluster-wide presence reads (`srv.cluster()`).
//!
//! See docs/cluster.md for what crosses the transport and the failure behaviour.

pub mod adapter;
pub(crate) mod envelope;
pub(crate) mod inbound;
pub(crate) mod interest_audit;
pub(crate) mod interest_key;
pub(crate) mod interest_set;
pub(crate) mod link;
pub(crate) mod local_interest;
pub mod memory;
pub(crate) mod peers;
pub(crate) mod tasks;
pub mod view;

pub use adapter::{
    Adapter, AdapterError, AdapterStatus, ConnDescriptor, NodeRecord, PresenceStore,
};
pub use interest_audit::InterestDrift;
pub use link::ClusterConfig;
pub use memory::{MemoryAdapter, MemoryHub};
pub use peers::PeerInfo;
pub use view::{ClusterStats, ClusterView, NodeTopology};
