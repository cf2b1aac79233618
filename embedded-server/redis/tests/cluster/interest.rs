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
