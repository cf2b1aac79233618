//! The recorder's sustained insert rate: `events` tap events, shaped like what a chat server
//! records for each `say` (the request in, the room broadcast with the request as its cause,
//! the response out, from 1,000 connections in 16 rooms), observed as fast as the writer takes
//! them.
//!
//! The producer stays just behind the writer (it waits while the queue is nearly full), so
//! the figure is what the writer thread commits, not a count of drops. The writer thread's
//! own CPU time is reported too: on a shared 2-core machine the wall-clock rate depends on
//! what else runs.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use serde_json::json;
use switchboard_capture::{Recorder, RecorderConfig};
use switchboard_server::tap::{Origin, Tap, TapCause, TapEvent, TapKind, TapPayload};
use switchboard_server::wire::encode;

#[derive(Debug, Clone)]
pub struct RecorderOpts {
    pub events: u64,
    /// Directory for the capture file (removed afterwards).
    pub dir: PathBuf,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct RecorderResult {
    pub events: u64,
    pub rows_written: u64,
    pub dropped: u64,
    pub write_errors: u64,
    pub seconds: f64,
    pub rows_per_s: f64,
    pub writer_cpu_s: Option<f64>,
    pub rows_per_writer_cpu_s: Option<f64>,
    pub file_mib: f64,
}

/// Events of one `say` from connection `c` into room `r`.
fn say_events(i: u64) -> Result<[TapEvent; 3]> {
    let conn: std::sync::Arc<str> = format!("0000abcd-{}", i % 1000).into();
    let user: std::sync::Arc<str> = format!("u{}", i % 1000).into();
    let room = format!("room-{}", i % 16);
    let text = format!("message number {i} from a benchmark");
    let who = |mut e: TapEvent| {
        e.conn = Some(conn.clone());
        e.role = Some("user".into());
        e.user = Some(user.clone());
        e.name = Some("say".into());
        e
    };
    let input = json!({ "room": room, "text": text });
    let mut req = who(TapEvent::new(TapKind::RequestIn, Origin::Client));
    req.size = input.to_string().len() + 30;
    req.payload = Some(TapPayload::Json(input));
    req.meta = Some(json!({ "i": i }));

    let frame = encode::evt(
        "message",
        &json!({ "room": room, "text": text, "from": &*user }),
    )?;
    let mut bc = TapEvent::new(TapKind::RoomBroadcast, Origin::Client);
    bc.name = Some("message".into());
    bc.rooms = vec![room.as_str().into()];
    bc.size = frame.len();
    bc.payload = Some(TapPayload::Frame(frame));
    bc.recipients = Some(60);
    // Made inside the `say` handler: the server names the request that caused it.
    bc.cause = Some(TapCause {
        conn: conn.clone(),
        i,
    });

    let res = encode::res(i, &json!({ "ok": true }))?;
    let mut out = who(TapEvent::new(TapKind::ResponseOut, Origin::Client));
    out.size = res.len();
    out.payload = Some(TapPayload::Frame(res));
    out.meta = Some(json!({ "i": i, "duration_us": 12 }));
    Ok([req, bc, out])
}

pub fn run(o: &RecorderOpts) -> Result<RecorderResult> {
    std::fs::create_dir_all(&o.dir)?;
    let path = o
        .dir
        .join(format!("recorder-bench-{}.db", std::process::id()));
    let cfg = RecorderConfig::new(&path);
    let capacity = cfg.queue_capacity as u64;
    let rec = Recorder::open(cfg).with_context(|| format!("opening {}", path.display()))?;
    // Build the events up front: what is measured is the recorder, not JSON encoding.
    let templates: Vec<TapEvent> = (0..2048u64)
        .map(say_events)
        .collect::<Result<Vec<_>>>()?
        .into_iter()
        .flatten()
        .collect();
    let start = Instant::now();
    for i in 0..o.events {
        let mut e = templates[(i % templates.len() as u64) as usize].clone();
        e.at_us += i as i64;
        rec.observe(&e);
        if i % 1024 == 0 {
            while rec.stats().queue_depth > capacity.saturating_sub(4096) {
                std::thread::sleep(Duration::from_micros(200));
            }
        }
    }
    rec.flush()?;
    let seconds = start.elapsed().as_secs_f64();
    let writer_cpu_s = crate::procstat::thread_cpu("switchboard-recorder").map(|d| d.as_secs_f64());
    let stats = rec.stats();
    drop(rec);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    Ok(RecorderResult {
        events: o.events,
        rows_written: stats.rows_written,
        dropped: stats.dropped,
        write_errors: stats.write_errors,
        seconds,
        rows_per_s: stats.rows_written as f64 / seconds,
        writer_cpu_s,
        rows_per_writer_cpu_s: writer_cpu_s.map(|c| stats.rows_written as f64 / c.max(1e-9)),
        file_mib: stats.file_bytes as f64 / 1048576.0,
    })
}
