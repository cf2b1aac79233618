//! Messages from other nodes, delivered to this node's connections and listeners.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};
use tokio::sync::mpsc;

use super::adapter::AdapterMessage;
use super::envelope::{Body, Envelope, FailureKind, RemoteFailure};
use crate::error::{describe_issues, RequestError};
use crate::hooks::FaultKind;
use crate::rooms::Filter;
use crate::shared::Shared;
use crate::tap::{Origin, TapKind, TapPayload};
use crate::wire::{encode, ErrorCode};
use crate::Server;

pub(crate) async fn run(shared: Arc<Shared>, mut rx: mpsc::Receiver<AdapterMessage>) {
    loop {
        let msg = tokio::select! {
            _ = shared.shutdown().cancelled() => return,
            msg = rx.recv() => match msg { Some(m) => m, None => return },
        };
        let link = shared.cluster();
        if link.is_own_message(&msg.payload) {
            continue; // our own publish, echoed back by the transport
        }
        let env = match Envelope::decode(&msg.payload) {
            Ok(env) => env,
            Err(reason) => {
                link.counters.rejected.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(channel = %msg.channel, "dropped a cluster message: {reason}");
                continue;
            }
        };
        if env.from == *link.node_id {
            continue; // written by something else under our name: not for us either
        }
        link.counters.received.fetch_add(1, Ordering::Relaxed);
        dispatch(&shared, env.from, env.body);
    }
}

fn meta_from(node: &str) -> Option<Value> {
    Some(json!({ "from_node": node }))
}

fn dispatch(shared: &Arc<Shared>, from: String, body: Body) {
    let link = shared.cluster();
    match body {
        Body::Hello {
            prefix, interest, ..
        } => {
            if link.peers().hello(&from, prefix, interest) {
                tracing::info!(node = %from, "cluster peer joined");
                // A new peer gets our whole interest at once rather than at our next heartbeat.
                link.announce_all(shared);
            }
        }
        Body::HelloRequest => {
            link.peers().seen(&from);
            link.announce_all(shared);
        }
        Body::Interest { add, remove } => link.peers().interest(&from, add, remove),
        Body::Bye => {
            link.peers().gone(&from);
            tracing::info!(node = %from, "cluster peer left");
        }
        Body::Room {
            rooms,
            e,
            d,
            filter,
            ack,
        } => {
            let Ok(encoded) = encode::evt(&e, &d) else {
                acknowledge(shared, &from, ack, 0);
                return;
            };
            let filter = Filter {
                except: filter.except,
                only_conns: filter.only_conns.map(|v| v.into_iter().collect()),
                only_users: filter.only_users.map(|v| v.into_iter().collect()),
            };
            let n = shared.rooms().deliver(&rooms, &filter, &encoded.frame);
            shared.tap(TapKind::RoomBroadcast, Origin::Server, |ev| {
                ev.name = Some(e.as_str().into());
                ev.rooms = rooms.iter().map(|r| r.as_str().into()).collect();
                ev.size = encoded.len();
                ev.payload = Some(TapPayload::Frame(encoded));
                ev.recipients = Some(n as u32);
                ev.meta = meta_from(&from);
            });
            acknowledge(shared, &from, ack, n);
        }
        Body::Conn { id, e, d } => {
            let Some(conn) = shared.registry().get(&id) else {
                return;
            };
            if shared.contract().event_for_role(conn.role(), &e).is_none() {
                return;
            }
            let Ok(encoded) = encode::evt(&e, &d) else {
                return;
            };
            let n = conn.deliver(&encoded.frame) as u32;
            shared.tap_conn(TapKind::ToConn, &conn, |ev| {
                ev.name = Some(e.as_str().into());
                ev.size = encoded.len();
                ev.payload = Some(TapPayload::Frame(encoded));
                ev.recipients = Some(n);
                ev.origin = Origin::Server;
                ev.meta = meta_from(&from);
            });
        }
        Body::User { user, e, d, ack } => {
            let Ok(encoded) = encode::evt(&e, &d) else {
                acknowledge(shared, &from, ack, 0);
                return;
            };
            let mut n = 0;
            for conn in shared.registry().by_user(&user) {
                if shared.contract().event_for_role(conn.role(), &e).is_some()
                    && conn.deliver(&encoded.frame)
                {
                    n += 1;
                }
            }
            shared.tap(TapKind::ToUser, Origin::Server, |ev| {
                ev.name = Some(e.as_str().into());
                ev.user = Some(user.as_str().into());
                ev.size = encoded.len();
                ev.payload = Some(TapPayload::Frame(encoded));
                ev.recipients = Some(n);
                ev.meta = meta_from(&from);
            });
            acknowledge(shared, &from, ack, n as usize);
        }
        Body::Delivered { ack, n } => link.acknowledged(ack, &from, n),
        Body::All { e, d } => {
            let Ok(encoded) = encode::evt(&e, &d) else {
                return;
            };
            let mut n = 0;
            shared.registry().for_each(|c| {
                if c.deliver(&encoded.frame) {
                    n += 1;
                }
            });
            shared.tap(TapKind::Broadcast, Origin::Server, |ev| {
                ev.name = Some(e.as_str().into());
                ev.size = encoded.len();
                ev.payload = Some(TapPayload::Frame(encoded));
                ev.recipients = Some(n);
                ev.meta = meta_from(&from);
            });
        }
        Body::RolePub { role, c, d } => {
            let Ok(encoded) = encode::publish(&c, &d, &from) else {
                return;
            };
            let n = shared.topics().deliver(
                &(Some(role.as_str().into()), c.as_str().into()),
                &encoded.frame,
            );
            shared.tap(TapKind::RolePublish, Origin::Server, |ev| {
                ev.name = Some(c.as_str().into());
                ev.topic = Some(c.as_str().into());
                ev.role = Some(role.as_str().into());
                ev.size = encoded.len();
                ev.payload = Some(TapPayload::Frame(encoded));
                ev.recipients = Some(n as u32);
                ev.meta = meta_from(&from);
            });
        }
        Body::Bus { c, d } => bus_in(shared, &from, &c, d),
        Body::Sreq {
            id,
            m,
            d,
            rid,
            timeout_ms,
        } => {
            let server = Server {
                shared: shared.clone(),
                origin: Origin::Server,
            };
            let input = d;
            tokio::spawn(async move {
                let target = server.to_conn(&id);
                let result = target
                    .request_local(&m, &input, Duration::from_millis(timeout_ms))
                    .await;
                let (ok, err) = match result {
                    Ok(v) => (Some(v), None),
                    Err(e) => (None, Some(failure(e))),
                };
                let link = server.shared.cluster();
                link.send_to(&server.shared, &from, Body::SreqReply { rid, ok, err });
            });
        }
        Body::SreqReply { rid, ok, err } => {
            let result = match (ok, err) {
                (Some(v), _) => Ok(v),
                (None, Some(f)) => Err(unfailure(f)),
                (None, None) => Ok(Value::Null),
            };
            link.resolve_remote_request(rid, result);
        }
    }
}

/// Tell the node that sent a push how many connections it reached here, when it asked.
fn acknowledge(shared: &Shared, to: &str, ack: Option<u64>, n: usize) {
    if let Some(ack) = ack {
        let body = Body::Delivered { ack, n: n as u64 };
        shared.cluster().send_to(shared, to, body);
    }
}

fn failure(e: RequestError) -> RemoteFailure {
    let (kind, code, data) = match &e {
        RequestError::Remote { code, data, .. } => (
            FailureKind::Remote,
            Some(code.as_str().to_owned()),
            data.clone(),
        ),
        RequestError::Timeout => (FailureKind::Timeout, None, None),
        RequestError::Disconnected => (FailureKind::Disconnected, None, None),
        RequestError::NotConnected(_) => (FailureKind::NotConnected, None, None),
        RequestError::Adapter(_) => (FailureKind::Adapter, None, None),
    };
    let message = match &e {
        RequestError::Remote { message, .. } => message.clone(),
        other => other.to_string(),
    };
    RemoteFailure {
        kind,
        code,
        message,
        data,
    }
}

fn unfailure(f: RemoteFailure) -> RequestError {
    match f.kind {
        FailureKind::Remote => RequestError::Remote {
            code: ErrorCode::from(f.code.as_deref().unwrap_or("INTERNAL")),
            message: f.message,
            data: f.data,
        },
        FailureKind::Timeout => RequestError::Timeout,
        FailureKind::Disconnected => RequestError::Disconnected,
        FailureKind::NotConnected => RequestError::NotConnected(f.message),
        FailureKind::Adapter | FailureKind::Unknown => RequestError::Adapter(f.message),
    }
}

/// A bus message from another node: validated against the topic's schema before anyone sees it.
fn bus_in(shared: &Arc<Shared>, from: &str, topic: &str, value: Value) {
    let payload = value.to_string();
    let verdict = match shared.contract().shared_topic(topic) {
        None => Err(format!("unknown shared topic `{topic}`")),
        Some(msg) => msg
            .validate(&value)
            .map_err(|issues| describe_issues(&issues)),
    };
    if let Err(reason) = verdict {
        shared.report(
            FaultKind::Event,
            Some(topic),
            format!("bus message from node {from} rejected: {reason}"),
        );
        shared.tap(TapKind::BusInRejected, Origin::Server, |ev| {
            ev.name = Some(topic.into());
            ev.topic = Some(topic.into());
            ev.size = payload.len();
            ev.payload = Some(TapPayload::Text(payload));
            ev.meta = Some(json!({ "from_node": from, "error": reason }));
        });
        return;
    }
    let server = Server {
        shared: shared.clone(),
        origin: Origin::Server,
    };
    let mut clients = 0;
    if let Ok(encoded) = encode::publish(topic, &value, from) {
        clients = shared
            .topics()
            .deliver(&(None, topic.into()), &encoded.frame);
    }
    let listeners = server.run_listeners(topic, &value, from);
    shared.tap(TapKind::BusIn, Origin::Server, |ev| {
        ev.name = Some(topic.into());
        ev.topic = Some(topic.into());
        ev.size = payload.len();
        ev.payload = Some(TapPayload::Json(value));
        ev.recipients = Some((clients + listeners) as u32);
        ev.meta = Some(json!({ "from_node": from, "clients": clients, "listeners": listeners }));
    });
}
