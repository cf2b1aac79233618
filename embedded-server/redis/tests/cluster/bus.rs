//! The bus across nodes: listeners everywhere, `from` is the origin node, own publishes come
//! back through the in-process echo, inbound payloads are validated; the seed's tally example.

use std::sync::{Arc, Mutex};

use serde_json::json;
use switchboard_server::contract::Contract;
use switchboard_server::FaultKind;
use switchboard_server::Server;

use crate::harness::*;
use crate::on_every_transport;
use crate::support::*;

/// What a listener heard: (msg, from).
type Log = Arc<Mutex<Vec<(String, String)>>>;

async fn listeners_on_every_node_see_the_origin(t: Transport) {
    let nodes = cluster(&t, &["a", "b", "c"]).await;
    let seen: Vec<Log> = (0..3).map(|_| Arc::default()).collect();
    let mut subs = Vec::new();
    for (n, log) in nodes.iter().zip(&seen) {
        let log = log.clone();
        subs.push(
            n.srv()
                .subscribe("announce", move |d, from| {
                    log.lock()
                        .unwrap()
                        .push((d["msg"].as_str().unwrap_or("").to_owned(), from.to_owned()))
                })
                .unwrap(),
        );
    }
    for n in &nodes {
        for peer in ["a", "b", "c"] {
            if peer != n.srv().node_id() {
                knows(n.srv(), peer, "topic:announce").await;
            }
        }
    }
    nodes[1]
        .srv()
        .publish("announce", &json!({"msg":"hello"}))
        .unwrap();
    for log in &seen {
        let log = log.clone();
        eventually("every node's listener ran", move || {
            log.lock().unwrap().len() == 1
        })
        .await;
    }
    for log in &seen {
        assert_eq!(log.lock().unwrap()[0], ("hello".to_owned(), "b".to_owned()));
    }
}
on_every_transport!(listeners_on_every_node_see_the_origin);

async fn an_invalid_payload_from_another_node_goes_to_on_error(t: Transport) {
    let nodes = cluster(&t, &["a", "b"]).await;
    let got = Arc::new(Mutex::new(0));
    let g = got.clone();
    let _sub = nodes[1]
        .srv()
        .subscribe("announce", move |_d, _f| *g.lock().unwrap() += 1)
        .unwrap();
    knows(nodes[0].srv(), "b", "topic:announce").await;
    // A peer publishing outside the contract (another version of the app, say).
    let rogue = t.adapter().await;
    let bad = br#"{"sb":1,"from":"rogue","k":"bus","c":"announce","d":{"msg":42}}"#;
    rogue
        .publish("node:b", bytes::Bytes::from_static(bad))
        .unwrap();
    let faults = nodes[1].faults.clone();
    eventually("rejection reported", move || !faults.all().is_empty()).await;
    let (ctx, message) = nodes[1].faults.all()[0].clone();
    assert_eq!(ctx.kind, FaultKind::Event);
    assert_eq!(ctx.name.as_deref(), Some("announce"));
    assert!(message.contains("rogue"), "{message}");
    assert_eq!(*got.lock().unwrap(), 0, "listeners never saw it");
    // Valid traffic still flows.
    nodes[0]
        .srv()
        .publish("announce", &json!({"msg":"ok"}))
        .unwrap();
    let g = got.clone();
    eventually("valid message delivered", move || *g.lock().unwrap() == 1).await;
    rogue.close();
}
on_every_transport!(an_invalid_payload_from_another_node_goes_to_on_error);

const TALLY: &str = r#"{
  "shared": { "serverToClient": {
    "bump": { "subscribe": true, "payload": { "type": "object",
      "properties": { "by": { "type": "integer" } }, "required": ["by"] } } } },
  "roles": { "observer": { "clientToServer": {}, "serverToClient": {} } }
}"#;

/// The seed's bus-cluster example: three nodes converge a shared tally. Each node applies
/// every bump it hears, its own through the in-process echo and its peers' through the
/// transport, so all tallies agree.
async fn three_nodes_converge_a_tally(t: Transport) {
    let contract = Arc::new(
        Contract::from_json_str(TALLY, "tally.json")
            .unwrap()
            .compile()
            .unwrap(),
    );
    let mut servers = Vec::new();
    let mut tallies = Vec::new();
    let mut own = Vec::new();
    for id in ["a", "b", "c"] {
        let mut config = test_config();
        config.node_id = id.to_owned();
        let srv = Server::builder(contract.clone())
            .config(config)
            .adapter(t.adapter().await)
            .cluster_config(fast())
            .build()
            .unwrap();
        let running = srv.start("127.0.0.1:0").await.unwrap();
        let tally = Arc::new(Mutex::new(0i64));
        let echoes = Arc::new(Mutex::new(0));
        let (t2, e2, me) = (tally.clone(), echoes.clone(), id.to_owned());
        let _ = running
            .server
            .subscribe("bump", move |d, from| {
                *t2.lock().unwrap() += d["by"].as_i64().unwrap_or(0);
                if from == me {
                    *e2.lock().unwrap() += 1;
                }
            })
            .unwrap();
        tallies.push(tally);
        own.push(echoes);
        servers.push(running);
    }
    for s in &servers {
        let srv = s.server.clone();
        eventually("all peers want bump", move || {
            srv.cluster_peers()
                .iter()
                .filter(|p| p.interest.contains(&"topic:bump".to_owned()))
                .count()
                == 2
        })
        .await;
    }
    for (k, s) in servers.iter().enumerate() {
        for _ in 0..10 {
            s.server.publish("bump", &json!({"by": k + 1})).unwrap();
        }
    }
    let expected = 10 * (1 + 2 + 3);
    for tally in &tallies {
        let tally = tally.clone();
        eventually("tally converged", move || {
            *tally.lock().unwrap() == expected
        })
        .await;
    }
    for echoes in &own {
        assert_eq!(
            *echoes.lock().unwrap(),
            10,
            "own bumps arrive once, through the local echo"
        );
    }
}
on_every_transport!(three_nodes_converge_a_tally);
