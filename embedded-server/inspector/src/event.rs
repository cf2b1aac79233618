//! A tapped event as the protocol carries it: the capture's fields, payload as JSON, secrets
//! masked.
//!
//! This runs in the session's task and its socket writer, never on the server's hot path: the
//! tap only queued a clone of the event (reference-counted strings and the already-encoded
//! frame).
//!
//! Two forms of the same thing: [`from_tap`] builds the protocol's [`Event`] value (for an
//! in-process console, which takes values), and [`Batch`] writes a batch of tapped events
//! straight as the JSON of an `events` message (for a socket), borrowing every string and
//! copying a frame's payload through as it is when it cannot hold a secret, so the writer
//! builds, masks and frees nothing per event in the common case. A test holds the two to the
//! same output.

use std::borrow::Cow;
use std::sync::Arc;

use serde::ser::{Serialize, SerializeStruct, Serializer};
use serde_json::value::RawValue;
use serde_json::Value;
use switchboard_server::secrets::is_secret_key;
use switchboard_server::tap::{TapEvent, TapPayload};

use crate::mask::{masked, MASK};
use crate::protocol::Event;

/// Whether masking could change the JSON `text`: whether one of its keys looks like a secret.
///
/// Without escapes, every `"` in JSON text opens or closes a string, so the strings can be
/// found by their quotes alone, and a string followed by `:` is a key. Text with any `\\` is
/// not looked into (an escape could spell a key in disguise, or hide a quote): it says yes,
/// and the payload is parsed and masked the slow way.
fn may_hold_secret(text: &str) -> bool {
    if text.contains('\\') {
        return true;
    }
    let mut rest = text;
    while let Some(open) = rest.find('"') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('"') else {
            return true; // not JSON: let the parser say so
        };
        let string = &after[..close];
        rest = &after[close + 1..];
        if rest.trim_start().starts_with(':') && is_secret_key(string) {
            return true;
        }
    }
    false
}

/// A payload before it is written.
enum Payload<'a> {
    /// JSON that masking would not change, written as it came.
    Raw(&'a RawValue),
    /// JSON whose secrets are masked as it is written ([`Masked`]).
    Value(Cow<'a, Value>),
}

impl Serialize for Payload<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Payload::Raw(raw) => raw.serialize(s),
            Payload::Value(v) => Masked(v).serialize(s),
        }
    }
}

/// A value written with every value under a secret-looking key replaced by the mask, at any
/// depth: what [`mask`] does, without copying the value first.
struct Masked<'a>(&'a Value);

impl Serialize for Masked<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Value::Object(map) => s.collect_map(map.iter().map(|(k, v)| {
                let v = if is_secret_key(k) {
                    MaskOr::Mask
                } else {
                    MaskOr::Value(Masked(v))
                };
                (k, v)
            })),
            Value::Array(items) => s.collect_seq(items.iter().map(Masked)),
            other => other.serialize(s),
        }
    }
}

enum MaskOr<'a> {
    Mask,
    Value(Masked<'a>),
}

impl Serialize for MaskOr<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            MaskOr::Mask => s.serialize_str(MASK),
            MaskOr::Value(v) => v.serialize(s),
        }
    }
}

/// `payload` and `payload_text` of an event.
fn payload(ev: &TapEvent) -> (Option<Payload<'_>>, Option<Cow<'_, str>>) {
    match &ev.payload {
        Some(TapPayload::Frame(encoded)) => {
            let text = encoded.payload_str();
            if !may_hold_secret(text) {
                if let Ok(raw) = serde_json::from_str::<&RawValue>(text) {
                    return (Some(Payload::Raw(raw)), None);
                }
            }
            match serde_json::from_str::<Value>(text) {
                Ok(v) => (Some(Payload::Value(Cow::Owned(v))), None),
                Err(_) => (None, Some(Cow::Borrowed(text))),
            }
        }
        Some(TapPayload::Json(v)) => (Some(Payload::Value(Cow::Borrowed(v))), None),
        Some(TapPayload::Text(t)) => (None, Some(Cow::Borrowed(t.as_str()))),
        None => (None, None),
    }
}

/// One tapped event written as the protocol's [`Event`] (same fields, same order, same
/// omissions).
struct Wire<'a>(&'a TapEvent);

impl Serialize for Wire<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let ev = self.0;
        let (payload, payload_text) = payload(ev);
        let mut st = s.serialize_struct("Event", 15)?;
        st.serialize_field("at_us", &ev.at_us)?;
        st.serialize_field("kind", ev.kind.as_str())?;
        st.serialize_field("node", &*ev.node)?;
        let opt = |st: &mut S::SerializeStruct, key, v: &Option<Arc<str>>| match v {
            Some(v) => st.serialize_field(key, &**v),
            None => st.skip_field(key),
        };
        opt(&mut st, "name", &ev.name)?;
        opt(&mut st, "conn", &ev.conn)?;
        opt(&mut st, "role", &ev.role)?;
        opt(&mut st, "user", &ev.user)?;
        if ev.rooms.is_empty() {
            st.skip_field("rooms")?;
        } else {
            st.serialize_field("rooms", &ev.rooms)?;
        }
        opt(&mut st, "topic", &ev.topic)?;
        match &payload {
            Some(p) => st.serialize_field("payload", p)?,
            None => st.skip_field("payload")?,
        }
        match &payload_text {
            Some(t) => st.serialize_field("payload_text", t)?,
            None => st.skip_field("payload_text")?,
        }
        st.serialize_field("size", &(ev.size as u64))?;
        match ev.recipients {
            Some(r) => st.serialize_field("recipients", &r)?,
            None => st.skip_field("recipients")?,
        }
        st.serialize_field("origin", ev.origin.as_str())?;
        match &ev.meta {
            Some(m) => st.serialize_field("meta", &Masked(m))?,
            None => st.skip_field("meta")?,
        }
        st.end()
    }
}

/// A batch of tapped events, written as an `events` message
/// ([`NodeMessage::Events`](crate::protocol::NodeMessage::Events)).
pub(crate) struct Batch<'a>(pub &'a [TapEvent]);

impl Serialize for Batch<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Events", 2)?;
        st.serialize_field("t", "events")?;
        st.serialize_field("events", &Events(self.0))?;
        st.end()
    }
}

struct Events<'a>(&'a [TapEvent]);

impl Serialize for Events<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(Wire))
    }
}

pub(crate) fn from_tap(ev: &TapEvent) -> Event {
    let (payload, payload_text) = payload(ev);
    let payload = payload.map(|p| match p {
        Payload::Raw(raw) => serde_json::from_str(raw.get()).unwrap_or(Value::Null),
        Payload::Value(v) => masked(v.into_owned()),
    });
    let payload_text = payload_text.map(Cow::into_owned);
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
        let written: Value =
            serde_json::from_str(&serde_json::to_string(&Batch(&events)).unwrap()).unwrap();
        let expected = serde_json::to_value(crate::protocol::NodeMessage::Events(Box::new(
            crate::protocol::EventBatch {
                events: events.iter().map(from_tap).collect(),
            },
        )))
        .unwrap();
        assert_eq!(written, expected);
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
    fn only_text_whose_keys_cannot_be_secret_skips_masking() {
        assert!(!may_hold_secret(r#"{"room":"a","text":"hello"}"#));
        assert!(may_hold_secret(r#"{"text":"a value","password_hint":1}"#));
        assert!(
            !may_hold_secret(r#"{"text":"my token: abc","a":["password"]}"#),
            "values are not keys"
        );
        assert!(may_hold_secret(r#"{"Access-TOKEN":1}"#));
        assert!(may_hold_secret(r#"{"a":{"b":[{"api_key" : 1}]}}"#));
        assert!(
            may_hold_secret(r#"{"\u0074oken":1}"#),
            "an escape could hide a key"
        );
        assert!(may_hold_secret("{\"\u{212A}ey\":1}") == is_secret_key("\u{212A}ey"));
        assert!(may_hold_secret(r#"{"pässwort":1,"PASSWORD":2}"#));
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
