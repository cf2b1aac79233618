//! The inspector: an opt-in crate an application adds so that a console in another process
//! can observe its server (connections, rooms, topics, every message) and drive it (pushes,
//! room changes, disconnects, server-to-client requests), over the `switchboard.inspector.v1`
//! protocol (`docs/inspector.md`).
//!
//! Where it sits: beside `switchboard-capture` in the opt-in row, on `switchboard-server`'s
//! public API only (a [`Tap`](switchboard_server::tap::Tap) per session and the
//! [`Server`](switchboard_server::Server) handle). It compiles no SQLite, no Redis client and
//! no command-line parser. The `switchboard-server` binary starts it with `--inspect`; the
//! console attaches with [`InspectorClient`], to remote nodes over a socket and to its own
//! embedded server in-process ([`Inspector::local_session`]), through the same session code.
//!
//! ```no_run
//! # async fn demo(server: switchboard_server::Server) -> Result<(), Box<dyn std::error::Error>> {
//! use switchboard_inspector::{Inspector, InspectorClient, InspectorConfig};
//!
//! let inspector = Inspector::start(&server, InspectorConfig::default()).await?;
//! println!("attach with {}", inspector.attach_url());
//! let mut console = InspectorClient::connect(&inspector.attach_url()).await?;
//! println!("{} connections", console.snapshot().connections.len());
//! while let Some(message) = console.next().await {
//!     println!("{message:?}");
//! }
//! # Ok(()) }
//! ```
//!
//! Layout:
//! - [`protocol`]: every message, as serde types, with the version rules.
//! - `inspector`: [`Inspector::start`], the listener, access checks before the upgrade,
//!   [`InspectorHandle`]; `access`: the token and the `Origin` rule.
//! - `socket`: a session over a console's WebSocket; `local`: a session over channels.
//! - `session`: one session's life (tap before snapshot, events in batches, commands),
//!   whatever carries it; `queue`: its bounded queue, where drops are counted; `fanout`: the
//!   one tap on the server that feeds every session's queue; `tapped`: an event as queued,
//!   with its encoding shared when several consoles are attached.
//! - `snapshot`: hello and snapshot; `event`: a tapped event as the protocol carries it (as a
//!   value, or a batch written straight to JSON for a socket); `json`: JSON written by hand,
//!   escaping only strings that need it, masking while writing; `plain_json`: whether a
//!   payload can be copied through as it is (one pass: valid, no escapes, no secret keys);
//!   `fragments`: the JSON of recent connections' ids, written once per connection;
//!   `mask`: secrets masked before anything leaves; `commands`: what commands do.
//! - [`state`]: [`NodeState`], a snapshot kept current by the change stream.
//! - `client` and `link`: [`InspectorClient`], the console's end.
//! - `config`: [`InspectorConfig`] and [`SessionLimits`], every default documented;
//!   `error`: the typed errors.
//! - `fuzz` (hidden): the command and node-message decoders' entry points for the fuzz
//!   targets and property tests.

mod access;
mod client;
mod commands;
mod config;
mod error;
mod event;
mod fanout;
mod fragments;
#[doc(hidden)]
pub mod fuzz;
mod inspector;
mod json;
mod link;
mod local;
mod mask;
mod plain_json;
pub mod protocol;
mod queue;
mod session;
mod snapshot;
mod socket;
pub mod state;
mod tapped;

pub use access::{with_token, Token};
pub use client::{ClientOptions, Commander, InspectorClient};
pub use commands::MAX_REQUEST_TIMEOUT;
pub use config::{
    InspectorConfig, SessionLimits, BATCH_BYTES, BATCH_EVENTS, EVENT_OVERHEAD, TRANSPORT_LIMIT,
};
pub use error::{ClientError, CommandError, InspectorError};
pub use inspector::{Inspector, InspectorHandle};
pub use mask::MASK;
pub use state::NodeState;
