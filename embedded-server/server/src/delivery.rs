//! Delivering pushes: every path encodes its frame once and queues the same bytes to each
//! recipient, then records one tap event with the recipient count.

use std::sync::atomic::Ordering;
use std::time::Instant;

use serde_json::{json, Value};

use super::bus::{Listener, ListenerOutcome, Subscription};
use super::confirm::Awaiting;
use super::conn::Conn;
use super::error::{MembershipError, PushError, RequestError};
use super::hooks::{panic_message, FaultKind};
use super::rooms::RoomTarget;
use super::Server;
use crate::cluster::envelope::{Body, WireFilter};
use crate::cluster::interest_key::InterestKey;
use crate::contract::CompiledMessage;
use crate::tap::{TapKind, TapPayload};
use crate::wire::{encode, Encoded};

fn enc(r: Result<Encoded, serde_json::Error>) -> Result<Encoded, PushError> {
    r.map_err(|e| PushError::Encode(e.to_string()))
}

impl Server {
    fn check(&self, msg: &CompiledMessage, payload: &Value) -> Result<(), PushError> {
        if self.shared.config().validate_pushes {
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
        let contract = self.shared.contract();
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
                ev.conn = Some(conn.id_arc().clone());
                ev.role = Some(conn.role_arc().clone());
                ev.user = Some(conn.user_arc().clone());
            } else if let Some(conn) = conns.first() {
                ev.user = Some(conn.user_arc().clone());
            }
            ev.size = encoded.len();
            ev.payload = Some(TapPayload::Frame(encoded));
            ev.recipients = Some(delivered as u32);
        });
        Ok(delivered)
    }

    pub(crate) fn room_add(&self, room: &str, conn: &Conn) -> Result<bool, MembershipError> {
        let limit = self.shared.config().max_rooms_per_conn;
        let added = match self.shared.rooms().add(room, conn, limit) {
            Ok(added) => added,
            Err(e) => {
                self.shared
                    .counters()
                    .membership_refusals
                    .fetch_add(1, Ordering::Relaxed);
                return Err(e);
            }
        };
        self.shared.cluster().mark_dirty(conn.id());
        self.shared.cluster().announce_changes(&self.shared);
        if added {
            self.shared.tap_conn(TapKind::RoomAdd, conn, |ev| {
                ev.rooms = vec![room.into()];
                ev.origin = self.origin;
            });
        }
        Ok(added)
    }

    pub(crate) fn room_remove(&self, room: &str, conn: &Conn) -> bool {
        let removed = self.shared.rooms().remove(room, conn);
        self.shared.cluster().mark_dirty(conn.id());
        self.shared.cluster().announce_changes(&self.shared);
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
            .contract()
            .shared_event(event)
            .ok_or_else(|| PushError::NotShared(event.to_owned()))
    }

    pub(crate) fn broadcast_rooms(
        &self,
        target: &RoomTarget,
        event: &str,
        payload: &Value,
    ) -> Result<usize, PushError> {
        self.broadcast_rooms_acked(target, event, payload, false)
            .map(|(n, _)| n)
    }

    /// [`Server::broadcast_rooms`], asking the other nodes for acknowledgements when `confirm`
    /// (see `crate::confirm`).
    pub(crate) fn broadcast_rooms_acked(
        &self,
        target: &RoomTarget,
        event: &str,
        payload: &Value,
        confirm: bool,
    ) -> Result<(usize, Option<Awaiting>), PushError> {
        let msg = self.shared_event_or_err(event)?;
        self.check(msg, payload)?;
        let encoded = enc(encode::evt(event, payload))?;
        let delivered = self
            .shared
            .rooms()
            .deliver(&target.rooms, &target.filter, &encoded.frame);
        self.shared.tap(TapKind::RoomBroadcast, self.origin, |ev| {
            ev.name = Some(event.into());
            ev.rooms = target.rooms.iter().map(|r| r.as_str().into()).collect();
            ev.size = encoded.len();
            ev.payload = Some(TapPayload::Frame(encoded));
            ev.recipients = Some(delivered as u32);
            ev.meta = target.filter.describe();
        });
        let nodes = self.shared.cluster().nodes_wanting(|interest| {
            target
                .rooms
                .iter()
                .any(|room| interest.contains(InterestKey::Room(room)))
        });
        let mut awaiting = None;
        if !nodes.is_empty() {
            let f = &target.filter;
            let wire = WireFilter {
                except: f.except.clone(),
                only_conns: f.only_conns.as_ref().map(|s| s.iter().cloned().collect()),
                only_users: f.only_users.as_ref().map(|s| s.iter().cloned().collect()),
            };
            let ack = confirm.then(|| Awaiting::ask(&self.shared, &nodes));
            let id = ack.as_ref().and_then(Awaiting::id);
            self.shared
                .cluster()
                .send_each(&self.shared, &nodes, || Body::Room {
                    rooms: target.rooms.clone(),
                    e: event.to_owned(),
                    d: payload.clone(),
                    filter: wire.clone(),
                    ack: id,
                });
            awaiting = ack;
        }
        Ok((delivered, awaiting))
    }

    /// The schema of `event` wherever the contract declares it (shared or any role), for
    /// pushes whose recipients live on other nodes.
    fn event_anywhere(&self, event: &str) -> Option<&CompiledMessage> {
        let contract = self.shared.contract();
        contract.shared_event(event).or_else(|| {
            contract
                .spec()
                .roles
                .keys()
                .find_map(|role| contract.event_for_role(role, event))
        })
    }

    /// Validate `payload` as `event` wherever the contract declares it.
    fn check_anywhere(&self, event: &str, payload: &Value) -> Result<(), PushError> {
        let msg = self
            .event_anywhere(event)
            .ok_or_else(|| PushError::UnknownEvent {
                name: event.to_owned(),
                role: "*".to_owned(),
            })?;
        self.check(msg, payload)
    }

    /// Validate and forward an event to the nodes in `nodes`.
    fn forward_event(
        &self,
        nodes: &[String],
        event: &str,
        payload: &Value,
        body: impl Fn(String, Value) -> Body,
    ) -> Result<(), PushError> {
        if nodes.is_empty() {
            return Ok(());
        }
        self.check_anywhere(event, payload)?;
        self.shared.cluster().send_each(&self.shared, nodes, || {
            body(event.to_owned(), payload.clone())
        });
        Ok(())
    }

    /// Send a shared event to every connection on the server.
    pub fn broadcast(&self, event: &str, payload: &Value) -> Result<usize, PushError> {
        let msg = self.shared_event_or_err(event)?;
        self.check(msg, payload)?;
        let encoded = enc(encode::evt(event, payload))?;
        let mut delivered = 0;
        self.shared.registry().for_each(|conn| {
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
        let nodes = self.shared.cluster().nodes_for(InterestKey::Conns);
        self.shared
            .cluster()
            .send_each(&self.shared, &nodes, || Body::All {
                e: event.to_owned(),
                d: payload.clone(),
            });
        Ok(delivered)
    }

    /// Publish on a shared topic (the bus): subscribed clients receive a `pub` frame and
    /// in-process listeners run with `from` = this node's id. Returns the number of clients
    /// reached.
    pub fn publish(&self, topic: &str, payload: &Value) -> Result<usize, PushError> {
        let msg = self
            .shared
            .contract()
            .shared_topic(topic)
            .ok_or_else(|| PushError::UnknownTopic(topic.to_owned()))?;
        self.check(msg, payload)?;
        let encoded = enc(encode::publish(topic, payload, self.shared.node_id()))?;
        let key = (None, topic.into());
        let delivered = self.shared.topics().deliver(&key, &encoded.frame);
        self.shared.tap(TapKind::SharedPublish, self.origin, |ev| {
            ev.name = Some(topic.into());
            ev.topic = Some(topic.into());
            ev.size = encoded.len();
            ev.payload = Some(TapPayload::Frame(encoded.clone()));
            ev.recipients = Some(delivered as u32);
        });
        let listeners = self.run_listeners(topic, payload, &self.shared.node_id().clone());
        self.shared.tap(TapKind::BusLocal, self.origin, |ev| {
            ev.name = Some(topic.into());
            ev.topic = Some(topic.into());
            ev.size = encoded.payload.len();
            ev.payload = Some(TapPayload::Frame(encoded.clone()));
            ev.recipients = Some(listeners as u32);
        });
        // Other nodes' clients and listeners.
        let nodes = self.shared.cluster().nodes_for(InterestKey::Topic(topic));
        if !nodes.is_empty() {
            self.shared
                .cluster()
                .send_each(&self.shared, &nodes, || Body::Bus {
                    c: topic.to_owned(),
                    d: payload.clone(),
                });
            self.shared.tap(TapKind::BusOut, self.origin, |ev| {
                ev.name = Some(topic.into());
                ev.topic = Some(topic.into());
                ev.size = encoded.payload.len();
                ev.payload = Some(TapPayload::Frame(encoded));
                ev.recipients = Some(nodes.len() as u32);
                ev.meta = Some(json!({ "nodes": nodes }));
            });
        }
        Ok(delivered)
    }

    /// Run the in-process listeners of `topic`, each isolated from the others.
    pub(crate) fn run_listeners(&self, topic: &str, payload: &Value, from: &str) -> usize {
        let listeners = self.shared.bus().snapshot(topic);
        for listener in &listeners {
            let outcome =
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| listener(payload, from)));
            let fault = match outcome {
                Ok(fault) => fault,
                Err(panic) => Some(panic_message(panic.as_ref())),
            };
            if let Some(fault) = fault {
                self.shared
                    .counters()
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
        if self.shared.contract().shared_topic(topic).is_none() {
            return Err(PushError::UnknownTopic(topic.to_owned()));
        }
        let listener: Listener = std::sync::Arc::new(move |v, from| f(v, from).into_fault());
        let id = self.shared.bus().add(topic, listener);
        self.shared.cluster().announce_changes(&self.shared);
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
    /// Emit an event the connection's role may receive, wherever the connection is. Returns
    /// 1 if it was delivered here or forwarded to the node that holds the connection, 0 if no
    /// live node holds it.
    pub fn emit(&self, event: &str, payload: &Value) -> Result<usize, PushError> {
        let server = &self.server;
        match server.shared.registry().get(&self.id) {
            Some(conn) => server.emit_to_conns(TapKind::ToConn, event, payload, &[conn]),
            None => match server.shared.cluster().owner_of(&self.id) {
                Some(node) => {
                    let id = self.id.clone();
                    server.forward_event(&[node], event, payload, |e, d| Body::Conn {
                        id: id.clone(),
                        e,
                        d,
                    })?;
                    Ok(1)
                }
                None => Ok(0),
            },
        }
    }

    /// Ask the client and wait for its `sres`/`serr`, up to the configured request timeout.
    pub async fn request(&self, name: &str, input: &Value) -> Result<Value, RequestError> {
        let timeout = self.server.shared.config().request_timeout;
        self.request_with_timeout(name, input, timeout).await
    }

    /// Ask the client, wherever it is connected: a connection on another node is asked by
    /// that node, and the answer comes back here.
    pub async fn request_with_timeout(
        &self,
        name: &str,
        input: &Value,
        timeout: std::time::Duration,
    ) -> Result<Value, RequestError> {
        let shared = &self.server.shared;
        if shared.registry().get(&self.id).is_some() {
            return self.request_local(name, input, timeout).await;
        }
        let Some(node) = shared.cluster().owner_of(&self.id) else {
            return Err(RequestError::NotConnected(self.id.clone()));
        };
        let link = shared.cluster();
        let (rid, rx) = link.register_remote_request();
        link.send_to(
            shared,
            &node,
            Body::Sreq {
                id: self.id.clone(),
                m: name.to_owned(),
                d: input.clone(),
                rid,
                timeout_ms: timeout.as_millis() as u64,
            },
        );
        // The other node enforces `timeout`; allow for the trip there and back.
        let wait = timeout + std::time::Duration::from_secs(2);
        match tokio::time::timeout(wait, rx).await {
            Ok(Ok(result)) => result,
            Ok(Err(_)) => Err(RequestError::Disconnected),
            Err(_) => {
                link.forget_remote_request(rid);
                Err(RequestError::Timeout)
            }
        }
    }

    /// Ask a connection of this node.
    pub(crate) async fn request_local(
        &self,
        name: &str,
        input: &Value,
        timeout: std::time::Duration,
    ) -> Result<Value, RequestError> {
        let shared = &self.server.shared;
        let conn = shared
            .registry()
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
    /// Emit to every connection of the user whose role may receive the event, on every node.
    /// Returns the sessions reached on this node; other nodes holding sessions of the user get
    /// the event forwarded (at most once).
    pub fn emit(&self, event: &str, payload: &Value) -> Result<usize, PushError> {
        self.emit_acked(event, payload, false).map(|(n, _)| n)
    }

    /// [`UserTarget::emit`], asking the other nodes for acknowledgements when `confirm` (see
    /// `crate::confirm`).
    pub(crate) fn emit_acked(
        &self,
        event: &str,
        payload: &Value,
        confirm: bool,
    ) -> Result<(usize, Option<Awaiting>), PushError> {
        let server = &self.server;
        let conns = server.shared.registry().by_user(&self.user);
        let nodes = server
            .shared
            .cluster()
            .nodes_for(InterestKey::User(&self.user));
        let user = self.user.clone();
        // Dropped on an error below, the wait is forgotten with it.
        let ack = (confirm && !nodes.is_empty()).then(|| Awaiting::ask(&server.shared, &nodes));
        let id = ack.as_ref().and_then(Awaiting::id);
        server.forward_event(&nodes, event, payload, |e, d| Body::User {
            user: user.clone(),
            e,
            d,
            ack: id,
        })?;
        if conns.is_empty() {
            return Ok((0, ack));
        }
        let local = server.emit_to_conns(TapKind::ToUser, event, payload, &conns)?;
        Ok((local, ack))
    }

    /// The user's connections on this node.
    pub fn connections(&self) -> Vec<Conn> {
        self.server.shared.registry().by_user(&self.user)
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
        if !shared.contract().has_role(&self.role) {
            return Err(PushError::UnknownRole(self.role.clone()));
        }
        let msg = shared
            .contract()
            .role_topic(&self.role, topic)
            .ok_or_else(|| PushError::UnknownTopic(topic.to_owned()))?;
        self.server.check(msg, payload)?;
        let encoded = enc(encode::publish(topic, payload, shared.node_id()))?;
        let key = (Some(self.role.as_str().into()), topic.into());
        let delivered = shared.topics().deliver(&key, &encoded.frame);
        shared.tap(TapKind::RolePublish, self.server.origin, |ev| {
            ev.name = Some(topic.into());
            ev.topic = Some(topic.into());
            ev.role = Some(self.role.as_str().into());
            ev.size = encoded.len();
            ev.payload = Some(TapPayload::Frame(encoded));
            ev.recipients = Some(delivered as u32);
        });
        let nodes = shared
            .cluster()
            .nodes_for(InterestKey::for_topic(Some(&self.role), topic));
        shared
            .cluster()
            .send_each(shared, &nodes, || Body::RolePub {
                role: self.role.clone(),
                c: topic.to_owned(),
                d: payload.clone(),
            });
        Ok(delivered)
    }
}
