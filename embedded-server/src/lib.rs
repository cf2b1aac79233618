//! Switchboard's realtime server.
//!
//! Layout (each folder is one concern):
//! - [`wire`]: the super-line v1 frames, parsed and encoded once.
//! - [`tap`]: what the server reports to observers (the recorder, the console).
//! - [`capture`]: the recorder that stores tapped traffic in SQLite, and its query, export and
//!   import (no Tauri dependency).
pub mod capture;
pub mod tap;
pub mod wire;
