//! The cluster bus in action: three nodes converge a shared tally.
//!
//! Every node listens to the shared topic `bump` and adds each bump to its own tally. A node's
//! own bumps reach its listener through the in-process echo; its peers' bumps arrive through the
//! transport. When all nodes have bumped, every tally shows the same total.
//!
//! ```sh
//! cargo run --example bus_cluster                                  # three nodes in one process
//! cargo run --example bus_cluster -- redis://127.0.0.1:6379        # three nodes over Redis
//! ```

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use switchboard_redis::{RedisAdapter, RedisConfig};
use switchboard_server::cluster::{Adapter, ClusterConfig, MemoryHub};
use switchboard_server::contract::Contract;
use switchboard_server::{Server, ServerConfig};

const CONTRACT: &str = r#"{
  "shared": { "serverToClient": {
    "bump": { "subscribe": true, "payload": { "type": "object",
      "properties": { "by": { "type": "integer" } }, "required": ["by"] } } } },
  "roles": { "observer": { "clientToServer": {}, "serverToClient": {} } }
}"#;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let redis_url = std::env::args().nth(1);
    let hub = MemoryHub::new();
    let contract = Arc::new(Contract::from_json_str(CONTRACT, "bus_cluster")?.compile()?);
    let cluster = ClusterConfig {
        heartbeat: Duration::from_millis(200),
        ..ClusterConfig::default()
    };
    let mut nodes = Vec::new();
    for id in ["north", "south", "east"] {
        let adapter: Arc<dyn Adapter> = match &redis_url {
            Some(url) => Arc::new(RedisAdapter::connect(RedisConfig::new(url.clone())).await?),
            None => hub.adapter(),
        };
        let config = ServerConfig {
            node_id: id.to_owned(),
            ..ServerConfig::default()
        };
        let server = Server::builder(contract.clone())
            .config(config)
            .adapter(adapter)
            .cluster_config(cluster.clone())
            .build()?;
        let running = server.start("127.0.0.1:0").await?;
        let tally = Arc::new(AtomicI64::new(0));
        let t = tally.clone();
        let _listener = running.server.subscribe("bump", move |d, _from| {
            t.fetch_add(d["by"].as_i64().unwrap_or(0), Ordering::SeqCst);
        })?;
        nodes.push((running, tally));
    }
    // Wait until every node knows the other two want `bump`.
    while !nodes.iter().all(|(n, _)| {
        n.server
            .cluster_peers()
            .iter()
            .filter(|p| p.interest.iter().any(|k| k == "topic:bump"))
            .count()
            == 2
    }) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    for (k, (node, _)) in nodes.iter().enumerate() {
        for _ in 0..5 {
            node.server.publish("bump", &json!({ "by": k + 1 }))?;
        }
    }
    let expected = 5 * (1 + 2 + 3);
    for _ in 0..200 {
        if nodes
            .iter()
            .all(|(_, t)| t.load(Ordering::SeqCst) == expected)
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    for (node, tally) in &nodes {
        println!(
            "{}: tally {}",
            node.server.node_id(),
            tally.load(Ordering::SeqCst)
        );
    }
    let converged = nodes
        .iter()
        .all(|(_, t)| t.load(Ordering::SeqCst) == expected);
    for (node, _) in nodes {
        node.shutdown().await?;
    }
    anyhow::ensure!(converged, "tallies did not converge to {expected}");
    println!("converged on {expected}");
    Ok(())
}
