//! A connection's own copy of what it belongs to in one registry (its rooms, its topics), so
//! it can list them, and leave them all on disconnect, without scanning that registry.

use std::collections::BTreeSet;
use std::marker::PhantomData;
use std::sync::{Mutex, MutexGuard};

use crate::wire::util::lock;

/// The items of one connection in the registry whose map type is `R`.
///
/// Lock order: the registry, then the mirror. Only the registry changes a mirror, while it
/// holds its own lock, so the two never disagree. [`Mirror::edit`] enforces that order: it
/// asks for the registry's map by `&mut`, which only that registry's lock guard hands out
/// (the map types cannot be built outside their registry). Reading a mirror alone holds no
/// other lock, so it needs no proof.
pub(crate) struct Mirror<T, R> {
    items: Mutex<BTreeSet<T>>,
    /// Which registry may edit this mirror (no data: `fn` keeps the mirror `Send + Sync`).
    registry: PhantomData<fn(&mut R)>,
}

impl<T: Ord + Clone, R> Default for Mirror<T, R> {
    fn default() -> Self {
        Mirror {
            items: Mutex::new(BTreeSet::new()),
            registry: PhantomData,
        }
    }
}

impl<T: Ord + Clone, R> Mirror<T, R> {
    /// Change the mirror; `_registry` is the registry's map, borrowed from its lock guard.
    pub fn edit<'a>(&'a self, _registry: &mut R) -> MutexGuard<'a, BTreeSet<T>> {
        lock(&self.items)
    }

    /// Whether `item` is there (no copy of the list is made).
    pub fn contains<Q: Ord + ?Sized>(&self, item: &Q) -> bool
    where
        T: std::borrow::Borrow<Q>,
    {
        lock(&self.items).contains(item)
    }

    /// Whether any item satisfies `f` (read under the mirror's lock: `f` must not block).
    pub fn any(&self, f: impl FnMut(&T) -> bool) -> bool {
        lock(&self.items).iter().any(f)
    }

    /// The items, in order.
    pub fn snapshot(&self) -> Vec<T> {
        lock(&self.items).iter().cloned().collect()
    }
}
