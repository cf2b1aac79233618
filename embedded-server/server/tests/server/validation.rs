//! Output and push validation, switched on and off by `ServerConfig`, and its default: on in
//! debug builds, off in release builds. `scripts/test` runs this module with `--release` too,
//! so both defaults are exercised.

use serde_json::json;
use switchboard_demo as demo;
use switchboard_server::{PushError, RunningServer, ServerConfig};

use crate::support::*;

/// A demo whose `notify` answers an output that breaks the contract (`ok` must be a boolean).
async fn server(config: ServerConfig) -> RunningServer {
    start(
        demo::builder()
            .unwrap()
            .handle("user", "notify", |_input, _ctx, _conn| async {
                Ok(json!({"ok": "yes"}))
            })
            .config(config),
    )
    .await
}

fn with_validation(on: bool) -> ServerConfig {
    ServerConfig {
        validate_output: on,
        validate_pushes: on,
        ..test_config()
    }
}

/// A `message` broadcast whose `room` should be a string.
fn bad_message() -> serde_json::Value {
    json!({"room": 7, "text": "x", "from": "s"})
}

/// What a client sees of a bad output and a bad push, on a server with `config`.
async fn check(config: ServerConfig, validating: bool) {
    let server = server(config).await;
    let mut alice = Raw::user(&server, "alice").await;
    alice.request(1, "join", json!({"room":"r"})).await;

    let reply = alice.request(2, "notify", json!({})).await;
    let pushed = server.server.room("r").broadcast("message", &bad_message());
    if validating {
        assert_eq!(reply["code"], "INTERNAL", "{reply}");
        assert_eq!(reply["m"], "Handler output failed validation");
        assert!(
            matches!(pushed, Err(PushError::Validation { .. })),
            "{pushed:?}"
        );
        assert!(alice.drain().await.is_empty());
    } else {
        assert_eq!(reply, json!({"t":"res","i":2,"d":{"ok":"yes"}}));
        assert_eq!(pushed.unwrap(), 1);
        assert_eq!(
            alice.drain().await,
            vec![json!({"t":"evt","e":"message","d":bad_message()})]
        );
    }
}

#[tokio::test]
async fn with_validation_on_bad_outputs_and_pushes_are_refused() {
    check(with_validation(true), true).await;
}

#[tokio::test]
async fn with_validation_off_bad_outputs_and_pushes_go_out_as_they_are() {
    check(with_validation(false), false).await;
}

#[tokio::test]
async fn by_default_validation_follows_the_build_profile() {
    let defaults = ServerConfig::default();
    assert_eq!(ServerConfig::VALIDATES_BY_DEFAULT, cfg!(debug_assertions));
    assert_eq!(defaults.validate_output, ServerConfig::VALIDATES_BY_DEFAULT);
    assert_eq!(defaults.validate_pushes, ServerConfig::VALIDATES_BY_DEFAULT);
    let config = ServerConfig {
        heartbeat_interval: test_config().heartbeat_interval,
        ..ServerConfig::default()
    };
    check(config, cfg!(debug_assertions)).await;
}
