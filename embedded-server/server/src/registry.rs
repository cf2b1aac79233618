//! Connections on this node, by id and by user.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use super::conn::Conn;
use crate::wire::util::lock;

#[derive(Default)]
pub(crate) struct Registry {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    by_id: HashMap<Arc<str>, Conn>,
    by_user: HashMap<Arc<str>, HashSet<Arc<str>>>,
}

impl Registry {
    pub fn insert(&self, conn: Conn) {
        let mut inner = lock(&self.inner);
        inner
            .by_user
            .entry(conn.user_arc().clone())
            .or_default()
            .insert(conn.id_arc().clone());
        inner.by_id.insert(conn.id_arc().clone(), conn);
    }

    pub fn remove(&self, conn: &Conn) {
        let mut inner = lock(&self.inner);
        inner.by_id.remove(conn.id());
        if let Some(ids) = inner.by_user.get_mut(conn.user()) {
            ids.remove(conn.id());
            if ids.is_empty() {
                inner.by_user.remove(conn.user());
            }
        }
    }

    pub fn get(&self, id: &str) -> Option<Conn> {
        lock(&self.inner).by_id.get(id).cloned()
    }

    pub fn by_user(&self, user: &str) -> Vec<Conn> {
        let inner = lock(&self.inner);
        match inner.by_user.get(user) {
            Some(ids) => ids
                .iter()
                .filter_map(|id| inner.by_id.get(id).cloned())
                .collect(),
            None => Vec::new(),
        }
    }

    pub fn len(&self) -> usize {
        lock(&self.inner).by_id.len()
    }

    pub fn all(&self) -> Vec<Conn> {
        lock(&self.inner).by_id.values().cloned().collect()
    }

    /// Run `f` on every connection while holding the lock; `f` must not block.
    pub fn for_each(&self, mut f: impl FnMut(&Conn)) {
        for conn in lock(&self.inner).by_id.values() {
            f(conn)
        }
    }
}
