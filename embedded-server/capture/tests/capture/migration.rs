//! Schema-v1 files: read as they are (old captures and snapshots open and import), and opening
//! one with the recorder upgrades it: connection lookups move to `event_conns`, the indexes v2
//! no longer has are dropped, and every row stays findable and prunable.

use crate::support as capture_support;

use capture_support::*;
use switchboard_capture::{CaptureReader, Cursor, Filter};
use switchboard_server::tap::Tap;

const V1: &str = include_str!("../../src/migrations/0001_init.sql");

/// A file as a v1 build left it: 0001 applied, 30 rows on 3 connections, every third in a room.
fn write_v1(path: &std::path::Path) {
    let c = rusqlite::Connection::open(path).expect("open");
    c.execute_batch(&format!(
        "PRAGMA application_id = {};
         CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL,
                                         applied_us INTEGER NOT NULL);
         {V1}
         INSERT INTO schema_migrations VALUES (1, '0001_init', 0);
         INSERT INTO sessions (id, started_us, node_id, tool_version) VALUES (1, 0, 'n', 'v1');",
        switchboard_capture::schema::APPLICATION_ID
    ))
    .expect("v1 schema");
    for i in 0..30i64 {
        let rooms = (i % 3 == 0).then(|| format!("[\"room-{}\"]", i % 2));
        c.execute(
            "INSERT INTO events (at_us, node_id, session_id, kind, conn, rooms, size, origin)
             VALUES (?1, 'n', 1, 'emit', ?2, ?3, 0, 'client')",
            rusqlite::params![i, format!("c{}", i % 3), rooms],
        )
        .expect("row");
        if rooms.is_some() {
            c.execute(
                "INSERT INTO event_rooms (room, seq) VALUES (?1, last_insert_rowid())",
                [format!("room-{}", i % 2)],
            )
            .expect("room");
        }
    }
}

fn count(c: &rusqlite::Connection, sql: &str) -> i64 {
    c.query_row(sql, [], |r| r.get(0)).expect(sql)
}

#[test]
fn a_v1_file_reads_as_it_is() {
    let t = temp_capture();
    write_v1(&t.path);
    let r = CaptureReader::open(&t.path).expect("a v1 file opens read-only");
    let by_conn = Filter {
        conns: vec!["c2".into()],
        ..Filter::default()
    };
    let page = r.query(&by_conn, Cursor::End, 100).expect("query");
    assert_eq!(page.rows.len(), 10);
    assert!(page
        .rows
        .iter()
        .all(|row| row.conn.as_deref() == Some("c2")));
    drop(r);
    // Reading did not upgrade it.
    let c = rusqlite::Connection::open(&t.path).expect("open");
    assert_eq!(count(&c, "SELECT max(version) FROM schema_migrations"), 1);
}

#[test]
fn a_v1_file_is_upgraded_and_stays_consistent() {
    let t = temp_capture();
    write_v1(&t.path);
    let rec = recorder(&t.path);
    rec.observe(&emit("c1", "u1", "message", &serde_json::json!({})));
    rec.close().expect("close");

    let c = rusqlite::Connection::open(&t.path).expect("open");
    let index = |name: &str| {
        count(
            &c,
            &format!("SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = '{name}'"),
        )
    };
    assert_eq!(index("events_conn"), 0);
    assert_eq!(index("event_rooms_seq"), 0);
    assert_eq!(count(&c, "SELECT max(version) FROM schema_migrations"), 2);
    // The old rows and the new one are found by connection.
    assert_eq!(count(&c, "SELECT count(*) FROM event_conns"), 31);
    let r = CaptureReader::open(&t.path).expect("reader");
    let by_conn = Filter {
        conns: vec!["c1".into()],
        ..Filter::default()
    };
    let page = r.query(&by_conn, Cursor::End, 100).expect("query");
    assert_eq!(page.rows.len(), 11);
    assert!(page
        .rows
        .iter()
        .all(|row| row.conn.as_deref() == Some("c1")));

    // Pruning through the new triggers leaves no side-table entry behind, even for a row whose
    // `rooms` is not valid JSON.
    c.execute("UPDATE events SET rooms = 'not json' WHERE seq = 4", [])
        .expect("damage");
    c.execute("DELETE FROM events WHERE seq <= 20", [])
        .expect("prune");
    assert_eq!(
        count(&c, "SELECT count(*) FROM event_rooms WHERE seq <= 20"),
        0
    );
    assert_eq!(
        count(&c, "SELECT count(*) FROM event_conns WHERE seq <= 20"),
        0
    );
    assert_eq!(count(&c, "SELECT count(*) FROM event_conns"), 11);
    assert_eq!(count(&c, "SELECT count(*) FROM event_rooms"), 3);
}
