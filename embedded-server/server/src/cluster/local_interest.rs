//! What this node has local receivers for, kept up to date as it changes instead of being
//! recomputed from the registries.
//!
//! Each registry (connections, rooms, topics, bus) reports when one of its keys gains its
//! first entry or loses its last one ([`LocalInterest::acquire`], [`LocalInterest::release`]),
//! while it still holds its own lock, so the reports of one registry arrive in the order its
//! changes happened. A key can have more than one source (a shared topic is wanted for its
//! client subscribers and for its bus listeners), hence a count per key: the node wants the
//! key while the count is above zero.
//!
//! Keys whose presence flipped are remembered until the next announcement takes them
//! ([`LocalInterest::take_changes`]); a full announcement ([`LocalInterest::snapshot`])
//! supersedes them.

use std::collections::HashMap;
use std::sync::Mutex;

use super::interest_key::InterestKey;
use crate::wire::util::lock;

#[derive(Default)]
pub(crate) struct LocalInterest {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// Sources per wanted key; a key leaves the map when its count drops to zero.
    counts: HashMap<InterestKey, u32>,
    /// Keys that flipped since the last announcement, with whether they were wanted then.
    changed: HashMap<InterestKey, bool>,
}

/// Keys to announce as gained and as lost, in wire form.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct InterestChanges {
    pub add: Vec<String>,
    pub remove: Vec<String>,
}

impl LocalInterest {
    /// One more source wants `key`. Called by a registry under its own lock; a leaf lock.
    pub fn acquire(&self, key: InterestKey) {
        let mut state = lock(&self.state);
        let count = state.counts.entry(key.clone()).or_insert(0);
        *count += 1;
        if *count == 1 {
            state.changed.entry(key).or_insert(false);
        }
    }

    /// A source no longer wants `key`. Called by a registry under its own lock, only after the
    /// same source's `acquire` of `key`. Never panics (it runs in a connection's cleanup): an
    /// unmatched release is logged and ignored, and the audit would show the drift.
    pub fn release(&self, key: InterestKey) {
        let mut state = lock(&self.state);
        let Some(count) = state.counts.get_mut(&key) else {
            tracing::error!("cluster interest `{key}` released more often than acquired");
            return;
        };
        *count -= 1;
        if *count == 0 {
            state.counts.remove(&key);
            state.changed.entry(key).or_insert(true);
        }
    }

    /// Whether anything flipped since the last announcement (a cheap check before taking the
    /// announcement turn).
    pub fn has_changes(&self) -> bool {
        !lock(&self.state).changed.is_empty()
    }

    /// The keys whose presence differs from the last announcement; clears the record. A key
    /// that flipped and flipped back is not announced at all.
    pub fn take_changes(&self) -> InterestChanges {
        let mut state = lock(&self.state);
        let State { counts, changed } = &mut *state;
        let mut changes = InterestChanges::default();
        for (key, was_wanted) in changed.drain() {
            match (was_wanted, counts.contains_key(&key)) {
                (false, true) => changes.add.push(key.encode()),
                (true, false) => changes.remove.push(key.encode()),
                _ => {}
            }
        }
        changes.add.sort();
        changes.remove.sort();
        changes
    }

    /// Every wanted key in wire form, sorted, for a full announcement; clears the record of
    /// changes, which the full announcement supersedes.
    pub fn snapshot(&self) -> Vec<String> {
        let mut state = lock(&self.state);
        state.changed.clear();
        sorted_wire(&state.counts)
    }

    /// Every wanted key in wire form, sorted, leaving the record of changes alone.
    pub fn keys(&self) -> Vec<String> {
        sorted_wire(&lock(&self.state).counts)
    }
}

fn sorted_wire(counts: &HashMap<InterestKey, u32>) -> Vec<String> {
    let mut keys: Vec<String> = counts.keys().map(InterestKey::encode).collect();
    keys.sort();
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    fn room(name: &str) -> InterestKey {
        InterestKey::Room(name.into())
    }

    fn topic(name: &str) -> InterestKey {
        InterestKey::Topic(name.into())
    }

    #[test]
    fn a_key_is_wanted_while_any_source_wants_it() {
        let interest = LocalInterest::default();
        interest.acquire(topic("t")); // a client subscriber
        interest.acquire(topic("t")); // a bus listener
        interest.release(topic("t"));
        assert_eq!(interest.keys(), ["topic:t"]);
        interest.release(topic("t"));
        assert!(interest.keys().is_empty());
    }

    #[test]
    fn changes_are_announced_once_and_net() {
        let interest = LocalInterest::default();
        interest.acquire(room("a"));
        interest.acquire(room("b"));
        interest.acquire(InterestKey::Conns);
        assert!(interest.has_changes());
        let first = interest.take_changes();
        assert_eq!(first.add, ["conns", "room:a", "room:b"]);
        assert!(first.remove.is_empty());
        assert!(!interest.has_changes());
        // Gone and back before the next announcement: nothing to say about it.
        interest.release(room("a"));
        interest.acquire(room("a"));
        interest.release(room("b"));
        interest.acquire(room("c"));
        let second = interest.take_changes();
        assert_eq!(second.add, ["room:c"]);
        assert_eq!(second.remove, ["room:b"]);
        assert_eq!(interest.take_changes(), InterestChanges::default());
    }

    #[test]
    fn a_full_announcement_supersedes_pending_changes() {
        let interest = LocalInterest::default();
        interest.acquire(room("a"));
        interest.acquire(InterestKey::User("u".into()));
        assert_eq!(interest.snapshot(), ["room:a", "user:u"]);
        assert!(!interest.has_changes());
        interest.release(room("a"));
        assert_eq!(interest.take_changes().remove, ["room:a"]);
    }
}
