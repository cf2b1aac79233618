//! The Rust client against the real server: requests, events, topics, and a server restart
//! (reconnect, re-subscribe, in-flight requests failing with DISCONNECTED).

use std::time::Duration;

use serde_json::json;
use switchboard_client::{Client, ClientError, ClientOptions, ConnState};
use switchboard_demo as demo;

use crate::support::*;

#[tokio::test]
async fn the_demo_through_the_rust_client() {
    let server = start_demo().await;
    let alice = Client::connect(ClientOptions::new(server.url(), "user").param("name", "alice"));
    let bot = Client::connect(ClientOptions::new(server.url(), "agent").param("name", "bot"));
    alice.wait_connected(WAIT).await.unwrap();
    bot.wait_connected(WAIT).await.unwrap();
    let mut messages = alice.events("message", 16);
    alice.request("join", json!({"room":"ops"})).await.unwrap();
    bot.request("join", json!({"room":"ops"})).await.unwrap();
    let (_sub, mut announces) = alice.topic_stream("announce", 16).await.unwrap();
    bot.request("say", json!({"room":"ops","text":"hello"}))
        .await
        .unwrap();
    let m = tokio::time::timeout(WAIT, messages.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(m, json!({"room":"ops","text":"hello","from":"bot"}));
    bot.request("announce", json!({"msg":"deploy"}))
        .await
        .unwrap();
    assert_eq!(
        tokio::time::timeout(WAIT, announces.recv())
            .await
            .unwrap()
            .unwrap(),
        json!({"msg":"deploy"})
    );
    match alice
        .request("say", json!({"room":"elsewhere","text":"x"}))
        .await
    {
        Err(ClientError::Remote { code, .. }) => assert_eq!(code.as_str(), "FORBIDDEN"),
        other => panic!("{other:?}"),
    }
    match alice.request("say", json!({"room":5})).await {
        Err(ClientError::Remote { code, data, .. }) => {
            assert_eq!(code.as_str(), "VALIDATION");
            assert!(data.unwrap().as_array().unwrap().len() >= 2);
        }
        other => panic!("{other:?}"),
    }
    alice.close().await;
    bot.close().await;
}

#[tokio::test]
async fn reconnects_and_resubscribes_after_a_server_restart() {
    let first = start_demo().await;
    let addr = first.addr;
    let mut opts = ClientOptions::new(first.url(), "user").param("name", "alice");
    opts.backoff.base = Duration::from_millis(20);
    opts.backoff.cap = Duration::from_millis(200);
    let alice = Client::connect(opts);
    alice.wait_connected(WAIT).await.unwrap();
    let (_sub, mut announces) = alice.topic_stream("announce", 16).await.unwrap();
    first.shutdown().await.unwrap();
    let mut state = alice.watch_state();
    tokio::time::timeout(
        WAIT,
        state.wait_for(|s| matches!(s, ConnState::Reconnecting { .. })),
    )
    .await
    .unwrap()
    .unwrap();
    // A request made while reconnecting is queued and sent once connected.
    let queued = tokio::spawn({
        let alice = alice.clone();
        async move { alice.request("join", json!({"room":"back"})).await }
    });
    // A new server on the same address: the client finds it again.
    let srv = demo::builder()
        .unwrap()
        .config(test_config())
        .build()
        .unwrap();
    let second = srv.start(&addr.to_string()).await.unwrap();
    alice.wait_connected(WAIT).await.unwrap();
    assert_eq!(queued.await.unwrap().unwrap(), json!({"ok":true}));
    let srv = second.server.clone();
    eventually("re-subscribed", move || {
        srv.topics_info().iter().any(|t| t.topic == "announce")
    })
    .await;
    second
        .server
        .publish("announce", &json!({"msg":"welcome back"}))
        .unwrap();
    assert_eq!(
        tokio::time::timeout(WAIT, announces.recv())
            .await
            .unwrap()
            .unwrap(),
        json!({"msg":"welcome back"})
    );
    alice.close().await;
}
