//! The bus in one process, no Redis: one `publish` on a shared topic reaches several
//! in-process listeners (called directly, no socket or transport in between) and a client
//! subscribed over a WebSocket, each once.
//!
//! The same shared topic declaration types all three: the listeners' payload, the client's
//! `pub` frames and the publish itself. `bus_cluster` takes the same idea to three nodes.
//!
//! ```sh
//! cargo run -p switchboard-redis --example event_bus
//! ```
//!
//! It checks what it prints and exits non-zero when a listener or the client missed a message
//! (the test suite runs it: `redis/tests/cluster/examples.rs`). The node has no adapter, so it
//! is a cluster of one; this crate is its home only to sit beside `bus_cluster`.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};
use switchboard_client::{Client, ClientOptions};
use switchboard_server::contract::Contract;
use switchboard_server::{Server, ServerConfig};

const CONTRACT: &str = r#"{
  "shared": { "serverToClient": {
    "announce": { "subscribe": true, "payload": { "type": "object",
      "properties": { "msg": { "type": "string" } }, "required": ["msg"] } } } },
  "roles": { "viewer": { "clientToServer": {}, "serverToClient": {} } }
}"#;

const MESSAGES: [&str; 3] = ["maintenance at 5pm", "deploy finished", "all clear"];

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    run().await
}

/// The whole example; the test suite calls it too.
pub async fn run() -> anyhow::Result<()> {
    let contract = Arc::new(Contract::from_json_str(CONTRACT, "event_bus")?.compile()?);
    let config = ServerConfig {
        node_id: "solo".to_owned(),
        ..ServerConfig::default()
    };
    // No adapter: the node is a cluster of one, on an in-process hub of its own.
    let running = Server::builder(contract)
        .config(config)
        .build()?
        .start("127.0.0.1:0")
        .await?;
    let server = running.server.clone();

    // Two in-process listeners: an audit log and a banner. `from` names the publishing node.
    let audit: Arc<Mutex<Vec<String>>> = Arc::default();
    let log = audit.clone();
    let _audit = server.subscribe("announce", move |d: &Value, from: &str| {
        let msg = d["msg"].as_str().unwrap_or_default();
        log.lock().unwrap().push(format!("{from}: {msg}"));
    })?;
    let banner: Arc<Mutex<Option<String>>> = Arc::default();
    let shown = banner.clone();
    let _banner = server.subscribe("announce", move |d: &Value, _from: &str| {
        *shown.lock().unwrap() = d["msg"].as_str().map(str::to_owned);
    })?;

    // One client over a real WebSocket, subscribed to the same topic.
    let client = Client::connect(ClientOptions::new(running.url(), "viewer").param("name", "tv"));
    client.wait_connected(Duration::from_secs(5)).await?;
    let (_sub, mut received) = client.topic_stream("announce", 16).await?;

    for msg in MESSAGES {
        let clients = server.publish("announce", &json!({ "msg": msg }))?;
        println!("published {msg:?}: {clients} client(s) over the socket, listeners in-process");
    }
    // The listeners ran inside `publish`; the client's frames are on their way.
    let mut heard = Vec::new();
    while heard.len() < MESSAGES.len() {
        let d = tokio::time::timeout(Duration::from_secs(5), received.recv())
            .await?
            .ok_or_else(|| anyhow::anyhow!("the client's subscription ended"))?;
        heard.push(d["msg"].as_str().unwrap_or_default().to_owned());
    }
    let audit = audit.lock().unwrap().clone();
    let banner = banner.lock().unwrap().clone();
    println!("audit listener: {audit:?}");
    println!("banner listener: {banner:?}");
    println!("client: {heard:?}");

    client.close().await;
    running.shutdown().await?;
    let expected_audit: Vec<String> = MESSAGES.iter().map(|m| format!("solo: {m}")).collect();
    anyhow::ensure!(audit == expected_audit, "the audit listener missed some");
    anyhow::ensure!(
        banner.as_deref() == MESSAGES.last().copied(),
        "the banner shows {banner:?}"
    );
    anyhow::ensure!(heard == MESSAGES, "the client heard {heard:?}");
    println!("every publish reached both listeners and the client, once each");
    Ok(())
}
