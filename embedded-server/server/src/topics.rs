//! Topic subscriptions: (scope, topic) -> subscribers. Shared topics are one scope for every
//! role; a role topic is scoped to its role, so two roles may declare the same topic name.

use std::collections::HashMap;
use std::ops::{Deref, DerefMut};
use std::sync::{Arc, Mutex};

use super::conn::Conn;
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
}

impl Default for TopicRegistry {
    fn default() -> Self {
        TopicRegistry {
            subs: Mutex::new(TopicMap {
                subs: HashMap::new(),
            }),
        }
    }
}

impl TopicRegistry {
    pub fn subscribe(&self, key: TopicKey, conn: &Conn) -> bool {
        if !conn.is_open() {
            return false;
        }
        let topic = key.1.clone();
        let mut subs = lock(&self.subs);
        let added = subs
            .entry(key)
            .or_default()
            .insert(conn.id_arc().clone(), conn.clone())
            .is_none();
        conn.topic_mirror().edit(&mut subs).insert(topic);
        added
    }

    pub fn unsubscribe(&self, key: &TopicKey, conn: &Conn) -> bool {
        let mut subs = lock(&self.subs);
        let removed = match subs.get_mut(key) {
            Some(m) => {
                let r = m.remove(conn.id()).is_some();
                if m.is_empty() {
                    subs.remove(key);
                }
                r
            }
            None => false,
        };
        conn.topic_mirror().edit(&mut subs).remove(&key.1);
        removed
    }

    /// Drop every subscription of `conn`; returns the keys it was subscribed to.
    pub fn remove_all(&self, conn: &Conn) -> Vec<TopicKey> {
        let mut subs = lock(&self.subs);
        conn.topic_mirror().edit(&mut subs).clear();
        let mut mine = Vec::new();
        subs.retain(|key, m| {
            if m.remove(conn.id()).is_some() {
                mine.push(key.clone());
            }
            !m.is_empty()
        });
        mine
    }

    pub fn count(&self, key: &TopicKey) -> usize {
        lock(&self.subs).get(key).map_or(0, |m| m.len())
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
