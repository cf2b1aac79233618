//! Nothing crosses the transport that no other node wants, and what is not ours is dropped.

use serde_json::json;

use crate::harness::*;
use crate::on_every_transport;
use crate::support::*;

async fn local_only_traffic_stays_in_process(t: Transport) {
    let nodes = cluster(&t, &["a", "b"]).await;
    let (a, b) = (&nodes[0], &nodes[1]);
    let mut x = Raw::user(&a.running, "x").await;
    x.request(1, "join", json!({"room":"only-here"})).await;
    x.send(json!({"t":"sub","i":2,"c":"ticker"})).await;
    x.next().await;
    let _y = Raw::user(&b.running, "y").await;
    // Let the announcements of the joins above settle.
    knows(b.srv(), "a", "room:only-here").await;
    let before = a.srv().cluster_stats().published;
    let x_id = a.srv().local()[0].id.clone();
    for _ in 0..20 {
        a.srv()
            .room("only-here")
            .broadcast(
                "message",
                &json!({"room":"only-here","text":"t","from":"s"}),
            )
            .unwrap();
        a.srv()
            .to_conn(&x_id)
            .emit("alert", &json!({"level":"info","text":"x"}))
            .unwrap();
        a.srv()
            .to_user("x")
            .emit("alert", &json!({"level":"info","text":"x"}))
            .unwrap();
        a.srv()
            .for_role("user")
            .publish("ticker", &json!({"n":1}))
            .unwrap();
    }
    let after = a.srv().cluster_stats().published;
    // Only periodic control messages (heartbeats) may have gone out meanwhile.
    assert!(
        after - before < 10,
        "{} messages crossed for local-only traffic",
        after - before
    );
    assert_eq!(x.drain().await.len(), 80);
}
on_every_transport!(local_only_traffic_stays_in_process);

async fn foreign_messages_are_counted_and_dropped(t: Transport) {
    let nodes = cluster(&t, &["a", "b"]).await;
    let rogue = t.adapter().await;
    for bad in [
        &b"garbage"[..],
        br#"{"hello":"world"}"#,
        br#"{"sb":9,"from":"x","k":"bye"}"#,
        br#"{"sb":1,"from":"x","k":"teleport"}"#,
    ] {
        rogue
            .publish("ctl", bytes::Bytes::copy_from_slice(bad))
            .unwrap();
    }
    let srv = nodes[0].srv().clone();
    eventually("rejections counted", move || {
        srv.cluster_stats().rejected >= 4
    })
    .await;
    // Still working.
    let mut x = Raw::user(&nodes[0].running, "x").await;
    assert_eq!(x.request(1, "join", json!({"room":"r"})).await["t"], "res");
    rogue.close();
}
on_every_transport!(foreign_messages_are_counted_and_dropped);

/// Wait until `on` sees exactly `peer`'s kept interest, and check that interest against a
/// from-scratch walk of `peer`'s registries.
async fn in_sync(on: &Node, peer: &Node) {
    let (on, peer) = (on.srv().clone(), peer.srv().clone());
    let id = peer.node_id().to_owned();
    eventually(
        &format!("{} sees what {id} keeps", on.node_id()),
        move || {
            let kept = peer.cluster_interest();
            on.cluster_peers()
                .iter()
                .any(|p| p.id == id && p.interest == kept)
        },
    )
    .await;
}

fn audit(node: &Node) {
    if let Err(drift) = node.srv().audit_cluster_interest() {
        panic!("node {}: {drift}", node.srv().node_id());
    }
}

async fn kept_interest_is_announced_and_routes_pushes(t: Transport) {
    let nodes = cluster(&t, &["a", "b"]).await;
    let (a, b) = (&nodes[0], &nodes[1]);
    let mut x = Raw::user(&a.running, "x").await;
    let mut y = Raw::agent(&a.running, "y").await;
    let mut z = Raw::user(&b.running, "z").await;
    x.request(1, "join", json!({"room":"r1"})).await;
    y.request(1, "join", json!({"room":"r2"})).await;
    x.send(json!({"t":"sub","i":2,"c":"ticker"})).await;
    x.next().await;
    y.send(json!({"t":"sub","i":2,"c":"announce"})).await;
    y.next().await;
    for node in &nodes {
        audit(node);
    }
    in_sync(b, a).await;
    in_sync(a, b).await;
    assert_eq!(
        a.srv().cluster_interest(),
        [
            "conns",
            "room:r1",
            "room:r2",
            "rtopic:user:ticker",
            "topic:announce",
            "user:x",
            "user:y"
        ]
    );

    // Pushes from b reach a's receivers through the announced keys.
    let r1 = json!({"room":"r1","text":"one","from":"s"});
    b.srv().room("r1").broadcast("message", &r1).unwrap();
    assert_eq!(x.next_n(1).await, [json!({"t":"evt","e":"message","d":r1})]);
    b.srv()
        .for_role("user")
        .publish("ticker", &json!({"n":7}))
        .unwrap();
    assert_eq!(x.next_n(1).await[0]["d"], json!({"n":7}));
    b.srv()
        .publish("announce", &json!({"msg":"hello a"}))
        .unwrap();
    assert_eq!(y.next_n(1).await[0]["d"], json!({"msg":"hello a"}));

    // Leaving and unsubscribing is announced too, and a disconnect takes everything with it.
    x.request(3, "leave", json!({"room":"r1"})).await;
    x.send(json!({"t":"unsub","c":"ticker"})).await;
    x.request(4, "join", json!({"room":"r3"})).await;
    audit(a);
    in_sync(b, a).await;
    let peer_a = b.srv().cluster_peers()[0].interest.clone();
    assert!(!peer_a.contains(&"room:r1".to_owned()), "{peer_a:?}");
    assert!(
        !peer_a.contains(&"rtopic:user:ticker".to_owned()),
        "{peer_a:?}"
    );
    assert!(peer_a.contains(&"room:r3".to_owned()), "{peer_a:?}");
    y.close().await;
    let a_srv = a.srv().clone();
    eventually("y is cleaned up on a", move || {
        a_srv.cluster_interest() == ["conns", "room:r3", "user:x"]
    })
    .await;
    audit(a);
    in_sync(b, a).await;

    // The room joined last is routed to a as well, and b's own members still get it.
    z.request(1, "join", json!({"room":"r3"})).await;
    audit(b);
    let r3 = json!({"room":"r3","text":"three","from":"s"});
    b.srv().room("r3").broadcast("message", &r3).unwrap();
    let three = json!({"t":"evt","e":"message","d":r3});
    assert_eq!(x.next_n(1).await, std::slice::from_ref(&three));
    assert_eq!(z.next_n(1).await, [three]);
}
on_every_transport!(kept_interest_is_announced_and_routes_pushes);
