//! Delivering pushes: every path encodes its frame once and queues the same bytes to each
//! recipient, then records one tap event with the recipient count.

use std::time::Instant;

use serde_json::{json, Value};

use super::bus::{Listener, ListenerOutcome, Subscription};
use super::conn::Conn;
use super::error::{PushError, RequestError};
use super::hooks::{panic_message, FaultKind};
use super::rooms::RoomTarget;
use super::Server;
use crate::contract::CompiledMessage;
use crate::tap::{TapKind, TapPayload};
use crate::wire::{encode, Encoded};

fn enc(r: Result<Encoded, serde_json::Error>) -> Result<Encoded, PushError> {
    r.map_err(|e| PushError::Encode(e.to_string()))
}

impl Server {
    fn check(&self, msg: &CompiledMessage, payload: &Value) -> Result<(), PushError> {
        if self.shared.config.validate_pushes {
            msg.validate(payload)
                .map_err(|issues| PushError::Validation {
                    name: msg.name().to_owned(),
                    issues,
                })?;
        }
        Ok(())
    }

    /// Emit `event` to each of `conns` whose role may receive it.
    pub(crate) fn emit_to_conns(
        &self,
        kind: TapKind,
        event: &str,
        payload: &Value,
        conns: &[Conn],
    ) -> Result<usize, PushError> {
        let contract = &self.shared.contract;
        let mut checked: Vec<&str> = Vec::new();
        let mut refused_role = None;
        for conn in conns {
            match contract.event_for_role(conn.role(), event) {
                Some(msg) => {
                    if !checked.contains(&conn.role()) {
                        self.check(msg, payload)?;
                        checked.push(conn.role());
                    }
                }
                None => refused_role = Some(conn.role().to_owned()),
            }
        }
        if checked.is_empty() {
            if let Some(role) = refused_role {
                return Err(PushError::UnknownEvent {
                    name: event.to_owned(),
                    role,
                });
            }
        }
        let encoded = enc(encode::evt(event, payload))?;
        let mut delivered = 0;
        for conn in conns {
            if checked.contains(&conn.role()) && conn.deliver(&encoded.frame) {
                delivered += 1;
            }
        }
        self.shared.tap(kind, self.origin, |ev| {
            ev.name = Some(event.into());
            if let [conn] = conns {
                ev.conn = Some(conn.inner.id.clone());
                ev.role = Some(conn.inner.role.clone());
                ev.user = Some(conn.inner.user.clone());
            } else if let Some(conn) = conns.first() {
                ev.user = Some(conn.inner.user.clone());
            }
            ev.size = encoded.len();
            ev.payload = Some(TapPayload::Frame(encoded));
            ev.recipients = Some(delivered as u32);
        });
        Ok(delivered)
    }

    pub(crate) fn room_add(&self, room: &str, conn: &Conn) -> bool {
        let added = self.shared.rooms.add(room, conn);
        if added {
            self.shared.tap_conn(TapKind::RoomAdd, conn, |ev| {
                ev.rooms = vec![room.into()];
                ev.origin = self.origin;
            });
        }
        added
    }

    pub(crate) fn room_remove(&self, room: &str, conn: &Conn) -> bool {
        let removed = self.shared.rooms.remove(room, conn);
        if removed {
            self.shared.tap_conn(TapKind::RoomRemove, conn, |ev| {
                ev.rooms = vec![room.into()];
                ev.origin = self.origin;
            });
        }
        removed
    }

    fn shared_event_or_err(&self, event: &str) -> Result<&CompiledMessage, PushError> {
        self.shared
            .contract
            .shared_event(event)
            .ok_or_else(|| PushError::NotShared(event.to_owned()))
    }

    pub(crate) fn broadcast_rooms(
        &self,
        target: &RoomTarget,
        event: &str,
        payload: &Value,
    ) -> Result<usize, PushError> {
        let msg = self.shared_event_or_err(event)?;
        self.check(msg, payload)?;
        let encoded = enc(encode::evt(event, payload))?;
        let delivered = self
            .shared
            .rooms
            .deliver(&target.rooms, &target.filter, &encoded.frame);
        self.shared.tap(TapKind::RoomBroadcast, self.origin, |ev| {
            ev.name = Some(event.into());
            ev.rooms = target.rooms.iter().map(|r| r.as_str().into()).collect();
            ev.size = encoded.len();
            ev.payload = Some(TapPayload::Frame(encoded));
            ev.recipients = Some(delivered as u32);
            ev.meta = target.filter.describe();
        });
        Ok(delivered)
    }

    /// Send a shared event to every connection on the server.
    pub fn broadcast(&self, event: &str, payload: &Value) -> Result<usize, PushError> {
        let msg = self.shared_event_or_err(event)?;
        self.check(msg, payload)?;
        let encoded = enc(encode::evt(event, payload))?;
        let mut delivered = 0;
        self.shared.registry.for_each(|conn| {
            if conn.deliver(&encoded.frame) {
                delivered += 1;
            }
        });
        self.shared.tap(TapKind::Broadcast, self.origin, |ev| {
            ev.name = Some(event.into());
            ev.size = encoded.len();
            ev.payload = Some(TapPayload::Frame(encoded));
            ev.recipients = Some(delivered as u32);
        });
        Ok(delivered)
    }

    /// Publish on a shared topic (the bus): subscribed clients receive a `pub` frame and
    /// in-process listeners run with `from` = this node's id. Returns the number of clients
    /// reached.
    pub fn publish(&self, topic: &str, payload: &Value) -> Result<usize, PushError> {
        let msg = self
            .shared
            .contract
            .shared_topic(topic)
            .ok_or_else(|| PushError::UnknownTopic(topic.to_owned()))?;
        self.check(msg, payload)?;
        let encoded = enc(encode::publish(topic, payload, &self.shared.node_id))?;
        let key = (None, topic.into());
        let delivered = self.shared.topics.deliver(&key, &encoded.frame);
        self.shared.tap(TapKind::SharedPublish, self.origin, |ev| {
            ev.name = Some(topic.into());
            ev.topic = Some(topic.into());
            ev.size = encoded.len();
            ev.payload = Some(TapPayload::Frame(encoded.clone()));
            ev.recipients = Some(delivered as u32);
        });
        let listeners = self.run_listeners(topic, payload, &self.shared.node_id.clone());
        self.shared.tap(TapKind::BusLocal, self.origin, |ev| {
            ev.name = Some(topic.into());
            ev.topic = Some(topic.into());
            ev.size = encoded.payload.len();
            ev.payload = Some(TapPayload::Frame(encoded));
            ev.recipients = Some(listeners as u32);
        });
        Ok(delivered)
    }

    /// Run the in-process listeners of `topic`, each isolated from the others.
    pub(crate) fn run_listeners(&self, topic: &str, payload: &Value, from: &str) -> usize {
        let listeners = self.shared.bus.snapshot(topic);
        for listener in &listeners {
            let outcome =
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| listener(payload, from)));
            let fault = match outcome {
                Ok(fault) => fault,
                Err(panic) => Some(panic_message(panic.as_ref())),
            };
            if let Some(fault) = fault {
                self.shared
                    .counters
                    .listener_faults
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                self.shared.report(
                    FaultKind::Event,
                    Some(topic),
                    format!("bus listener failed: {fault}"),
                );
            }
        }
        listeners.len()
    }

    /// Listen to a shared topic in-process, on this node and (in a cluster) every other one.
    /// `f` gets the payload and the origin node id.
    pub fn subscribe<F, R>(&self, topic: &str, f: F) -> Result<Subscription, PushError>
    where
        F: Fn(&Value, &str) -> R + Send + Sync + 'static,
        R: ListenerOutcome,
    {
        if self.shared.contract.shared_topic(topic).is_none() {
            return Err(PushError::UnknownTopic(topic.to_owned()));
        }
        let listener: Listener = std::sync::Arc::new(move |v, from| f(v, from).into_fault());
        let id = self.shared.bus.add(topic, listener);
        Ok(Subscription {
            shared: std::sync::Arc::downgrade(&self.shared),
            topic: topic.to_owned(),
            id,
        })
    }
}

/// One connection, by id.
pub struct ConnTarget {
    pub(crate) server: Server,
    pub(crate) id: String,
}

impl ConnTarget {
    /// Emit an event the connection's role may receive. Returns 1 if delivered, 0 if the
    /// connection is not here.
    pub fn emit(&self, event: &str, payload: &Value) -> Result<usize, PushError> {
        match self.server.shared.registry.get(&self.id) {
            Some(conn) => self
                .server
                .emit_to_conns(TapKind::ToConn, event, payload, &[conn]),
            None => Ok(0),
        }
    }

    /// Ask the client and wait for its `sres`/`serr`, up to the configured request timeout.
    pub async fn request(&self, name: &str, input: &Value) -> Result<Value, RequestError> {
        let timeout = self.server.shared.config.request_timeout;
        self.request_with_timeout(name, input, timeout).await
    }

    pub async fn request_with_timeout(
        &self,
        name: &str,
        input: &Value,
        timeout: std::time::Duration,
    ) -> Result<Value, RequestError> {
        let shared = &self.server.shared;
        let conn = shared
            .registry
            .get(&self.id)
            .ok_or_else(|| RequestError::NotConnected(self.id.clone()))?;
        let (i, rx) = conn.register_request();
        let encoded = encode::sreq(i, name, input).map_err(|e| RequestError::Remote {
            code: crate::wire::ErrorCode::BAD_REQUEST,
            message: e.to_string(),
            data: None,
        })?;
        if !conn.deliver(&encoded.frame) {
            conn.forget_request(i);
            return Err(RequestError::Disconnected);
        }
        shared.tap_conn(TapKind::ServerRequest, &conn, |ev| {
            ev.name = Some(name.into());
            ev.size = encoded.len();
            ev.payload = Some(TapPayload::Frame(encoded));
            ev.origin = self.server.origin;
            ev.meta = Some(json!({ "i": i }));
        });
        let started = Instant::now();
        let result = match tokio::time::timeout(timeout, rx).await {
            Ok(Ok(result)) => result,
            Ok(Err(_)) => Err(RequestError::Disconnected),
            Err(_) => {
                conn.forget_request(i);
                Err(RequestError::Timeout)
            }
        };
        let elapsed = started.elapsed().as_micros() as u64;
        match &result {
            Ok(v) => shared.tap_conn(TapKind::ServerReply, &conn, |ev| {
                ev.name = Some(name.into());
                ev.payload = Some(TapPayload::Json(v.clone()));
                ev.meta = Some(json!({ "i": i, "duration_us": elapsed }));
            }),
            Err(e) => shared.tap_conn(TapKind::ServerReplyError, &conn, |ev| {
                ev.name = Some(name.into());
                ev.meta = Some(json!({ "i": i, "duration_us": elapsed, "error": e.to_string() }));
            }),
        }
        result
    }
}

/// Every session of one user.
pub struct UserTarget {
    pub(crate) server: Server,
    pub(crate) user: String,
}

impl UserTarget {
    /// Emit to every connection of the user whose role may receive the event.
    pub fn emit(&self, event: &str, payload: &Value) -> Result<usize, PushError> {
        let conns = self.server.shared.registry.by_user(&self.user);
        if conns.is_empty() {
            return Ok(0);
        }
        self.server
            .emit_to_conns(TapKind::ToUser, event, payload, &conns)
    }

    /// The user's connections on this node.
    pub fn connections(&self) -> Vec<Conn> {
        self.server.shared.registry.by_user(&self.user)
    }
}

/// One role's topics.
pub struct RoleTarget {
    pub(crate) server: Server,
    pub(crate) role: String,
}

impl RoleTarget {
    /// Publish on a role topic: reaches that role's subscribers only.
    pub fn publish(&self, topic: &str, payload: &Value) -> Result<usize, PushError> {
        let shared = &self.server.shared;
        if !shared.contract.has_role(&self.role) {
            return Err(PushError::UnknownRole(self.role.clone()));
        }
        let msg = shared
            .contract
            .role_topic(&self.role, topic)
            .ok_or_else(|| PushError::UnknownTopic(topic.to_owned()))?;
        self.server.check(msg, payload)?;
        let encoded = enc(encode::publish(topic, payload, &shared.node_id))?;
        let key = (Some(self.role.as_str().into()), topic.into());
        let delivered = shared.topics.deliver(&key, &encoded.frame);
        shared.tap(TapKind::RolePublish, self.server.origin, |ev| {
            ev.name = Some(topic.into());
            ev.topic = Some(topic.into());
            ev.role = Some(self.role.as_str().into());
            ev.size = encoded.len();
            ev.payload = Some(TapPayload::Frame(encoded));
            ev.recipients = Some(delivered as u32);
        });
        Ok(delivered)
    }
}
