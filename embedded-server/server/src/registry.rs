//! Connections on this node, by id and by user.

use std::collections::hash_map::Entry;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use super::conn::Conn;
use crate::cluster::interest_key::InterestKey;
use crate::cluster::local_interest::LocalInterest;
use crate::wire::util::lock;

pub(crate) struct Registry {
    inner: Mutex<Inner>,
    /// Told when the node gains its first connection or a user's first session, and when the
    /// last one goes (the `conns` and `user:` interest keys).
    interest: Arc<LocalInterest>,
    /// `by_id.len()`, stored after each change under the lock: the console reads the count
    /// without taking the lock, so a count never waits behind a walk or a fan-out.
    len: AtomicUsize,
}

/// The list order of introspection: role, then oldest first, then id.
type OrderKey = (Arc<str>, i64, Arc<str>);

#[derive(Default)]
struct Inner {
    by_id: HashMap<Arc<str>, Conn>,
    by_user: HashMap<Arc<str>, HashSet<Arc<str>>>,
    /// Kept as connections come and go, so a page of the console's list (and counts per
    /// role) costs a walk of the index instead of a sort of every connection per call.
    ordered: BTreeSet<OrderKey>,
    per_role: HashMap<Arc<str>, usize>,
}

fn order_key(conn: &Conn) -> OrderKey {
    (
        conn.role_arc().clone(),
        conn.connected_at_us(),
        conn.id_arc().clone(),
    )
}

impl Registry {
    pub fn new(interest: Arc<LocalInterest>) -> Self {
        Registry {
            inner: Mutex::default(),
            interest,
            len: AtomicUsize::new(0),
        }
    }

    pub fn insert(&self, conn: Conn) {
        let mut inner = lock(&self.inner);
        if inner.by_id.is_empty() {
            self.interest.acquire(InterestKey::Conns);
        }
        match inner.by_user.entry(conn.user_arc().clone()) {
            Entry::Occupied(mut ids) => {
                ids.get_mut().insert(conn.id_arc().clone());
            }
            Entry::Vacant(slot) => {
                self.interest
                    .acquire(InterestKey::User(conn.user_arc().clone()));
                slot.insert(HashSet::from([conn.id_arc().clone()]));
            }
        }
        let key = order_key(&conn);
        let role = conn.role_arc().clone();
        if let Some(old) = inner.by_id.insert(conn.id_arc().clone(), conn) {
            // Ids are unique per node; should one come back, its first entry is not counted twice.
            inner.ordered.remove(&order_key(&old));
            uncount_role(&mut inner.per_role, old.role());
        }
        inner.ordered.insert(key);
        *inner.per_role.entry(role).or_default() += 1;
        self.len.store(inner.by_id.len(), Ordering::Relaxed);
    }

    pub fn remove(&self, conn: &Conn) {
        let mut inner = lock(&self.inner);
        let Some(old) = inner.by_id.remove(conn.id()) else {
            return;
        };
        inner.ordered.remove(&order_key(&old));
        uncount_role(&mut inner.per_role, old.role());
        self.len.store(inner.by_id.len(), Ordering::Relaxed);
        if inner.by_id.is_empty() {
            self.interest.release(InterestKey::Conns);
        }
        if let Some(ids) = inner.by_user.get_mut(conn.user()) {
            ids.remove(conn.id());
            if ids.is_empty() {
                inner.by_user.remove(conn.user());
                self.interest
                    .release(InterestKey::User(conn.user_arc().clone()));
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

    /// Connections here, read without the lock (see `len`).
    pub fn len(&self) -> usize {
        self.len.load(Ordering::Relaxed)
    }

    /// Users with at least one session here.
    pub fn users(&self) -> Vec<Arc<str>> {
        lock(&self.inner).by_user.keys().cloned().collect()
    }

    /// Connections per role (roles with none are left out).
    pub fn role_counts(&self) -> Vec<(String, usize)> {
        lock(&self.inner)
            .per_role
            .iter()
            .map(|(role, n)| (role.to_string(), *n))
            .collect()
    }

    /// Every connection in list order (role, oldest first, id), read from the index.
    pub fn in_order(&self) -> Vec<Conn> {
        let inner = lock(&self.inner);
        inner
            .ordered
            .iter()
            .filter_map(|(_, _, id)| inner.by_id.get(id).cloned())
            .collect()
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

fn uncount_role(per_role: &mut HashMap<Arc<str>, usize>, role: &str) {
    if let Some(n) = per_role.get_mut(role) {
        *n -= 1;
        if *n == 0 {
            per_role.remove(role);
        }
    }
}
