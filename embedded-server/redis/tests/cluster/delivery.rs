//! to_conn, to_user, requests, role and shared topic publishes across nodes.

use serde_json::json;

use crate::harness::*;
use crate::on_every_transport;
use crate::support::*;

async fn to_conn_emit_and_request_reach_another_node(t: Transport) {
    let nodes = cluster(&t, &["a", "b"]).await;
    let (a, b) = (&nodes[0], &nodes[1]);
    let mut bot = Raw::agent(&b.running, "bot").await;
    let id = b.srv().local()[0].id.clone();
    assert_eq!(
        a.srv()
            .to_conn(&id)
            .emit("task", &json!({"id":"1","text":"go"}))
            .unwrap(),
        1
    );
    assert_eq!(
        bot.next().await,
        json!({"t":"evt","e":"task","d":{"id":"1","text":"go"}})
    );
    let srv = a.srv().clone();
    let id2 = id.clone();
    let ask =
        tokio::spawn(async move { srv.to_conn(&id2).request("confirm", &json!({"q":1})).await });
    let f = bot.next().await;
    assert_eq!(f["t"], "sreq");
    bot.send(json!({"t":"sres","i":f["i"],"d":{"yes":true}}))
        .await;
    assert_eq!(
        ask.await.unwrap().unwrap(),
        json!({"yes":true}),
        "the reply comes back to the asking node"
    );
}
on_every_transport!(to_conn_emit_and_request_reach_another_node);

async fn to_user_reaches_sessions_on_every_node(t: Transport) {
    let nodes = cluster(&t, &["a", "b", "c"]).await;
    let mut bob_a = Raw::user(&nodes[0].running, "bob").await;
    let mut bob_b = Raw::user(&nodes[1].running, "bob").await;
    knows(nodes[2].srv(), "a", "user:bob").await;
    knows(nodes[2].srv(), "b", "user:bob").await;
    let mut carol = Raw::user(&nodes[2].running, "carol").await;
    carol
        .request(1, "dm", json!({"to":"bob","text":"psst"}))
        .await;
    let expected =
        vec![json!({"t":"evt","e":"message","d":{"room":"dm:carol","text":"psst","from":"carol"}})];
    assert_eq!(bob_a.next_n(1).await, expected);
    assert_eq!(bob_b.next_n(1).await, expected);
}
on_every_transport!(to_user_reaches_sessions_on_every_node);

async fn topic_publishes_reach_subscribers_on_every_node(t: Transport) {
    let nodes = cluster(&t, &["a", "b"]).await;
    let (a, b) = (&nodes[0], &nodes[1]);
    let mut u = Raw::user(&b.running, "u").await;
    u.send(json!({"t":"sub","i":1,"c":"ticker"})).await;
    u.next().await;
    u.send(json!({"t":"sub","i":2,"c":"announce"})).await;
    u.next().await;
    knows(a.srv(), "b", "rtopic:user:ticker").await;
    knows(a.srv(), "b", "topic:announce").await;
    a.srv()
        .for_role("user")
        .publish("ticker", &json!({"n":5}))
        .unwrap();
    a.srv()
        .publish("announce", &json!({"msg":"from a"}))
        .unwrap();
    let frames = u.next_n(2).await;
    assert_eq!(
        frames,
        vec![
            json!({"t":"pub","c":"ticker","d":{"n":5},"nd":"a"}),
            json!({"t":"pub","c":"announce","d":{"msg":"from a"},"nd":"a"}),
        ]
    );
}
on_every_transport!(topic_publishes_reach_subscribers_on_every_node);

async fn server_wide_broadcast_reaches_every_node(t: Transport) {
    let nodes = cluster(&t, &["a", "b"]).await;
    let mut x = Raw::user(&nodes[1].running, "x").await;
    knows(nodes[0].srv(), "b", "conns").await;
    nodes[0]
        .srv()
        .broadcast("message", &json!({"room":"*","text":"all","from":"ops"}))
        .unwrap();
    assert_eq!(x.next_n(1).await[0]["d"]["text"], "all");
}
on_every_transport!(server_wide_broadcast_reaches_every_node);
