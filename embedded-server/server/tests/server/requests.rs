//! Requests: replies, unknown and out-of-role names, validation issues, handler errors,
//! panics, sample outputs and output validation.

use std::sync::Arc;

use serde_json::{json, Value};
use switchboard_demo as demo;
use switchboard_server::contract::Contract;
use switchboard_server::FaultKind;
use switchboard_server::{HandlerError, Server};

use crate::support::*;

#[tokio::test]
async fn join_replies_ok() {
    let server = start_demo().await;
    let mut alice = Raw::user(&server, "alice").await;
    let reply = alice.request(1, "join", json!({"room": "lobby"})).await;
    assert_eq!(reply, json!({"t":"res","i":1,"d":{"ok":true}}));
}

#[tokio::test]
async fn unknown_and_out_of_role_requests_are_not_found() {
    let server = start_demo().await;
    let mut alice = Raw::user(&server, "alice").await;
    let reply = alice.request(1, "fly", json!({})).await;
    assert_eq!(
        reply,
        json!({"t":"err","i":1,"code":"NOT_FOUND","m":"Unknown message: fly"})
    );
    // `announce` belongs to agents.
    let reply = alice.request(2, "announce", json!({"msg": "x"})).await;
    assert_eq!(reply["code"], "NOT_FOUND");
    assert_eq!(reply["m"], "Unknown message: announce");
}

#[tokio::test]
async fn invalid_input_lists_each_issue_with_its_path() {
    let server = start_demo().await;
    let mut alice = Raw::user(&server, "alice").await;
    let reply = alice
        .request(4, "say", json!({"room": 42, "text": null}))
        .await;
    assert_eq!(reply["t"], "err");
    assert_eq!(reply["i"], 4);
    assert_eq!(reply["code"], "VALIDATION");
    assert_eq!(reply["m"], "Validation failed");
    let mut paths: Vec<Value> = reply["d"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["path"].clone())
        .collect();
    paths.sort_by_key(|p| p.to_string());
    assert_eq!(paths, vec![json!(["room"]), json!(["text"])]);
    for issue in reply["d"].as_array().unwrap() {
        assert!(!issue["message"].as_str().unwrap().is_empty());
    }
    // A missing property points at the property.
    let reply = alice.request(5, "say", json!({"room": "a"})).await;
    assert_eq!(reply["d"][0]["path"], json!(["text"]));
}

#[tokio::test]
async fn handler_errors_carry_their_code() {
    let server = start_demo().await;
    let mut alice = Raw::user(&server, "alice").await;
    let reply = alice
        .request(1, "say", json!({"room": "lobby", "text": "hi"}))
        .await;
    assert_eq!(reply["code"], "FORBIDDEN");
    assert_eq!(reply["m"], "not a member of room lobby");
}

#[tokio::test]
async fn a_panicking_handler_fails_only_its_request_and_is_reported() {
    let faults = Faults::default();
    let contract = demo::contract().unwrap();
    let builder = Server::builder(Arc::new(contract))
        .config(test_config())
        .on_error(faults.hook())
        .handle("user", "notify", |_i, _c, _conn| async move {
            if true {
                panic!("boom");
            }
            Ok(json!({"ok": true}))
        })
        .handle("user", "join", |_i, _c, _conn| async move {
            Ok(json!({"ok": true}))
        });
    let server = start(builder).await;
    let mut alice = Raw::user(&server, "alice").await;
    let reply = alice.request(1, "notify", json!({})).await;
    assert_eq!(reply["code"], "INTERNAL");
    // The connection goes on.
    assert_eq!(
        alice.request(2, "join", json!({"room": "a"})).await["t"],
        "res"
    );
    let faults = faults.all();
    assert_eq!(faults.len(), 1);
    assert_eq!(faults[0].0.kind, FaultKind::Request);
    assert_eq!(faults[0].0.name.as_deref(), Some("notify"));
    assert!(faults[0].1.contains("boom"), "{}", faults[0].1);
    assert_eq!(server.server.stats().handler_panics, 1);
}

#[tokio::test]
async fn requests_without_handler_answer_a_schema_valid_sample() {
    let contract = Contract::from_json_str(demo::CONTRACT_JSON, "demo.json")
        .unwrap()
        .compile()
        .unwrap();
    let server = start(Server::builder(Arc::new(contract)).config(test_config())).await;
    let mut alice = Raw::user(&server, "alice").await;
    let reply = alice
        .request(1, "dm", json!({"to": "bob", "text": "x"}))
        .await;
    assert_eq!(reply["t"], "res");
    assert!(reply["d"]["delivered"].is_u64(), "{reply}");
    let reply = alice.request(2, "join", json!({"room": "x"})).await;
    assert!(reply["d"]["ok"].is_boolean(), "{reply}");
}

#[tokio::test]
async fn an_output_that_breaks_the_contract_is_internal_and_reported() {
    let faults = Faults::default();
    let builder = Server::builder(Arc::new(demo::contract().unwrap()))
        .config(test_config())
        .on_error(faults.hook())
        .handle("user", "join", |_i, _c, _conn| async move {
            Ok(json!({"ok": "yes"}))
        });
    let server = start(builder).await;
    let mut alice = Raw::user(&server, "alice").await;
    let reply = alice.request(1, "join", json!({"room": "a"})).await;
    assert_eq!(reply["code"], "INTERNAL");
    assert_eq!(faults.all()[0].0.kind, FaultKind::Request);
}

#[tokio::test]
async fn a_slow_concurrent_handler_does_not_block_the_connection() {
    // Requests are handled in arrival order (see `request_order`) unless declared concurrent.
    // The slow handler finishes only once the test lets it, after the quick reply arrived: no
    // clock decides the order. Were it not concurrent, `join` would wait behind it and the
    // first read would time out.
    let release = Arc::new(tokio::sync::Notify::new());
    let gate = release.clone();
    let builder = Server::builder(Arc::new(demo::contract().unwrap()))
        .config(test_config())
        .concurrent("user", "notify")
        .handle("user", "notify", move |_i, _c, _conn| {
            let gate = gate.clone();
            async move {
                gate.notified().await;
                Ok(json!({"ok": true}))
            }
        })
        .handle("user", "join", |_i, _c, _conn| async move {
            Ok(json!({"ok": true}))
        });
    let server = start(builder).await;
    let mut alice = Raw::user(&server, "alice").await;
    alice
        .send(json!({"t":"req","i":1,"m":"notify","d":{}}))
        .await;
    alice
        .send(json!({"t":"req","i":2,"m":"join","d":{"room":"a"}}))
        .await;
    // The quick request is answered first: the slow concurrent one runs on its own task.
    assert_eq!(alice.next().await["i"], 2);
    // `notify_one` keeps a permit if the handler is not waiting yet.
    release.notify_one();
    assert_eq!(alice.next().await["i"], 1);
}

#[tokio::test]
async fn handler_error_helpers_set_codes() {
    assert_eq!(HandlerError::forbidden("x").code.as_str(), "FORBIDDEN");
    assert_eq!(HandlerError::new("CUSTOM", "y").code.as_str(), "CUSTOM");
}

#[tokio::test]
async fn a_handler_that_panics_before_returning_its_future_is_contained() {
    let faults = Faults::default();
    let builder = Server::builder(Arc::new(demo::contract().unwrap()))
        .config(test_config())
        .on_error(faults.hook())
        .handle("user", "notify", |_i, _c, _conn| {
            if true {
                panic!("before the future");
            }
            async move { Ok(json!({"ok": true})) }
        });
    let server = start(builder).await;
    let mut alice = Raw::user(&server, "alice").await;
    let reply = alice.request(1, "notify", json!({})).await;
    assert_eq!(reply["code"], "INTERNAL");
    // The reader survived: the connection goes on.
    assert_eq!(
        alice.request(2, "join", json!({"room": "a"})).await["t"],
        "res"
    );
    let faults = faults.all();
    assert_eq!(faults.len(), 1);
    assert!(faults[0].1.contains("before the future"), "{}", faults[0].1);
}
