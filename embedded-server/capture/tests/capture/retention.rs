//! Retention: the oldest rows go first, by size and by age; imported sessions are exempt from the
//! age limit; a pruned file keeps growing its seq.

use crate::support as capture_support;

use std::time::Duration;

use capture_support::*;
use serde_json::json;
use switchboard_capture::{import, CaptureReader, Cursor, Filter, Recorder, Retention};
use switchboard_server::tap::{now_us, Tap};

#[test]
fn size_limit_prunes_oldest_rows_first() {
    let t = temp_capture();
    let mut cfg = config(&t.path);
    let max = 2 * 1024 * 1024;
    cfg.retention = Retention {
        max_bytes: Some(max),
        max_age: None,
        check_every: Duration::from_secs(3600),
    };
    let rec = Recorder::open(cfg).expect("open");
    for i in 0..40_000 {
        rec.observe(&synthetic(i));
    }
    rec.flush().expect("flush");
    rec.prune_now().expect("prune");
    let stats = rec.stats();
    assert!(stats.rows_pruned > 0, "{stats:?}");
    let r = CaptureReader::open(&t.path).expect("open");
    let c = rusqlite::Connection::open(&t.path).expect("open");
    let used: i64 = c
        .query_row(
            "SELECT (page_count - freelist_count) * page_size FROM pragma_page_count, pragma_freelist_count, pragma_page_size",
            [],
            |r| r.get(0),
        )
        .expect("used");
    assert!(used as u64 <= max, "used {used} > {max}");
    let left = r.count(&Filter::default()).expect("count");
    assert_eq!(left + stats.rows_pruned, 40_000);
    // What is left is the newest rows, contiguous.
    let st = r.stats().expect("stats");
    assert_eq!(st.last_seq, Some(40_000));
    assert_eq!(st.first_seq, Some(40_000 - left as i64 + 1));
    // event_rooms follows the pruned rows (no dangling room index entries).
    let orphans: i64 = c
        .query_row(
            "SELECT count(*) FROM event_rooms WHERE seq NOT IN (SELECT seq FROM events)",
            [],
            |r| r.get(0),
        )
        .expect("orphans");
    assert_eq!(orphans, 0);
    // So does event_conns: exactly one entry per remaining row with a connection.
    let keyed = |sql: &str| -> i64 { c.query_row(sql, [], |r| r.get(0)).expect(sql) };
    assert_eq!(
        keyed("SELECT count(*) FROM event_conns WHERE seq NOT IN (SELECT seq FROM events)"),
        0
    );
    assert_eq!(
        keyed("SELECT count(*) FROM event_conns"),
        keyed("SELECT count(*) FROM events WHERE conn IS NOT NULL")
    );

    // New rows continue the sequence.
    rec.observe(&synthetic(0));
    rec.flush().expect("flush");
    let last = r
        .query(&Filter::default(), Cursor::End, 1)
        .expect("last")
        .rows;
    assert_eq!(last[0].seq, 40_001);
}

#[test]
fn age_limit_prunes_old_live_rows_but_keeps_imports() {
    let t = temp_capture();
    // An "imported" bug report with old timestamps.
    let src = temp_capture();
    {
        let rec = recorder(&src.path);
        for i in 0..10 {
            rec.observe(&at(emit("c1", "u", "old", &json!({"i": i})), 1_000_000 + i));
        }
    }
    import(&t.path, &src.path, &mut |_, _| {}).expect("import");

    let mut cfg = config(&t.path);
    cfg.retention = Retention {
        max_bytes: None,
        max_age: Some(Duration::from_secs(60)),
        check_every: Duration::from_secs(3600),
    };
    let rec = Recorder::open(cfg).expect("open");
    let now = now_us();
    for i in 0..100 {
        // Half are two minutes old, half are fresh.
        let when = if i < 50 { now - 120_000_000 } else { now };
        rec.observe(&at(synthetic(i), when + i as i64));
    }
    rec.flush().expect("flush");
    rec.prune_now().expect("prune");
    assert_eq!(rec.stats().rows_pruned, 50);
    let r = CaptureReader::open(&t.path).expect("open");
    let live = r
        .count(&Filter {
            sessions: vec![rec.session_id()],
            ..Filter::default()
        })
        .expect("count");
    assert_eq!(live, 50);
    assert_eq!(
        r.count(&Filter {
            names: vec!["old".into()],
            ..Filter::default()
        })
        .expect("count"),
        10
    );
}

#[test]
fn retention_runs_in_the_background() {
    let t = temp_capture();
    let mut cfg = config(&t.path);
    cfg.retention = Retention {
        max_bytes: None,
        max_age: Some(Duration::from_secs(1)),
        check_every: Duration::from_millis(20),
    };
    let rec = Recorder::open(cfg).expect("open");
    for i in 0..10 {
        rec.observe(&at(synthetic(i), 1));
    }
    rec.flush().expect("flush");
    // No timing assertion: wait (bounded) until the background check has run.
    for _ in 0..500 {
        if rec.stats().rows_pruned == 10 {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(rec.stats().rows_pruned, 10);
}
