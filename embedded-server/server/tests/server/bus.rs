//! The bus: a shared-topic publish reaches in-process listeners (local echo, `from` = this
//! node) and subscribed clients; listeners are isolated and removable.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::json;
use switchboard_demo as demo;
use switchboard_server::{FaultKind, PushError};

use crate::support::*;

#[tokio::test]
async fn publish_reaches_listeners_and_subscribed_clients() {
    let server = start_demo().await;
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s2 = seen.clone();
    let sub = server
        .server
        .subscribe("announce", move |d, from| {
            s2.lock().unwrap().push((d.clone(), from.to_owned()))
        })
        .unwrap();
    let mut alice = Raw::user(&server, "alice").await;
    alice.send(json!({"t":"sub","i":1,"c":"announce"})).await;
    alice.next().await;
    let n = server
        .server
        .publish("announce", &json!({"msg":"maintenance at 5pm"}))
        .unwrap();
    assert_eq!(n, 1);
    let node = server.server.node_id().to_owned();
    assert_eq!(
        seen.lock().unwrap().clone(),
        vec![(json!({"msg":"maintenance at 5pm"}), node.clone())]
    );
    assert_eq!(
        alice.drain().await,
        vec![json!({"t":"pub","c":"announce","d":{"msg":"maintenance at 5pm"},"nd":node})]
    );
    assert!(sub.unsubscribe());
    server
        .server
        .publish("announce", &json!({"msg":"again"}))
        .unwrap();
    assert_eq!(
        seen.lock().unwrap().len(),
        1,
        "unsubscribed listener is not called"
    );
}

#[tokio::test]
async fn an_agent_announce_goes_through_the_bus() {
    let server = start_demo().await;
    let count = Arc::new(AtomicUsize::new(0));
    let c2 = count.clone();
    let _sub = server
        .server
        .subscribe("announce", move |_d, _from| {
            c2.fetch_add(1, Ordering::SeqCst);
        })
        .unwrap();
    let mut user = Raw::user(&server, "u").await;
    user.send(json!({"t":"sub","i":1,"c":"announce"})).await;
    user.next().await;
    let mut agent = Raw::agent(&server, "a").await;
    assert_eq!(
        agent
            .request(1, "announce", json!({"msg":"deploying"}))
            .await["d"]["ok"],
        true
    );
    assert_eq!(count.load(Ordering::SeqCst), 1);
    assert_eq!(user.drain().await[0]["d"]["msg"], "deploying");
}

#[tokio::test]
async fn a_failing_or_panicking_listener_is_reported_and_others_still_run() {
    let faults = Faults::default();
    let server = start(
        demo::builder()
            .unwrap()
            .config(test_config())
            .on_error(faults.hook()),
    )
    .await;
    let ran = Arc::new(AtomicUsize::new(0));
    let _a = server
        .server
        .subscribe("announce", |_d, _f| -> Result<(), String> {
            Err("cannot apply".into())
        })
        .unwrap();
    let _b = server
        .server
        .subscribe("announce", |_d, _f| -> () { panic!("listener exploded") })
        .unwrap();
    let r = ran.clone();
    let _c = server
        .server
        .subscribe("announce", move |_d, _f| {
            r.fetch_add(1, Ordering::SeqCst);
        })
        .unwrap();
    server
        .server
        .publish("announce", &json!({"msg":"x"}))
        .unwrap();
    assert_eq!(ran.load(Ordering::SeqCst), 1);
    let faults = faults.all();
    assert_eq!(faults.len(), 2, "{faults:?}");
    assert!(faults
        .iter()
        .all(|(ctx, _)| ctx.kind == FaultKind::Event && ctx.name.as_deref() == Some("announce")));
    assert!(faults.iter().any(|(_, m)| m.contains("cannot apply")));
    assert!(faults.iter().any(|(_, m)| m.contains("listener exploded")));
}

#[tokio::test]
async fn only_shared_topics_are_on_the_bus() {
    let server = start_demo().await;
    assert!(matches!(
        server.server.subscribe("ticker", |_d, _f| {}),
        Err(PushError::UnknownTopic(_))
    ));
    assert!(matches!(
        server.server.publish("ticker", &json!({"n":1})),
        Err(PushError::UnknownTopic(_))
    ));
    assert!(matches!(
        server.server.publish("announce", &json!({"nope":1})),
        Err(PushError::Validation { .. })
    ));
}
