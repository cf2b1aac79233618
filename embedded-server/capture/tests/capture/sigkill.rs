//! Durability: a recording process killed with SIGKILL leaves a file that opens cleanly and holds
//! every row it had reported as committed, in order, without gaps.
//!
//! The child is this same test binary re-run with `--ignored --exact
//! sigkill::child_records_until_killed` (an env var names the file). Why not the example binary:
//! `CARGO_BIN_EXE_*` exists only for `[[bin]]` targets, `cargo test --test capture` does not
//! build examples, and running `cargo build` from inside a test would wait on the build
//! directory lock that `cargo test` holds. The child runs the same loop as
//! `examples/capture_writer.rs` (`tests/capture/support/writer.rs`).

use crate::support as capture_support;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use capture_support::*;
use switchboard_capture::{CaptureReader, Cursor, Filter};

const ENV: &str = "SWITCHBOARD_CAPTURE_CHILD_DB";

#[test]
#[ignore = "child process of sigkill_leaves_a_clean_file; does nothing when run alone"]
fn child_records_until_killed() {
    if let Ok(path) = std::env::var(ENV) {
        capture_support::writer::record_forever(std::path::Path::new(&path), 20_000);
    }
}

#[test]
fn sigkill_leaves_a_clean_file() {
    let t = temp_capture();
    let exe = std::env::current_exe().expect("test binary path");
    let mut child = Command::new(exe)
        .args([
            "--ignored",
            "--exact",
            "sigkill::child_records_until_killed",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(ENV, &t.path)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn child");
    let stdout = child.stdout.take().expect("child stdout");
    let mut committed_reports = 0;
    let mut last_written = 0u64;
    let mut last_observed = 0u64;
    for line in BufReader::new(stdout).lines() {
        let line = line.expect("read child output");
        let Some(rest) = line.strip_prefix("observed=") else {
            continue;
        };
        let mut parts = rest.split(" written=");
        last_observed = parts
            .next()
            .and_then(|s| s.parse().ok())
            .expect("observed count");
        last_written = parts
            .next()
            .and_then(|s| s.split_whitespace().next())
            .and_then(|s| s.parse().ok())
            .expect("written count");
        if last_written > 0 {
            committed_reports += 1;
        }
        // Several committed batches in, and mid-stream: kill it.
        if committed_reports >= 5 {
            break;
        }
    }
    child.kill().expect("SIGKILL");
    let status = child.wait().expect("wait");
    assert!(!status.success(), "the child was killed");
    assert!(
        last_written > 0,
        "the child committed rows before being killed"
    );

    // Opening read-write recovers the WAL like the recorder would on the next start.
    let c = rusqlite::Connection::open(&t.path).expect("reopen");
    let integrity: String = c
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("integrity");
    assert_eq!(integrity, "ok");
    drop(c);

    let r = CaptureReader::open(&t.path).expect("open capture");
    let rows = r
        .query(&Filter::default(), Cursor::Start, 10_000)
        .expect("rows")
        .rows;
    let total = r.count(&Filter::default()).expect("count");
    assert!(
        total >= last_written,
        "everything reported committed ({last_written}) survived, found {total}"
    );
    assert!(total <= last_observed + 20_000, "no rows from nowhere");
    // Rows are a gap-free prefix in seq, and events kept their order.
    let stats = r.stats().expect("stats");
    assert_eq!(stats.first_seq, Some(1));
    assert_eq!(stats.last_seq, Some(total as i64));
    let idx: Vec<u64> = rows
        .iter()
        .map(|row| {
            serde_json::from_str::<serde_json::Value>(row.payload_str().unwrap()).unwrap()["i"]
                .as_u64()
                .unwrap()
        })
        .collect();
    assert!(idx.windows(2).all(|w| w[0] < w[1]));
    // The session was never closed.
    let s = &r.sessions().expect("sessions")[0];
    assert!(s.ended_us.is_none());

    // And the file is good for recording again.
    let rec = recorder(&t.path);
    switchboard_server::tap::Tap::observe(&rec, &synthetic(0));
    rec.flush().expect("flush");
    assert_eq!(rec.stats().rows_written, 1);
}
