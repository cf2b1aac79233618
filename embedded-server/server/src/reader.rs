//! One task per connection: reads frames and dispatches them. A connection's requests are
//! handled in the order they arrived (see `crate::order`): a handler that finishes at once runs
//! in place, one that has to wait moves to a task of its own and the requests behind it wait
//! for it there, so the reader keeps reading (a handler that asks the client something cannot
//! block the reader that will receive the answer).

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::task::Context;
use std::time::Instant;

use futures_util::stream::SplitStream;
use futures_util::{FutureExt, StreamExt};
use serde_json::{json, Value};
use tokio::sync::OwnedSemaphorePermit;
use tokio_tungstenite::tungstenite::{self, Message};

use super::close::{close_code, CloseReason, ClosedBy};
use super::conn::Conn;
use super::error::HandlerError;
use super::hooks::{panic_message, FaultKind, Identity};
use super::outbound::write_loop;
use super::peer::Peer;
use super::shared::Shared;
use super::upgrade::Socket;
use crate::contract::TopicLookup;
use crate::tap::{Origin, TapKind, TapPayload};
use crate::wire::{encode, parse_client_frame, ClientFrame, ErrorCode};

/// Bytes of a bad frame kept in the record.
const BAD_FRAME_PREFIX: usize = 256;

pub(crate) async fn run(
    shared: Arc<Shared>,
    socket: Socket,
    identity: Identity,
    params: BTreeMap<String, String>,
    peer: Peer,
    origin: Origin,
    place: OwnedSemaphorePermit,
) {
    let (sink, stream) = socket.split();
    let first = encode::env(&identity.env);
    let (conn, rx) = Conn::open(&shared, identity, params, peer, origin);
    // `env` is always the first frame.
    if let Ok(env) = &first {
        conn.deliver(&env.frame);
    }
    let socket_held = SocketHeld::new(&shared);
    let writer = WriterTask(tokio::spawn({
        let conn = conn.clone();
        async move {
            let _held = socket_held;
            write_loop(conn, sink, rx).await
        }
    }));
    // From here on the connection is known to others; the guard forgets it again however this
    // task ends.
    let departure = Departure {
        shared: shared.clone(),
        conn: conn.clone(),
        _place: place,
    };
    shared.registry().insert(conn.clone());
    shared.cluster().mark_dirty(conn.id());
    shared.cluster().announce_changes(&shared);
    shared
        .counters()
        .connections_total
        .fetch_add(1, Ordering::Relaxed);
    shared.tap_conn(TapKind::Connect, &conn, |ev| {
        ev.meta = Some(json!({
            "node": shared.node_id(),
            "params": super::introspect::masked_params(conn.params()),
        }));
    });
    if let Ok(env) = first {
        shared.tap_conn(TapKind::Env, &conn, |ev| {
            ev.size = env.len();
            ev.payload = Some(TapPayload::Frame(env));
        });
    }

    // The application's hooks frame the connection's requests: `on_connect` before the first
    // is read, `on_disconnect` after the last, while its rooms and topics are still there.
    if super::conn_hooks::connect(&shared, &conn).await {
        read_loop(&shared, &conn, stream).await;
        super::conn_hooks::disconnect(&shared, &conn).await;
    }
    drop(departure);
    // The writer sends the close frame within its own write deadline; past that it is
    // aborted (by `WriterTask`'s drop), which releases the socket and whatever is queued.
    let mut writer = writer;
    let _ = tokio::time::timeout(shared.config().write_timeout, &mut writer.0).await;
}

/// The writer's task, aborted when dropped: however the reader ends (returning, panicking,
/// or cancelled with the runtime), no writer outlives it waiting on a peer that never reads.
struct WriterTask(tokio::task::JoinHandle<()>);

impl Drop for WriterTask {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Counts a socket held by a writer task (`ServerStats::open_sockets`) until the task ends,
/// aborted or not: the count is how a closed connection's release can be observed.
struct SocketHeld(Arc<Shared>);

impl SocketHeld {
    fn new(shared: &Arc<Shared>) -> Self {
        shared
            .counters()
            .open_sockets
            .fetch_add(1, Ordering::Relaxed);
        SocketHeld(shared.clone())
    }
}

impl Drop for SocketHeld {
    fn drop(&mut self) {
        self.0
            .counters()
            .open_sockets
            .fetch_sub(1, Ordering::Relaxed);
    }
}

/// Runs a connection's [`cleanup`] when dropped, then gives its place under the connection cap
/// back (fields drop after `drop` returns). Being a drop guard, it runs however the
/// connection's task ends: the read loop returning, a panic unwinding through the task, or the
/// task being dropped while it waits (cancelled, or its runtime shutting down). A connection
/// whose cleanup was skipped would stay registered, in its rooms and topics, forever.
struct Departure {
    shared: Arc<Shared>,
    conn: Conn,
    _place: OwnedSemaphorePermit,
}

impl Drop for Departure {
    fn drop(&mut self) {
        cleanup(&self.shared, &self.conn);
    }
}

async fn read_loop(shared: &Arc<Shared>, conn: &Conn, mut stream: SplitStream<Socket>) {
    let closing = conn.closing().clone();
    let max = shared.config().max_frame_bytes;
    loop {
        let msg = tokio::select! {
            biased;
            _ = closing.cancelled() => return,
            _ = shared.shutdown().cancelled() => {
                // Let requests already being handled answer, then say goodbye.
                let _ = tokio::time::timeout(shared.config().shutdown_grace, shared.tracker().wait()).await;
                conn.begin_close(CloseReason::new(
                    ClosedBy::Shutdown,
                    close_code::GOING_AWAY,
                    "server shutting down",
                ));
                return;
            }
            msg = stream.next() => msg,
        };
        let stats = conn.stats();
        match msg {
            None => {
                conn.begin_close(CloseReason::lost("connection lost"));
                return;
            }
            Some(Err(e)) => {
                match e {
                    tungstenite::Error::Capacity(_) => oversized(shared, conn, None, max),
                    // RFC 6455 names a code for each: the client learns why it was dropped.
                    tungstenite::Error::Utf8(_) => violation(
                        shared,
                        conn,
                        close_code::INVALID_PAYLOAD,
                        "a text frame that is not valid UTF-8".to_owned(),
                    ),
                    tungstenite::Error::Protocol(p) => violation(
                        shared,
                        conn,
                        close_code::PROTOCOL_ERROR,
                        format!("WebSocket protocol error: {p}"),
                    ),
                    e => {
                        conn.begin_close(CloseReason::lost(format!("read error: {e}")));
                    }
                }
                return;
            }
            Some(Ok(Message::Text(text))) => {
                stats.received(text.len());
                if text.len() > max {
                    oversized(shared, conn, Some(text.as_str()), max);
                    return;
                }
                handle_text(shared, conn, text.as_str());
            }
            Some(Ok(Message::Binary(bytes))) => {
                stats.received(bytes.len());
                if bytes.len() > max {
                    oversized(shared, conn, None, max);
                    return;
                }
                let prefix = String::from_utf8_lossy(&bytes[..bytes.len().min(BAD_FRAME_PREFIX)])
                    .into_owned();
                frame_error(
                    shared,
                    conn,
                    prefix,
                    "binary frames are not supported: send each frame as JSON text".into(),
                );
            }
            Some(Ok(Message::Close(frame))) => {
                let (code, reason) = match frame {
                    Some(f) => (u16::from(f.code), f.reason.to_string()),
                    None => (close_code::NO_STATUS, String::new()),
                };
                conn.begin_close(CloseReason::client(code, reason));
                return;
            }
            Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => {}
        }
    }
}

/// A frame the WebSocket layer refused: counted and recorded as a frame error, and the
/// connection closed with `code` and `reason` (frames already queued are written first).
fn violation(shared: &Shared, conn: &Conn, code: u16, reason: String) {
    shared
        .counters()
        .frame_errors
        .fetch_add(1, Ordering::Relaxed);
    shared.tap_conn(TapKind::FrameError, conn, |ev| {
        ev.meta = Some(json!({ "error": reason, "closed": true, "code": code }));
    });
    conn.begin_close(CloseReason::new(ClosedBy::Server, code, reason));
}

fn oversized(shared: &Shared, conn: &Conn, text: Option<&str>, max: usize) {
    shared
        .counters()
        .frame_errors
        .fetch_add(1, Ordering::Relaxed);
    let size = text.map(str::len);
    let reason = match size {
        Some(n) => format!("frame of {n} bytes exceeds the limit of {max} bytes"),
        None => format!("frame exceeds the limit of {max} bytes"),
    };
    shared.tap_conn(TapKind::FrameError, conn, |ev| {
        ev.payload = text.map(|t| TapPayload::Text(prefix(t).to_owned()));
        ev.size = size.unwrap_or(0);
        ev.meta = Some(json!({ "error": reason, "closed": true }));
    });
    conn.begin_close(CloseReason::new(
        ClosedBy::Server,
        close_code::TOO_BIG,
        reason,
    ));
}

fn prefix(text: &str) -> &str {
    crate::wire::util::truncate_utf8(text, BAD_FRAME_PREFIX)
}

fn frame_error(shared: &Shared, conn: &Conn, bad: String, message: String) {
    shared
        .counters()
        .frame_errors
        .fetch_add(1, Ordering::Relaxed);
    let encoded = encode::err(None, &ErrorCode::BAD_REQUEST, &message, None);
    conn.deliver(&encoded.frame);
    shared.tap_conn(TapKind::FrameError, conn, |ev| {
        ev.size = bad.len();
        ev.payload = Some(TapPayload::Text(bad));
        ev.meta = Some(json!({ "error": message }));
    });
    shared.tap_conn(TapKind::ConnError, conn, |ev| {
        ev.size = encoded.len();
        ev.meta = Some(json!({ "code": ErrorCode::BAD_REQUEST.as_str(), "message": message }));
    });
}

fn handle_text(shared: &Arc<Shared>, conn: &Conn, text: &str) {
    let frame = match parse_client_frame(text) {
        Ok(f) => f,
        Err(e) => return frame_error(shared, conn, prefix(text).to_owned(), e.message),
    };
    match frame {
        ClientFrame::Req { i, m, d } => handle_request(shared, conn, i, m, d, text.len()),
        ClientFrame::Sub { i, c } => handle_sub(shared, conn, i, c),
        ClientFrame::Unsub { c } => handle_unsub(shared, conn, &c),
        ClientFrame::Sres { i, d } => {
            conn.resolve_request(i, Ok(d));
        }
        ClientFrame::Serr { i, code, m, d } => {
            conn.resolve_request(
                i,
                Err(super::error::RequestError::Remote {
                    code,
                    message: m,
                    data: d,
                }),
            );
        }
        ClientFrame::Ping => {
            conn.deliver(&encode::pong().frame);
        }
        ClientFrame::Pong => {
            conn.mark_pong();
            shared.tap_conn(TapKind::Pong, conn, |ev| ev.size = text.len());
        }
    }
}

/// Poll `fut` once here; if it is not finished, hand it to a tracked task.
fn run_inline_or_spawn(shared: &Shared, fut: impl Future<Output = ()> + Send + 'static) {
    let mut fut = Box::pin(fut);
    let waker = futures_util::task::noop_waker();
    let mut cx = Context::from_waker(&waker);
    if fut.as_mut().poll(&mut cx).is_pending() {
        shared.tracker().spawn(fut);
    }
}

fn reply_error(
    shared: &Shared,
    conn: &Conn,
    i: u64,
    name: &str,
    err: &HandlerError,
    started: Option<Instant>,
) {
    let encoded = encode::err(Some(i), &err.code, &err.message, err.data.as_ref());
    conn.deliver(&encoded.frame);
    shared.tap_conn(TapKind::ErrorOut, conn, |ev| {
        ev.name = Some(name.into());
        ev.size = encoded.len();
        ev.payload = err.data.clone().map(TapPayload::Json);
        ev.meta = Some(json!({
            "i": i,
            "code": err.code.as_str(),
            "message": err.message,
            "duration_us": started.map(|s| s.elapsed().as_micros() as u64),
        }));
    });
}

fn handle_request(
    shared: &Arc<Shared>,
    conn: &Conn,
    i: u64,
    name: String,
    input: Value,
    size: usize,
) {
    shared.tap_conn(TapKind::RequestIn, conn, |ev| {
        ev.name = Some(name.as_str().into());
        ev.size = size;
        ev.payload = Some(TapPayload::Json(input.clone()));
        ev.meta = Some(json!({ "i": i }));
    });
    let Some(request) = shared.contract().request(conn.role(), &name) else {
        let err = HandlerError::not_found(format!("Unknown message: {name}"));
        return reply_error(shared, conn, i, &name, &err, None);
    };
    if let Err(issues) = request.validate_input(&input) {
        let err = HandlerError::new(ErrorCode::VALIDATION, "Validation failed")
            .with_data(serde_json::to_value(&issues).unwrap_or(Value::Null));
        return reply_error(shared, conn, i, &name, &err, None);
    }
    let handler = shared.handler(conn.role(), &name).cloned();
    let concurrent = request.concurrent() || shared.is_concurrent(conn.role(), &name);
    let limit = shared.config().max_pending_requests;
    let shared2 = shared.clone();
    let conn2 = conn.clone();
    // Built now, run in turn (see `crate::order`): the handler is called on the job's first
    // poll, inside `catch_unwind`, so a handler that panics before returning its future is
    // contained like one that panics later.
    let job = Box::pin(async move {
        let started = Instant::now();
        let Some(handler) = handler else {
            // No handler: a contract file alone gives a working development server.
            let sample = shared2
                .contract()
                .request(conn2.role(), &name)
                .map(|r| r.sample_output())
                .unwrap_or(Value::Null);
            return respond(&shared2, &conn2, i, &name, Ok(sample), started);
        };
        let ctx = conn2.ctx_arc().clone();
        // Everything tapped while the handler is created or polled names this request as its
        // cause (pushes, publishes, bus messages, membership changes, server requests).
        let cause = crate::tap::TapCause {
            conn: conn2.id_arc().clone(),
            i,
        };
        let call =
            crate::tap::with_cause(cause, async { handler(input, ctx, conn2.clone()).await });
        let outcome = std::panic::AssertUnwindSafe(call).catch_unwind().await;
        let result = match outcome {
            Ok(r) => r,
            Err(panic) => {
                shared2
                    .counters()
                    .handler_panics
                    .fetch_add(1, Ordering::Relaxed);
                let msg = panic_message(panic.as_ref());
                shared2.report(
                    FaultKind::Request,
                    Some(&name),
                    format!("handler `{name}` {msg}"),
                );
                Err(HandlerError::internal("Internal error"))
            }
        };
        respond(&shared2, &conn2, i, &name, result, started);
    });
    let admitted = if concurrent {
        conn.order().concurrent(shared, job, limit)
    } else {
        conn.order().ordered(shared, conn, job, limit)
    };
    if let Err(full) = admitted {
        let what = if concurrent {
            "concurrent requests running"
        } else {
            "requests waiting"
        };
        let err = HandlerError::new(
            ErrorCode::BAD_REQUEST,
            format!(
                "too many {what} on this connection (limit {}): send the next one after an answer",
                full.limit
            ),
        )
        .with_data(json!({ "limit": full.limit }));
        reply_error(shared, conn, i, request.name(), &err, None);
    }
}

fn respond(
    shared: &Shared,
    conn: &Conn,
    i: u64,
    name: &str,
    result: Result<Value, HandlerError>,
    started: Instant,
) {
    let output = match result {
        Ok(v) => v,
        Err(e) => return reply_error(shared, conn, i, name, &e, Some(started)),
    };
    if shared.config().validate_output {
        if let Some(req) = shared.contract().request(conn.role(), name) {
            if let Err(issues) = req.validate_output(&output) {
                let detail = super::error::describe_issues(&issues);
                shared.report(
                    FaultKind::Request,
                    Some(name),
                    format!(
                        "handler `{name}` returned an output that breaks the contract: {detail}"
                    ),
                );
                let err = HandlerError::internal("Handler output failed validation");
                return reply_error(shared, conn, i, name, &err, Some(started));
            }
        }
    }
    match encode::res(i, &output) {
        Ok(encoded) => {
            conn.deliver(&encoded.frame);
            shared.tap_conn(TapKind::ResponseOut, conn, |ev| {
                ev.name = Some(name.into());
                ev.size = encoded.len();
                ev.payload = Some(TapPayload::Frame(encoded));
                ev.meta =
                    Some(json!({ "i": i, "duration_us": started.elapsed().as_micros() as u64 }));
            });
        }
        Err(e) => {
            let err = HandlerError::internal(format!("output could not be encoded: {e}"));
            reply_error(shared, conn, i, name, &err, Some(started));
        }
    }
}

fn topic_key(shared: &Shared, conn: &Conn, topic: &str) -> Option<super::topics::TopicKey> {
    match shared.contract().topic_for_role(conn.role(), topic) {
        TopicLookup::Shared(_) => Some((None, topic.into())),
        TopicLookup::Role(_) => Some((Some(conn.role_arc().clone()), topic.into())),
        TopicLookup::NotATopic | TopicLookup::Unknown => None,
    }
}

fn handle_sub(shared: &Arc<Shared>, conn: &Conn, i: u64, topic: String) {
    let Some(key) = topic_key(shared, conn, &topic) else {
        let err = HandlerError::not_found(format!("Unknown topic: {topic}"));
        deny_sub(shared, conn, i, &topic, &err);
        return;
    };
    let Some(authorize) = shared.authorize_subscribe() else {
        return accept_sub(shared, conn, i, &topic, key);
    };
    let fut = authorize(conn.clone(), topic.clone());
    let shared2 = shared.clone();
    let conn2 = conn.clone();
    run_inline_or_spawn(shared, async move {
        match std::panic::AssertUnwindSafe(fut).catch_unwind().await {
            Ok(true) => accept_sub(&shared2, &conn2, i, &topic, key),
            Ok(false) => {
                let err =
                    HandlerError::forbidden(format!("Subscription to topic {topic} was denied"));
                deny_sub(&shared2, &conn2, i, &topic, &err);
            }
            Err(panic) => {
                let msg = panic_message(panic.as_ref());
                shared2.report(
                    FaultKind::Subscribe,
                    Some(&topic),
                    format!("authorize_subscribe {msg}"),
                );
                deny_sub(
                    &shared2,
                    &conn2,
                    i,
                    &topic,
                    &HandlerError::internal("Internal error"),
                );
            }
        }
    });
}

fn accept_sub(shared: &Shared, conn: &Conn, i: u64, topic: &str, key: super::topics::TopicKey) {
    let limit = shared.config().max_topics_per_conn;
    if let Err(e) = shared.topics().subscribe(key, conn, limit) {
        shared
            .counters()
            .membership_refusals
            .fetch_add(1, Ordering::Relaxed);
        return deny_sub(shared, conn, i, topic, &HandlerError::from(e));
    }
    shared.cluster().announce_changes(shared);
    let ack = encode::res(i, &Value::Null).ok();
    if let Some(encoded) = &ack {
        conn.deliver(&encoded.frame);
    }
    shared.tap_conn(TapKind::Subscribe, conn, |ev| {
        ev.name = Some(topic.into());
        ev.topic = Some(topic.into());
        ev.meta = Some(json!({ "i": i }));
    });
    if let Some(encoded) = ack {
        shared.tap_conn(TapKind::SubscribeAck, conn, |ev| {
            ev.name = Some(topic.into());
            ev.topic = Some(topic.into());
            ev.size = encoded.len();
            ev.payload = Some(TapPayload::Frame(encoded));
            ev.meta = Some(json!({ "i": i }));
        });
    }
}

fn deny_sub(shared: &Shared, conn: &Conn, i: u64, topic: &str, err: &HandlerError) {
    let encoded = encode::err(Some(i), &err.code, &err.message, None);
    conn.deliver(&encoded.frame);
    shared.tap_conn(TapKind::SubscribeDenied, conn, |ev| {
        ev.name = Some(topic.into());
        ev.topic = Some(topic.into());
        ev.meta = Some(json!({ "i": i, "code": err.code.as_str(), "message": err.message }));
    });
}

fn handle_unsub(shared: &Shared, conn: &Conn, topic: &str) {
    let Some(key) = topic_key(shared, conn, topic) else {
        return;
    };
    let removed = shared.topics().unsubscribe(&key, conn);
    shared.cluster().announce_changes(shared);
    if removed {
        shared.tap_conn(TapKind::Unsubscribe, conn, |ev| {
            ev.name = Some(topic.into());
            ev.topic = Some(topic.into());
        });
    }
}

/// Forget a closed connection everywhere and record why it went. The connection is marked
/// closed first: the room and topic registries refuse a closed connection under their locks,
/// so nothing can join it to a room or topic once its memberships are removed below.
///
/// A plain function: every step is a short lock or a queue operation that does not wait, so
/// it can run from [`Departure`]'s `drop`. It must not panic there (a panic while unwinding
/// aborts the process): the taps and hooks it calls are contained, and locks survive poisoning.
fn cleanup(shared: &Shared, conn: &Conn) {
    conn.begin_close(CloseReason::lost("connection lost"));
    shared.registry().remove(conn);
    for room in shared.rooms().remove_all(conn) {
        shared.tap_conn(TapKind::RoomRemove, conn, |ev| {
            ev.rooms = vec![room];
            ev.meta = Some(json!({ "reason": "disconnect" }));
        });
    }
    for key in shared.topics().remove_all(conn) {
        shared.tap_conn(TapKind::Unsubscribe, conn, |ev| {
            ev.name = Some(key.1.clone());
            ev.topic = Some(key.1);
            ev.meta = Some(json!({ "reason": "disconnect" }));
        });
    }
    shared.cluster().mark_dirty(conn.id());
    // One announcement for everything the connection took with it.
    shared.cluster().announce_changes(shared);
    conn.fail_pending_requests();
    let reason = conn.close_reason();
    if let Some(r) = &reason {
        match r.by {
            ClosedBy::SlowConsumer => {
                shared
                    .counters()
                    .slow_consumers
                    .fetch_add(1, Ordering::Relaxed);
                shared.tap_conn(TapKind::SlowConsumer, conn, |ev| {
                    ev.meta = Some(json!({ "reason": r.reason }))
                });
                shared.report(
                    FaultKind::Disconnect,
                    None,
                    format!("connection {} closed: {}", conn.id(), r.reason),
                );
            }
            ClosedBy::Heartbeat => {
                shared.tap_conn(TapKind::HeartbeatReap, conn, |ev| {
                    ev.meta = Some(json!({ "reason": r.reason }))
                });
                shared.report(
                    FaultKind::Heartbeat,
                    None,
                    format!("connection {} reaped: {}", conn.id(), r.reason),
                );
            }
            _ => {}
        }
    }
    shared.tap_conn(TapKind::Disconnect, conn, |ev| {
        ev.meta =
            reason.map(|r| json!({ "code": r.code, "reason": r.reason, "by": r.by.as_str() }));
    });
}
