//! The task that owns one replayed connection's socket.
//!
//! It sends what its driver hands it (one action at a time), answers pings and server requests
//! (with the recorded client's answers), and keeps everything it receives in order: replies by
//! the action they answer, the rest as the connection's received pushes. Every wait (connect,
//! send, reply, close) is bounded by the replay's timeout, so a silent or misbehaving server can
//! delay a replay but never hang it.

use std::collections::HashMap;
use std::sync::atomic::Ordering;

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::handshake::client::Request;
use tokio_tungstenite::tungstenite::http::{self, HeaderValue};
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
use url::Url;

use super::client_replay::RunCtx;
use super::options::ParamMap;
use super::plan::{is_mask, Action, ActionKind, PlannedConn, SreqAnswer};
use crate::wire::{encode_client, parse_server_frame, ServerFrame};
use switchboard_server::REPLAY_KEY_HEADER;

pub(crate) type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Commands a driver sends to an actor. The channel holds one at a time in practice (drivers
/// wait for `done`), so a small bound is plenty.
pub(crate) enum Cmd {
    Do {
        action: usize,
        done: oneshot::Sender<()>,
    },
    /// Close (if still open), drain until the server's close frame, and finish.
    Finish,
}

pub(crate) const CMD_CAPACITY: usize = 4;

/// Received pushes kept per connection beyond what the recording expects; more are counted,
/// not stored, so a server that floods a replayed client cannot exhaust memory.
const EXTRA_PUSHES_KEPT: usize = 1000;

/// What became of one action.
#[derive(Debug, Clone)]
pub(crate) enum Outcome {
    /// The reply frame, normalised.
    Reply(Value),
    /// Sent; the server answers nothing to it (unsubscribe, close, connect).
    Done,
    /// Sent, but no reply came: why.
    NoReply(String),
    /// Not sent: why (the connection could not be opened, or was closed).
    NotSent(String),
}

/// Everything one actor observed.
#[derive(Debug, Default)]
pub(crate) struct ConnOutcome {
    pub outcomes: Vec<Option<Outcome>>,
    /// Late replies: arrived after their wait timed out (kept for the report).
    pub late: HashMap<usize, Value>,
    pub received: Vec<Value>,
    /// Index in `received` of the first frame that arrived after the replay began closing the
    /// connections the recording left open ([`RunCtx::ending`]).
    pub teardown_from: Option<usize>,
    pub dropped: u64,
    pub connect_error: Option<String>,
    pub server_close: Option<Value>,
    pub notes: Vec<String>,
}

/// Replaces masked values in a request input by the values the user gave for their key.
fn substitute(value: &mut Value, given: &ParamMap, user: Option<&str>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                match v {
                    Value::String(s) if is_mask(s) => {
                        if let Some(real) = given.get(user, k) {
                            *v = Value::String(real.to_owned());
                        }
                    }
                    other => substitute(other, given, user),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| substitute(v, given, user)),
        _ => {}
    }
}

/// What the actor is waiting for.
struct Pending {
    action: usize,
    /// The request id of the reply, or `None` for a bad frame (answered by an `err` without
    /// `i`).
    i: Option<u64>,
    done: oneshot::Sender<()>,
    deadline: Instant,
}

pub(crate) struct Actor {
    actions: Vec<Action>,
    user: Option<String>,
    url: Url,
    answers: Vec<SreqAnswer>,
    next_sreq: usize,
    next_i: u64,
    by_i: HashMap<u64, usize>,
    pending: Option<Pending>,
    keep: usize,
    out: ConnOutcome,
    ctx: RunCtx,
    /// The socket is open and usable.
    open: bool,
    /// Pushes received so far that the recording could have (events, publishes and server
    /// requests not ignored): what the causal driver waits on.
    seen: watch::Sender<u64>,
}

impl Actor {
    pub(crate) fn new(
        conn: &PlannedConn,
        url: Url,
        notes: Vec<String>,
        seen: watch::Sender<u64>,
        ctx: &RunCtx,
    ) -> Actor {
        let expected_pushes = conn.pushes.len();
        Actor {
            actions: conn.actions.clone(),
            user: conn.user.clone(),
            url,
            answers: conn.sreq_answers.clone(),
            next_sreq: 0,
            next_i: 0,
            by_i: HashMap::new(),
            pending: None,
            keep: expected_pushes.saturating_mul(2) + EXTRA_PUSHES_KEPT,
            out: ConnOutcome {
                outcomes: vec![None; conn.actions.len()],
                notes,
                ..ConnOutcome::default()
            },
            ctx: ctx.clone(),
            open: false,
            seen,
        }
    }

    pub(crate) async fn run(mut self, mut cmds: mpsc::Receiver<Cmd>) -> ConnOutcome {
        let mut socket: Option<Socket> = None;
        loop {
            let deadline = self.pending.as_ref().map(|p| p.deadline);
            tokio::select! {
                cmd = cmds.recv() => match cmd {
                    Some(Cmd::Do { action, done }) => self.start(&mut socket, action, done).await,
                    Some(Cmd::Finish) | None => {
                        self.finish(&mut socket).await;
                        break;
                    }
                },
                msg = next(&mut socket), if socket.is_some() => {
                    self.on_message(&mut socket, msg).await;
                }
                _ = sleep_until(deadline), if deadline.is_some() => self.expire(),
            }
        }
        self.out
    }

    async fn start(
        &mut self,
        socket: &mut Option<Socket>,
        action: usize,
        done: oneshot::Sender<()>,
    ) {
        let Some(kind) = self.actions.get(action).map(|a| a.kind.clone()) else {
            let _ = done.send(());
            return;
        };
        if let ActionKind::Connect = kind {
            match self.connect().await {
                Ok(s) => {
                    *socket = Some(s);
                    self.open = true;
                    self.out.outcomes[action] = Some(Outcome::Done);
                }
                Err(e) => {
                    self.out.outcomes[action] = Some(Outcome::NotSent(e.clone()));
                    self.out.connect_error = Some(e);
                }
            }
            let _ = done.send(());
            return;
        }
        let Some(ws) = socket.as_mut().filter(|_| self.open) else {
            let why = match &self.out.connect_error {
                Some(e) => format!("not sent: the connection could not be opened ({e})"),
                None => "not sent: the connection was already closed".to_owned(),
            };
            self.out.outcomes[action] = Some(Outcome::NotSent(why));
            let _ = done.send(());
            return;
        };
        let timeout = self.ctx.options.timeout;
        let Some((text, i)) = self.frame_for(&kind) else {
            // Close: the only action without a frame of its own besides Connect.
            self.close(socket).await;
            self.out.outcomes[action] = Some(Outcome::Done);
            let _ = done.send(());
            return;
        };
        let sent = tokio::time::timeout(timeout, ws.send(Message::Text(text.into()))).await;
        match sent {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                self.lost(format!("send failed: {e}"));
                self.out.outcomes[action] = Some(Outcome::NotSent(format!("send failed: {e}")));
                let _ = done.send(());
                return;
            }
            Err(_) => {
                self.out.outcomes[action] = Some(Outcome::NotSent(format!(
                    "could not send within {timeout:?}"
                )));
                let _ = done.send(());
                return;
            }
        }
        if !kind.expects_reply() {
            self.out.outcomes[action] = Some(Outcome::Done);
            let _ = done.send(());
            return;
        }
        if let Some(i) = i {
            self.by_i.insert(i, action);
        }
        self.pending = Some(Pending {
            action,
            i,
            done,
            deadline: Instant::now() + timeout,
        });
    }

    /// The text frame an action sends and the `i` its reply will carry; `None` for the actions
    /// that are not a frame (connect, close).
    fn frame_for(&mut self, kind: &ActionKind) -> Option<(String, Option<u64>)> {
        Some(match kind {
            ActionKind::Request { name, input } => {
                let mut input = input.clone();
                substitute(&mut input, &self.ctx.options.params, self.user.as_deref());
                self.next_i += 1;
                (
                    encode_client::req(self.next_i, name, &input),
                    Some(self.next_i),
                )
            }
            ActionKind::Subscribe { topic } => {
                self.next_i += 1;
                (encode_client::sub(self.next_i, topic), Some(self.next_i))
            }
            ActionKind::Unsubscribe { topic } => (encode_client::unsub(topic), None),
            ActionKind::BadFrame { text } => (text.clone(), None),
            ActionKind::Connect | ActionKind::Close => return None,
        })
    }

    /// The upgrade request: the endpoint, and the target's replay key when it is known.
    fn upgrade_request(&self) -> Result<Request, tungstenite::Error> {
        let mut request = self.url.as_str().into_client_request()?;
        if let Some(key) = &self.ctx.replay_key {
            let value = HeaderValue::from_str(key.expose()).map_err(http::Error::from)?;
            request.headers_mut().insert(REPLAY_KEY_HEADER, value);
        }
        Ok(request)
    }

    /// Opens the socket and reads the `env`, within the timeout.
    async fn connect(&self) -> Result<Socket, String> {
        let timeout = self.ctx.options.timeout;
        let at = &self.url[..url::Position::AfterPath];
        let attempt = async {
            let request = self.upgrade_request().map_err(|e| describe(e, at))?;
            let (mut ws, _) = tokio_tungstenite::connect_async(request)
                .await
                .map_err(|e| describe(e, at))?;
            loop {
                match ws.next().await {
                    Some(Ok(Message::Text(_))) => return Ok(ws),
                    Some(Ok(Message::Close(_))) | None => {
                        return Err(format!("{at} closed the connection before its first frame"))
                    }
                    Some(Ok(_)) => {}
                    Some(Err(e)) => return Err(format!("{at} failed before its first frame: {e}")),
                }
            }
        };
        tokio::time::timeout(timeout, attempt)
            .await
            .unwrap_or_else(|_| Err(format!("no connection to {at} within {timeout:?}")))
    }

    async fn on_message(
        &mut self,
        socket: &mut Option<Socket>,
        msg: Option<Result<Message, tungstenite::Error>>,
    ) {
        match msg {
            Some(Ok(Message::Text(text))) => self.on_text(socket, text.as_str()).await,
            Some(Ok(Message::Close(frame))) => {
                let (code, reason) = frame
                    .map(|f| (u16::from(f.code), f.reason.to_string()))
                    .unwrap_or((1005, String::new()));
                if self.open {
                    self.out.server_close = Some(json!({ "code": code, "reason": reason }));
                }
                self.lost(format!(
                    "the server closed the connection ({code} {reason})"
                ));
                if let Some(ws) = socket.as_mut() {
                    let _ = tokio::time::timeout(self.ctx.options.timeout, ws.flush()).await;
                }
                *socket = None;
            }
            // Binary frames are not part of the wire; WebSocket pings are answered by tungstenite.
            Some(Ok(_)) => {}
            Some(Err(e)) => {
                self.lost(format!("read failed: {e}"));
                *socket = None;
            }
            None => {
                self.lost("the connection ended".into());
                *socket = None;
            }
        }
    }

    async fn on_text(&mut self, socket: &mut Option<Socket>, text: &str) {
        let frame = match parse_server_frame(text) {
            Ok(f) => f,
            Err(e) => {
                self.received(json!({ "t": "unreadable", "raw": text, "error": e.message }));
                return;
            }
        };
        match frame {
            ServerFrame::Res { i, d } => self.reply(Some(i), json!({ "t": "res", "d": d })),
            ServerFrame::Err { i, code, m, d } => {
                let mut f = json!({ "t": "err", "code": code.as_str(), "m": m });
                if let Some(d) = d.filter(|d| !d.is_null()) {
                    f["d"] = d;
                }
                match i {
                    Some(i) => self.reply(Some(i), f),
                    None if self.pending.as_ref().is_some_and(|p| p.i.is_none()) => {
                        self.reply(None, f)
                    }
                    None => self.received(f),
                }
            }
            ServerFrame::Evt { e, d } => self.received(json!({ "t": "evt", "e": e, "d": d })),
            ServerFrame::Pub { c, d, .. } => self.received(json!({ "t": "pub", "c": c, "d": d })),
            ServerFrame::Sreq { i, m, d } => {
                self.received(json!({ "t": "sreq", "m": m, "d": d }));
                let answer = self.answers.get(self.next_sreq).cloned();
                self.next_sreq += 1;
                let text = match answer {
                    Some(SreqAnswer::Reply { d }) => Some(encode_client::sres(i, &d)),
                    Some(SreqAnswer::Error { code, message }) => Some(encode_client::serr(
                        i,
                        &code.as_str().into(),
                        &message,
                        None,
                    )),
                    Some(SreqAnswer::None) => None,
                    None => Some(encode_client::serr(
                        i,
                        &crate::wire::ErrorCode::NOT_FOUND,
                        &format!("the recorded client was never asked `{m}`"),
                        None,
                    )),
                };
                if let (Some(text), Some(ws)) = (text, socket.as_mut()) {
                    let _ = tokio::time::timeout(
                        self.ctx.options.timeout,
                        ws.send(Message::Text(text.into())),
                    )
                    .await;
                }
            }
            ServerFrame::Ping => {
                if let Some(ws) = socket.as_mut() {
                    let pong = Message::Text(encode_client::pong().into());
                    let _ = tokio::time::timeout(self.ctx.options.timeout, ws.send(pong)).await;
                }
            }
            ServerFrame::Env { .. } | ServerFrame::Pong => {}
        }
    }

    /// A reply arrived: complete the pending action, or note it as late.
    fn reply(&mut self, i: Option<u64>, frame: Value) {
        let pending_matches = self.pending.as_ref().is_some_and(|p| p.i == i);
        if pending_matches {
            if let Some(p) = self.pending.take() {
                self.count_diff(p.action, &frame);
                self.out.outcomes[p.action] = Some(Outcome::Reply(frame));
                let _ = p.done.send(());
            }
            return;
        }
        match i.and_then(|i| self.by_i.get(&i).copied()) {
            Some(action) => {
                self.out.late.insert(action, frame);
            }
            None => self.received(frame),
        }
    }

    fn count_diff(&self, action: usize, frame: &Value) {
        let expected = self.actions.get(action).and_then(|a| a.expected.as_ref());
        let differs = match expected {
            Some(e) => !self.ctx.ignore.equal(&e.frame, frame),
            None => true,
        };
        if differs {
            self.ctx.progress.update(|p| p.diffs += 1);
        }
    }

    fn received(&mut self, frame: Value) {
        let name = match frame.get("t").and_then(Value::as_str) {
            Some("evt") => frame.get("e"),
            Some("pub") => frame.get("c"),
            Some("sreq") => frame.get("m"),
            _ => None,
        }
        .and_then(Value::as_str);
        if let Some(name) = name {
            if !self.ctx.options.ignore_events.iter().any(|e| e == name) {
                self.seen.send_modify(|n| *n += 1);
            }
        }
        if self.out.teardown_from.is_none() && self.ctx.ending.load(Ordering::SeqCst) {
            self.out.teardown_from = Some(self.out.received.len());
        }
        if self.out.received.len() < self.keep {
            self.out.received.push(frame);
        } else {
            self.out.dropped += 1;
        }
    }

    fn expire(&mut self) {
        if let Some(p) = self.pending.take() {
            let timeout = self.ctx.options.timeout;
            self.out.outcomes[p.action] =
                Some(Outcome::NoReply(format!("no reply within {timeout:?}")));
            if self.expected_reply(p.action) {
                self.ctx.progress.update(|pr| pr.diffs += 1);
            }
            let _ = p.done.send(());
        }
    }

    fn expected_reply(&self, action: usize) -> bool {
        self.actions
            .get(action)
            .is_some_and(|a| a.expected.is_some())
    }

    /// The socket is gone: fail the pending action with `why`.
    fn lost(&mut self, why: String) {
        self.open = false;
        if let Some(p) = self.pending.take() {
            self.out.outcomes[p.action] = Some(Outcome::NoReply(why));
            let _ = p.done.send(());
        }
    }

    /// Client-side close: send the close frame, then read until the server's close frame (or
    /// the timeout), keeping what arrives before it.
    async fn close(&mut self, socket: &mut Option<Socket>) {
        let Some(mut ws) = socket.take() else {
            return;
        };
        self.open = false;
        let timeout = self.ctx.options.timeout;
        let drain = async {
            if ws.close(None).await.is_err() {
                return;
            }
            while let Some(msg) = ws.next().await {
                match msg {
                    Ok(Message::Text(text)) => self.on_text(&mut None, text.as_str()).await,
                    Ok(Message::Close(_)) | Err(_) => break,
                    Ok(_) => {}
                }
            }
        };
        if tokio::time::timeout(timeout, drain).await.is_err() {
            self.out.notes.push(format!(
                "the server did not finish the close handshake within {timeout:?}"
            ));
        }
    }

    async fn finish(&mut self, socket: &mut Option<Socket>) {
        if let Some(p) = self.pending.take() {
            self.out.outcomes[p.action] = Some(Outcome::NoReply(
                "the replay ended before the reply came".into(),
            ));
            let _ = p.done.send(());
        }
        self.close(socket).await;
    }
}

async fn next(socket: &mut Option<Socket>) -> Option<Result<Message, tungstenite::Error>> {
    match socket.as_mut() {
        Some(ws) => ws.next().await,
        None => std::future::pending().await,
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}

fn describe(error: tungstenite::Error, at: &str) -> String {
    match error {
        tungstenite::Error::Http(response) => {
            let body = response
                .body()
                .as_ref()
                .map(|b| String::from_utf8_lossy(b).trim().to_owned())
                .filter(|b| !b.is_empty())
                .map(|b| format!(": {b}"))
                .unwrap_or_default();
            format!(
                "{at} refused the upgrade with HTTP {}{body}",
                response.status()
            )
        }
        tungstenite::Error::Io(e) => format!("could not reach {at}: {e}"),
        other => format!("WebSocket handshake with {at} failed: {other}"),
    }
}
