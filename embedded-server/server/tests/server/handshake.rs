//! The upgrade: `env` first, 401 refusals, the authenticate hook, plain HTTP answered clearly.

use serde_json::json;
use switchboard_demo as demo;
use switchboard_server::Identity;
use tokio_tungstenite::tungstenite::Error as WsError;

use crate::support::*;

async fn refused_status(server: &switchboard_server::RunningServer, query: &str) -> u16 {
    match tokio_tungstenite::connect_async(url(server, query)).await {
        Err(WsError::Http(resp)) => resp.status().as_u16(),
        Err(e) => panic!("expected an HTTP refusal, got {e}"),
        Ok(_) => panic!("expected a refusal, the upgrade was accepted"),
    }
}

#[tokio::test]
async fn env_is_the_first_frame_and_null_by_default() {
    let server = start_demo().await;
    let (_raw, env) = Raw::connect(&server, "role=user&name=alice").await;
    assert_eq!(env, serde_json::Value::Null);
}

#[tokio::test]
async fn missing_or_unknown_role_is_refused_with_401() {
    let server = start_demo().await;
    assert_eq!(refused_status(&server, "name=alice").await, 401);
    assert_eq!(refused_status(&server, "role=admin&name=alice").await, 401);
    assert_eq!(server.server.stats().refused_upgrades, 2);
}

#[tokio::test]
async fn authenticate_hook_sets_role_user_context_and_env() {
    let builder = demo::builder()
        .unwrap()
        .config(test_config())
        .authenticate(|req| async move {
            match req.query.get("token").map(String::as_str) {
                Some("s3cret") => {
                    let mut id = Identity::new("agent", "bot-7");
                    id.ctx = json!({"team": "blue"});
                    id.env = json!({"theme": "dark"});
                    Ok(id)
                }
                _ => Err("bad token".to_owned()),
            }
        });
    let server = start(builder).await;
    assert_eq!(refused_status(&server, "token=nope").await, 401);
    let (_raw, env) = Raw::connect(&server, "token=s3cret").await;
    assert_eq!(env, json!({"theme": "dark"}));
    let conns = server.server.local();
    assert_eq!(conns.len(), 1);
    assert_eq!(
        (conns[0].role.as_str(), conns[0].user.as_str()),
        ("agent", "bot-7")
    );
    assert_eq!(
        conns[0].params["token"], "********",
        "secrets are masked in views"
    );
}

#[tokio::test]
async fn a_role_outside_the_contract_from_the_hook_is_refused() {
    let builder = demo::builder()
        .unwrap()
        .config(test_config())
        .authenticate(|_req| async move { Ok(Identity::new("admin", "root")) });
    let server = start(builder).await;
    assert_eq!(refused_status(&server, "role=user").await, 401);
}

#[tokio::test]
async fn plain_http_gets_426_with_an_explanation() {
    let server = start_demo().await;
    let mut stream = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut body = String::new();
    stream.read_to_string(&mut body).await.unwrap();
    assert!(body.starts_with("HTTP/1.1 426"), "{body}");
    assert!(body.contains("WebSocket"), "{body}");
}

#[tokio::test]
async fn a_panicking_authenticate_hook_refuses_that_upgrade_and_is_reported() {
    let faults = Faults::default();
    let builder = demo::builder()
        .unwrap()
        .config(test_config())
        .on_error(faults.hook())
        .authenticate(|req| async move {
            if req.query.contains_key("explode") {
                panic!("auth backend down");
            }
            Ok(Identity::new("user", "ok"))
        });
    let server = start(builder).await;
    assert_eq!(refused_status(&server, "explode=1").await, 500);
    let faults = faults.all();
    assert_eq!(faults[0].0.kind, switchboard_server::FaultKind::Connect);
    assert!(faults[0].1.contains("auth backend down"));
    let (_raw, _) = Raw::connect(&server, "role=user").await;
}
