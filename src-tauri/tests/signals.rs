//! The `switchboard` console, headless, stopped by SIGTERM (a service manager, a container
//! runtime) or SIGINT (Ctrl-C): it shuts down in order and exits 0, and the capture's session
//! is marked ended.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use switchboard_capture::CaptureReader;

fn stops_gracefully_on(signal: libc::c_int) {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("console.db");
    let mut child = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args([
            "--headless",
            "--listen",
            "127.0.0.1:0",
            "--ui-listen",
            "127.0.0.1:0",
        ])
        .arg("--db")
        .arg(&db)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the console starts");
    // Read until it says it runs; keep reading afterwards so later prints meet an open pipe.
    let stdout = child.stdout.take().expect("piped stdout");
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { return };
            let _ = tx.send(line);
        }
    });
    loop {
        let line = rx
            .recv_timeout(std::time::Duration::from_secs(30))
            .expect("the console prints that it runs");
        if line.starts_with("Press Ctrl-C") {
            break;
        }
    }

    let pid = libc::pid_t::try_from(child.id()).expect("pid fits");
    // SAFETY: kill(2) with the pid of a child this test started and has not reaped yet.
    assert_eq!(unsafe { libc::kill(pid, signal) }, 0, "signal sent");
    let status = child.wait().expect("wait");
    assert_eq!(status.code(), Some(0), "graceful exit: {status:?}");

    let reader = CaptureReader::open(&db).expect("the capture opens");
    let sessions = reader.sessions().expect("sessions");
    assert_eq!(sessions.len(), 1);
    assert!(
        sessions[0].ended_us.is_some(),
        "the session is closed: {:?}",
        sessions[0]
    );
}

#[test]
fn sigterm_exits_0_with_the_capture_closed() {
    stops_gracefully_on(libc::SIGTERM);
}

#[test]
fn sigint_exits_0_with_the_capture_closed() {
    stops_gracefully_on(libc::SIGINT);
}
