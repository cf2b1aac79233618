//! An event as a session queues it: a reference to what the server tapped, and, when several
//! consoles are attached, the JSON written for it once for all of them.
//!
//! With one console (the usual case) the queue holds the server's own `Arc<TapEvent>` and the
//! socket writes the event straight into its batch: nothing is allocated per event beyond what
//! the server built. With more, the fan-out (`fanout.rs`) wraps the event once with an empty
//! slot for its encoding; the first console's writer to reach it fills the slot and the others
//! copy the bytes, so each event is encoded (and its secrets masked) once per node, not once per
//! console. Masking does not depend on the session, so the shared bytes are what every
//! console would have written itself.

use std::sync::{Arc, OnceLock};

use switchboard_server::tap::TapEvent;

use crate::event;
use crate::fragments::Fragments;

#[derive(Debug, Clone)]
pub(crate) enum Tapped {
    /// Queued for one console only.
    Alone(Arc<TapEvent>),
    /// Queued for several consoles, which share its encoding.
    Shared(Arc<SharedEvent>),
}

#[derive(Debug)]
pub(crate) struct SharedEvent {
    event: Arc<TapEvent>,
    json: OnceLock<Box<str>>,
}

impl Tapped {
    /// The event, for several consoles at once.
    pub fn shared(event: Arc<TapEvent>) -> Tapped {
        Tapped::Shared(Arc::new(SharedEvent {
            event,
            json: OnceLock::new(),
        }))
    }

    pub fn event(&self) -> &TapEvent {
        match self {
            Tapped::Alone(e) => e,
            Tapped::Shared(s) => &s.event,
        }
    }

    /// Append the event's JSON (one element of an `events` batch) to `out`.
    pub fn write(&self, out: &mut String, known: &mut Fragments) {
        match self {
            Tapped::Alone(e) => event::write(out, e, known),
            Tapped::Shared(s) => out.push_str(s.encoded(known)),
        }
    }
}

impl SharedEvent {
    /// The event's JSON, written by the first console to ask.
    fn encoded(&self, known: &mut Fragments) -> &str {
        self.json.get_or_init(|| {
            let mut out = String::with_capacity(256);
            event::write(&mut out, &self.event, known);
            out.into_boxed_str()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use switchboard_server::tap::{Origin, TapKind, TapPayload};

    #[test]
    fn a_shared_event_is_written_once_and_as_if_it_were_alone() {
        let mut ev = TapEvent::new(TapKind::RequestIn, Origin::Client);
        ev.name = Some("login".into());
        ev.conn = Some("c-\"1\"".into());
        ev.payload = Some(TapPayload::Json(json!({"user":"u","password":"p"})));
        ev.meta = Some(json!({"i": 7}));
        let ev = Arc::new(ev);
        let alone = Tapped::Alone(ev.clone());
        let shared = Tapped::shared(ev);
        let (one, two) = (shared.clone(), shared);
        let write = |t: &Tapped| {
            let mut out = String::new();
            t.write(&mut out, &mut Fragments::default());
            out
        };
        let expected = write(&alone);
        assert!(expected.contains(r#""password":"********""#), "{expected}");
        assert_eq!(write(&one), expected);
        let Tapped::Shared(s) = &two else {
            unreachable!()
        };
        let first = s.encoded(&mut Fragments::default()).as_ptr();
        assert_eq!(write(&two), expected);
        assert_eq!(
            s.encoded(&mut Fragments::default()).as_ptr(),
            first,
            "encoded once, then reused"
        );
    }
}
