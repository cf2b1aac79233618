//! Import: a JSONL or SQLite export becomes new sessions in another capture file, with original
//! timestamps, and can be exported again identically.

use crate::support as capture_support;

use capture_support::*;
use serde_json::json;
use switchboard_capture::{
    export, import, CaptureReader, Cursor, ExportFormat, ExportOptions, Filter, Redaction, Row,
};
use switchboard_server::tap::Tap;

fn source(t: &TempCapture) -> Vec<Row> {
    let rec = recorder(&t.path);
    rec.observe(&connect("c1", "user", "alice"));
    rec.observe(&room_add("c1", "lobby"));
    for i in 0..5000u64 {
        rec.observe(&synthetic(i));
    }
    rec.observe(&frame_error("c1", "not json at all"));
    drop(rec);
    let r = CaptureReader::open(&t.path).expect("open");
    r.query(&Filter::default(), Cursor::Start, 10_000)
        .expect("rows")
        .rows
}

/// Compares rows ignoring seq and session id (which the target assigns).
fn same(a: &Row, b: &Row) {
    let strip = |r: &Row| {
        let mut v = serde_json::to_value(r).unwrap();
        v.as_object_mut().unwrap().remove("seq");
        v.as_object_mut().unwrap().remove("session_id");
        v
    };
    assert_eq!(strip(a), strip(b));
}

#[test]
fn jsonl_and_sqlite_exports_import_as_new_sessions() {
    let src = temp_capture();
    let original = source(&src);
    let reader = CaptureReader::open(&src.path).expect("open");
    let opts = ExportOptions {
        redaction: Redaction::none(),
        ..ExportOptions::default()
    };
    let jsonl = src.dir.path().join("bug.jsonl");
    let snap = src.dir.path().join("bug.db");
    export(&reader, ExportFormat::Jsonl, &jsonl, &opts, &mut |_| {}).expect("jsonl");
    export(&reader, ExportFormat::Sqlite, &snap, &opts, &mut |_| {}).expect("sqlite");

    // The teammate's capture already has a live session of its own.
    let dst = temp_capture();
    {
        let rec = recorder(&dst.path);
        rec.observe(&emit("z9", "zed", "hello", &json!({})));
    }
    let mut progress = Vec::new();
    let a = import(&dst.path, &jsonl, &mut |done, total| {
        progress.push((done, total))
    })
    .expect("import jsonl");
    assert_eq!(a.rows, original.len() as u64);
    assert_eq!(a.sessions.len(), 1);
    assert_eq!(
        progress.last().map(|(d, t)| d == t),
        Some(true),
        "JSONL progress ends at the file size"
    );
    let b = import(&dst.path, &snap, &mut |_, _| {}).expect("import sqlite");
    assert_eq!(b.rows, original.len() as u64);
    assert_ne!(a.sessions, b.sessions, "a new session per imported source");

    let r = CaptureReader::open(&dst.path).expect("open dst");
    let sessions = r.sessions().expect("sessions");
    assert_eq!(sessions.len(), 3);
    let src_session = &reader.sessions().expect("src sessions")[0];
    for (id, file) in [(a.sessions[0], &jsonl), (b.sessions[0], &snap)] {
        let s = sessions.iter().find(|s| s.id == id).expect("session");
        assert_eq!(
            s.imported_from.as_deref(),
            Some(file.display().to_string().as_str())
        );
        assert_eq!(s.source_session, Some(src_session.id));
        assert_eq!(s.started_us, src_session.started_us);
        assert_eq!(s.contract, src_session.contract);
        assert_eq!(s.rows_written, original.len() as u64);
        let rows = r
            .query(
                &Filter {
                    sessions: vec![id],
                    ..Filter::default()
                },
                Cursor::Start,
                10_000,
            )
            .expect("rows")
            .rows;
        assert_eq!(rows.len(), original.len());
        for (x, y) in rows.iter().zip(&original) {
            same(x, y);
        }
        assert!(rows.windows(2).all(|w| w[0].seq < w[1].seq));
    }
    // Room filters work on imported rows too.
    let lobby = r
        .count(&Filter {
            rooms: vec!["lobby".into()],
            sessions: b.sessions.clone(),
            ..Filter::default()
        })
        .expect("count");
    assert_eq!(lobby, 1);
}

#[test]
fn bad_input_is_reported_with_its_line() {
    let t = temp_capture();
    let bad = t.dir.path().join("bad.jsonl");
    let header = r#"{"format":"switchboard-capture","format_version":1,"tool_version":"x","exported_at_us":0,"filter":{},"redaction":{"enabled":false,"default_keys":[],"keys":[],"paths":[],"mask":""},"contract":null,"sessions":[]}"#;
    let good = r#"{"seq":1,"at_us":5,"node_id":"n","session_id":1,"kind":"emit","size":0,"origin":"server"}"#;
    std::fs::write(
        &bad,
        format!("{header}\n{good}\n{{\"seq\":2,\"kind\":\"nope\"}}\n"),
    )
    .expect("write");
    let err = import(&t.path, &bad, &mut |_, _| {}).expect_err("bad line");
    assert!(err.to_string().contains("bad.jsonl:3:"), "{err}");
    // Nothing of a failed import is kept.
    let r = CaptureReader::open(&t.path).expect("open");
    assert_eq!(r.count(&Filter::default()).expect("count"), 0);

    let not_export = t.dir.path().join("x.jsonl");
    std::fs::write(&not_export, "{\"hello\":1}\n").expect("write");
    let err = import(&t.path, &not_export, &mut |_, _| {}).expect_err("not an export");
    assert!(err.to_string().contains("x.jsonl:1:"), "{err}");
}

const HEADER: &str = r#"{"format":"switchboard-capture","format_version":1,"tool_version":"x","exported_at_us":0,"filter":{},"redaction":{"enabled":false,"default_keys":[],"keys":[],"paths":[],"mask":""},"contract":null,"sessions":[{"id":1,"started_us":1,"node_id":"n","tool_version":"x","contract":null,"imported_from":null,"source_session":null,"ended_us":null,"rows_written":0,"dropped":0,"write_errors":0,"rows_lost":0}]}"#;

fn good_row(seq: u64) -> String {
    format!(
        r#"{{"seq":{seq},"at_us":{seq},"node_id":"n","session_id":1,"kind":"emit","size":2,"origin":"server","payload":{{"i":{seq}}}}}"#
    )
}

/// A JSONL export whose line `bad_line` (1-based, the header being line 1) is `bad`.
fn jsonl_failing_at(path: &std::path::Path, bad_line: u64, bad: &str) {
    let mut text = format!("{HEADER}\n");
    for seq in 2..bad_line {
        text.push_str(&good_row(seq));
        text.push('\n');
    }
    text.push_str(bad);
    text.push('\n');
    std::fs::write(path, text).expect("write");
}

#[test]
fn an_import_failing_past_thousands_of_rows_keeps_nothing() {
    let t = temp_capture();
    {
        let rec = recorder(&t.path);
        rec.observe(&emit("z9", "zed", "hello", &json!({})));
    }
    let bad = t.dir.path().join("late.jsonl");
    jsonl_failing_at(&bad, 5_001, r#"{"seq":"oops"}"#);
    let err = import(&t.path, &bad, &mut |_, _| {}).expect_err("line 5001 is bad");
    assert!(err.to_string().contains("late.jsonl:5001:"), "{err}");
    let r = CaptureReader::open(&t.path).expect("open");
    assert_eq!(
        r.count(&Filter::default()).expect("count"),
        1,
        "only the row that was there before"
    );
    assert_eq!(
        r.sessions().expect("sessions").len(),
        1,
        "no session left behind"
    );
}

/// Every file in `dir` with its length and a hash of its bytes.
fn files(dir: &std::path::Path) -> Vec<(String, usize, u64)> {
    use std::hash::{Hash, Hasher};
    let mut all: Vec<_> = std::fs::read_dir(dir)
        .expect("list")
        .map(|e| {
            let e = e.expect("entry");
            let bytes = std::fs::read(e.path()).expect("read");
            let mut h = std::collections::hash_map::DefaultHasher::new();
            bytes.hash(&mut h);
            (
                e.file_name().to_string_lossy().into_owned(),
                bytes.len(),
                h.finish(),
            )
        })
        .collect();
    all.sort();
    all
}

#[test]
fn a_refused_destination_is_left_untouched() {
    let dir = tempfile::tempdir().expect("temp dir");
    let other = dir.path().join("app.db");
    {
        let c = rusqlite::Connection::open(&other).expect("create");
        c.execute_batch("CREATE TABLE accounts (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO accounts (name) VALUES ('a');")
            .expect("fill");
    }
    let input_dir = tempfile::tempdir().expect("temp dir");
    let input = input_dir.path().join("ok.jsonl");
    jsonl_failing_at(&input, 3, &good_row(3));

    let before = files(dir.path());
    let err = import(&other, &input, &mut |_, _| {}).expect_err("not a capture");
    assert!(
        err.to_string().contains("not a Switchboard capture"),
        "{err}"
    );
    assert_eq!(
        files(dir.path()),
        before,
        "the refused file is byte-identical and nothing was added beside it"
    );
}

#[test]
fn a_capture_is_not_imported_into_itself() {
    let t = temp_capture();
    let rows = source(&t).len() as u64;
    let sub = t.dir.path().join("sub");
    std::fs::create_dir(&sub).expect("mkdir");
    let link = t.dir.path().join("link.db");
    std::os::unix::fs::symlink(&t.path, &link).expect("symlink");
    let detour = sub.join("..").join("capture.db");
    for (db, input) in [(&t.path, &t.path), (&t.path, &link), (&detour, &t.path)] {
        let err = import(db, input, &mut |_, _| {}).expect_err("the same file");
        assert!(err.to_string().contains("into itself"), "{err}");
    }
    let r = CaptureReader::open(&t.path).expect("open");
    assert_eq!(r.count(&Filter::default()).expect("count"), rows);
    assert_eq!(r.sessions().expect("sessions").len(), 1);
}

#[test]
fn a_payload_nested_deeper_than_the_wire_allows_is_refused_with_its_line() {
    let t = temp_capture();
    let bad = t.dir.path().join("deep.jsonl");
    let depth = 100_000;
    let payload = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    let row = format!(
        r#"{{"seq":3,"at_us":3,"node_id":"n","session_id":1,"kind":"emit","size":1,"origin":"server","payload":{payload}}}"#
    );
    jsonl_failing_at(&bad, 3, &row);
    let err = import(&t.path, &bad, &mut |_, _| {}).expect_err("too deep");
    let text = err.to_string();
    assert!(
        text.contains("deep.jsonl:3:") && text.contains("nest"),
        "{text}"
    );
    let r = CaptureReader::open(&t.path).expect("open");
    assert_eq!(r.count(&Filter::default()).expect("count"), 0);

    // At the limit it imports, and exports again.
    let max = switchboard_server::wire::limits::MAX_DEPTH - 1;
    let payload = format!("{}{}", "[".repeat(max), "]".repeat(max));
    let ok = t.dir.path().join("ok.jsonl");
    let row = format!(
        r#"{{"seq":2,"at_us":2,"node_id":"n","session_id":1,"kind":"emit","size":1,"origin":"server","payload":{payload}}}"#
    );
    std::fs::write(&ok, format!("{HEADER}\n{row}\n")).expect("write");
    import(&t.path, &ok, &mut |_, _| {}).expect("at the limit");
    let reader = CaptureReader::open(&t.path).expect("open");
    let out = t.dir.path().join("again.jsonl");
    export(
        &reader,
        ExportFormat::Jsonl,
        &out,
        &ExportOptions::default(),
        &mut |_| {},
    )
    .expect("what was imported exports");
}

#[test]
fn a_payload_larger_than_a_frame_is_refused_with_its_line() {
    let t = temp_capture();
    let bad = t.dir.path().join("big.jsonl");
    let big = "x".repeat(switchboard_server::ServerConfig::default().max_frame_bytes + 1);
    let row = format!(
        r#"{{"seq":2,"at_us":2,"node_id":"n","session_id":1,"kind":"emit","size":1,"origin":"server","payload":"{big}"}}"#
    );
    jsonl_failing_at(&bad, 2, &row);
    let err = import(&t.path, &bad, &mut |_, _| {}).expect_err("too big");
    assert!(err.to_string().contains("big.jsonl:2:"), "{err}");
}
