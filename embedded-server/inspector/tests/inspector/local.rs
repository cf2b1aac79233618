//! The in-process session: the same hello, snapshot, events and commands as over a socket,
//! without one.

use serde_json::json;
use switchboard_inspector::protocol::{Command, Outcome, PushTarget, PROTOCOL};
use switchboard_inspector::Inspector;

use crate::support::*;

#[tokio::test]
async fn a_local_session_streams_and_commands_like_a_remote_one() {
    let server = start_demo().await;
    let alice = client(&server, "user", "alice").await;
    let mut alerts = alice.events("alert", 4);
    let mut console = Inspector::local_session(&server.server)
        .await
        .expect("attaches in-process");
    assert_eq!(console.hello().protocol, PROTOCOL);
    assert_eq!(console.hello().node, server.server.node_id());
    assert_eq!(console.snapshot().connections.len(), 1);
    assert_eq!(console.snapshot().connections[0].user, "alice");

    alice
        .request("join", json!({"room":"lobby"}))
        .await
        .unwrap();
    let e = next_event(&mut console, |e| e.kind == "room_add").await;
    assert_eq!(e.rooms, vec!["lobby".to_owned()]);

    let alert = json!({"level":"warn","text":"local"});
    let outcome = console
        .command(Command::Push {
            target: PushTarget::User {
                user: "alice".into(),
            },
            name: "alert".into(),
            payload: alert.clone(),
        })
        .await
        .unwrap();
    assert_eq!(outcome, Outcome::Push { delivered: 1 });
    let got = tokio::time::timeout(WAIT, alerts.recv()).await.unwrap();
    assert_eq!(got, Some(alert));
}
