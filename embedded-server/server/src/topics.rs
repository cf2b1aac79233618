//! Topic subscriptions: (scope, topic) -> subscribers. Shared topics are one scope for every
//! role; a role topic is scoped to its role, so two roles may declare the same topic name.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::conn::Conn;
use crate::wire::util::lock;
use crate::wire::Frame;

/// `None` scope is a shared topic; `Some(role)` a role topic.
pub(crate) type TopicKey = (Option<Arc<str>>, Arc<str>);

type Subscribers = HashMap<Arc<str>, Conn>;

#[derive(Default)]
pub(crate) struct TopicRegistry {
    subs: Mutex<HashMap<TopicKey, Subscribers>>,
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
            .insert(conn.inner.id.clone(), conn.clone())
            .is_none();
        lock(&conn.inner.topics).insert(topic);
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
        lock(&conn.inner.topics).remove(&key.1);
        removed
    }

    /// Drop every subscription of `conn`; returns the keys it was subscribed to.
    pub fn remove_all(&self, conn: &Conn) -> Vec<TopicKey> {
        let mut subs = lock(&self.subs);
        lock(&conn.inner.topics).clear();
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
