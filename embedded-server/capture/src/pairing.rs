//! Pairing, on the recorder's writer thread: which `request_in` row a reply answers and how long
//! it took, and which request's handler caused a push, a publish, a bus message or a
//! membership change.
//!
//! The server names a request by its connection and request id `i` (it cannot know the row's
//! `seq`, which SQLite assigns here). The writer knows the `seq` each row will get before it
//! inserts the batch, so it remembers the open requests by `(conn, i)` and adds to a row's
//! `meta`: `request` and `latency_us` on `response_out` / `error_out`, `cause` on anything
//! tapped inside a handler. Nothing of this runs on the server's threads.
//!
//! Bounded: at most [`MAX_OPEN_REQUESTS`] requests waiting for their answer are remembered. A
//! request never answered (its connection closed first) stays until the bound is reached, then
//! the whole map is forgotten at once (rows after that simply lack the fields, as they do when
//! the request row itself was dropped from a full queue).

use std::collections::HashMap;
use std::sync::Arc;

use crate::tap::{TapEvent, TapKind};

/// Requests remembered while they wait for their answer (docs/reliability.md).
pub(crate) const MAX_OPEN_REQUESTS: usize = 65_536;

/// What the writer adds to one row's `meta`.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Extras {
    pub cause: Option<i64>,
    pub request: Option<i64>,
    pub latency_us: Option<i64>,
}

impl Extras {
    pub(crate) fn is_empty(&self) -> bool {
        self.cause.is_none() && self.request.is_none()
    }

    /// Appends the fields to `meta`, the JSON text of the row's meta object (empty when it had
    /// none), without parsing it again.
    pub(crate) fn append_to(&self, meta: &mut Vec<u8>) {
        use std::io::Write;
        if self.is_empty() {
            return;
        }
        if meta.last() == Some(&b'}') {
            meta.pop();
            if meta.len() > 1 {
                meta.push(b',');
            }
        } else if meta.is_empty() {
            meta.push(b'{');
        } else {
            // Not an object: leave it as the server wrote it.
            return;
        }
        let mut first = true;
        let mut field = |meta: &mut Vec<u8>, name: &str, value: Option<i64>| {
            if let Some(v) = value {
                if !first {
                    meta.push(b',');
                }
                first = false;
                let _ = write!(meta, "\"{name}\":{v}");
            }
        };
        field(meta, "cause", self.cause);
        field(meta, "request", self.request);
        field(meta, "latency_us", self.latency_us);
        meta.push(b'}');
    }
}

/// The open requests of one recording, by `(conn, i)`: their row's `seq` and time.
#[derive(Debug, Default)]
pub(crate) struct Pairing {
    open: HashMap<(Arc<str>, u64), (i64, i64)>,
}

impl Pairing {
    /// Forget everything (after a batch was lost: its `seq`s will be given to other rows).
    pub(crate) fn clear(&mut self) {
        self.open.clear();
    }

    /// The fields to add to `e`, which is stored as row `seq`.
    pub(crate) fn extras(&mut self, seq: i64, e: &TapEvent) -> Extras {
        let mut extras = Extras::default();
        if let Some(cause) = &e.cause {
            extras.cause = self
                .open
                .get(&(cause.conn.clone(), cause.i))
                .map(|(s, _)| *s);
        }
        let i = || {
            e.meta
                .as_ref()
                .and_then(|m| m.get("i"))
                .and_then(|v| v.as_u64())
        };
        match e.kind {
            TapKind::RequestIn => {
                if let (Some(conn), Some(i)) = (&e.conn, i()) {
                    if self.open.len() >= MAX_OPEN_REQUESTS {
                        self.open.clear();
                    }
                    self.open.insert((conn.clone(), i), (seq, e.at_us));
                }
            }
            TapKind::ResponseOut | TapKind::ErrorOut => {
                if let (Some(conn), Some(i)) = (&e.conn, i()) {
                    if let Some((req, at)) = self.open.remove(&(conn.clone(), i)) {
                        extras.request = Some(req);
                        extras.latency_us = Some(e.at_us.saturating_sub(at).max(0));
                    }
                }
            }
            _ => {}
        }
        extras
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extras_are_appended_to_any_meta() {
        let x = Extras {
            cause: Some(3),
            request: None,
            latency_us: None,
        };
        let mut m = b"{\"i\":1}".to_vec();
        x.append_to(&mut m);
        assert_eq!(String::from_utf8_lossy(&m), "{\"i\":1,\"cause\":3}");
        let mut m = Vec::new();
        x.append_to(&mut m);
        assert_eq!(String::from_utf8_lossy(&m), "{\"cause\":3}");
        let mut m = b"{}".to_vec();
        Extras {
            cause: None,
            request: Some(7),
            latency_us: Some(12),
        }
        .append_to(&mut m);
        assert_eq!(
            String::from_utf8_lossy(&m),
            "{\"request\":7,\"latency_us\":12}"
        );
    }
}
