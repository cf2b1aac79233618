//! In-process listeners of the cluster bus (shared topics). Each listener is isolated: a
//! failing or panicking one is reported and the others still run.

use std::collections::HashMap;
use std::fmt::Display;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock, Weak};

use serde_json::Value;

use super::shared::Shared;
use crate::cluster::interest_key::InterestKey;
use crate::cluster::local_interest::LocalInterest;

pub(crate) type Listener = Arc<dyn Fn(&Value, &str) -> Option<String> + Send + Sync>;

/// What a bus listener may return: `()` or a `Result` whose error is reported to `on_error`.
pub trait ListenerOutcome {
    fn into_fault(self) -> Option<String>;
}

impl ListenerOutcome for () {
    fn into_fault(self) -> Option<String> {
        None
    }
}

impl<E: Display> ListenerOutcome for Result<(), E> {
    fn into_fault(self) -> Option<String> {
        self.err().map(|e| e.to_string())
    }
}

pub(crate) struct Bus {
    next: AtomicU64,
    listeners: RwLock<HashMap<String, Vec<(u64, Listener)>>>,
    /// Told when a topic gets its first listener and when it loses its last one.
    interest: Arc<LocalInterest>,
}

impl Bus {
    pub fn new(interest: Arc<LocalInterest>) -> Self {
        Bus {
            next: AtomicU64::new(0),
            listeners: RwLock::default(),
            interest,
        }
    }

    pub fn add(&self, topic: &str, f: Listener) -> u64 {
        let id = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        let mut l = self.listeners.write().unwrap_or_else(|p| p.into_inner());
        l.entry(topic.to_owned())
            .or_insert_with(|| {
                self.interest.acquire(InterestKey::Topic(topic.into()));
                Vec::new()
            })
            .push((id, f));
        id
    }

    pub fn remove(&self, topic: &str, id: u64) -> bool {
        let mut l = self.listeners.write().unwrap_or_else(|p| p.into_inner());
        let Some(v) = l.get_mut(topic) else {
            return false;
        };
        let before = v.len();
        v.retain(|(i, _)| *i != id);
        let removed = v.len() != before;
        if v.is_empty() {
            l.remove(topic);
            self.interest.release(InterestKey::Topic(topic.into()));
        }
        removed
    }

    /// The listeners of `topic`, copied out so they run without any lock held.
    pub fn snapshot(&self, topic: &str) -> Vec<Listener> {
        let l = self.listeners.read().unwrap_or_else(|p| p.into_inner());
        l.get(topic)
            .map(|v| v.iter().map(|(_, f)| f.clone()).collect())
            .unwrap_or_default()
    }

    /// Topics with at least one listener.
    pub fn topics(&self) -> Vec<String> {
        let l = self.listeners.read().unwrap_or_else(|p| p.into_inner());
        l.keys().cloned().collect()
    }

    pub fn count(&self, topic: &str) -> usize {
        let l = self.listeners.read().unwrap_or_else(|p| p.into_inner());
        l.get(topic).map_or(0, Vec::len)
    }
}

/// A bus listener registration. Call [`Subscription::unsubscribe`] to stop it; dropping the
/// handle leaves the listener in place (so `let _ = srv.subscribe(..)` keeps listening).
#[must_use = "keep the handle to be able to unsubscribe"]
pub struct Subscription {
    pub(crate) shared: Weak<Shared>,
    pub(crate) topic: String,
    pub(crate) id: u64,
}

impl Subscription {
    pub fn topic(&self) -> &str {
        &self.topic
    }
    /// Remove the listener. Returns false if it was already gone.
    pub fn unsubscribe(self) -> bool {
        match self.shared.upgrade() {
            Some(shared) => {
                let removed = shared.bus().remove(&self.topic, self.id);
                shared.cluster().announce_changes(&shared);
                removed
            }
            None => false,
        }
    }
}
