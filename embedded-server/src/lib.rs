//! Switchboard's realtime server.
//!
//! Layout (each folder is one concern):
//! - [`wire`]: the super-line v1 frames, parsed and encoded once.
//! - [`contract`]: the app's vocabulary (requests, events, topics per role), loaded from a file
//!   or built from Rust types, compiled into validators and samples.
//! - [`server`]: connections, rooms, topics, the bus, delivery, heartbeat, shutdown.
//! - [`demo`]: the embedded demo application (contract, handlers, simulated clients).
//! - [`client`]: a reconnecting Rust client for the same wire (used by tests and tools).
//! - [`cluster`]: several nodes over an adapter (in-process or Redis), with presence.
//! - [`secrets`]: which keys hold secrets (masked in views, records and exports).
//! - [`tap`]: what the server reports to observers (the recorder, the console).
//! - [`capture`]: the recorder that stores tapped traffic in SQLite, and its query, export and
//!   import (no Tauri dependency).
//!
//! A message's path: a client frame is parsed by [`wire`], dispatched by `server::reader`
//! (validated against the [`contract`], handled), and any push it causes is encoded once by
//! [`wire`] and queued to each recipient's writer task (`server::outbound`); every step is
//! reported to the installed [`tap::Tap`]s.
pub mod capture;
pub mod client;
pub mod cluster;
pub mod contract;
pub mod demo;
pub mod secrets;
pub mod server;
pub mod tap;
pub mod wire;

pub use server::{Conn, HandlerError, Server, ServerConfig};
