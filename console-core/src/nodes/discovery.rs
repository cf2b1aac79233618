//! Cluster discovery (`switchboard attach --redis URL`): every node of a cluster publishes
//! where its inspector listens in its presence record (`NodeRecord::inspector`, without the
//! token); the console lists those records every [`Discovery::every`] and follows each node
//! with the cluster's shared token.
//!
//! Following nodes as they come and go:
//! - a node that appears is attached (unless it is already followed, by URL or by node id);
//! - a node whose inspector moved (restarted on another port, same node id) is retargeted,
//!   and tried at once;
//! - a node that disappears from presence (stopped, killed, expired) stays in the list, shown
//!   lost, for [`Discovery::forget_after`]; if it comes back meanwhile (a restart with the same id) it is
//!   attached again, otherwise it is dropped from the list (its recorded rows stay in the
//!   capture). Nodes added by hand are never forgotten by discovery;
//! - a discovered node removed by hand (`DELETE /api/nodes/{id}`) is not attached again while
//!   it stays in presence.
//!
//! A listing that fails (Redis down) pauses discovery: nothing is added, retargeted or
//! forgotten until a listing works again, and attached nodes keep their sessions, which do not
//! go through Redis.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use switchboard_server::cluster::Adapter;

use super::attached::AttachedNodes;
use super::convert;
use crate::types::DiscoveryStatus;

/// Most nodes discovery follows at once; further nodes are skipped and counted
/// (`DiscoveryStatus::skipped`), so a presence registry full of records cannot make the
/// console open unbounded sockets and tasks.
pub const MAX_DISCOVERED: usize = 256;
/// How long a discovered node that left presence stays listed as lost, by default.
pub const FORGET_AFTER: Duration = Duration::from_secs(60);

/// Where and how to discover nodes.
pub struct Discovery {
    /// A cluster adapter on the cluster's transport; only its presence registry is read.
    pub adapter: Arc<dyn Adapter>,
    /// What is shown as the source (masked before it is shown).
    pub source: String,
    /// The inspector token every node of the cluster shares. Never read from Redis.
    pub token: String,
    /// Time between listings. Default in [`Discovery::new`]: 1 s.
    pub every: Duration,
    /// How long a discovered node that left presence stays listed (lost) before it is
    /// dropped from the list. Default: [`FORGET_AFTER`].
    pub forget_after: Duration,
}

impl Discovery {
    pub fn new(adapter: Arc<dyn Adapter>, source: impl Into<String>, token: String) -> Discovery {
        Discovery {
            adapter,
            source: source.into(),
            token,
            every: Duration::from_secs(1),
            forget_after: FORGET_AFTER,
        }
    }

    pub(crate) fn initial_status(&self) -> DiscoveryStatus {
        DiscoveryStatus {
            source: convert::masked_url(&self.source),
            state: "starting".into(),
            advertised: 0,
            listings: 0,
            skipped: 0,
            last_error: None,
        }
    }

    /// List and follow until the console stops.
    pub(crate) async fn run(self, nodes: Arc<AttachedNodes>) {
        let stop = nodes.stopping();
        let mut gone_since: HashMap<String, Instant> = HashMap::new();
        let mut tick = tokio::time::interval(self.every.max(Duration::from_millis(50)));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = stop.cancelled() => return,
            }
            let listing = tokio::select! {
                l = self.adapter.presence().nodes() => l,
                _ = stop.cancelled() => return,
            };
            let records = match listing {
                Ok(records) => records,
                Err(e) => {
                    nodes.discovery_paused(e.to_string());
                    continue;
                }
            };
            let mut advertised = 0u32;
            let mut skipped = 0u32;
            let mut present = Vec::new();
            for record in records {
                let Some(address) = record.inspector.as_deref() else {
                    continue;
                };
                advertised += 1;
                let url = switchboard_inspector::with_token(address, &self.token);
                if !nodes.follow_discovered(&record.id, &url) {
                    skipped += 1;
                }
                present.push(record.id);
            }
            nodes.keep_dismissed(&present);
            // Discovered nodes no longer in presence: lost for a while, then forgotten.
            let now = Instant::now();
            gone_since.retain(|id, _| !present.contains(id));
            for id in nodes.discovered_ids() {
                if present.contains(&id) {
                    continue;
                }
                let since = *gone_since.entry(id.clone()).or_insert(now);
                if now.duration_since(since) >= self.forget_after && nodes.forget_discovered(&id) {
                    gone_since.remove(&id);
                    tracing::info!(node = %id, "discovery: the node left the cluster; no longer listed");
                }
            }
            nodes.discovery_following(advertised, skipped);
        }
    }
}
