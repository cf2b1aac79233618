//! Failures: an unwritable path is a clear error at start; a write failure while running (disk
//! full, file removed) is reported and counted and recording goes on.

use crate::support as capture_support;

use std::time::Duration;

use capture_support::*;
use switchboard_capture::{CaptureError, CaptureReader, Filter, Recorder};
use switchboard_server::tap::Tap;

#[test]
fn unwritable_paths_fail_at_start_with_a_reason() {
    let t = temp_capture();
    let cases = [
        (
            t.dir.path().join("no/such/dir/capture.db"),
            "does not exist",
        ),
        (t.dir.path().to_path_buf(), "is a directory"),
    ];
    for (path, reason) in cases {
        let err = Recorder::open(config(&path)).expect_err("must fail");
        assert!(matches!(err, CaptureError::NotWritable { .. }), "{err:?}");
        let msg = err.to_string();
        assert!(
            msg.contains(reason) && msg.contains(&path.display().to_string()),
            "{msg}"
        );
    }
    // A parent that is a file.
    let file = t.dir.path().join("plain");
    std::fs::write(&file, b"x").expect("write");
    let err = Recorder::open(config(&file.join("capture.db"))).expect_err("must fail");
    assert!(matches!(err, CaptureError::NotWritable { .. }), "{err:?}");
    // A file that is not a database is refused rather than written into.
    let err = Recorder::open(config(&file)).expect_err("must fail");
    assert!(err.to_string().contains("not a SQLite database"), "{err}");
    assert_eq!(std::fs::read(&file).expect("read"), b"x", "left untouched");
    // So is a SQLite database that is not a capture.
    let other = t.dir.path().join("other.db");
    rusqlite::Connection::open(&other)
        .expect("create")
        .execute_batch("CREATE TABLE t (a)")
        .expect("table");
    let err = Recorder::open(config(&other)).expect_err("must fail");
    assert!(
        err.to_string().contains("not a Switchboard capture"),
        "{err}"
    );
}

#[test]
fn a_full_disk_is_counted_and_recording_goes_on() {
    let t = temp_capture();
    let mut cfg = config(&t.path);
    // SQLite refuses to grow past ~256 KiB: the same error path as a full disk.
    cfg.hard_max_bytes = Some(256 * 1024);
    cfg.batch_rows = 500;
    let rec = Recorder::open(cfg).expect("open");
    for i in 0..20_000 {
        rec.observe(&synthetic(i));
        if i % 500 == 0 {
            rec.flush().expect("flush");
        }
    }
    rec.flush().expect("flush");
    let stats = rec.stats();
    assert!(stats.write_errors > 0, "{stats:?}");
    assert!(stats.rows_lost > 0);
    assert!(stats.rows_written > 0);
    assert_eq!(stats.rows_written + stats.rows_lost + stats.dropped, 20_000);
    let err = stats.last_error.expect("the error is reported");
    assert!(err.contains("full"), "{err}");
    // observe() still works and the file is intact and readable.
    rec.observe(&synthetic(0));
    drop(rec);
    let r = CaptureReader::open(&t.path).expect("open");
    assert!(r.count(&Filter::default()).expect("count") > 0);
}

#[test]
fn a_removed_file_is_reported_and_recreated() {
    let t = temp_capture();
    let rec = recorder(&t.path);
    for i in 0..100 {
        rec.observe(&synthetic(i));
    }
    rec.flush().expect("flush");
    for suffix in ["", "-wal", "-shm"] {
        let mut p = t.path.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(&p);
    }
    for i in 100..150 {
        rec.observe(&synthetic(i));
    }
    rec.flush().expect("flush");
    let stats = rec.stats();
    assert_eq!(stats.write_errors, 1, "{stats:?}");
    assert!(
        stats
            .last_error
            .as_deref()
            .unwrap_or_default()
            .contains("removed"),
        "{stats:?}"
    );
    assert_eq!(stats.rows_written, 150);
    let session = rec.session_id();
    drop(rec);
    // The new file holds what came after the removal, under the same session.
    let r = CaptureReader::open(&t.path).expect("reopen");
    assert_eq!(r.count(&Filter::default()).expect("count"), 50);
    assert_eq!(r.sessions().expect("sessions")[0].id, session);
}

#[test]
fn a_directory_that_vanishes_loses_rows_but_not_the_recorder() {
    let t = temp_capture();
    let dir = t.dir.path().join("sub");
    std::fs::create_dir(&dir).expect("mkdir");
    let path = dir.join("c.db");
    let mut cfg = config(&path);
    cfg.batch_window = Duration::from_millis(5);
    let rec = Recorder::open(cfg).expect("open");
    rec.observe(&synthetic(0));
    rec.flush().expect("flush");
    std::fs::remove_dir_all(&dir).expect("rm");
    for i in 1..=10 {
        rec.observe(&synthetic(i));
    }
    rec.flush().expect("flush");
    let stats = rec.stats();
    assert_eq!(stats.rows_written, 1);
    assert_eq!(stats.rows_lost, 10);
    assert!(stats.write_errors >= 1);
    assert!(stats.last_error.is_some());
    // Once the directory is back, recording resumes by itself.
    std::fs::create_dir(&dir).expect("mkdir again");
    rec.observe(&synthetic(11));
    rec.flush().expect("flush");
    assert_eq!(rec.stats().rows_written, 2);
}
