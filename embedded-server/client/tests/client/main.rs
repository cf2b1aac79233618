//! Rust client tests against a scripted peer server (`peer`): one module per behaviour, one
//! binary so the suite links once.

mod peer;

mod auth;
mod close;
mod disconnect;
mod events;
mod heartbeat;
mod listener_panic;
mod queue;
mod request;
mod server_request;
mod subscribe;
mod timeout;
