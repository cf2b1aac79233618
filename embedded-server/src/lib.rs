//! Switchboard's realtime server.
//!
//! Layout (each folder is one concern):
//! - [`wire`]: the super-line v1 frames, parsed and encoded once.
//! - [`contract`]: the app's vocabulary (requests, events, topics per role), loaded from a file
//!   or built from Rust types, compiled into validators and samples.
//! - [`tap`]: what the server reports to observers (the recorder, the console).
pub mod contract;
pub mod tap;
pub mod wire;
