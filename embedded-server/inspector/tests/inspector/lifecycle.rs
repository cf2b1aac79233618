//! Stopping: the inspector's own shutdown, and the server's, end every session and the
//! listener.

use serde_json::json;
use switchboard_inspector::protocol::{Command, PushTarget};
use switchboard_inspector::InspectorClient;

use crate::support::*;

async fn assert_ended(console: &mut InspectorClient) {
    let end = tokio::time::timeout(WAIT, async { while console.next().await.is_some() {} }).await;
    assert!(end.is_ok(), "the session ends");
    let push = Command::Push {
        target: PushTarget::Everyone,
        name: "message".into(),
        payload: json!({"room":"r","text":"x","from":"y"}),
    };
    let err = console.command(push).await.unwrap_err();
    assert_eq!(
        err.code,
        switchboard_inspector::protocol::ErrorCode::Disconnected
    );
}

#[tokio::test]
async fn shutting_the_inspector_down_ends_its_sessions_and_its_listener() {
    let server = start_demo().await;
    let inspector = start_inspector(&server).await;
    let url = inspector.attach_url();
    let mut console = attach(&inspector).await;
    inspector.shutdown().await;
    assert_ended(&mut console).await;
    assert!(InspectorClient::connect(&url).await.is_err());
    // The application is untouched.
    let alice = client(&server, "user", "alice").await;
    assert_eq!(
        alice.request("join", json!({"room":"r"})).await.unwrap(),
        json!({"ok": true})
    );
}

#[tokio::test]
async fn the_inspector_stops_when_the_server_shuts_down() {
    let server = start_demo().await;
    let inspector = start_inspector(&server).await;
    let url = inspector.attach_url();
    let mut console = attach(&inspector).await;
    server.shutdown().await.unwrap();
    assert_ended(&mut console).await;
    until("the inspector's listener to close", || async {
        InspectorClient::connect(&url).await.is_err()
    })
    .await;
}
