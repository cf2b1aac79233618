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
