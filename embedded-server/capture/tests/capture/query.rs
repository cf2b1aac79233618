//! The query API: every filter, keyset paging both ways, counts per kind and per second.

use crate::support as capture_support;

use std::time::Duration;

use capture_support::*;
use serde_json::json;
use switchboard_capture::{CaptureReader, Cursor, Filter};
use switchboard_server::tap::{Origin, Tap, TapKind};

const T0: i64 = 1_700_000_000_000_000;

/// 300 rows: every 3rd second a different mix; see each assertion for the counts.
fn fixture() -> (TempCapture, CaptureReader) {
    let t = temp_capture();
    let rec = recorder(&t.path);
    rec.observe(&at(connect("c1", "user", "alice"), T0));
    rec.observe(&at(connect("c2", "admin", "bob"), T0 + 1));
    for i in 0..100i64 {
        let base = T0 + 1_000_000 * (i / 10) + 10;
        rec.observe(&at(
            room_broadcast(
                &[if i % 2 == 0 { "lobby" } else { "vip" }],
                "message",
                &json!({"i": i, "text": format!("line {i}")}),
                2,
            ),
            base,
        ));
        rec.observe(&at(
            emit("c1", "alice", "notice", &json!({"i": i, "Needle": i == 42})),
            base + 1,
        ));
        rec.observe(&at(
            publish(
                if i < 50 { "news" } else { "alerts" },
                &json!({"i": i}),
                "node-a",
                1,
            ),
            base + 2,
        ));
    }
    rec.observe(&at(disconnect("c2", 1000), T0 + 20_000_000));
    drop(rec);
    let reader = CaptureReader::open(&t.path).expect("open");
    (t, reader)
}

fn count(r: &CaptureReader, f: Filter) -> u64 {
    r.count(&f).expect("count")
}

#[test]
fn filters_select_the_right_rows() {
    let (_t, r) = fixture();
    assert_eq!(count(&r, Filter::default()), 303);
    assert_eq!(
        count(
            &r,
            Filter {
                kinds: vec![TapKind::RoomBroadcast],
                ..Filter::default()
            }
        ),
        100
    );
    assert_eq!(
        count(
            &r,
            Filter {
                kinds: vec![TapKind::Connect, TapKind::Disconnect],
                ..Filter::default()
            }
        ),
        3
    );
    assert_eq!(
        count(
            &r,
            Filter {
                names: vec!["notice".into()],
                ..Filter::default()
            }
        ),
        100
    );
    assert_eq!(
        count(
            &r,
            Filter {
                rooms: vec!["lobby".into()],
                ..Filter::default()
            }
        ),
        50
    );
    assert_eq!(
        count(
            &r,
            Filter {
                rooms: vec!["lobby".into(), "vip".into()],
                ..Filter::default()
            }
        ),
        100
    );
    assert_eq!(
        count(
            &r,
            Filter {
                topics: vec!["alerts".into()],
                ..Filter::default()
            }
        ),
        50
    );
    assert_eq!(
        count(
            &r,
            Filter {
                conns: vec!["c2".into()],
                ..Filter::default()
            }
        ),
        2
    );
    assert_eq!(
        count(
            &r,
            Filter {
                users: vec!["alice".into()],
                ..Filter::default()
            }
        ),
        101
    );
    assert_eq!(
        count(
            &r,
            Filter {
                roles: vec!["admin".into()],
                ..Filter::default()
            }
        ),
        1
    );
    assert_eq!(
        count(
            &r,
            Filter {
                origins: vec![Origin::Manual],
                ..Filter::default()
            }
        ),
        100
    );
    assert_eq!(
        count(
            &r,
            Filter {
                origins: vec![Origin::Client],
                ..Filter::default()
            }
        ),
        3
    );
    // Time range: [since, until).
    let first_10s = Filter {
        since_us: Some(T0),
        until_us: Some(T0 + 1_000_000),
        ..Filter::default()
    };
    assert_eq!(count(&r, first_10s), 2 + 30);
    // Text: case-insensitive, LIKE wildcards are literal.
    assert_eq!(
        count(
            &r,
            Filter {
                text: Some("needle\":true".into()),
                ..Filter::default()
            }
        ),
        1
    );
    assert_eq!(
        count(
            &r,
            Filter {
                text: Some("LINE 7".into()),
                ..Filter::default()
            }
        ),
        11
    );
    assert_eq!(
        count(
            &r,
            Filter {
                text: Some("%".into()),
                ..Filter::default()
            }
        ),
        0
    );
    // Combined: all must match.
    let combined = Filter {
        kinds: vec![TapKind::RoomBroadcast],
        rooms: vec!["vip".into()],
        text: Some("line 9".into()),
        ..Filter::default()
    };
    let page = r.query(&combined, Cursor::Start, 100).expect("query");
    let is: Vec<i64> = page
        .rows
        .iter()
        .map(|row| {
            serde_json::from_str::<serde_json::Value>(row.payload_str().unwrap()).unwrap()["i"]
                .as_i64()
                .unwrap()
        })
        .collect();
    assert_eq!(is, [9, 91, 93, 95, 97, 99]);
}

#[test]
fn pages_go_both_ways_without_gaps_or_overlaps() {
    let (_t, r) = fixture();
    let f = Filter {
        kinds: vec![TapKind::Emit, TapKind::SharedPublish],
        ..Filter::default()
    };
    let all: Vec<i64> = r
        .query(&f, Cursor::Start, 10_000)
        .expect("all")
        .rows
        .iter()
        .map(|x| x.seq)
        .collect();
    assert_eq!(all.len(), 200);

    // Forward from the start.
    let mut seen = Vec::new();
    let mut page = r.query(&f, Cursor::Start, 30).expect("first");
    assert!(!page.has_older);
    loop {
        seen.extend(page.rows.iter().map(|x| x.seq));
        match page.newer() {
            Some(c) => page = r.query(&f, c, 30).expect("next"),
            None => break,
        }
    }
    assert_eq!(seen, all);

    // Backward from the end.
    let mut seen = Vec::new();
    let mut page = r.query(&f, Cursor::End, 30).expect("last");
    assert!(!page.has_newer);
    assert_eq!(page.rows.len(), 30);
    loop {
        let mut chunk: Vec<i64> = page.rows.iter().map(|x| x.seq).collect();
        chunk.extend(seen);
        seen = chunk;
        match page.older() {
            Some(c) => page = r.query(&f, c, 30).expect("previous"),
            None => break,
        }
    }
    assert_eq!(seen, all);

    // From the middle both neighbours are announced, and rows are ascending.
    let mid = r.query(&f, Cursor::After(all[99]), 10).expect("mid");
    assert!(mid.has_older && mid.has_newer);
    assert_eq!(mid.rows.first().map(|x| x.seq), Some(all[100]));
    let back = r.query(&f, Cursor::Before(all[100]), 10).expect("back");
    assert_eq!(
        back.rows.iter().map(|x| x.seq).collect::<Vec<_>>(),
        all[90..100]
    );
    // Past the end: empty page that still knows about older rows.
    let past = r.query(&f, Cursor::After(i64::MAX - 1), 10).expect("past");
    assert!(past.rows.is_empty() && past.has_older && !past.has_newer);
}

#[test]
fn counts_per_kind_and_per_second() {
    let (_t, r) = fixture();
    let kinds = r.counts_by_kind(&Filter::default()).expect("kinds");
    let get = |k: TapKind| kinds.iter().find(|c| c.kind == k).map(|c| c.count);
    assert_eq!(get(TapKind::RoomBroadcast), Some(100));
    assert_eq!(get(TapKind::Emit), Some(100));
    assert_eq!(get(TapKind::SharedPublish), Some(100));
    assert_eq!(get(TapKind::Connect), Some(2));
    assert_eq!(get(TapKind::Disconnect), Some(1));
    assert_eq!(get(TapKind::ResponseOut), None);

    let rate = r
        .rate(&Filter::default(), Duration::from_secs(1))
        .expect("rate");
    assert_eq!(rate.len(), 11, "{rate:?}");
    assert_eq!(rate[0].start_us, T0);
    assert_eq!(rate[0].count, 32);
    assert!(rate[1..10].iter().all(|b| b.count == 30));
    assert_eq!(rate[10].start_us, T0 + 20_000_000);

    let filtered = r
        .rate(
            &Filter {
                kinds: vec![TapKind::Emit],
                ..Filter::default()
            },
            Duration::from_secs(5),
        )
        .expect("rate");
    assert_eq!(
        filtered.iter().map(|b| b.count).collect::<Vec<_>>(),
        [50, 50]
    );
}

#[test]
fn reader_refuses_files_that_are_not_captures() {
    let t = temp_capture();
    let other = t.dir.path().join("other.db");
    let c = rusqlite::Connection::open(&other).expect("create");
    c.execute_batch("CREATE TABLE x (a)").expect("table");
    drop(c);
    let err = CaptureReader::open(&other).expect_err("not a capture");
    assert!(
        err.to_string().contains("not a Switchboard capture"),
        "{err}"
    );
    let err = CaptureReader::open(t.dir.path().join("missing.db")).expect_err("missing");
    assert!(err.to_string().contains("no such file"), "{err}");
}
