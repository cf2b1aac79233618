//! One connection through the proxy: the upgrade on both sides, then two directions of frames,
//! each copied unchanged to the other socket and parsed once for the record. A direction
//! relays what has arrived meanwhile (up to [`MAX_BATCH`] frames) in one write.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use futures_util::{FutureExt, SinkExt, StreamExt};
use serde_json::json;
use switchboard_server::secrets::masked_params;
use switchboard_server::tap::{now_us, Origin, TapKind};
use switchboard_server::wire::util::truncate_utf8;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::http::StatusCode;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tokio_util::sync::CancellationToken;

use super::handshake::{accept_client, connect_upstream, read_upgrade, respond};
use super::record::ConnRecord;
use super::{ConsoleClose, ProxiedConn, Registered, Shared, CLOSED_BY_CONSOLE, CLOSED_TO_UPSTREAM};

/// Close code sent to the client when the upstream vanished without closing: 1011 (the server
/// met an unexpected condition), with the reason "upstream gone". RFC 6455's registry has 1014
/// (bad gateway), but clients built on tungstenite refuse it as a protocol error.
pub const UPSTREAM_GONE: u16 = 1011;
/// How long a closing side is given to finish its close handshake.
const CLOSE_GRACE: Duration = Duration::from_secs(2);

/// Most frames relayed in one write. What a side sent while the previous write was under way
/// has been read already; it goes out together and is flushed once, instead of one write per
/// frame (one system call each: about a fifth of the proxy's CPU at saturation; batching took
/// it from 76k to 127k relayed deliveries/s, docs/benchmarks.md section 8).
pub const MAX_BATCH: usize = 64;

/// What becomes of a frame read from one side.
enum Step {
    Relay(Message),
    /// Not passed on: each hop answers its own pings.
    Skip,
    /// The side closed, with its close frame.
    Close(Option<CloseFrame>),
}

/// How a batch ended.
enum Batch {
    /// Relayed and flushed.
    Sent,
    /// The reading side closed (what came before was flushed).
    Closed(Option<CloseFrame>),
    /// The reading side's socket ended without a close frame, or failed.
    ReadEnded,
    /// The writing side's socket failed.
    WriteFailed,
}

/// Relays `first` and whatever `from` has ready right now (at most [`MAX_BATCH`] frames) to
/// `to`, in order, then flushes once. Waiting for the flush before reading on keeps the
/// backpressure: a slow side slows its peer down instead of growing a queue.
async fn relay_batch<R, W>(
    first: Message,
    from: &mut R,
    to: &mut W,
    step: &impl Fn(Message) -> Step,
) -> Batch
where
    R: futures_util::Stream<Item = Result<Message, WsError>> + Unpin,
    W: futures_util::Sink<Message> + Unpin,
{
    let mut next = Some(first);
    let mut read = 0;
    while let Some(msg) = next.take() {
        read += 1;
        match step(msg) {
            Step::Relay(m) => {
                if to.feed(m).await.is_err() {
                    return Batch::WriteFailed;
                }
            }
            Step::Skip => {}
            Step::Close(frame) => {
                let _ = to.flush().await;
                return Batch::Closed(frame);
            }
        }
        if read < MAX_BATCH {
            // Only what has arrived already: never waits.
            next = match from.next().now_or_never() {
                Some(Some(Ok(m))) => Some(m),
                Some(_) => {
                    let _ = to.flush().await;
                    return Batch::ReadEnded;
                }
                None => None,
            };
        }
    }
    if to.flush().await.is_err() {
        return Batch::WriteFailed;
    }
    Batch::Sent
}

/// Waits for `step` (a close handshake's part) at most [`CLOSE_GRACE`].
async fn grace(step: impl std::future::Future) {
    let _ = tokio::time::timeout(CLOSE_GRACE, step).await;
}

/// The path of a request target, without its query (`/` when empty).
fn upgrade_path(target: &str) -> &str {
    let path = target.split_once('?').map_or(target, |(p, _)| p);
    if path.is_empty() {
        "/"
    } else {
        path
    }
}

/// Query parameters of a request target, decoded.
fn query_params(target: &str) -> BTreeMap<String, String> {
    let query = target.split_once('?').map(|(_, q)| q).unwrap_or("");
    url_decode_pairs(query)
}

fn url_decode_pairs(query: &str) -> BTreeMap<String, String> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(k), decode(v))
        })
        .collect()
}

fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                match std::str::from_utf8(&bytes[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub async fn serve(mut stream: TcpStream, shared: Arc<Shared>, stop: CancellationToken) {
    let upgrade = match read_upgrade(&mut stream).await {
        Ok(u) => u,
        Err(status) => return respond(stream, status, b"not a WebSocket upgrade\n").await,
    };
    let params = query_params(&upgrade.target);
    let remote = stream.peer_addr().ok().map(|a| a.to_string());
    let user_agent = upgrade
        .headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("user-agent"))
        .map(|(_, v)| truncate_utf8(&String::from_utf8_lossy(v), 512).to_owned());
    let role = params.get("role").cloned().unwrap_or_default();
    let user = params
        .get("name")
        .or_else(|| params.get("user"))
        .cloned()
        .unwrap_or_default();
    if shared.is_full() {
        return respond(
            stream,
            StatusCode::SERVICE_UNAVAILABLE,
            b"the proxy holds too many connections\n",
        )
        .await;
    }
    let (upstream, protocol) = match connect_upstream(&shared.upstream, &upgrade).await {
        Ok(u) => u,
        Err(refusal) => {
            let rec = ConnRecord::new("", &role, &user);
            let mut ev = rec.event(TapKind::AuthRefused, Origin::Client);
            ev.conn = None;
            ev.meta = Some(json!({
                "status": refusal.status.as_u16(),
                "error": refusal.reason,
                "params": masked_params(&params),
            }));
            shared.observe(ev);
            return respond(stream, refusal.status, &refusal.body).await;
        }
    };
    let client = match accept_client(stream, upgrade.bytes, protocol).await {
        Ok(c) => c,
        Err(_) => return, // The client gave up mid-handshake; the upstream socket drops.
    };
    let id = shared.next_id();
    let info = ProxiedConn {
        id: id.clone(),
        role: role.clone(),
        user: user.clone(),
        params: params.clone(),
        opened_us: now_us(),
        remote,
        user_agent,
        counts: Default::default(),
    };
    let Some(Registered {
        mut manual,
        close: mut console_close,
        counters,
    }) = shared.register(info)
    else {
        return;
    };
    let rec = ConnRecord::new(&id, &role, &user).counting(counters.clone());
    let mut ev = rec.event(TapKind::Connect, Origin::Client);
    ev.meta = Some(json!({
        "node": &*shared.node,
        "params": masked_params(&params),
        "upstream": shared.upstream,
        // The path the client upgraded on (the upstream got the same, after its own URL): a
        // replay opens its connections there again.
        "path": upgrade_path(&upgrade.target),
    }));
    shared.observe(ev);

    let (mut client_tx, mut client_rx) = client.split();
    let (mut up_tx, mut up_rx) = upstream.split();

    // Which side ended the connection, with what close frame.
    enum End {
        /// The client sent a close frame (`Some`), or its socket ended without one.
        Client(Option<CloseFrame>),
        /// The upstream sent a close frame, with a code or without.
        UpstreamClosed(Option<CloseFrame>),
        /// The upstream's socket ended (or failed) without a close frame.
        UpstreamGone,
        /// The console closed the connection.
        Console(ConsoleClose),
        Stopped,
    }
    // Each frame read is recorded, then relayed (or skipped: each hop answers its own pings).
    let client_step = |msg: Message| -> Step {
        match &msg {
            Message::Text(t) => {
                counters.sent_by_client(msg.len());
                rec.client_text(&shared, t.as_str());
            }
            Message::Binary(b) => {
                counters.sent_by_client(msg.len());
                rec.frame_error(
                    &shared,
                    &String::from_utf8_lossy(b),
                    "binary frame",
                    "client",
                );
            }
            Message::Close(frame) => return Step::Close(frame.clone()),
            Message::Ping(_) | Message::Pong(_) | Message::Frame(_) => return Step::Skip,
        }
        Step::Relay(msg)
    };
    let upstream_step = |msg: Message| -> Step {
        match &msg {
            Message::Text(t) => rec.server_text(&shared, t.as_str()),
            Message::Binary(b) => rec.frame_error(
                &shared,
                &String::from_utf8_lossy(b),
                "binary frame",
                "upstream",
            ),
            Message::Close(frame) => return Step::Close(frame.clone()),
            Message::Ping(_) | Message::Pong(_) | Message::Frame(_) => return Step::Skip,
        }
        counters.sent_to_client(msg.len());
        Step::Relay(msg)
    };
    let client_to_upstream = async {
        loop {
            let Some(Ok(first)) = client_rx.next().await else {
                return End::Client(None);
            };
            match relay_batch(first, &mut client_rx, &mut up_tx, &client_step).await {
                Batch::Sent => {}
                Batch::Closed(frame) => return End::Client(frame),
                Batch::ReadEnded => return End::Client(None),
                Batch::WriteFailed => return End::UpstreamGone,
            }
        }
    };
    let upstream_to_client = async {
        loop {
            let first = tokio::select! {
                msg = up_rx.next() => match msg {
                    Some(Ok(m)) => m,
                    _ => return End::UpstreamGone,
                },
                frame = manual.recv() => match frame {
                    Some(f) => {
                        counters.sent_to_client(f.len());
                        if client_tx.send(Message::Text(f)).await.is_err() {
                            return End::Client(None);
                        }
                        continue;
                    }
                    None => continue,
                },
            };
            match relay_batch(first, &mut up_rx, &mut client_tx, &upstream_step).await {
                Batch::Sent => {}
                Batch::Closed(frame) => return End::UpstreamClosed(frame),
                Batch::ReadEnded => return End::UpstreamGone,
                Batch::WriteFailed => return End::Client(None),
            }
        }
    };
    let end = tokio::select! {
        end = client_to_upstream => end,
        end = upstream_to_client => end,
        Ok(close) = &mut console_close => End::Console(close),
        _ = stop.cancelled() => End::Stopped,
    };
    // The frames each side is owed, then a bounded wait for the close handshakes. `by` is
    // the embedded server's word for who ended it (`client`, `server`, `shutdown`), which the
    // replayer reads: a close it should repeat is the client's own.
    let (code, reason, closed_by, by) = match end {
        End::Client(frame) => {
            let code = frame.as_ref().map(|f| u16::from(f.code));
            let reason = frame.as_ref().map(|f| f.reason.to_string());
            let forward = frame.unwrap_or(CloseFrame {
                code: CloseCode::Away,
                reason: "client gone".into(),
            });
            grace(up_tx.send(Message::Close(Some(forward)))).await;
            (code, reason, "client", "client")
        }
        End::UpstreamClosed(frame) => {
            // The upstream's own code and reason, or none when its close frame had none.
            let code = frame.as_ref().map(|f| u16::from(f.code));
            let reason = frame.as_ref().map(|f| f.reason.to_string());
            grace(client_tx.send(Message::Close(frame))).await;
            (code, reason, "upstream", "server")
        }
        End::UpstreamGone => {
            let forward = CloseFrame {
                code: CloseCode::from(UPSTREAM_GONE),
                reason: "upstream gone".into(),
            };
            grace(client_tx.send(Message::Close(Some(forward)))).await;
            (
                Some(UPSTREAM_GONE),
                Some("upstream gone".to_owned()),
                "upstream",
                "server",
            )
        }
        End::Console(ConsoleClose { reason }) => {
            let to_client = CloseFrame {
                code: CloseCode::from(CLOSED_BY_CONSOLE),
                reason: reason.clone().into(),
            };
            let to_upstream = CloseFrame {
                code: CloseCode::from(CLOSED_TO_UPSTREAM),
                reason: reason.clone().into(),
            };
            // Both at once: neither side waits for the other's handshake.
            tokio::join!(
                grace(client_tx.send(Message::Close(Some(to_client)))),
                grace(up_tx.send(Message::Close(Some(to_upstream)))),
            );
            (Some(CLOSED_BY_CONSOLE), Some(reason), "console", "server")
        }
        End::Stopped => {
            let frame = CloseFrame {
                code: CloseCode::Away,
                reason: "proxy stopped".into(),
            };
            tokio::join!(
                grace(client_tx.send(Message::Close(Some(frame.clone())))),
                grace(up_tx.send(Message::Close(Some(frame)))),
            );
            (
                Some(1001),
                Some("proxy stopped".to_owned()),
                "proxy",
                "shutdown",
            )
        }
    };
    // Recorded as the close passes (what the upstream does about it comes after).
    let origin = if closed_by == "console" {
        Origin::Manual
    } else {
        Origin::Client
    };
    let mut ev = rec.event(TapKind::Disconnect, origin);
    ev.meta = Some(json!({
        "code": code,
        "reason": reason,
        "closed_by": closed_by,
        "by": by,
    }));
    shared.observe(ev);
    // Drain both reads briefly (side by side) so the close replies go out.
    tokio::join!(
        grace(async { while let Some(Ok(_)) = client_rx.next().await {} }),
        grace(async { while let Some(Ok(_)) = up_rx.next().await {} }),
    );
    shared.forget(&id);
}
