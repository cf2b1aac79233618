//! `/api/live`: the one WebSocket stream of live changes.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::common::RoleCount;
use super::overview::{LiveStatus, RateSample, RecorderStatus, ServerCounters};
use super::rooms::MemberRow;
use super::traffic::{TrafficFilter, TrafficRow};

/// A change to who is connected and who is where.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum Change {
    Connect { conn: MemberRow },
    Disconnect { conn: MemberRow },
    Join { room: String, conn: MemberRow },
    Leave { room: String, conn: MemberRow },
    Subscribe { topic: String, conn: MemberRow },
    Unsubscribe { topic: String, conn: MemberRow },
}

/// Counts as of the end of the batch.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
pub struct LiveSummary {
    pub connections: u32,
    pub roles: Vec<RoleCount>,
    pub rooms: u32,
    pub topics: u32,
    pub counters: ServerCounters,
    pub recorder: RecorderStatus,
    pub live: LiveStatus,
}

/// Everything that happened in one window (about 250 ms), sent as one message.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct LiveBatch {
    /// Increases by one per batch; a gap means this client missed batches (and should reload
    /// its snapshots).
    #[ts(type = "number")]
    pub seq: u64,
    #[ts(type = "number")]
    pub at_us: i64,
    pub summary: LiveSummary,
    /// Seconds completed since the previous batch.
    pub rates: Vec<RateSample>,
    pub changes: Vec<Change>,
    /// Rows matching this client's tail filter; empty unless it asked for a tail.
    pub traffic: Vec<TrafficRow>,
    /// Matching rows left out of this batch because it was full.
    pub traffic_skipped: u32,
    /// The console fell behind (events dropped, or this client skipped batches): membership
    /// in `changes` is incomplete, so reload the snapshots.
    pub resync: bool,
}

/// What a console client sends on the live stream.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum LiveCommand {
    /// Start (or change) the traffic tail with this filter.
    Tail { filter: Box<TrafficFilter> },
    /// Stop the tail (paused, or the panel is closed).
    Untail,
}
