//! Several nodes as one server.
//!
//! - [`adapter`]: the transport trait (pub/sub + presence) and its delivery guarantee.
//! - [`memory`]: the in-process transport (single node, tests).
//! - [`redis`]: the Redis transport (pub/sub for messages, keys with a TTL for presence).
//! - `link`: interest tracking and forwarding: a push crosses only to nodes that want it.
//! - `interest_key`: the keys nodes announce (`room:NAME`, ...), written and read in one place;
//!   `interest_set`: another node's announced keys, looked up without allocating.
//! - `envelope`: the versioned message format between nodes.
//! - `inbound`: delivering what other nodes send.
//! - `tasks`: presence writes, announcements, peer expiry, recovery after an outage.
//! - [`view`]: cluster-wide presence reads (`srv.cluster()`).
//!
//! See docs/cluster.md for what crosses the transport and the failure behaviour.

pub mod adapter;
pub(crate) mod envelope;
pub(crate) mod inbound;
pub(crate) mod interest_key;
pub(crate) mod interest_set;
pub(crate) mod link;
pub mod memory;
pub(crate) mod tasks;
pub mod view;

pub use adapter::{
    Adapter, AdapterError, AdapterStatus, ConnDescriptor, NodeRecord, PresenceStore,
};
pub use link::{ClusterConfig, PeerInfo};
pub use memory::{MemoryAdapter, MemoryHub};
pub use view::{ClusterStats, ClusterView, NodeTopology};
