#![allow(dead_code)] // shared by the cluster and command-line test binaries; each uses a part
//! Start clusters of demo nodes on a chosen transport.

use std::sync::Arc;
use std::time::Duration;

use switchboard_demo as demo;
use switchboard_redis::{RedisAdapter, RedisConfig};
use switchboard_server::cluster::{Adapter, ClusterConfig, MemoryHub};
use switchboard_server::RunningServer;
use switchboard_server::Server;

use crate::support::{eventually, test_config, Faults};

/// Fast timings so tests converge quickly (the defaults are in seconds).
pub fn fast() -> ClusterConfig {
    ClusterConfig {
        heartbeat: Duration::from_millis(100),
        node_ttl: Duration::from_millis(1500),
        presence_flush: Duration::from_millis(30),
    }
}

pub enum Transport {
    Memory(MemoryHub),
    /// A real redis-server started for this test, and a namespace of its own.
    Redis(crate::redis_server::RedisServer),
}

impl Transport {
    pub fn memory() -> Self {
        Transport::Memory(MemoryHub::new())
    }

    pub fn redis() -> Self {
        Transport::Redis(crate::redis_server::RedisServer::start())
    }

    /// The redis-server of a Redis transport, to stop and restart it.
    pub fn redis_mut(&mut self) -> &mut crate::redis_server::RedisServer {
        match self {
            Transport::Redis(redis) => redis,
            Transport::Memory(_) => panic!("not a Redis transport"),
        }
    }

    pub async fn adapter(&self) -> Arc<dyn Adapter> {
        match self {
            Transport::Memory(hub) => hub.adapter(),
            Transport::Redis(redis) => {
                let config = RedisConfig {
                    reconnect_max: Duration::from_millis(300),
                    ..RedisConfig::new(redis.url())
                };
                Arc::new(RedisAdapter::connect(config).await.expect("redis adapter"))
            }
        }
    }
}

pub struct Node {
    pub running: RunningServer,
    pub faults: Faults,
}

impl Node {
    pub fn srv(&self) -> &Server {
        &self.running.server
    }
}

pub async fn node(t: &Transport, id: &str) -> Node {
    let faults = Faults::default();
    let mut config = test_config();
    config.node_id = id.to_owned();
    let server = demo::builder()
        .unwrap()
        .config(config)
        .adapter(t.adapter().await)
        .cluster_config(fast())
        .on_error(faults.hook())
        .build()
        .unwrap();
    let running = server.start("127.0.0.1:0").await.unwrap();
    Node { running, faults }
}

/// Start `ids.len()` nodes and wait until each knows every other.
pub async fn cluster(t: &Transport, ids: &[&str]) -> Vec<Node> {
    let mut nodes = Vec::new();
    for id in ids {
        nodes.push(node(t, id).await);
    }
    for n in &nodes {
        let srv = n.srv().clone();
        let want = ids.len() - 1;
        eventually("peers known", move || srv.cluster_peers().len() == want).await;
    }
    nodes
}

/// Wait until `on` knows that node `peer` is interested in `key`.
pub async fn knows(on: &Server, peer: &str, key: &str) {
    let on = on.clone();
    let peer = peer.to_owned();
    let key = key.to_owned();
    eventually(
        &format!("{} learns {peer} wants {key}", on.node_id()),
        move || {
            on.cluster_peers()
                .iter()
                .any(|p| p.id == peer && p.interest.contains(&key))
        },
    )
    .await;
}

/// Define one test per transport for a scenario `async fn(Transport)`.
#[macro_export]
macro_rules! on_every_transport {
    ($scenario:ident) => {
        mod $scenario {
            #[tokio::test]
            async fn memory() {
                super::$scenario($crate::harness::Transport::memory()).await
            }

            #[tokio::test]
            async fn redis() {
                super::$scenario($crate::harness::Transport::redis()).await
            }
        }
    };
}
