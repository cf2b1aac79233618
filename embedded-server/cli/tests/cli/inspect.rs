//! `switchboard-server --inspect ADDR`: the attach URL is printed after the listening line, a
//! console attaches to it and sees and drives the application's clients; a non-loopback
//! address without a token is refused before anything serves.

use serde_json::json;
use switchboard_inspector::protocol::{Command, Outcome, PushTarget};
use switchboard_inspector::{ClientError, InspectorClient};

use crate::spawn::spawn_binary_lines;
use crate::support::*;

/// The URL at the end of a printed line.
fn url_in(line: &str) -> String {
    line.split_whitespace()
        .last()
        .expect("a URL printed")
        .to_owned()
}

#[tokio::test]
async fn the_binary_prints_an_attach_url_a_console_can_use() {
    let args = [
        "--demo",
        "--listen",
        "127.0.0.1:0",
        "--node-id",
        "cli-node",
        "--inspect",
        "127.0.0.1:0",
    ];
    let (mut child, lines) = spawn_binary_lines(&args, &[], 2).await;
    assert!(
        lines[0].starts_with("Switchboard listening on ws://"),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].starts_with("Inspector attach URL ws://127.0.0.1:"),
        "{}",
        lines[1]
    );
    let app = lines[0].split_whitespace().nth(3).unwrap().to_owned();
    let attach = url_in(&lines[1]);
    let token = attach.split_once("?token=").expect("a token in the URL").1;
    assert!(token.len() >= 32, "{token}");

    // Without the token: refused.
    let bare = attach.split_once('?').unwrap().0;
    match InspectorClient::connect(bare).await {
        Err(ClientError::Refused { status, .. }) => assert_eq!(status, 401),
        Err(e) => panic!("expected 401, got {e}"),
        Ok(_) => panic!("expected 401, attached"),
    }

    let mut console = InspectorClient::connect(&attach).await.expect("attaches");
    assert_eq!(console.hello().node, "cli-node");
    assert!(console.snapshot().connections.is_empty());

    // A real client of the application, seen and driven from the console.
    let (ws, _) = tokio_tungstenite::connect_async(format!("{app}?role=user&name=alice"))
        .await
        .unwrap();
    let mut alice = Raw { ws };
    assert_eq!(alice.next().await["t"], "env");
    assert_eq!(
        alice.request(1, "join", json!({"room":"lobby"})).await["d"]["ok"],
        true
    );
    loop {
        let msg = tokio::time::timeout(WAIT, console.next())
            .await
            .expect("an event in time")
            .expect("the session is open");
        if let switchboard_inspector::protocol::NodeMessage::Event(e) = msg {
            if e.kind == "room_add" {
                assert_eq!(e.user.as_deref(), Some("alice"));
                assert_eq!(e.rooms, vec!["lobby".to_owned()]);
                break;
            }
        }
    }
    let push = Command::Push {
        target: PushTarget::Rooms {
            rooms: vec!["lobby".into()],
            except: None,
            only_users: None,
            only_conns: None,
        },
        name: "message".into(),
        payload: json!({"room":"lobby","text":"from the console","from":"ops"}),
    };
    assert_eq!(
        console.command(push).await.unwrap(),
        Outcome::Push { delivered: 1 }
    );
    let (evt, _) = alice.next_of("evt").await;
    assert_eq!(evt["d"]["text"], "from the console");

    child.kill().unwrap();
    let _ = child.wait();
}

#[tokio::test]
async fn the_token_comes_from_the_environment_when_no_flag_gives_it() {
    let args = [
        "--demo",
        "--listen",
        "127.0.0.1:0",
        "--inspect",
        "127.0.0.1:0",
    ];
    let env = [(
        "SWITCHBOARD_INSPECT_TOKEN",
        "from-the-environment-0123456789",
    )];
    let (mut child, lines) = spawn_binary_lines(&args, &env, 2).await;
    let attach = url_in(&lines[1]);
    assert!(
        attach.ends_with("/?token=from-the-environment-0123456789"),
        "{attach}"
    );
    InspectorClient::connect(&attach)
        .await
        .expect("attaches with the environment's token");
    child.kill().unwrap();
    let _ = child.wait();
}

#[test]
fn a_non_loopback_inspector_without_a_token_is_refused_before_serving() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_switchboard-server"))
        .args([
            "--demo",
            "--listen",
            "127.0.0.1:0",
            "--inspect",
            "0.0.0.0:0",
        ])
        .env_remove("SWITCHBOARD_INSPECT_TOKEN")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!stdout.contains("listening"), "{stdout}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not a loopback address"), "{err}");
    assert!(err.contains("--inspect-token"), "{err}");
}
