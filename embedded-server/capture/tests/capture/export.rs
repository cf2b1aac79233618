//! Exports: each format parsed back and compared with the capture; HAR checked against a HAR 1.2
//! JSON Schema.

use crate::support as capture_support;

use std::collections::HashMap;
use std::path::Path;

use capture_support::*;
use serde_json::{json, Value};
use switchboard_capture::{
    export, CaptureReader, Cursor, ExportFormat, ExportHeader, ExportOptions, Filter, Redaction,
    Row,
};
use switchboard_server::tap::{Tap, TapKind};

/// Two users in a room, a subscriber, requests, a room broadcast, a publish, a secret.
fn fixture(path: &Path) {
    let rec = recorder(path);
    rec.observe(&connect("c1", "user", "alice"));
    rec.observe(&connect("c2", "user", "bob"));
    rec.observe(&room_add("c1", "lobby"));
    rec.observe(&room_add("c2", "lobby"));
    rec.observe(&subscribe("c2", "news"));
    rec.observe(&request_in(
        "c1",
        "user",
        "say",
        json!({"room": "lobby", "text": "hi", "token": "s3cret"}),
    ));
    rec.observe(&room_broadcast(
        &["lobby"],
        "message",
        &json!({"text": "hi", "from": "alice"}),
        2,
    ));
    rec.observe(&response_out("c1", "say", &json!({"ok": true})));
    rec.observe(&publish(
        "news",
        &json!({"msg": "maintenance"}),
        "node-a",
        1,
    ));
    rec.observe(&frame_error(
        "c2",
        "{\"t\":\"req\",\"d\":{\"password\":\"hunter2",
    ));
    rec.observe(&disconnect("c1", 1000));
    rec.observe(&emit("c2", "bob", "bye", &json!({"n": 1})));
    rec.flush().expect("flush");
}

fn setup() -> (TempCapture, CaptureReader, Vec<Row>) {
    let t = temp_capture();
    fixture(&t.path);
    let reader = CaptureReader::open(&t.path).expect("open");
    let rows = reader
        .query(&Filter::default(), Cursor::Start, 1000)
        .expect("rows")
        .rows;
    assert_eq!(rows.len(), 12);
    (t, reader, rows)
}

fn run(reader: &CaptureReader, format: ExportFormat, out: &Path, opts: &ExportOptions) -> u64 {
    let mut calls = 0;
    let n = export(reader, format, out, opts, &mut |_| calls += 1).expect("export");
    assert!(calls >= 1, "progress is reported at least once");
    assert!(!out.with_extension("partial").exists());
    n
}

#[test]
fn jsonl_round_trips_every_row() {
    let (t, reader, rows) = setup();
    let out = t.dir.path().join("out.jsonl");
    let opts = ExportOptions {
        redaction: Redaction::none(),
        ..ExportOptions::default()
    };
    assert_eq!(run(&reader, ExportFormat::Jsonl, &out, &opts), 12);
    let text = std::fs::read_to_string(&out).expect("read");
    let mut lines = text.lines();
    let header: ExportHeader =
        serde_json::from_str(lines.next().expect("header")).expect("header parses");
    assert_eq!(header.format, "switchboard-capture");
    assert_eq!(header.format_version, 1);
    assert_eq!(header.tool_version, env!("CARGO_PKG_VERSION"));
    assert!(!header.redaction.enabled);
    assert_eq!(header.sessions.len(), 1);
    assert_eq!(header.contract, header.sessions[0].contract);
    assert!(header.contract.is_some());
    let parsed: Vec<Row> = lines
        .map(|l| serde_json::from_str(l).expect("row parses"))
        .collect();
    assert_eq!(parsed.len(), rows.len());
    for (a, b) in parsed.iter().zip(&rows) {
        assert_eq!(
            serde_json::to_value(a).unwrap(),
            serde_json::to_value(b).unwrap()
        );
        assert_eq!(a.payload_str(), b.payload_str(), "payload bytes survive");
    }
}

#[test]
fn jsonl_export_applies_the_filter_and_records_it() {
    let (t, reader, _) = setup();
    let out = t.dir.path().join("filtered.jsonl");
    let filter = Filter {
        conns: vec!["c1".into()],
        kinds: vec![TapKind::RequestIn, TapKind::ResponseOut],
        ..Filter::default()
    };
    let opts = ExportOptions {
        filter: filter.clone(),
        ..ExportOptions::default()
    };
    assert_eq!(run(&reader, ExportFormat::Jsonl, &out, &opts), 2);
    let text = std::fs::read_to_string(&out).expect("read");
    let header: ExportHeader = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    assert_eq!(header.filter, filter);
    assert!(header.redaction.enabled);
    assert!(header.redaction.default_keys.contains(&"token".to_string()));
    assert!(
        !text.contains("s3cret"),
        "default redaction masks the token"
    );
}

#[test]
fn csv_round_trips() {
    let (t, reader, rows) = setup();
    let out = t.dir.path().join("out.csv");
    let opts = ExportOptions {
        redaction: Redaction::none(),
        ..ExportOptions::default()
    };
    assert_eq!(run(&reader, ExportFormat::Csv, &out, &opts), 12);
    let mut csv = csv::Reader::from_path(&out).expect("csv");
    let headers = csv.headers().expect("headers").clone();
    let col = |name: &str| headers.iter().position(|h| h == name).expect(name);
    let records: Vec<csv::StringRecord> = csv.records().map(|r| r.expect("record")).collect();
    assert_eq!(records.len(), rows.len());
    for (rec, row) in records.iter().zip(&rows) {
        assert_eq!(rec[col("seq")], row.seq.to_string());
        assert_eq!(rec[col("at_us")], row.at_us.to_string());
        assert_eq!(&rec[col("kind")], row.kind.as_str());
        assert_eq!(rec[col("conn")], row.conn.clone().unwrap_or_default());
        assert_eq!(&rec[col("payload")], row.payload_str().unwrap_or_default());
        assert_eq!(
            switchboard_capture::parse_time(&rec[col("time")]).unwrap(),
            row.at_us
        );
        if !row.rooms.is_empty() {
            let rooms: Vec<String> = serde_json::from_str(&rec[col("rooms")]).unwrap();
            assert_eq!(rooms, row.rooms);
        }
        if let Some(meta) = &row.meta {
            let m: Value = serde_json::from_str(&rec[col("meta")]).unwrap();
            assert_eq!(&m, meta);
        }
    }
    assert!(records[0][col("time")].ends_with('Z'), "times are UTC");
}

#[test]
fn sqlite_snapshot_holds_the_selection() {
    let (t, reader, rows) = setup();
    let out = t.dir.path().join("snap.db");
    let filter = Filter {
        kinds: vec![TapKind::RoomBroadcast, TapKind::SharedPublish],
        ..Filter::default()
    };
    let opts = ExportOptions {
        filter: filter.clone(),
        ..ExportOptions::default()
    };
    assert_eq!(run(&reader, ExportFormat::Sqlite, &out, &opts), 2);
    let snap = CaptureReader::open(&out).expect("snapshot opens as a capture");
    let got = snap
        .query(&Filter::default(), Cursor::Start, 100)
        .expect("rows")
        .rows;
    let want: Vec<&Row> = rows
        .iter()
        .filter(|r| filter.kinds.contains(&r.kind))
        .collect();
    assert_eq!(got.len(), 2);
    for (a, b) in got.iter().zip(want) {
        assert_eq!(
            serde_json::to_value(a).unwrap(),
            serde_json::to_value(b).unwrap(),
            "same seq, same row"
        );
    }
    assert_eq!(snap.sessions().expect("sessions").len(), 1);
    let c = rusqlite::Connection::open(&out).expect("open");
    let info: String = c
        .query_row("SELECT value FROM info WHERE key = 'export'", [], |r| {
            r.get(0)
        })
        .expect("info");
    let header: ExportHeader = serde_json::from_str(&info).expect("header");
    assert_eq!(header.filter, filter);
    assert!(
        !t.dir.path().join("snap.db-wal").exists(),
        "snapshot is one self-contained file"
    );
}

#[test]
fn har_validates_and_holds_each_connections_frames() {
    let (t, reader, _) = setup();
    let out = t.dir.path().join("out.har");
    assert_eq!(
        run(&reader, ExportFormat::Har, &out, &ExportOptions::default()),
        12
    );
    let har: Value =
        serde_json::from_str(&std::fs::read_to_string(&out).expect("read")).expect("json");

    let schema: Value =
        serde_json::from_str(include_str!("fixtures/har-1.2.schema.json")).expect("schema");
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(&har)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "HAR does not validate: {errors:#?}");
    // The schema does reject a broken HAR (so the check above means something).
    let mut broken = har.clone();
    broken["log"]["entries"][0]["_webSocketMessages"][0]["type"] = json!("sent");
    assert!(!validator.is_valid(&broken));

    let entries = har["log"]["entries"].as_array().expect("entries");
    assert_eq!(entries.len(), 2, "one entry per connection");
    let by_conn: HashMap<&str, &Value> = entries
        .iter()
        .map(|e| (e["request"]["queryString"][0]["value"].as_str().unwrap(), e))
        .collect();
    let msgs = |c: &str| -> Vec<(String, String)> {
        by_conn[c]["_webSocketMessages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                (
                    m["type"].as_str().unwrap().to_string(),
                    m["data"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let c1 = msgs("c1");
    assert_eq!(c1.len(), 3, "{c1:#?}");
    assert_eq!(c1[0].0, "send");
    let req: Value = serde_json::from_str(&c1[0].1).expect("req frame is JSON");
    assert_eq!(req["t"], "req");
    assert_eq!(req["m"], "say");
    assert_ne!(req["d"]["token"], "s3cret", "HAR is redacted too");
    assert_eq!(
        c1[1],
        (
            "receive".into(),
            r#"{"t":"evt","e":"message","d":{"from":"alice","text":"hi"}}"#.into()
        )
    );
    assert_eq!(c1[2].0, "receive");
    assert!(
        c1[2].1.starts_with(r#"{"t":"res","i":1,"d":{"ok":true}"#),
        "{}",
        c1[2].1
    );

    let c2 = msgs("c2");
    let kinds: Vec<String> = c2
        .iter()
        .map(|(dir, d)| {
            format!(
                "{dir}:{}",
                serde_json::from_str::<Value>(d)
                    .map(|v| v["t"].as_str().unwrap_or("?").to_string())
                    .unwrap_or("raw".into())
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "send:sub",
            "receive:evt",
            "receive:pub",
            "send:raw",
            "receive:evt"
        ]
    );
    assert!(
        !c2[3].1.contains("hunter2"),
        "raw frame text is redacted: {}",
        c2[3].1
    );
    let times: Vec<f64> = by_conn["c2"]["_webSocketMessages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["time"].as_f64().unwrap())
        .collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]));
    assert!(times[0] > 1.6e9, "epoch seconds");
}

#[test]
fn an_export_never_overwrites_its_source() {
    let (t, reader, _) = setup();
    let err = export(
        &reader,
        ExportFormat::Sqlite,
        &t.path,
        &ExportOptions::default(),
        &mut |_| {},
    )
    .expect_err("same file");
    assert!(err.to_string().contains("refusing"), "{err}");
    assert_eq!(
        reader.count(&Filter::default()).expect("still readable"),
        12
    );
}
