//! The demo's leave notice (its `on_disconnect`) reaches the room's members on other nodes.

use serde_json::json;

use crate::harness::*;
use crate::on_every_transport;
use crate::support::*;

async fn members_on_another_node_hear_that_someone_left(t: Transport) {
    let nodes = cluster(&t, &["a", "b"]).await;
    let (a, b) = (&nodes[0], &nodes[1]);
    let mut alice = Raw::user(&b.running, "alice").await;
    let mut bot = Raw::agent(&b.running, "bot").await;
    alice.request(1, "join", json!({"room":"lobby"})).await;
    bot.request(1, "join", json!({"room":"lobby"})).await;
    let mut carol = Raw::user(&a.running, "carol").await;
    carol.request(1, "join", json!({"room":"lobby"})).await;
    knows(a.srv(), "b", "room:lobby").await;
    carol.close().await;
    let notice =
        json!({"t":"evt","e":"message","d":{"room":"lobby","text":"carol left","from":"system"}});
    assert_eq!(alice.next_n(1).await, vec![notice.clone()]);
    assert_eq!(bot.next_n(1).await, vec![notice]);
}
on_every_transport!(members_on_another_node_hear_that_someone_left);
