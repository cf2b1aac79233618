//! The `switchboard-server` binary: prints its URL, and exits non-zero with a clear message on
//! a bad flag, a busy port or a bad contract.

use std::process::Command;

use serde_json::json;

use crate::spawn::spawn_binary;
use crate::support::*;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_switchboard-server"))
}

#[tokio::test]
async fn prints_its_url_and_serves_the_demo() {
    let (mut child, url) = spawn_binary(&["--demo", "--listen", "127.0.0.1:0"]).await;
    assert!(url.starts_with("ws://127.0.0.1:"), "{url}");
    let (ws, _) = tokio_tungstenite::connect_async(format!("{url}?role=user&name=alice"))
        .await
        .unwrap();
    let mut raw = Raw { ws };
    assert_eq!(raw.next().await["t"], "env");
    assert_eq!(
        raw.request(1, "join", json!({"room":"a"})).await["d"]["ok"],
        true
    );
    child.kill().unwrap();
    let _ = child.wait();
}

fn run_fail(args: &[&str]) -> (i32, String) {
    let out = bin().args(args).output().unwrap();
    assert!(!out.status.success(), "expected failure for {args:?}");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_bad_flag_is_refused() {
    let (code, err) = run_fail(&["--no-such-flag"]);
    assert_eq!(code, 2);
    assert!(err.contains("--no-such-flag"), "{err}");
}

#[test]
fn a_busy_port_is_a_clear_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let (code, err) = run_fail(&["--listen", &addr]);
    assert_eq!(code, 1);
    assert!(err.contains(&format!("cannot listen on {addr}")), "{err}");
}

#[test]
fn a_bad_contract_names_file_line_and_key() {
    let dir = std::env::temp_dir().join(format!("sb-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("bad.json");
    std::fs::write(&path, "{\n  \"roles\": {\n    \"user\": { \"clientToServer\": {}, \"serverToClient\": {}, \"oops\": 1 }\n  }\n}\n").unwrap();
    let (code, err) = run_fail(&[
        "--contract",
        path.to_str().unwrap(),
        "--listen",
        "127.0.0.1:0",
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("bad.json:3:"), "{err}");
    assert!(err.contains("oops"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
