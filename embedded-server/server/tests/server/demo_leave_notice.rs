//! The demo tells each room a member was in that it left, when its connection closes: a
//! shared `message` from `system`, reaching users and agents alike.

use serde_json::{json, Value};

use crate::support::*;

fn notice(room: &str, user: &str) -> Value {
    json!({"t":"evt","e":"message","d":{"room":room,"text":format!("{user} left"),"from":"system"}})
}

#[tokio::test]
async fn each_room_of_a_closed_connection_hears_that_it_left() {
    let server = start_demo().await;
    let mut alice = Raw::user(&server, "alice").await;
    let mut bot = Raw::agent(&server, "bot").await;
    let mut other = Raw::user(&server, "other").await;
    let mut carol = Raw::user(&server, "carol").await;
    alice.request(1, "join", json!({"room":"lobby"})).await;
    bot.request(1, "join", json!({"room":"ops"})).await;
    other.request(1, "join", json!({"room":"elsewhere"})).await;
    carol.request(1, "join", json!({"room":"lobby"})).await;
    carol.request(2, "join", json!({"room":"ops"})).await;
    carol.close().await;
    assert_eq!(alice.next().await, notice("lobby", "carol"));
    assert_eq!(bot.next().await, notice("ops", "carol"));
    // One notice per room, to that room's members only.
    let srv = server.server.clone();
    eventually("carol cleaned up", move || srv.connection_count() == 3).await;
    assert_eq!(alice.drain().await, Vec::<Value>::new());
    assert_eq!(bot.drain().await, Vec::<Value>::new());
    assert_eq!(other.drain().await, Vec::<Value>::new());
}

#[tokio::test]
async fn an_agent_leaving_is_announced_too_and_a_roomless_one_quietly() {
    let server = start_demo().await;
    let mut alice = Raw::user(&server, "alice").await;
    let bot = Raw::agent(&server, "bot").await;
    let mut quiet = Raw::agent(&server, "quiet").await;
    alice.request(1, "join", json!({"room":"lobby"})).await;
    let mut bot = bot;
    bot.request(1, "join", json!({"room":"lobby"})).await;
    bot.close().await;
    assert_eq!(alice.next().await, notice("lobby", "bot"));
    quiet.drain().await;
    quiet.close().await;
    let srv = server.server.clone();
    eventually("both agents gone", move || srv.connection_count() == 1).await;
    assert_eq!(alice.drain().await, Vec::<Value>::new());
}
