//! The Switchboard console's backend, with no desktop dependency: the desktop window
//! (`src-tauri`) and headless mode both run exactly this, and the UI talks to it over HTTP in
//! both, so the window and a browser share one code path.
//!
//! Where it sits: above the server's crates (`switchboard-server` for the handle it observes
//! and drives, `switchboard-capture` for the recording, query, export and replay,
//! `switchboard-demo` for the default application, `switchboard-client` for "Try it"), below the `switchboard` binary
//! (`src-tauri`), which adds only the window.
//!
//! Layout:
//! - [`core`]: [`ConsoleCore`], which owns the server handle, the recorder, the live pipeline
//!   and the console's HTTP listener (served on a runtime thread of its own).
//! - [`api`]: the HTTP routes, one file per resource (overview, rooms, connections, contract,
//!   traffic, push, export, host, live, replay, nodes, tryit: the console's own test
//!   connections on `switchboard-client`). Each handler parses the request, calls the node
//!   source's interface ([`nodes::NodeView`]) and shapes the answer: one path in every mode.
//! - [`live`]: the tap and the aggregator that batch changes into one WebSocket message every
//!   250 ms, through bounded queues whose drops are counted and shown; per-message counts and
//!   latencies for the contract (`live::message_stats`), seeded from the capture file's
//!   earlier rows when the console starts (`live::seed`).
//! - [`types`]: every type the API carries, with the TypeScript declarations generated from them.
//! - [`auth`]: the per-run token. [`assets`]: the embedded UI. [`host`]: what the window adds.
//! - [`nodes`]: the node sources behind one interface, [`nodes::NodeView`] (list connections,
//!   one connection, rooms, a room's members, the graph, room add and remove, disconnect,
//!   push, the contract, counts, the overview's nodes, the node list, a proxy's upstream),
//!   each in its own module: `nodes/embedded/` the console's own server, `nodes/attached/`
//!   nodes followed through their inspectors (attach mode, with reconnection, discovery and
//!   per-node state), `nodes/proxy/` the recording proxy in front of any wire server (proxy
//!   mode); `nodes/view.rs` the interface, `nodes/conn_page.rs` the connection list's paging
//!   and `nodes/graph.rs` the membership graph's builder they share, `nodes/error.rs` why a
//!   source refused.
//! - [`recording`]: the recorder as a tap that can be closed at shutdown.
//! - [`push_log`]: the history of pushes fired by hand, kept in a file beside the capture.

pub mod api;
pub mod assets;
pub mod auth;
pub mod core;
pub mod error;
pub mod host;
pub mod live;
pub mod nodes;
pub mod push_log;
pub mod recording;
pub mod state;
pub mod types;

pub use crate::core::{ConsoleCore, ConsoleOptions};
pub use error::ConsoleError;
pub use host::{BrowserHost, Host};
pub use types::HostMode;
