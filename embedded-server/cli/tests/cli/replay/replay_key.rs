//! `--replay-key` on both sides: a server started with it records a `replay --replay-key` run
//! with origin `replay`, and the same replay without the key as ordinary clients.

use std::path::Path;

use switchboard_capture::{CaptureReader, Cursor, Filter, Row};
use switchboard_server::tap::{Origin, TapKind};
use switchboard_server::REPLAY_PARAM;
use switchboard_testkit::until;

use super::scenarios;
use super::support::*;
use crate::spawn::spawn_binary;

const KEY: &str = "an-operator-chosen-key";

async fn replay(db: &Path, target: &str, extra: &[&str]) {
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_switchboard-server"))
        .arg("replay")
        .arg("--db")
        .arg(db)
        .args(["--target", target, "--speed", "0", "--order", "recorded"])
        .args(extra)
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(WAIT, out)
        .await
        .expect("replay command finishes")
        .expect("replay command runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn connects(path: &Path) -> Vec<Row> {
    let Ok(reader) = CaptureReader::open(path) else {
        return Vec::new();
    };
    let filter = Filter {
        kinds: vec![TapKind::Connect],
        ..Filter::default()
    };
    reader
        .query(&filter, Cursor::Start, 1000)
        .map(|page| page.rows)
        .unwrap_or_default()
}

#[tokio::test]
async fn a_replay_with_the_servers_key_is_recorded_as_replay() {
    let recorded = record(scenarios::solo).await;
    let target_capture = temp_capture();
    let db = target_capture.path.display().to_string();
    let (mut child, url) = spawn_binary(&[
        "--demo",
        "--listen",
        "127.0.0.1:0",
        "--record",
        &db,
        "--replay-key",
        KEY,
    ])
    .await;
    replay(&recorded.path, &url, &[]).await;
    replay(&recorded.path, &url, &["--replay-key", KEY]).await;

    let expected = 2 * connects(&recorded.path).len();
    until("every replayed connect is recorded", || async {
        connects(&target_capture.path).len() == expected
    })
    .await;
    child.kill().unwrap();
    let _ = child.wait();
    let mut origins: Vec<(Origin, bool)> = connects(&target_capture.path)
        .iter()
        .map(|row| {
            let params = &row.meta.as_ref().expect("meta")["params"];
            (row.origin, params[REPLAY_PARAM].is_string())
        })
        .collect();
    origins.sort_by_key(|(o, _)| o.as_str());
    let half = expected / 2;
    let mut want = vec![(Origin::Client, true); half];
    want.extend(vec![(Origin::Replay, true); half]);
    assert_eq!(origins, want);
}

#[test]
fn a_short_replay_key_is_refused() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_switchboard-server"))
        .args(["--listen", "127.0.0.1:0", "--replay-key", "short"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("at least 16 characters"), "{err}");
}
