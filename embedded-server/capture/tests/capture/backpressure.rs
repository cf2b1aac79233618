//! The server never waits for the recorder: when the queue is full, events are dropped and
//! counted, and the count reaches the file.

use crate::support as capture_support;

use std::time::Duration;

use capture_support::*;
use switchboard_capture::{CaptureReader, Recorder};
use switchboard_server::tap::Tap;

#[test]
fn a_full_queue_drops_and_counts_instead_of_blocking() {
    let t = temp_capture();
    let mut cfg = config(&t.path);
    cfg.queue_capacity = 8;
    cfg.batch_rows = 4;
    cfg.batch_window = Duration::from_millis(1);
    let rec = Recorder::open(cfg).expect("open");

    // Another process-like connection holds the write lock, so the writer's first commit waits
    // on it while we keep observing: the queue must fill and observe() must not block.
    let blocker = rusqlite::Connection::open(&t.path).expect("open blocker");
    blocker.execute_batch("BEGIN IMMEDIATE").expect("lock");
    let total = 1_000u64;
    for i in 0..total {
        rec.observe(&synthetic(i));
    }
    let during = rec.stats();
    assert!(
        during.dropped > 0,
        "expected drops with a queue of 8: {during:?}"
    );
    blocker.execute_batch("COMMIT").expect("unlock");

    rec.flush().expect("flush");
    let stats = rec.stats();
    assert_eq!(
        stats.rows_written + stats.dropped + stats.rows_lost,
        total,
        "{stats:?}"
    );
    // One more batch so the session row carries the final drop count.
    rec.observe(&synthetic(total));
    rec.flush().expect("flush");
    let reader = CaptureReader::open(&t.path).expect("reader");
    let session = &reader.sessions().expect("sessions")[0];
    assert_eq!(session.dropped, stats.dropped);
}

#[test]
fn a_backlog_full_of_bytes_drops_and_counts_them_apart() {
    let t = temp_capture();
    let mut cfg = config(&t.path);
    // Room for every event in rows, but only for a few of them in bytes.
    cfg.queue_capacity = 10_000;
    cfg.max_backlog_bytes = 10 * 1024;
    cfg.batch_window = Duration::from_millis(1);
    let rec = Recorder::open(cfg).expect("open");

    let blocker = rusqlite::Connection::open(&t.path).expect("open blocker");
    blocker.execute_batch("BEGIN IMMEDIATE").expect("lock");
    let total = 200u64;
    for i in 0..total {
        let mut e = synthetic(i);
        e.size = 1024;
        rec.observe(&e);
    }
    let during = rec.stats();
    assert!(
        during.dropped_over_bytes > 0 && during.dropped_over_bytes <= during.dropped,
        "the byte bound refused events: {during:?}"
    );
    assert!(during.backlog_bytes <= 10 * 1024, "{during:?}");
    blocker.execute_batch("COMMIT").expect("unlock");

    rec.flush().expect("flush");
    let stats = rec.stats();
    assert_eq!(stats.backlog_bytes, 0, "{stats:?}");
    assert_eq!(
        stats.rows_written + stats.dropped + stats.rows_lost,
        total,
        "{stats:?}"
    );
    // Room again once committed.
    rec.observe(&synthetic(total));
    rec.flush().expect("flush");
    assert_eq!(rec.stats().dropped, stats.dropped);
    let reader = CaptureReader::open(&t.path).expect("reader");
    assert_eq!(
        reader.sessions().expect("sessions")[0].dropped,
        stats.dropped
    );
}
