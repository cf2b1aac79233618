//! Simulated clients for the demo: users and agents that join rooms, chat, send direct
//! messages, subscribe to topics and announce, at a modest rate, so the console always has live
//! traffic to show. They are ordinary Rust clients over real WebSockets.

use std::time::Duration;

use rand::Rng;
use serde_json::json;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use switchboard_client::{Client, ClientOptions};

const ROOMS: [&str; 5] = ["lobby", "ops", "support", "random", "dev"];
const LINES: [&str; 8] = [
    "hello there",
    "anyone seen the build?",
    "deploying now",
    "looks good to me",
    "can you take a look?",
    "back in five",
    "ticket updated",
    "thanks!",
];

/// How many clients and how busy they are.
#[derive(Debug, Clone)]
pub struct SimulateOptions {
    /// `ws://host:port/` of the server.
    pub url: String,
    pub clients: usize,
    /// Requests per second across all clients.
    pub rate_per_sec: f64,
}

impl SimulateOptions {
    /// `clients` clients making about one request every two seconds each.
    pub fn new(url: impl Into<String>, clients: usize) -> Self {
        SimulateOptions {
            url: url.into(),
            clients,
            rate_per_sec: clients as f64 * 0.5,
        }
    }
}

/// Start the simulation; it runs until `stop` is cancelled. Connections are opened gradually
/// (a few hundred per second) so a large simulation does not arrive as one burst.
pub fn spawn(opts: SimulateOptions, stop: CancellationToken) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut set = JoinSet::new();
        let per_client = (opts.rate_per_sec / opts.clients.max(1) as f64).max(0.001);
        let period = Duration::from_secs_f64(1.0 / per_client);
        for k in 0..opts.clients {
            if stop.is_cancelled() {
                break;
            }
            let role = if k % 3 == 2 { "agent" } else { "user" };
            let name = format!("sim-{role}-{k}");
            set.spawn(run_one(
                opts.url.clone(),
                role,
                name,
                k,
                opts.clients,
                period,
                stop.clone(),
            ));
            if k % 200 == 199 {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
        while set.join_next().await.is_some() {}
    })
}

async fn run_one(
    url: String,
    role: &'static str,
    name: String,
    k: usize,
    total: usize,
    period: Duration,
    stop: CancellationToken,
) {
    let client = Client::connect(ClientOptions::new(url, role).param("name", &name));
    if client
        .wait_connected(Duration::from_secs(30))
        .await
        .is_err()
    {
        client.close().await;
        return;
    }
    let mut rooms: Vec<&str> = vec![ROOMS[k % ROOMS.len()]];
    if k.is_multiple_of(4) {
        rooms.push(ROOMS[(k + 2) % ROOMS.len()]);
    }
    for room in &rooms {
        let _ = client.request("join", json!({ "room": room })).await;
    }
    if role == "user" && k.is_multiple_of(2) {
        let _ = client.subscribe("ticker", |_| {}).await;
    }
    if k.is_multiple_of(5) {
        let _ = client.subscribe("announce", |_| {}).await;
    }
    // Spread the first actions over one period.
    let offset = rand::rng().random_range(0.0..1.0) * period.as_secs_f64();
    tokio::select! {
        _ = stop.cancelled() => { client.close().await; return; }
        _ = tokio::time::sleep(Duration::from_secs_f64(offset)) => {}
    }
    loop {
        let roll: u32 = rand::rng().random_range(0..100);
        let line = LINES[rand::rng().random_range(0..LINES.len())];
        let room = rooms[rand::rng().random_range(0..rooms.len())];
        let _ = match (role, roll) {
            (_, 0..=69) => {
                client
                    .request("say", json!({ "room": room, "text": line }))
                    .await
            }
            ("user", 70..=84) => {
                let peer = format!(
                    "sim-user-{}",
                    rand::rng().random_range(0..total.max(1)) / 3 * 3
                );
                client
                    .request("dm", json!({ "to": peer, "text": line }))
                    .await
            }
            ("user", 85..=94) => client.request("notify", json!({})).await,
            ("agent", 70..=74) => {
                client
                    .request("announce", json!({ "msg": format!("{name}: {line}") }))
                    .await
            }
            (_, _) => {
                // Move to another room now and then.
                let next = ROOMS[rand::rng().random_range(0..ROOMS.len())];
                let _ = client.request("leave", json!({ "room": rooms[0] })).await;
                rooms[0] = next;
                client.request("join", json!({ "room": next })).await
            }
        };
        tokio::select! {
            _ = stop.cancelled() => break,
            _ = tokio::time::sleep(period) => {}
        }
    }
    client.close().await;
}
