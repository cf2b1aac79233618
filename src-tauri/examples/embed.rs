//! Running the console around your own server.
//!
//! Build your server as usual (contract, handlers, config), then hand it to `Console`. The
//! console starts it on `--listen`'s default (127.0.0.1:7070), records its traffic, and opens
//! the window (or serves the UI headless when there is no display).
//!
//! ```sh
//! cargo run -p switchboard-console --example embed            # window, or headless without a display
//! cargo run -p switchboard-console --example embed -- --headless
//! ```

use std::sync::Arc;

use serde_json::json;
use switchboard_console::Console;
use switchboard_server::contract::Contract;
use switchboard_server::{HandlerError, Server};

const CONTRACT: &str = r#"{
  "shared": { "serverToClient": {
    "note": { "payload": { "type": "object", "properties": { "text": { "type": "string" } }, "required": ["text"] } }
  } },
  "roles": { "client": { "clientToServer": {
    "echo": {
      "input":  { "type": "object", "properties": { "text": { "type": "string" } }, "required": ["text"] },
      "output": { "type": "object", "properties": { "text": { "type": "string" } }, "required": ["text"] }
    }
  } } }
}"#;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let contract = Contract::from_json_str(CONTRACT, "echo.json")?.compile()?;
    let server = Server::builder(Arc::new(contract))
        .handle("client", "echo", |input, _ctx, conn| async move {
            conn.emit("note", &json!({ "text": "echoing" }))?;
            Ok::<_, HandlerError>(input)
        })
        .build()?;
    let headless = std::env::args().any(|a| a == "--headless");
    Console::new(server)
        .headless(headless)
        .capture(std::env::temp_dir().join("switchboard-embed-example.db"))
        .run()?;
    Ok(())
}
