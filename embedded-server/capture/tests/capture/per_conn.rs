//! A connection's rows include the pushes stored once that reached it (room broadcasts, topic
//! publishes), derived from its recorded membership: the query, the count, the JSONL and CSV
//! exports and the HAR export filtered by that connection show the same set.

use std::collections::BTreeSet;

use serde_json::Value;
use switchboard_capture::received::direction;
use switchboard_capture::{
    export, CaptureReader, Cursor, ExportFormat, ExportOptions, Filter, Row,
};
use switchboard_server::tap::TapKind;

use crate::replay::{scenarios, support::record};

fn conn_of(reader: &CaptureReader, user: &str) -> String {
    let connects = reader
        .query(
            &Filter {
                kinds: vec![TapKind::Connect],
                users: vec![user.into()],
                ..Filter::default()
            },
            Cursor::Start,
            10,
        )
        .expect("query");
    connects.rows[0].conn.clone().expect("conn")
}

fn texts(rows: &[&Row]) -> Vec<String> {
    rows.iter()
        .filter_map(|r| r.payload_str())
        .filter_map(|p| serde_json::from_str::<Value>(p).ok())
        .filter_map(|v| v["text"].as_str().or(v["msg"].as_str()).map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn a_connection_shows_the_broadcasts_and_publishes_it_received() {
    let capture = record(scenarios::chat).await;
    let reader = CaptureReader::open(&capture.path).expect("open");
    let bob = conn_of(&reader, "bob");
    let alice = conn_of(&reader, "alice");
    let of = |conn: &str| Filter {
        conns: vec![conn.to_owned()],
        ..Filter::default()
    };
    let page = reader.query(&of(&bob), Cursor::Start, 1000).expect("page");
    let rows: Vec<&Row> = page.rows.iter().collect();
    let broadcasts: Vec<&Row> = rows
        .iter()
        .copied()
        .filter(|r| r.kind == TapKind::RoomBroadcast)
        .collect();
    // bob was in the lobby for `hello` and his own `hi alice`, and had left before `bye`.
    assert_eq!(texts(&broadcasts), ["hello", "hi alice"]);
    assert!(broadcasts
        .iter()
        .all(|r| direction(r.kind) == Some("received")));
    // bob never subscribed to `announce`; alice did and received ann's publish.
    assert!(rows.iter().all(|r| r.kind != TapKind::SharedPublish));
    let alice_rows = reader
        .query(&of(&alice), Cursor::Start, 1000)
        .expect("page");
    let publishes: Vec<&Row> = alice_rows
        .rows
        .iter()
        .filter(|r| r.kind == TapKind::SharedPublish)
        .collect();
    assert_eq!(texts(&publishes), ["deploy at 5"]);
    let alice_broadcasts: Vec<&Row> = alice_rows
        .rows
        .iter()
        .filter(|r| r.kind == TapKind::RoomBroadcast)
        .collect();
    assert_eq!(
        texts(&alice_broadcasts),
        // `ann left` is the demo's on_disconnect hook, broadcast to the room she left.
        ["hello", "hi alice", "bye", "ann left", "anyone left?"]
    );
    // Every row of the connection is its own or marked as received.
    for r in &rows {
        assert!(
            r.conn.as_deref() == Some(bob.as_str()) || direction(r.kind) == Some("received"),
            "{r:?}"
        );
    }
    let seqs: BTreeSet<i64> = rows.iter().map(|r| r.seq).collect();
    assert_eq!(reader.count(&of(&bob)).expect("count"), seqs.len() as u64);

    // Exports filtered by bob's connection hold the same rows.
    let dir = tempfile::tempdir().expect("dir");
    let opts = ExportOptions {
        filter: of(&bob),
        ..ExportOptions::default()
    };
    let jsonl = dir.path().join("bob.jsonl");
    export(&reader, ExportFormat::Jsonl, &jsonl, &opts, &mut |_| {}).expect("jsonl");
    let exported: BTreeSet<i64> = std::fs::read_to_string(&jsonl)
        .expect("read")
        .lines()
        .skip(1)
        .map(|l| {
            serde_json::from_str::<Value>(l).expect("line")["seq"]
                .as_i64()
                .expect("seq")
        })
        .collect();
    assert_eq!(exported, seqs);
    let csv = dir.path().join("bob.csv");
    export(&reader, ExportFormat::Csv, &csv, &opts, &mut |_| {}).expect("csv");
    let mut csv_seqs = BTreeSet::new();
    let mut marked = 0;
    for record in csv::Reader::from_path(&csv).expect("csv").records() {
        let record = record.expect("record");
        csv_seqs.insert(record[0].parse::<i64>().expect("seq"));
        if record[5] == *"room_broadcast" {
            assert_eq!(&record[17], "received");
            marked += 1;
        }
    }
    assert_eq!(csv_seqs, seqs);
    assert_eq!(marked, 2);
    let har = dir.path().join("bob.har");
    export(&reader, ExportFormat::Har, &har, &opts, &mut |_| {}).expect("har");
    let har: Value =
        serde_json::from_str(&std::fs::read_to_string(&har).expect("read")).expect("json");
    let entries = har["log"]["entries"].as_array().expect("entries");
    assert_eq!(entries.len(), 1);
    let received: Vec<String> = entries[0]["_webSocketMessages"]
        .as_array()
        .expect("messages")
        .iter()
        .filter(|m| m["type"] == "receive")
        .filter_map(|m| serde_json::from_str::<Value>(m["data"].as_str()?).ok())
        .filter(|f| f["e"] == "message" && f["d"]["room"] == "lobby")
        .filter_map(|f| f["d"]["text"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(received, ["hello", "hi alice"]);
}
