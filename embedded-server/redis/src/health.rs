//! The adapter's status, combined from its two connections.
//!
//! The command connection (publishes and presence) and the subscriber connection fail and
//! recover independently; each task reports its own link here and the combined
//! [`AdapterStatus`] is published on a `watch` channel:
//! - any link down -> `Down(reason)` (both reasons when both are down);
//! - otherwise any link still on its first attempt -> `Connecting`;
//! - otherwise `Up`: the node can rely on both publishing and receiving.
//!
//! A link's reason is the failure that took it down; failed retries during the same outage do
//! not rewrite it, so watchers are woken by transitions, not by every retry.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;

use tokio::sync::watch;

use switchboard_server::cluster::adapter::AdapterStatus;
pub(crate) use switchboard_server::wire::util::lock;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Link {
    /// PUBLISH and presence commands.
    Command = 0,
    /// SUBSCRIBE and incoming messages.
    Subscriber = 1,
}

impl Link {
    fn name(self) -> &'static str {
        match self {
            Link::Command => "command connection",
            Link::Subscriber => "subscriber connection",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum LinkState {
    Connecting,
    Up,
    Down(String),
}

#[derive(Debug)]
struct Links {
    state: [LinkState; 2],
    closed: bool,
}

pub(crate) struct Health {
    links: Mutex<Links>,
    tx: watch::Sender<AdapterStatus>,
    /// Mirrors `state[Command] == Up` so `publish()` can refuse without taking the lock.
    command_up: AtomicBool,
    /// Links that came back after being lost. Counted here, before the new status is
    /// published, so whoever sees `Up` also sees the count that goes with it.
    reconnects: AtomicU64,
}

impl Health {
    pub(crate) fn new() -> Self {
        Health {
            links: Mutex::new(Links {
                state: [LinkState::Connecting, LinkState::Connecting],
                closed: false,
            }),
            tx: watch::Sender::new(AdapterStatus::Connecting),
            command_up: AtomicBool::new(false),
            reconnects: AtomicU64::new(0),
        }
    }

    /// `link` is connected and usable. Returns whether it had been lost before (a reconnect,
    /// also counted in [`Health::reconnects`]).
    pub(crate) fn up(&self, link: Link) -> bool {
        let mut links = lock(&self.links);
        let was_down = matches!(links.state[link as usize], LinkState::Down(_));
        if was_down {
            self.reconnects.fetch_add(1, Ordering::Relaxed);
        }
        links.state[link as usize] = LinkState::Up;
        self.publish(&links, link);
        was_down
    }

    /// `link` failed. Returns whether this is a transition (the link was not already down), so
    /// the caller logs an outage once rather than once per retry.
    pub(crate) fn down(&self, link: Link, reason: String) -> bool {
        let mut links = lock(&self.links);
        if matches!(links.state[link as usize], LinkState::Down(_)) {
            return false;
        }
        links.state[link as usize] = LinkState::Down(reason);
        self.publish(&links, link);
        true
    }

    /// The adapter was closed: status `Down("closed")` for good.
    pub(crate) fn close(&self) {
        let mut links = lock(&self.links);
        links.closed = true;
        self.command_up.store(false, Ordering::Release);
        self.tx.send_if_modified(|status| {
            let next = AdapterStatus::Down("closed".into());
            let changed = *status != next;
            *status = next;
            changed
        });
    }

    pub(crate) fn reconnects(&self) -> u64 {
        self.reconnects.load(Ordering::Relaxed)
    }

    pub(crate) fn command_up(&self) -> bool {
        self.command_up.load(Ordering::Acquire)
    }

    pub(crate) fn is_closed(&self) -> bool {
        lock(&self.links).closed
    }

    pub(crate) fn status(&self) -> AdapterStatus {
        self.tx.borrow().clone()
    }

    pub(crate) fn watch(&self) -> watch::Receiver<AdapterStatus> {
        self.tx.subscribe()
    }

    /// Recompute the combined status after `changed` moved; called with the lock held so two
    /// tasks can never publish their updates out of order.
    fn publish(&self, links: &Links, changed: Link) {
        if changed == Link::Command {
            let up = links.state[Link::Command as usize] == LinkState::Up;
            self.command_up
                .store(up && !links.closed, Ordering::Release);
        }
        if links.closed {
            return;
        }
        let next = combine(&links.state);
        self.tx.send_if_modified(|status| {
            let changed = *status != next;
            *status = next;
            changed
        });
    }
}

fn combine(state: &[LinkState; 2]) -> AdapterStatus {
    let reasons: Vec<String> = [Link::Command, Link::Subscriber]
        .into_iter()
        .filter_map(|link| match &state[link as usize] {
            LinkState::Down(reason) => Some(format!("{}: {reason}", link.name())),
            _ => None,
        })
        .collect();
    if !reasons.is_empty() {
        AdapterStatus::Down(reasons.join("; "))
    } else if state.contains(&LinkState::Connecting) {
        AdapterStatus::Connecting
    } else {
        AdapterStatus::Up
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn up_only_when_both_links_are_up() {
        let health = Health::new();
        assert_eq!(health.status(), AdapterStatus::Connecting);
        health.up(Link::Command);
        assert_eq!(health.status(), AdapterStatus::Connecting);
        assert!(health.command_up());
        health.up(Link::Subscriber);
        assert_eq!(health.status(), AdapterStatus::Up);

        assert!(health.down(Link::Subscriber, "eof".into()));
        assert_eq!(
            health.status(),
            AdapterStatus::Down("subscriber connection: eof".into())
        );
        // A retry failing for another reason is not a new transition.
        assert!(!health.down(Link::Subscriber, "refused".into()));
        assert!(health.down(Link::Command, "refused".into()));
        assert!(!health.command_up());
        assert_eq!(
            health.status(),
            AdapterStatus::Down("command connection: refused; subscriber connection: eof".into())
        );
        assert!(health.up(Link::Command));
        assert!(matches!(health.status(), AdapterStatus::Down(_)));
        assert!(health.up(Link::Subscriber));
        assert_eq!(health.status(), AdapterStatus::Up);
        assert_eq!(health.reconnects(), 2);
    }

    #[test]
    fn closed_is_final() {
        let health = Health::new();
        health.up(Link::Command);
        health.close();
        assert!(!health.command_up());
        health.up(Link::Subscriber);
        health.up(Link::Command);
        assert!(!health.command_up());
        assert_eq!(health.status(), AdapterStatus::Down("closed".into()));
        assert!(health.is_closed());
    }
}
