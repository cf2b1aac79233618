//! Topic subscriptions: (scope, topic) -> subscribers. Shared topics are one scope for every
//! role; a role topic is scoped to its role, so two roles may declare the same topic name.

use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::ops::{Deref, DerefMut};
use std::sync::{Arc, Mutex};

use super::conn::Conn;
use super::error::MembershipError;
use crate::cluster::interest_key::InterestKey;
use crate::cluster::local_interest::LocalInterest;
use crate::wire::util::lock;
use crate::wire::Frame;

/// `None` scope is a shared topic; `Some(role)` a role topic.
pub(crate) type TopicKey = (Option<Arc<str>>, Arc<str>);

type Subscribers = HashMap<Arc<str>, Conn>;

/// (scope, topic) -> subscribers. Built only here, so a `&mut TopicMap` proves the registry's
/// lock is held (how a connection's topic mirror is edited in lock order; see
/// [`crate::mirror::Mirror`]).
pub(crate) struct TopicMap {
    subs: HashMap<TopicKey, Subscribers>,
}

impl Deref for TopicMap {
    type Target = HashMap<TopicKey, Subscribers>;
    fn deref(&self) -> &Self::Target {
        &self.subs
    }
}

impl DerefMut for TopicMap {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.subs
    }
}

pub(crate) struct TopicRegistry {
    subs: Mutex<TopicMap>,
    /// Told when a topic gets its first subscriber here and when it loses its last one.
    interest: Arc<LocalInterest>,
}

/// The cluster interest key of a subscription.
fn interest_key(key: &TopicKey) -> InterestKey {
    match &key.0 {
        Some(role) => InterestKey::RoleTopic {
            role: role.clone(),
            topic: key.1.clone(),
        },
        None => InterestKey::Topic(key.1.clone()),
    }
}

impl TopicRegistry {
    pub fn new(interest: Arc<LocalInterest>) -> Self {
        TopicRegistry {
            subs: Mutex::new(TopicMap {
                subs: HashMap::new(),
            }),
            interest,
        }
    }

    /// Subscribe `conn`; returns false when it already was subscribed or is closed. The open
    /// check is made under the lock, for the reason given at `RoomRegistry::add`: a subscribe
    /// either lands before the cleanup's [`remove_all`](Self::remove_all) or sees the close.
    ///
    /// A connection already subscribed to `limit` topics is refused (a repeated subscribe to
    /// one of them is still a no-op).
    pub fn subscribe(
        &self,
        key: TopicKey,
        conn: &Conn,
        limit: usize,
    ) -> Result<bool, MembershipError> {
        let mut subs = lock(&self.subs);
        if !conn.is_open() {
            return Ok(false);
        }
        let mine = conn.topic_mirror().edit(&mut subs).len();
        if mine >= limit {
            if subs.get(&key).is_some_and(|m| m.contains_key(conn.id())) {
                return Ok(false);
            }
            return Err(MembershipError::TooManyTopics {
                topic: key.1.to_string(),
                limit,
            });
        }
        let subscribers = match subs.entry(key.clone()) {
            Entry::Occupied(slot) => slot.into_mut(),
            Entry::Vacant(slot) => {
                self.interest.acquire(interest_key(slot.key()));
                slot.insert(Subscribers::new())
            }
        };
        let added = subscribers
            .insert(conn.id_arc().clone(), conn.clone())
            .is_none();
        conn.topic_mirror().edit(&mut subs).insert(key);
        Ok(added)
    }

    pub fn unsubscribe(&self, key: &TopicKey, conn: &Conn) -> bool {
        let mut subs = lock(&self.subs);
        let removed = match subs.get_mut(key) {
            Some(m) => {
                let r = m.remove(conn.id()).is_some();
                if m.is_empty() {
                    self.forget(&mut subs, key);
                }
                r
            }
            None => false,
        };
        conn.topic_mirror().edit(&mut subs).remove(key);
        removed
    }

    /// Drop every subscription of `conn` (on disconnect); returns the keys it was subscribed
    /// to. Its own list says which: no other topic is looked at. The connection must already be
    /// marked closed, so no `subscribe` can follow.
    pub fn remove_all(&self, conn: &Conn) -> Vec<TopicKey> {
        let mut subs = lock(&self.subs);
        let mine: Vec<TopicKey> = std::mem::take(&mut *conn.topic_mirror().edit(&mut subs))
            .into_iter()
            .collect();
        for key in &mine {
            if let Some(m) = subs.get_mut(key) {
                m.remove(conn.id());
                if m.is_empty() {
                    self.forget(&mut subs, key);
                }
            }
        }
        mine
    }

    /// Drop a topic without subscribers (the registry's lock is held: `subs` is its map).
    fn forget(&self, subs: &mut TopicMap, key: &TopicKey) {
        if let Some((key, _)) = subs.remove_entry(key) {
            self.interest.release(interest_key(&key));
        }
    }

    /// Every (scope, topic) with subscribers, unsorted (for checking the cluster interest).
    pub fn keys(&self) -> Vec<TopicKey> {
        lock(&self.subs).keys().cloned().collect()
    }

    pub fn deliver(&self, key: &TopicKey, frame: &Frame) -> usize {
        let subs = lock(&self.subs);
        let mut n = 0;
        if let Some(m) = subs.get(key) {
            for conn in m.values() {
                if conn.deliver(frame) {
                    n += 1;
                }
            }
        }
        n
    }

    /// Topics (per scope) with at least one subscriber; no list is built.
    pub fn topic_count(&self) -> usize {
        lock(&self.subs).len()
    }

    /// (role scope, topic, subscribers), sorted.
    pub fn list(&self) -> Vec<(Option<String>, String, usize)> {
        let mut v: Vec<_> = lock(&self.subs)
            .iter()
            .map(|((r, t), m)| (r.as_ref().map(|r| r.to_string()), t.to_string(), m.len()))
            .collect();
        v.sort();
        v
    }
}
