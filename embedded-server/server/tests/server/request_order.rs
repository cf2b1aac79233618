//! A connection's requests are handled in the order they arrived, even when a handler waits;
//! a request declared concurrent runs beside the one that waits; the queue behind a waiting
//! handler is bounded.
//!
//! No timing is involved: a handler waits on a gate the test opens, and the test knows the
//! server has read every request sent before a `ping` once the `pong` arrives (the reader
//! handles a connection's frames one after the other).

use std::sync::Arc;

use serde_json::{json, Value};
use switchboard_demo as demo;
use switchboard_server::contract::Contract;
use switchboard_server::{Conn, HandlerError, Server, ServerBuilder, ServerConfig};
use tokio::sync::Notify;

use crate::support::*;

/// The demo, with a `join` that waits for `gate` before joining (a database call, say).
fn gated_join(gate: Arc<Notify>, config: ServerConfig) -> ServerBuilder {
    with_gated_join(demo::builder().unwrap(), gate, config)
}

fn with_gated_join(
    builder: ServerBuilder,
    gate: Arc<Notify>,
    config: ServerConfig,
) -> ServerBuilder {
    builder
        .config(config)
        .handle("user", "join", move |input: Value, _ctx, conn: Conn| {
            let gate = gate.clone();
            async move {
                gate.notified().await;
                let room = input["room"].as_str().unwrap_or_default().to_owned();
                let server = conn.server().ok_or(HandlerError::internal("stopped"))?;
                server.room(&room).add(&conn)?;
                Ok(json!({ "ok": true }))
            }
        })
}

fn req(i: u64, m: &str, d: Value) -> Value {
    json!({"t":"req","i":i,"m":m,"d":d})
}

fn replies(frames: &[Value]) -> Vec<Value> {
    frames
        .iter()
        .filter(|f| f["t"] == "res" || f["t"] == "err")
        .cloned()
        .collect()
}

#[tokio::test]
async fn a_request_waits_for_the_slow_one_before_it() {
    let gate = Arc::new(Notify::new());
    let server = start(gated_join(gate.clone(), test_config())).await;
    let mut alice = Raw::user(&server, "alice").await;
    alice.send(req(1, "join", json!({"room":"lobby"}))).await;
    alice
        .send(req(2, "say", json!({"room":"lobby","text":"hi"})))
        .await;
    // Both requests were read: `say` did not run beside the waiting `join` (it would have
    // been refused, alice not being in the room yet).
    assert_eq!(replies(&alice.drain().await), Vec::<Value>::new());
    gate.notify_one();
    let frames = alice
        .request_frames(3, "leave", json!({"room":"lobby"}))
        .await;
    assert_eq!(
        frames,
        vec![
            json!({"t":"res","i":1,"d":{"ok":true}}),
            json!({"t":"evt","e":"message","d":{"room":"lobby","text":"hi","from":"alice"}}),
            json!({"t":"res","i":2,"d":{"ok":true}}),
            json!({"t":"res","i":3,"d":{"ok":true}}),
        ]
    );
}

#[tokio::test]
async fn a_concurrent_request_does_not_wait_for_the_one_before_it() {
    let gate = Arc::new(Notify::new());
    let server = start(gated_join(gate.clone(), test_config()).concurrent("user", "notify")).await;
    let mut alice = Raw::user(&server, "alice").await;
    alice.send(req(1, "join", json!({"room":"lobby"}))).await;
    // `notify` answers while `join` still waits for the gate, which only opens below.
    let frames = alice.request_frames(2, "notify", json!({})).await;
    assert_eq!(
        frames,
        vec![
            json!({"t":"evt","e":"message","d":{"room":"lobby","text":"hi","from":"system"}}),
            json!({"t":"res","i":2,"d":{"ok":true}}),
        ]
    );
    // An ordered request still waits for `join`.
    alice
        .send(req(3, "say", json!({"room":"lobby","text":"after"})))
        .await;
    assert_eq!(replies(&alice.drain().await), Vec::<Value>::new());
    gate.notify_one();
    let (first, _) = alice.next_of("res").await;
    assert_eq!(first, json!({"t":"res","i":1,"d":{"ok":true}}));
    let (third, _) = alice.next_of("res").await;
    assert_eq!(third, json!({"t":"res","i":3,"d":{"ok":true}}));
}

#[tokio::test]
async fn a_request_the_contract_declares_concurrent_does_not_wait_either() {
    let text =
        demo::CONTRACT_JSON.replacen(r#""notify": {"#, r#""notify": { "concurrent": true,"#, 1);
    let contract = Contract::from_json_str(&text, "demo.json")
        .unwrap()
        .compile()
        .unwrap();
    assert!(contract.request("user", "notify").unwrap().concurrent());
    let gate = Arc::new(Notify::new());
    let builder = demo::register(Server::builder(Arc::new(contract)));
    let server = start(with_gated_join(builder, gate.clone(), test_config())).await;
    let mut alice = Raw::user(&server, "alice").await;
    alice.send(req(1, "join", json!({"room":"lobby"}))).await;
    // Answered while `join` still waits for the gate.
    let reply = alice.request(2, "notify", json!({})).await;
    assert_eq!(reply, json!({"t":"res","i":2,"d":{"ok":true}}));
    gate.notify_one();
    let (first, _) = alice.next_of("res").await;
    assert_eq!(first["i"], 1);
}

#[tokio::test]
async fn without_the_declaration_the_same_request_waits_its_turn() {
    let gate = Arc::new(Notify::new());
    let server = start(gated_join(gate.clone(), test_config())).await;
    let mut alice = Raw::user(&server, "alice").await;
    alice.send(req(1, "join", json!({"room":"lobby"}))).await;
    alice.send(req(2, "notify", json!({}))).await;
    assert_eq!(alice.drain().await, Vec::<Value>::new());
    gate.notify_one();
    let frames = alice.next_n(3).await;
    assert_eq!(frames[0], json!({"t":"res","i":1,"d":{"ok":true}}));
    assert_eq!(frames[2], json!({"t":"res","i":2,"d":{"ok":true}}));
}

#[tokio::test]
async fn the_queue_behind_a_waiting_handler_is_bounded() {
    let gate = Arc::new(Notify::new());
    let config = ServerConfig {
        max_pending_requests: 2,
        ..test_config()
    };
    let server = start(gated_join(gate.clone(), config)).await;
    let mut alice = Raw::user(&server, "alice").await;
    alice.send(req(1, "join", json!({"room":"a"}))).await;
    alice.send(req(2, "leave", json!({"room":"a"}))).await;
    alice.send(req(3, "leave", json!({"room":"b"}))).await;
    // The fourth finds two waiting: refused at once, the connection stays open.
    let refused = alice.request(4, "leave", json!({"room":"c"})).await;
    assert_eq!(refused["t"], "err");
    assert_eq!(refused["code"], "BAD_REQUEST");
    assert_eq!(refused["d"], json!({"limit": 2}));
    let message = refused["m"].as_str().unwrap();
    assert!(message.contains("too many requests waiting"), "{message}");
    gate.notify_one();
    let answered: Vec<Value> = alice
        .next_n(3)
        .await
        .iter()
        .map(|f| f["i"].clone())
        .collect();
    assert_eq!(answered, vec![json!(1), json!(2), json!(3)]);
    // Once the queue drained, requests are taken again.
    let reply = alice.request(5, "leave", json!({"room":"d"})).await;
    assert_eq!(reply, json!({"t":"res","i":5,"d":{"ok":true}}));
}

#[tokio::test]
async fn a_concurrent_request_with_no_handler_still_answers() {
    // `concurrent` is about the contract's request, handler or not.
    let builder = Server::builder(Arc::new(demo::contract().unwrap()))
        .config(test_config())
        .concurrent("user", "join");
    let server = start(builder).await;
    let mut alice = Raw::user(&server, "alice").await;
    let reply = alice.request(1, "join", json!({"room":"x"})).await;
    assert_eq!(reply["t"], "res");
}

#[tokio::test]
async fn declaring_an_unknown_request_concurrent_is_a_build_error() {
    let err = demo::builder()
        .unwrap()
        .concurrent("user", "fly")
        .build()
        .err()
        .expect("refused");
    assert!(err.to_string().contains("`fly`"), "{err}");
}
