//! `switchboard-server` stopped by SIGTERM (systemd, Docker, Kubernetes) or SIGINT (Ctrl-C)
//! shuts down gracefully: clients see close 1001 (going away), the process exits 0, and the
//! capture holds every request that was acknowledged and a session marked ended.

use serde_json::json;
use switchboard_capture::{CaptureReader, Filter};
use switchboard_server::tap::TapKind;

use crate::spawn::spawn_binary_lines;
use crate::support::*;

/// Requests the client gets acknowledged before the signal.
const REQUESTS: u64 = 40;

async fn acknowledged_requests_survive(signal: libc::c_int) {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("capture.db");
    let args = [
        "--demo",
        "--listen",
        "127.0.0.1:0",
        "--record",
        db.to_str().expect("utf-8 path"),
    ];
    // Two lines (the URL, then where it records); stdout keeps being read after them.
    let (mut child, lines) = spawn_binary_lines(&args, &[], 2).await;
    let url = lines[0]
        .split_whitespace()
        .nth(3)
        .expect("a URL")
        .to_owned();
    let (ws, _) = tokio_tungstenite::connect_async(format!("{url}?role=user&name=alice"))
        .await
        .expect("connects");
    let mut raw = Raw { ws };
    assert_eq!(raw.next().await["t"], "env");
    for i in 1..=REQUESTS {
        let reply = raw
            .request(i, "join", json!({"room": format!("r{i}")}))
            .await;
        assert_eq!(reply["t"], "res", "{reply}");
    }

    let pid = libc::pid_t::try_from(child.id()).expect("pid fits");
    // SAFETY: kill(2) with the pid of a child this test started and has not reaped yet.
    assert_eq!(unsafe { libc::kill(pid, signal) }, 0, "signal sent");

    let (code, _) = raw.expect_close().await;
    assert_eq!(code, 1001, "clients are told the server is going away");
    let status = tokio::task::spawn_blocking(move || child.wait())
        .await
        .expect("wait task")
        .expect("wait");
    assert_eq!(status.code(), Some(0), "graceful exit: {status:?}");

    let reader = CaptureReader::open(&db).expect("the capture opens");
    let requests = Filter {
        kinds: vec![TapKind::RequestIn],
        ..Filter::default()
    };
    let responses = Filter {
        kinds: vec![TapKind::ResponseOut],
        ..Filter::default()
    };
    assert_eq!(reader.count(&requests).expect("count"), REQUESTS);
    assert_eq!(reader.count(&responses).expect("count"), REQUESTS);
    let sessions = reader.sessions().expect("sessions");
    assert_eq!(sessions.len(), 1);
    assert!(
        sessions[0].ended_us.is_some(),
        "the session is closed: {:?}",
        sessions[0]
    );
}

#[tokio::test]
async fn sigterm_closes_clients_with_1001_and_keeps_the_capture() {
    acknowledged_requests_survive(libc::SIGTERM).await;
}

#[tokio::test]
async fn sigint_does_the_same() {
    acknowledged_requests_survive(libc::SIGINT).await;
}
