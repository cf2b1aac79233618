//! What passes through one relayed connection, as the same [`TapEvent`]s the embedded server
//! records: each text frame parsed once, requests matched with their answers for latency.
//!
//! Every row of an upstream's frame (`res`, `err`, `evt`, `pub`, `env`, `sreq`) carries
//! `meta.relayed = true`: the proxy cannot see which request (if any) made the upstream send
//! it. A push keeps origin `server`, and the replayer reads the mark as "expect it back, the
//! cause is unknown"; a request takes effect where it passed the proxy, not at its answer
//! (`switchboard_capture::replay`, docs/proxy.md).

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use serde_json::json;
use switchboard_server::tap::{Origin, TapEvent, TapKind, TapPayload};
use switchboard_server::wire::util::{lock, truncate_utf8};
use switchboard_server::wire::{parse_client_frame, parse_server_frame};

use super::envelope::{self, Client, Server};
use super::{Counters, Shared};

/// Requests (each way) waiting for their answer, per connection. Past this, a request is
/// still relayed and recorded but its answer is recorded without a latency.
pub const MAX_PENDING: usize = 1024;
/// Bytes of an unparsable frame kept in the record.
const FRAME_ERROR_PREFIX: usize = 512;

enum Waiting {
    Request(Arc<str>, Instant),
    Sub(Arc<str>),
}

pub struct ConnRecord {
    pub id: Arc<str>,
    pub role: Arc<str>,
    pub user: Arc<str>,
    /// Client requests and subscriptions by id, waiting for `res` / `err`.
    from_client: Mutex<HashMap<u64, Waiting>>,
    /// Server requests (`sreq`) by id, waiting for `sres` / `serr`.
    from_server: Mutex<HashMap<u64, (Arc<str>, Instant)>>,
    /// The connection's counters once it is registered (its frame errors are counted there).
    counters: Option<Arc<Counters>>,
}

impl ConnRecord {
    pub fn new(id: &str, role: &str, user: &str) -> ConnRecord {
        ConnRecord {
            id: id.into(),
            role: role.into(),
            user: user.into(),
            from_client: Mutex::new(HashMap::new()),
            from_server: Mutex::new(HashMap::new()),
            counters: None,
        }
    }

    /// Count this connection's frame errors in `counters` too.
    pub(crate) fn counting(mut self, counters: Arc<Counters>) -> ConnRecord {
        self.counters = Some(counters);
        self
    }

    pub fn event(&self, kind: TapKind, origin: Origin) -> TapEvent {
        let mut ev = TapEvent::new(kind, origin);
        ev.conn = Some(self.id.clone());
        ev.role = Some(self.role.clone());
        ev.user = Some(self.user.clone());
        ev
    }

    /// A text frame the client sent: read by [`envelope::client`] where it can, by the wire
    /// parser otherwise (the record is the same either way).
    pub fn client_text(&self, shared: &Shared, text: &str) {
        let parsed = match envelope::client(text) {
            Some(f) => f,
            None => match parse_client_frame(text) {
                Ok(f) => Client::from(f),
                Err(e) => return self.frame_error(shared, text, &e.message, "client"),
            },
        };
        let mut ev = match parsed {
            Client::Req { i, m, d } => {
                let name: Arc<str> = m.as_ref().into();
                remember(
                    &self.from_client,
                    i,
                    Waiting::Request(name.clone(), Instant::now()),
                );
                let mut ev = self.event(TapKind::RequestIn, Origin::Client);
                ev.name = Some(name);
                ev.payload = Some(d);
                ev.meta = Some(json!({ "i": i }));
                ev
            }
            Client::Sub { i, c } => {
                let topic: Arc<str> = c.as_ref().into();
                remember(&self.from_client, i, Waiting::Sub(topic.clone()));
                let mut ev = self.event(TapKind::Subscribe, Origin::Client);
                ev.topic = Some(topic);
                ev.meta = Some(json!({ "i": i }));
                ev
            }
            Client::Unsub { c } => {
                let mut ev = self.event(TapKind::Unsubscribe, Origin::Client);
                ev.topic = Some(c.as_ref().into());
                ev
            }
            Client::Sres { i, d } => {
                let waited = lock(&self.from_server).remove(&i);
                let mut ev = self.event(TapKind::ServerReply, Origin::Client);
                ev.payload = Some(d);
                ev.meta = Some(with_duration(
                    json!({ "i": i }),
                    waited.as_ref().map(|w| w.1),
                ));
                ev.name = waited.map(|w| w.0);
                ev
            }
            Client::Serr { i, code, m } => {
                let waited = lock(&self.from_server).remove(&i);
                let mut ev = self.event(TapKind::ServerReplyError, Origin::Client);
                ev.meta = Some(with_duration(
                    json!({ "i": i, "code": code.as_str(), "error": m }),
                    waited.as_ref().map(|w| w.1),
                ));
                ev.name = waited.map(|w| w.0);
                ev
            }
            Client::Ping => return,
        };
        ev.size = text.len();
        shared.observe(ev);
    }

    /// A text frame the upstream sent (read like [`ConnRecord::client_text`]'s).
    pub fn server_text(&self, shared: &Shared, text: &str) {
        let parsed = match envelope::server(text) {
            Some(f) => f,
            None => match parse_server_frame(text) {
                Ok(f) => Server::from(f),
                Err(e) => return self.frame_error(shared, text, &e.message, "upstream"),
            },
        };
        let mut ev = match parsed {
            Server::Res { i, d } => match lock(&self.from_client).remove(&i) {
                // The acknowledgement of a subscription: already recorded as `subscribe`.
                Some(Waiting::Sub(_)) => return,
                waited => {
                    let (name, started) = match waited {
                        Some(Waiting::Request(n, t)) => (Some(n), Some(t)),
                        _ => (None, None),
                    };
                    let mut ev = self.event(TapKind::ResponseOut, Origin::Client);
                    ev.name = name;
                    ev.payload = Some(d);
                    ev.meta = Some(with_duration(json!({ "i": i, "relayed": true }), started));
                    ev
                }
            },
            Server::Err { i, code, m, d } => {
                let waited = i.and_then(|i| lock(&self.from_client).remove(&i));
                let (kind, name, started) = match waited {
                    Some(Waiting::Sub(topic)) => (TapKind::SubscribeDenied, Some(topic), None),
                    Some(Waiting::Request(n, t)) => (TapKind::ErrorOut, Some(n), Some(t)),
                    None => (TapKind::ErrorOut, None, None),
                };
                let mut ev = self.event(kind, Origin::Client);
                if kind == TapKind::SubscribeDenied {
                    ev.topic = name;
                } else {
                    ev.name = name;
                }
                ev.payload = d;
                ev.meta = Some(with_duration(
                    json!({ "i": i, "code": code.as_str(), "message": m, "relayed": true }),
                    started,
                ));
                ev
            }
            Server::Evt { e, d } => {
                let mut ev = self.event(TapKind::Emit, Origin::Server);
                ev.name = Some(e.as_ref().into());
                ev.payload = Some(d);
                ev.recipients = Some(1);
                ev.meta = Some(json!({ "relayed": true }));
                ev
            }
            Server::Pub { c, d, nd } => {
                let mut ev = self.event(TapKind::SharedPublish, Origin::Server);
                let topic: Arc<str> = c.as_ref().into();
                ev.topic = Some(topic.clone());
                ev.name = Some(topic);
                ev.payload = Some(d);
                ev.recipients = Some(1);
                ev.meta = Some(match nd {
                    Some(nd) => json!({ "from_node": nd, "relayed": true }),
                    None => json!({ "relayed": true }),
                });
                ev
            }
            Server::Env { d } => {
                // The connection's environment: the first frame of every connection.
                let mut ev = self.event(TapKind::Emit, Origin::Server);
                ev.name = Some("env".into());
                ev.payload = Some(d);
                ev.meta = Some(json!({ "frame": "env", "relayed": true }));
                ev
            }
            Server::Sreq { i, m, d } => {
                let name: Arc<str> = m.as_ref().into();
                let mut pending = lock(&self.from_server);
                if pending.len() < MAX_PENDING {
                    pending.insert(i, (name.clone(), Instant::now()));
                }
                drop(pending);
                let mut ev = self.event(TapKind::ServerRequest, Origin::Server);
                ev.name = Some(name);
                ev.payload = Some(d);
                ev.meta = Some(json!({ "i": i, "relayed": true }));
                ev
            }
            Server::Ping => return,
        };
        ev.size = text.len();
        shared.observe(ev);
    }

    /// A frame that is not the wire (or a binary frame): relayed all the same, recorded here.
    pub fn frame_error(&self, shared: &Shared, text: &str, error: &str, from: &str) {
        shared.frame_errors.fetch_add(1, Ordering::Relaxed);
        if let Some(c) = &self.counters {
            c.errors.fetch_add(1, Ordering::Relaxed);
        }
        let mut ev = self.event(TapKind::FrameError, Origin::Client);
        ev.size = text.len();
        ev.payload = Some(TapPayload::Text(
            truncate_utf8(text, FRAME_ERROR_PREFIX).to_owned(),
        ));
        ev.meta = Some(json!({ "error": error, "from": from, "relayed": true }));
        shared.observe(ev);
    }
}

fn remember(map: &Mutex<HashMap<u64, Waiting>>, i: u64, w: Waiting) {
    let mut map = lock(map);
    if map.len() < MAX_PENDING {
        map.insert(i, w);
    }
}

fn with_duration(mut meta: serde_json::Value, started: Option<Instant>) -> serde_json::Value {
    if let (Some(t), Some(obj)) = (started, meta.as_object_mut()) {
        obj.insert("duration_us".into(), json!(t.elapsed().as_micros() as u64));
    }
    meta
}
