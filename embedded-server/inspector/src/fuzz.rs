//! Entry points for the fuzz targets (`fuzz/` at the repository's root) and the property
//! tests, as in `switchboard_wire::fuzz`: untrusted bytes in, `Err(message)` for a refusal, a
//! panic only for a broken promise.

use crate::config::SessionLimits;
use crate::protocol::NodeMessage;
use crate::session::parse_command;
use switchboard_server::wire::fuzz::explained;

/// A frame an attached console sends to a node, as the node's session reads it.
pub fn command_frame(data: &[u8]) -> Result<(), String> {
    let text = std::str::from_utf8(data).map_err(|e| format!("not UTF-8: {e}"))?;
    let max = SessionLimits::default().max_command_bytes;
    parse_command(text, max)
        .map(|_| ())
        .map_err(|(_, code, message)| explained(format!("{}: {message}", code.as_str())))
}

/// A frame a node sends to an attached console, as the console's client reads it.
pub fn node_message(data: &[u8]) -> Result<(), String> {
    let text = std::str::from_utf8(data).map_err(|e| format!("not UTF-8: {e}"))?;
    serde_json::from_str::<NodeMessage>(text)
        .map(|_| ())
        .map_err(|e| explained(e.to_string()))
}
