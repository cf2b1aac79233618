//! Pushes that wait for the cluster's count: `to_user(u).emit_confirmed` and
//! `room(r).broadcast_confirmed` return how many connections received the push on every node,
//! not only on this one.
//!
//! A plain push crosses to other nodes at most once and unacknowledged, so its return value
//! counts this node's deliveries only. A confirmed push asks each node it is sent to for a
//! `delivered` answer carrying that node's count, and waits for them up to a timeout; nodes
//! that did not answer in time (down, partitioned, slow) are named in the result rather than
//! guessed at. Nothing is retried: the push itself is sent exactly as a plain one.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use tokio::sync::oneshot;

use super::delivery::UserTarget;
use super::error::PushError;
use super::rooms::{Room, RoomTarget};
use super::shared::Shared;
use crate::cluster::link::ClusterLink;

/// What a confirmed push reached, across the cluster.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClusterDelivery {
    /// Connections that received it on this node.
    pub local: usize,
    /// Connections that received it on each other node that answered, by node id.
    pub remote: BTreeMap<String, usize>,
    /// Nodes it was sent to that did not answer within the timeout (their count is unknown:
    /// they may have delivered it or not).
    pub unanswered: Vec<String>,
}

impl ClusterDelivery {
    /// Connections reached on every node that answered, this one included.
    pub fn total(&self) -> usize {
        self.remote
            .values()
            .fold(self.local, |sum, n| sum.saturating_add(*n))
    }

    /// Whether every node the push was sent to answered.
    pub fn complete(&self) -> bool {
        self.unanswered.is_empty()
    }
}

/// A push sent with a request for acknowledgements. Dropping it forgets the wait.
pub(crate) struct Awaiting {
    link: Arc<ClusterLink>,
    /// `None` when too many pushes were waiting already: sent without asking.
    id: Option<u64>,
    nodes: Vec<String>,
    all_answered: Option<oneshot::Receiver<()>>,
}

impl Awaiting {
    /// Start waiting for `nodes`' answers (before the push is sent, so none is missed).
    pub fn ask(shared: &Shared, nodes: &[String]) -> Awaiting {
        let link = shared.cluster().clone();
        let (id, all_answered) = match link.await_acks(nodes) {
            Some((id, rx)) => (Some(id), Some(rx)),
            None => (None, None),
        };
        Awaiting {
            link,
            id,
            nodes: nodes.to_vec(),
            all_answered,
        }
    }

    /// The id the push carries, if it asks for acknowledgements.
    pub fn id(&self) -> Option<u64> {
        self.id
    }

    /// Wait until every node answered or `timeout` passed; add what was heard to `delivery`.
    async fn collect(mut self, timeout: Duration, delivery: &mut ClusterDelivery) {
        let Some(id) = self.id.take() else {
            delivery.unanswered = std::mem::take(&mut self.nodes);
            return;
        };
        if let Some(rx) = self.all_answered.take() {
            let _ = tokio::time::timeout(timeout, rx).await;
        }
        let heard = self.link.finish_acks(id);
        for (node, n) in heard.counts {
            let n = usize::try_from(n).unwrap_or(usize::MAX);
            delivery.remote.insert(node, n);
        }
        delivery.unanswered = heard.missing;
    }
}

impl Drop for Awaiting {
    fn drop(&mut self) {
        if let Some(id) = self.id.take() {
            self.link.finish_acks(id);
        }
    }
}

async fn settle(
    sent: Result<(usize, Option<Awaiting>), PushError>,
    timeout: Duration,
) -> Result<ClusterDelivery, PushError> {
    let (local, awaiting) = sent?;
    let mut delivery = ClusterDelivery {
        local,
        ..ClusterDelivery::default()
    };
    if let Some(awaiting) = awaiting {
        awaiting.collect(timeout, &mut delivery).await;
    }
    Ok(delivery)
}

impl UserTarget {
    /// [`UserTarget::emit`], then wait up to `timeout` for the other nodes holding sessions of
    /// the user to say how many they reached: the result counts every session the event
    /// reached, on every node that answered, and names the nodes that did not.
    pub async fn emit_confirmed(
        &self,
        event: &str,
        payload: &Value,
        timeout: Duration,
    ) -> Result<ClusterDelivery, PushError> {
        settle(self.emit_acked(event, payload, true), timeout).await
    }
}

impl RoomTarget {
    /// [`RoomTarget::broadcast`], then wait up to `timeout` for the other nodes with members
    /// to say how many they reached (filters apply on every node, as for a plain broadcast).
    pub async fn broadcast_confirmed(
        &self,
        event: &str,
        payload: &Value,
        timeout: Duration,
    ) -> Result<ClusterDelivery, PushError> {
        let Some(server) = &self.server else {
            return Ok(ClusterDelivery::default());
        };
        settle(
            server.broadcast_rooms_acked(self, event, payload, true),
            timeout,
        )
        .await
    }
}

impl Room {
    /// [`Room::broadcast`], counted on every node: see [`RoomTarget::broadcast_confirmed`].
    pub async fn broadcast_confirmed(
        &self,
        event: &str,
        payload: &Value,
        timeout: Duration,
    ) -> Result<ClusterDelivery, PushError> {
        self.target()
            .broadcast_confirmed(event, payload, timeout)
            .await
    }
}
