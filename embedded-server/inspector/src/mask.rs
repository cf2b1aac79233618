//! Masking what looks like a secret before it leaves the node.
//!
//! A console may run on another machine, and what it shows ends up in screenshots and bug
//! reports, so values under secret-looking keys (`token`, `password`, `apiKey`, ... as
//! [`switchboard_server::secrets`] decides, the same list the server and the capture use) are
//! replaced, at any depth, before an event or a snapshot is sent.

use serde_json::Value;
pub use switchboard_server::secrets::{mask_value as mask, MASK};

/// `value` with secrets masked.
pub fn masked(mut value: Value) -> Value {
    mask(&mut value);
    value
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn secrets_are_masked_at_any_depth_and_nothing_else_is() {
        let v = masked(json!({
            "name": "alice",
            "accessToken": "t1",
            "auth": {"password": {"nested": 1}, "user": "u"},
            "list": [{"api_key": "k"}, "token"],
        }));
        assert_eq!(
            v,
            json!({
                "name": "alice",
                "accessToken": MASK,
                "auth": {"password": MASK, "user": "u"},
                "list": [{"api_key": MASK}, "token"],
            })
        );
    }
}
