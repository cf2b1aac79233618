//! Where events from attached nodes go: the same taps the embedded server feeds (the recorder
//! and the live view), so a remote node's traffic is recorded, tailed and counted exactly like
//! the local server's, with its node id on every row.

use std::sync::Arc;

use switchboard_server::tap::{Tap, TapEvent};

use crate::live::hub::LiveHub;

pub struct Sink {
    taps: Vec<Arc<dyn Tap>>,
    hub: Arc<LiveHub>,
}

impl Sink {
    pub fn new(taps: Vec<Arc<dyn Tap>>, hub: Arc<LiveHub>) -> Sink {
        Sink { taps, hub }
    }

    /// Hand one event to every tap. Taps only copy into their bounded queues and return.
    pub fn observe(&self, event: &TapEvent) {
        for tap in &self.taps {
            tap.observe(event);
        }
    }

    /// Whether anyone has the console open (a live-stream client): refreshing what only a
    /// snapshot carries is worth its cost only then.
    pub fn watched(&self) -> bool {
        self.hub.status().clients > 0
    }

    /// Tell the console's clients to reload their snapshots: a node was attached, lost, or
    /// refreshed from a snapshot, so the changes they hold are no longer the whole story.
    pub fn resync(&self) {
        self.hub.request_resync();
    }
}
