//! A check of the interest the registries keep as they change against one computed from
//! scratch, the way every heartbeat used to compute it. For tests: the walk takes every
//! registry lock in turn, and its answer only means something while nothing changes.

use std::collections::BTreeSet;

use super::interest_key::InterestKey;
use crate::shared::Shared;

/// How the interest a node keeps differs from what its registries hold (wire form).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cluster interest drifted: missing {missing:?}, unexpected {unexpected:?}")]
pub struct InterestDrift {
    /// Wanted according to the registries, but not kept.
    pub missing: Vec<String>,
    /// Kept, but nothing in the registries wants it.
    pub unexpected: Vec<String>,
}

/// The node's interest from a walk over every registry.
fn from_scratch(shared: &Shared) -> BTreeSet<String> {
    let mut keys = BTreeSet::new();
    if shared.registry().len() > 0 {
        keys.insert(InterestKey::<&str>::Conns.encode());
    }
    for user in shared.registry().users() {
        keys.insert(InterestKey::User(&*user).encode());
    }
    for room in shared.rooms().names() {
        keys.insert(InterestKey::Room(&*room).encode());
    }
    for (scope, topic) in shared.topics().keys() {
        keys.insert(InterestKey::for_topic(scope.as_deref(), &topic).encode());
    }
    for topic in shared.bus().topics() {
        keys.insert(InterestKey::Topic(topic.as_str()).encode());
    }
    keys
}

pub(crate) fn audit(shared: &Shared) -> Result<(), InterestDrift> {
    let expected = from_scratch(shared);
    let kept: BTreeSet<String> = shared.cluster().interest().into_iter().collect();
    if kept == expected {
        return Ok(());
    }
    Err(InterestDrift {
        missing: expected.difference(&kept).cloned().collect(),
        unexpected: kept.difference(&expected).cloned().collect(),
    })
}
