//! The Switchboard console as a program: a desktop window (Tauri 2) over the console backend
//! ([`switchboard_console_core`]), or the same backend headless, serving the UI to a browser.
//!
//! Where it sits: the top of the workspace. It is the only crate that depends on Tauri, and it
//! holds no console logic of its own: everything a browser can do goes through the backend.
//!
//! Run the console around your own server:
//!
//! ```no_run
//! # fn build_my_server() -> switchboard_server::Server { unimplemented!() }
//! let server = build_my_server();
//! switchboard_console::Console::new(server).run().expect("console");
//! ```
//!
//! See `examples/embed.rs` for a complete program.
//!
//! - [`console`]: [`Console`], the builder and its `run`.
//! - [`window`]: the Tauri window and the native save dialog.
//! - [`display`]: whether a window can be shown at all.
//! - [`paths`]: where the capture file goes by default.
//! - [`signals`]: SIGTERM and SIGINT, which stop the console like closing its window.

pub mod console;
pub mod display;
pub mod error;
pub mod paths;
pub mod signals;
pub mod window;

pub use console::Console;
pub use error::RunError;
pub use switchboard_console_core::{ConsoleCore, ConsoleOptions};
