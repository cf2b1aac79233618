//! TCP connections still in their HTTP upgrade, capped by `config.max_pending_upgrades`.
//!
//! Why evict instead of refusing: a slowloris client opens connections and never finishes its
//! headers. Refusing new connections once the cap is reached would hand the server to whoever
//! holds the most half-open requests; evicting the oldest one still waiting means a client
//! that completes its handshake within the time it takes the attacker to open the cap's worth
//! of new connections always gets in, and the half-open requests can never hold more than the
//! cap's worth of descriptors. Each one is also dropped after `config.upgrade_timeout`.

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

use tokio_util::sync::CancellationToken;

use super::shared::Shared;
use crate::wire::util::lock;

#[derive(Default)]
pub(crate) struct Handshakes {
    /// Waiting connections by arrival order: the first entry is the oldest.
    waiting: Mutex<Waiting>,
}

#[derive(Default)]
struct Waiting {
    next: u64,
    by_age: BTreeMap<u64, CancellationToken>,
}

/// One connection's place among the waiting upgrades; dropping it gives the place back.
pub(crate) struct Pending {
    shared: Arc<Shared>,
    id: u64,
    /// Cancelled when the connection is evicted to make room for a newer one.
    pub evicted: CancellationToken,
}

impl Handshakes {
    /// Take a place for a newly accepted connection, evicting the oldest waiting one when all
    /// `cap` places are taken.
    pub fn enter(shared: &Arc<Shared>) -> Pending {
        let cap = shared.config().max_pending_upgrades.max(1);
        let evicted = CancellationToken::new();
        let (id, victims) = {
            let mut waiting = lock(&shared.handshakes().waiting);
            let mut victims = Vec::new();
            while waiting.by_age.len() >= cap {
                match waiting.by_age.pop_first() {
                    Some((_, token)) => victims.push(token),
                    None => break,
                }
            }
            waiting.next += 1;
            let id = waiting.next;
            waiting.by_age.insert(id, evicted.clone());
            (id, victims)
        };
        let counters = shared.counters();
        for token in &victims {
            token.cancel();
        }
        counters
            .evicted_upgrades
            .fetch_add(victims.len() as u64, Ordering::Relaxed);
        counters.pending_upgrades.fetch_add(1, Ordering::Relaxed);
        // Evicted entries left the map already; their own `Pending` drop finds nothing.
        counters
            .pending_upgrades
            .fetch_sub(victims.len() as u64, Ordering::Relaxed);
        Pending {
            shared: shared.clone(),
            id,
            evicted,
        }
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        let removed = lock(&self.shared.handshakes().waiting)
            .by_age
            .remove(&self.id)
            .is_some();
        if removed {
            self.shared
                .counters()
                .pending_upgrades
                .fetch_sub(1, Ordering::Relaxed);
        }
    }
}
