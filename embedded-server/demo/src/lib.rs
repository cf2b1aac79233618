//! The embedded demo: a small chat with users and agents that exercises every delivery path
//! (rooms, direct emits, per-user emits, a role topic, the bus). It is what the console and
//! `switchboard-server --demo` run when no application is given.
//!
//! Where it sits: an application of `switchboard-server` like any other (it uses only the
//! server's public API), plus simulated clients built on `switchboard-client`. The console,
//! the command line, the benchmark and the tests depend on it; the server does not.

mod handlers;
pub mod simulate;

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;

use switchboard_server::contract::{CompiledContract, Contract, ContractError};
use switchboard_server::{Server, ServerBuilder};

/// The demo's contract, as a contract file.
pub const CONTRACT_JSON: &str = include_str!("contract.json");

/// Load and compile the demo contract.
pub fn contract() -> Result<CompiledContract, ContractError> {
    Contract::from_json_str(CONTRACT_JSON, "demo/contract.json")?.compile()
}

/// A server builder with the demo's contract and handlers; add config, taps and hooks, then
/// `build()`.
pub fn builder() -> Result<ServerBuilder, ContractError> {
    Ok(register(Server::builder(Arc::new(contract()?))))
}

/// Add the demo's handlers to a builder made with the demo contract.
pub fn register(builder: ServerBuilder) -> ServerBuilder {
    handlers::register(builder)
}

/// Publish `ticker {n}` to subscribed users every `period` until the server shuts down.
pub fn spawn_ticker(server: &Server, period: Duration) -> tokio::task::JoinHandle<()> {
    let server = server.clone();
    tokio::spawn(async move {
        let mut n: u64 = 0;
        let mut tick = tokio::time::interval(period);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = server.shutdown_signal() => return,
            }
            n += 1;
            if let Err(e) = server
                .for_role("user")
                .publish("ticker", &json!({ "n": n }))
            {
                tracing::warn!("ticker publish failed: {e}");
            }
        }
    })
}
