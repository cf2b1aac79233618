//! Switchboard's realtime server.
//!
//! Layout (each folder is one concern):
//! - [`wire`]: the super-line v1 frames, parsed and encoded once.
//! - [`tap`]: what the server reports to observers (the recorder, the console).
pub mod tap;
pub mod wire;
