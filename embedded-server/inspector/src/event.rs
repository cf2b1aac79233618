//! A tapped event as the protocol carries it: the capture's fields, payload as JSON, secrets
//! masked.
//!
//! This runs in the session's task and its socket writer, never on the server's hot path: the
//! tap only queued another reference to the event (`Tap::observe_shared`).
//!
//! Two forms of the same thing: [`from_tap`] builds the protocol's [`Event`] value (for an
//! in-process console, which takes values), and [`write`] writes a tapped event straight as
//! the JSON of one element of an `events` message (for a socket; [`write_batch`] for the
//! message), borrowing every string and copying a frame's payload through as it is when it
//! cannot hold a secret, so the writer builds, masks and frees nothing per event in the
//! common case. A test holds the two to the same output.

use std::borrow::Cow;
use std::sync::Arc;

use serde_json::Value;
use switchboard_server::tap::{TapEvent, TapPayload};

use crate::fragments::Fragments;
use crate::json;
use crate::mask::masked;
use crate::plain_json;
use crate::protocol::Event;
use crate::tapped::Tapped;

/// A payload as it will be written.
enum Payload<'a> {
    /// JSON that masking would not change, copied through as it came.
    Raw(&'a str),
    /// JSON whose secrets are masked as it is written.
    Value(Cow<'a, Value>),
    /// Not JSON: sent as `payload_text`.
    Text(&'a str),
}

fn payload(ev: &TapEvent) -> Option<Payload<'_>> {
    Some(match ev.payload.as_ref()? {
        TapPayload::Frame(encoded) => {
            let text = encoded.payload_str();
            // Valid JSON is checked for even when the text came from the server's own encoder:
            // an `Encoded` can be built by hand, and one bad payload written raw would spoil
            // the whole batch for the console.
            if plain_json::copies_through(text) {
                Payload::Raw(text)
            } else {
                match serde_json::from_str::<Value>(text) {
                    Ok(v) => Payload::Value(Cow::Owned(v)),
                    Err(_) => Payload::Text(text),
                }
            }
        }
        TapPayload::Json(v) => Payload::Value(Cow::Borrowed(v)),
        TapPayload::Text(t) => Payload::Text(t),
    })
}

/// One tapped event written as the protocol's [`Event`] (same fields, same order, same
/// omissions), secrets masked.
pub(crate) fn write(out: &mut String, ev: &TapEvent, known: &mut Fragments) {
    // Field names (and kinds and origins, lower-case identifiers) need no escaping: each is
    // written with its punctuation as one literal.
    out.push_str("{\"at_us\":");
    json::signed(out, ev.at_us);
    out.push_str(",\"kind\":\"");
    out.push_str(ev.kind.as_str());
    out.push_str("\",");
    known.node(out, &ev.node);
    let opt = |out: &mut String, field: &str, v: &Option<Arc<str>>| {
        if let Some(v) = v {
            out.push_str(field);
            json::string(out, v);
        }
    };
    opt(out, ",\"name\":", &ev.name);
    match (&ev.conn, &ev.role, &ev.user) {
        (Some(conn), Some(role), Some(user)) => known.who(out, conn, role, user),
        _ => {
            opt(out, ",\"conn\":", &ev.conn);
            opt(out, ",\"role\":", &ev.role);
            opt(out, ",\"user\":", &ev.user);
        }
    }
    if !ev.rooms.is_empty() {
        out.push_str(",\"rooms\":[");
        for (n, room) in ev.rooms.iter().enumerate() {
            if n > 0 {
                out.push(',');
            }
            json::string(out, room);
        }
        out.push(']');
    }
    opt(out, ",\"topic\":", &ev.topic);
    match payload(ev) {
        Some(Payload::Raw(raw)) => {
            out.push_str(",\"payload\":");
            out.push_str(raw);
        }
        Some(Payload::Value(v)) => {
            out.push_str(",\"payload\":");
            json::masked(out, &v);
        }
        Some(Payload::Text(t)) => {
            out.push_str(",\"payload_text\":");
            json::string(out, t);
        }
        None => {}
    }
    out.push_str(",\"size\":");
    json::unsigned(out, ev.size as u64);
    if let Some(r) = ev.recipients {
        out.push_str(",\"recipients\":");
        json::unsigned(out, u64::from(r));
    }
    out.push_str(",\"origin\":\"");
    out.push_str(ev.origin.as_str());
    out.push('"');
    if let Some(meta) = &ev.meta {
        out.push_str(",\"meta\":");
        json::masked(out, meta);
    }
    out.push('}');
}

/// A batch of queued events, written as an `events` message
/// ([`NodeMessage::Events`](crate::protocol::NodeMessage::Events)). An event already written
/// for another console is copied from that encoding ([`Tapped`]).
pub(crate) fn write_batch(out: &mut String, batch: &[Tapped], known: &mut Fragments) {
    out.push_str("{\"t\":\"events\",\"events\":[");
    for (n, item) in batch.iter().enumerate() {
        if n > 0 {
            out.push(',');
        }
        item.write(out, known);
    }
    out.push_str("]}");
}

/// The protocol's [`Event`] value, for an in-process console (which takes values).
pub(crate) fn from_tap(ev: &TapEvent) -> Event {
    let (payload, payload_text) = match payload(ev) {
        Some(Payload::Raw(raw)) => (Some(serde_json::from_str(raw).unwrap_or(Value::Null)), None),
        Some(Payload::Value(v)) => (Some(masked(v.into_owned())), None),
        Some(Payload::Text(t)) => (None, Some(t.to_owned())),
        None => (None, None),
    };
    let text = |s: &Option<Arc<str>>| s.as_deref().map(str::to_owned);
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

    fn frame(payload: &Value) -> TapPayload {
        TapPayload::Frame(switchboard_server::wire::encode::evt("message", payload).unwrap())
    }

    /// What a socket gets for `events` must be what an in-process console gets as values.
    #[test]
    fn a_batch_is_written_exactly_as_its_events_would_be() {
        let mut full = TapEvent::new(TapKind::RoomBroadcast, Origin::Client);
        full.name = Some("message".into());
        full.conn = Some("c-1".into());
        full.role = Some("user".into());
        full.user = Some("alice".into());
        full.rooms = vec!["a".into(), "b".into()];
        full.topic = Some("t".into());
        full.size = 79;
        full.recipients = Some(2);
        full.meta = Some(json!({"filter":{"apiKey":"k","only":["x"]}}));
        let mut events = Vec::new();
        for payload in [
            Some(frame(
                &json!({"room":"a","text":"plain, no secret","n":[1,2.5,null,true]}),
            )),
            Some(frame(
                &json!({"room":"a","accessToken":"t","deep":{"pass_word":"p"}}),
            )),
            Some(frame(
                &json!({"text":"a value that says token is still masked-safe"}),
            )),
            Some(frame(
                &json!({"text":"escaped \"quotes\" and unicode \u{e9}"}),
            )),
            Some(TapPayload::Frame(switchboard_server::wire::encode::err(
                Some(1),
                &switchboard_server::wire::ErrorCode::VALIDATION,
                "m",
                None,
            ))),
            Some(TapPayload::Json(json!({"password":"p","x":1}))),
            Some(TapPayload::Json(json!({
                "list":[{"api_key":"k","ok":[{"Client-Secret":{"deep":1}}]},"token"],
                "auth":{"password":{"nested":1},"user":"u"}
            }))),
            Some(TapPayload::Text("{not json".into())),
            None,
        ] {
            let mut ev = full.clone();
            ev.payload = payload;
            events.push(ev);
        }
        events.push(TapEvent::new(TapKind::Connect, Origin::Server));
        let queued: Vec<Tapped> = events
            .iter()
            .map(|e| Tapped::Alone(Arc::new(e.clone())))
            .collect();
        let mut text = String::new();
        write_batch(&mut text, &queued, &mut Fragments::default());
        let expected = serde_json::to_string(&crate::protocol::NodeMessage::Events(Box::new(
            crate::protocol::EventBatch {
                events: events.iter().map(from_tap).collect(),
            },
        )))
        .unwrap();
        // Byte for byte: the frames' payloads were encoded from values, as serde writes them.
        assert_eq!(text, expected);
        let written: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(written["events"][1]["payload"]["accessToken"], crate::MASK);
        assert_eq!(
            written["events"][1]["payload"]["deep"]["pass_word"],
            crate::MASK
        );
        assert_eq!(
            written["events"][0]["meta"]["filter"]["apiKey"],
            crate::MASK
        );
    }

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
