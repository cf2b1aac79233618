//! The one task that turns tapped events into batches: it counts rates, keeps membership
//! changes and (when someone tails) traffic rows, and every [`BATCH_EVERY`] publishes them
//! as one envelope. Nothing here touches a socket; the WebSocket side only forwards.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use switchboard_server::tap::{now_us, TapEvent, TapKind};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::hub::{Envelope, LiveHub};
use super::rates::Rates;
use super::rows;
use crate::nodes::NodeSource;
use crate::recording::RecorderSlot;
use crate::types::{Change, LiveBatch, LiveSummary, MemberRow, RoleCount, ServerCounters};

/// How often a batch goes out: a few times a second, whatever the message rate.
pub const BATCH_EVERY: Duration = Duration::from_millis(250);
/// Most traffic rows kept per batch (80,000 a second); the rest are counted as skipped.
pub const MAX_ROWS_PER_BATCH: usize = 20_000;
/// Most membership changes per batch; past it clients are told to reload instead.
pub const MAX_CHANGES_PER_BATCH: usize = 50_000;
/// How often role counts are recounted from the server, correcting any drift from dropped events.
const RESYNC_EVERY: Duration = Duration::from_secs(5);
/// Events taken from the queue at once.
const RECV_CHUNK: usize = 1024;

pub struct Aggregator {
    source: NodeSource,
    recorder: Option<Arc<RecorderSlot>>,
    hub: Arc<LiveHub>,
    rx: mpsc::Receiver<TapEvent>,
    rates: Rates,
    /// Connection id -> role. Keyed by id so a connect seen twice (once in a resync snapshot,
    /// once as an event) counts once.
    conns: HashMap<String, String>,
    changes: Vec<Change>,
    traffic: Vec<TrafficRow>,
    skipped: u32,
    overflow: bool,
    seq: u64,
    dropped_seen: u64,
}

use crate::types::TrafficRow;

/// A member with the node holding it, in both modes (embedded and attached agree, see the
/// console's parity test).
fn member(ev: &TapEvent) -> MemberRow {
    MemberRow {
        id: ev.conn.as_deref().unwrap_or_default().to_owned(),
        role: ev.role.as_deref().unwrap_or_default().to_owned(),
        user: ev.user.as_deref().unwrap_or_default().to_owned(),
        node: Some(ev.node.to_string()),
    }
}

/// Connections per role, largest first (then by name).
pub fn role_counts<'a>(roles: impl Iterator<Item = &'a str>) -> Vec<RoleCount> {
    let mut map: HashMap<&str, u32> = HashMap::new();
    for r in roles {
        *map.entry(r).or_default() += 1;
    }
    sorted_counts(map.into_iter().map(|(r, n)| (r.to_owned(), n)))
}

pub fn sorted_counts(counts: impl Iterator<Item = (String, u32)>) -> Vec<RoleCount> {
    let mut v: Vec<RoleCount> = counts
        .map(|(role, connections)| RoleCount { role, connections })
        .collect();
    v.sort_by(|a, b| b.connections.cmp(&a.connections).then(a.role.cmp(&b.role)));
    v
}

pub fn counters(server: &switchboard_server::Server) -> ServerCounters {
    let s = server.stats();
    ServerCounters {
        connections_total: s.connections_total,
        refused_upgrades: s.refused_upgrades,
        slow_consumers: s.slow_consumers,
        reaped: s.reaped,
        frame_errors: s.frame_errors,
        handler_panics: s.handler_panics,
        listener_faults: s.listener_faults,
        tap_faults: s.tap_faults,
        open_sockets: s.open_sockets,
        pending_upgrades: s.pending_upgrades,
        evicted_upgrades: s.evicted_upgrades,
        upgrade_timeouts: s.upgrade_timeouts,
        membership_refusals: s.membership_refusals,
    }
}

impl Aggregator {
    pub fn new(
        source: NodeSource,
        recorder: Option<Arc<RecorderSlot>>,
        hub: Arc<LiveHub>,
        rx: mpsc::Receiver<TapEvent>,
    ) -> Aggregator {
        Aggregator {
            source,
            recorder,
            hub,
            rx,
            rates: Rates::default(),
            conns: HashMap::new(),
            changes: Vec::new(),
            traffic: Vec::new(),
            skipped: 0,
            overflow: false,
            seq: 0,
            dropped_seen: 0,
        }
    }

    pub async fn run(mut self, stop: CancellationToken) {
        self.resync_roles().await;
        let mut tick = tokio::time::interval(BATCH_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut resync = tokio::time::interval(RESYNC_EVERY);
        resync.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut buf = Vec::with_capacity(RECV_CHUNK);
        loop {
            tokio::select! {
                n = self.rx.recv_many(&mut buf, RECV_CHUNK) => {
                    if n == 0 {
                        break;
                    }
                    let tailing = self.hub.anyone_tailing();
                    {
                        let hub = self.hub.clone();
                        let mut messages = hub.messages();
                        for ev in &buf {
                            messages.add(ev);
                        }
                    }
                    for ev in buf.drain(..) {
                        self.ingest(&ev, tailing);
                    }
                }
                _ = tick.tick() => {
                    // After a node attached, was lost or was refreshed, recount roles at once
                    // rather than at the next periodic recount.
                    if self.flush() {
                        self.resync_roles().await;
                    }
                }
                _ = resync.tick() => self.resync_roles().await,
                _ = stop.cancelled() => break,
            }
        }
    }

    fn ingest(&mut self, ev: &TapEvent, tailing: bool) {
        self.rates.add(ev.kind, ev.at_us);
        let change = match ev.kind {
            TapKind::Connect => {
                if let (Some(id), Some(role)) = (ev.conn.as_deref(), ev.role.as_deref()) {
                    self.conns.insert(id.to_owned(), role.to_owned());
                }
                Some(Change::Connect { conn: member(ev) })
            }
            TapKind::Disconnect => {
                if let Some(id) = ev.conn.as_deref() {
                    self.conns.remove(id);
                }
                Some(Change::Disconnect { conn: member(ev) })
            }
            TapKind::RoomAdd | TapKind::RoomRemove if ev.conn.is_some() => {
                ev.rooms.first().map(|room| {
                    let room = room.to_string();
                    let conn = member(ev);
                    if ev.kind == TapKind::RoomAdd {
                        Change::Join { room, conn }
                    } else {
                        Change::Leave { room, conn }
                    }
                })
            }
            TapKind::Subscribe | TapKind::Unsubscribe if ev.conn.is_some() => {
                ev.topic.as_deref().map(|topic| {
                    let topic = topic.to_owned();
                    let conn = member(ev);
                    if ev.kind == TapKind::Subscribe {
                        Change::Subscribe { topic, conn }
                    } else {
                        Change::Unsubscribe { topic, conn }
                    }
                })
            }
            _ => None,
        };
        if let Some(change) = change {
            if self.changes.len() < MAX_CHANGES_PER_BATCH {
                self.changes.push(change);
            } else {
                self.overflow = true;
            }
        }
        if tailing {
            if self.traffic.len() < MAX_ROWS_PER_BATCH {
                self.traffic.push(rows::from_tap(ev));
            } else {
                self.skipped = self.skipped.saturating_add(1);
            }
        }
    }

    /// Publish the window's batch; returns whether a resync was asked for (a node attached,
    /// lost or refreshed). Drops alone do not recount: under load that would walk the
    /// registry every window.
    fn flush(&mut self) -> bool {
        let now = now_us();
        self.rates
            .set_connections(self.source.connection_count() as u32);
        self.rates.advance(now);
        let rates = self.rates.take_completed();
        self.hub.record_rates(&rates);
        let dropped = self.hub.dropped();
        let asked = self.hub.take_resync();
        let resync = asked || self.overflow || dropped != self.dropped_seen;
        self.dropped_seen = dropped;
        self.overflow = false;
        self.seq += 1;
        let summary = LiveSummary {
            connections: self.source.connection_count() as u32,
            roles: role_counts(self.conns.values().map(String::as_str)),
            rooms: self.source.room_count() as u32,
            topics: self.source.topic_count() as u32,
            counters: self.source.counters(),
            recorder: self
                .recorder
                .as_ref()
                .map(|r| r.status())
                .unwrap_or_default(),
            live: self.hub.status(),
        };
        let batch = LiveBatch {
            seq: self.seq,
            at_us: now,
            summary,
            rates,
            changes: std::mem::take(&mut self.changes),
            traffic: Vec::new(),
            traffic_skipped: std::mem::take(&mut self.skipped),
            resync,
        };
        let traffic = std::mem::take(&mut self.traffic);
        self.hub.publish(Envelope { batch, traffic });
        asked
    }

    /// Re-read who is connected from the source itself.
    async fn resync_roles(&mut self) {
        let source = self.source.clone();
        let listed = tokio::task::spawn_blocking(move || source.roles()).await;
        if let Ok(map) = listed {
            self.conns = map;
        }
    }
}
