//! Seeding the Contract panel's per-message statistics from the capture file: when the console
//! records into a file that earlier runs (or imports) already filled, their requests, answers,
//! pushes and publishes are counted once, in one pass on a thread of its own, and merged into
//! the counts the aggregator keeps live. Afterwards nothing reads the capture for them again.
//!
//! Only sessions older than the console's own recorder session are read: the live counts
//! already hold everything since it opened, so no row is counted twice however the reading
//! and the new traffic interleave.

use std::path::PathBuf;
use std::sync::Arc;

use switchboard_capture::{CaptureError, CaptureReader};
use switchboard_server::tap::TapKind;

use super::hub::LiveHub;
use super::message_stats::MessageCounts;

/// The kinds the Contract panel counts (see `MessageCounts::add_parts`).
const COUNTED: [TapKind; 10] = [
    TapKind::RequestIn,
    TapKind::ResponseOut,
    TapKind::ErrorOut,
    TapKind::Emit,
    TapKind::ToConn,
    TapKind::ToUser,
    TapKind::RoomBroadcast,
    TapKind::Broadcast,
    TapKind::RolePublish,
    TapKind::SharedPublish,
];

/// Reads the capture at `path` (sessions before `own_session`) into counts of their own.
pub fn read(
    path: &std::path::Path,
    own_session: i64,
) -> Result<(MessageCounts, u64), CaptureError> {
    let reader = CaptureReader::open(path)?;
    let mut counts = MessageCounts::default();
    let rows = reader.message_rows(&COUNTED, Some(own_session), |r| {
        counts.add_parts(r.kind, r.name, r.role, r.duration_us)
    })?;
    Ok((counts, rows))
}

/// Starts reading in the background; the hub's counts say `loading` until the rows are merged.
pub fn start(hub: Arc<LiveHub>, path: PathBuf, own_session: i64) {
    {
        let mut messages = hub.messages();
        messages.source.capture = true;
        messages.source.loading = true;
    }
    let spawned = std::thread::Builder::new()
        .name("switchboard-contract-seed".into())
        .spawn({
            let hub = hub.clone();
            move || {
                let read = read(&path, own_session);
                let mut messages = hub.messages();
                messages.source.loading = false;
                match read {
                    Ok((counts, rows)) => {
                        messages.merge(counts);
                        messages.source.capture_rows = rows;
                    }
                    Err(e) => {
                        tracing::warn!("the capture's earlier traffic could not be counted: {e}");
                        messages.source.error = Some(e.to_string());
                    }
                }
            }
        });
    if let Err(e) = spawned {
        let mut messages = hub.messages();
        messages.source.loading = false;
        messages.source.error = Some(format!("no thread to read the capture: {e}"));
    }
}
