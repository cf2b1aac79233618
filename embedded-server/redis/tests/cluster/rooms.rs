//! Room broadcasts across nodes: every member on every node exactly once; exclusions and
//! filters still apply; size and members readable cluster-wide.

use serde_json::json;

use crate::harness::*;
use crate::on_every_transport;
use crate::support::*;

fn msg(room: &str, text: &str, from: &str) -> serde_json::Value {
    json!({"t":"evt","e":"message","d":{"room":room,"text":text,"from":from}})
}

async fn chat_across_nodes(t: Transport) {
    let nodes = cluster(&t, &["a", "b"]).await;
    let (a, b) = (&nodes[0], &nodes[1]);
    let mut alice = Raw::user(&a.running, "alice").await;
    let mut bot = Raw::agent(&b.running, "bot").await;
    let mut carol = Raw::user(&b.running, "carol").await;
    alice.request(1, "join", json!({"room":"ops"})).await;
    bot.request(1, "join", json!({"room":"ops"})).await;
    carol.request(1, "join", json!({"room":"ops"})).await;
    knows(a.srv(), "b", "room:ops").await;
    knows(b.srv(), "a", "room:ops").await;
    let frames = alice
        .request_frames(2, "say", json!({"room":"ops","text":"hi from a"}))
        .await;
    assert_eq!(frames[0], msg("ops", "hi from a", "alice"));
    let (first, _) = bot.next_of("evt").await;
    assert_eq!(first, msg("ops", "hi from a", "alice"));
    let frames = bot
        .request_frames(2, "say", json!({"room":"ops","text":"hi from b"}))
        .await;
    assert_eq!(frames[0], msg("ops", "hi from b", "bot"));
    // Each member got each message once: the next frame after them is a marker sent on the
    // same routes, not a second copy.
    assert_eq!(
        carol.next_n(2).await,
        vec![
            msg("ops", "hi from a", "alice"),
            msg("ops", "hi from b", "bot")
        ]
    );
    assert_eq!(alice.next_n(1).await, vec![msg("ops", "hi from b", "bot")]);
    let marker = json!({"room":"ops","text":"marker","from":"test"});
    a.srv().room("ops").broadcast("message", &marker).unwrap();
    b.srv().room("ops").broadcast("message", &marker).unwrap();
    let m = msg("ops", "marker", "test");
    assert_eq!(carol.next_n(2).await, vec![m.clone(), m.clone()]);
    assert_eq!(alice.next_n(2).await, vec![m.clone(), m.clone()]);
    assert_eq!(bot.next_n(2).await, vec![m.clone(), m]);
}
on_every_transport!(chat_across_nodes);

async fn filters_apply_on_every_node(t: Transport) {
    let nodes = cluster(&t, &["a", "b"]).await;
    let (a, b) = (&nodes[0], &nodes[1]);
    let mut x = Raw::user(&a.running, "x").await;
    let mut y = Raw::user(&b.running, "y").await;
    let mut z = Raw::user(&b.running, "z").await;
    for raw in [&mut x, &mut y, &mut z] {
        raw.request(1, "join", json!({"room":"r"})).await;
    }
    knows(a.srv(), "b", "room:r").await;
    let y_id = b
        .srv()
        .local()
        .into_iter()
        .find(|c| c.user == "y")
        .unwrap()
        .id;
    let t = |text: &str| json!({"room":"r","text":text,"from":"s"});
    a.srv()
        .room("r")
        .except(&y_id)
        .broadcast("message", &t("1"))
        .unwrap();
    a.srv()
        .room("r")
        .target()
        .only_users(["y"])
        .broadcast("message", &t("2"))
        .unwrap();
    a.srv()
        .rooms(["r", "r2"])
        .only_conns([y_id.clone()])
        .broadcast("message", &t("3"))
        .unwrap();
    a.srv().room("r").broadcast("message", &t("end")).unwrap();
    let texts = |frames: Vec<serde_json::Value>| -> Vec<String> {
        frames
            .iter()
            .map(|f| f["d"]["text"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(texts(x.next_n(2).await), ["1", "end"]);
    assert_eq!(texts(y.next_n(3).await), ["2", "3", "end"]);
    assert_eq!(texts(z.next_n(2).await), ["1", "end"]);
}
on_every_transport!(filters_apply_on_every_node);

async fn room_members_are_readable_cluster_wide(t: Transport) {
    let nodes = cluster(&t, &["a", "b"]).await;
    let (a, b) = (&nodes[0], &nodes[1]);
    let mut x = Raw::user(&a.running, "x").await;
    let mut y = Raw::agent(&b.running, "y").await;
    x.request(1, "join", json!({"room":"hall"})).await;
    y.request(1, "join", json!({"room":"hall"})).await;
    let view = a.srv().cluster();
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let members = view.room("hall").await.unwrap();
        if members.len() == 2 {
            let mut who: Vec<(String, String)> =
                members.into_iter().map(|m| (m.user, m.node)).collect();
            who.sort();
            assert_eq!(
                who,
                vec![("x".into(), "a".into()), ("y".into(), "b".into())]
            );
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "cluster room never showed both members"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(
        a.srv().room("hall").size(),
        1,
        "room.size is this node's members"
    );
}
on_every_transport!(room_members_are_readable_cluster_wide);
