//! A tapped event as the protocol carries it: the capture's fields, payload as JSON, secrets
//! masked.
//!
//! This runs in the session's task, never on the server's hot path: the tap only queued a
//! clone of the event (reference-counted strings and the already-encoded frame).

use serde_json::Value;
use switchboard_server::tap::{TapEvent, TapPayload};

use crate::mask::{mask, masked};
use crate::protocol::Event;

pub(crate) fn from_tap(ev: &TapEvent) -> Event {
    let (payload, payload_text) = match &ev.payload {
        Some(TapPayload::Frame(encoded)) => {
            match serde_json::from_str::<Value>(encoded.payload_str()) {
                Ok(mut v) => {
                    mask(&mut v);
                    (Some(v), None)
                }
                Err(_) => (None, Some(encoded.payload_str().to_owned())),
            }
        }
        Some(TapPayload::Json(v)) => (Some(masked(v.clone())), None),
        Some(TapPayload::Text(t)) => (None, Some(t.clone())),
        None => (None, None),
    };
    let text = |s: &Option<std::sync::Arc<str>>| s.as_deref().map(str::to_owned);
    Event {
        at_us: ev.at_us,
        kind: ev.kind.as_str().to_owned(),
        node: ev.node.to_string(),
        name: text(&ev.name),
        conn: text(&ev.conn),
        role: text(&ev.role),
        user: text(&ev.user),
        rooms: ev.rooms.iter().map(|r| r.to_string()).collect(),
        topic: text(&ev.topic),
        payload,
        payload_text,
        size: ev.size as u64,
        recipients: ev.recipients,
        origin: ev.origin.as_str().to_owned(),
        meta: ev.meta.clone().map(masked),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use switchboard_server::tap::{Origin, TapKind};

    #[test]
    fn fields_are_copied_and_secrets_in_payload_and_meta_masked() {
        let mut ev = TapEvent::new(TapKind::RequestIn, Origin::Client);
        ev.name = Some("login".into());
        ev.conn = Some("c-1".into());
        ev.rooms = vec!["a".into()];
        ev.payload = Some(TapPayload::Json(json!({"user":"u","password":"p"})));
        ev.meta = Some(json!({"params":{"token":"t"}}));
        ev.size = 42;
        let e = from_tap(&ev);
        assert_eq!(e.kind, "request_in");
        assert_eq!(e.origin, "client");
        assert_eq!(e.name.as_deref(), Some("login"));
        assert_eq!(e.rooms, vec!["a".to_owned()]);
        assert_eq!(e.payload, Some(json!({"user":"u","password":"********"})));
        assert_eq!(e.meta, Some(json!({"params":{"token":"********"}})));
        assert_eq!(e.size, 42);
    }
}
