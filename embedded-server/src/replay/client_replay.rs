//! Client replay: the recorded connections come back as real WebSocket clients.
//!
//! Each planned connection gets one task (its *actor*) that owns the socket: it sends what it is
//! told, answers pings and server requests, and records everything it receives, in order. The
//! actions are handed to the actors by *drivers* that keep the schedule: one driver per
//! connection ([`ReplayOrder::PerConnection`]) or one for all of them
//! ([`ReplayOrder::Recorded`]). A driver hands over one action, waits until the actor says it is
//! done (its reply arrived, or the wait timed out), then moves on, so a connection never has
//! more than one action in flight and replies line up with requests by construction.
//!
//! The raw socket is used rather than [`crate::client::Client`]: comparing needs every frame
//! exactly as received and in order (pushes interleaved with replies), and a replay must not
//! reconnect or re-subscribe behind the recording's back.
//!
//! When every driver is done, all connections are closed together. The server sends what it
//! had queued for a connection before its close frame, so draining each socket up to that frame
//! collects every push the replayed actions caused, without guessing a quiet period.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
use url::Url;

use super::compare::{align, Aligned, IgnoreSet};
use super::control::{Clock, ProgressTx, ReplayControl};
use super::options::{ParamMap, ReplayOptions, ReplayOrder};
use super::plan::{is_mask, Action, ActionKind, PlannedConn, ReplayPlan, SreqAnswer};
use super::report::{ConnectionReport, MessageReport, Status, Stream};
use crate::server::accept::REPLAY_PARAM;
use crate::wire::{encode_client, parse_server_frame, ServerFrame};

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Commands a driver sends to an actor. The channel holds one at a time in practice (drivers
/// wait for `done`), so a small bound is plenty.
enum Cmd {
    Do {
        action: usize,
        done: oneshot::Sender<()>,
    },
    /// Close (if still open), drain until the server's close frame, and finish.
    Finish,
}

const CMD_CAPACITY: usize = 4;

/// Received pushes kept per connection beyond what the recording expects; more are counted,
/// not stored, so a server that floods a replayed client cannot exhaust memory.
const EXTRA_PUSHES_KEPT: usize = 1000;

/// What became of one action.
#[derive(Debug, Clone)]
enum Outcome {
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
struct ConnOutcome {
    outcomes: Vec<Option<Outcome>>,
    /// Late replies: arrived after their wait timed out (kept for the report).
    late: HashMap<usize, Value>,
    received: Vec<Value>,
    dropped: u64,
    connect_error: Option<String>,
    server_close: Option<Value>,
    notes: Vec<String>,
}

/// Shared by every task of one client replay.
#[derive(Clone)]
pub(crate) struct RunCtx {
    pub replay_id: String,
    pub options: ReplayOptions,
    pub ignore: Arc<IgnoreSet>,
    pub control: ReplayControl,
    pub progress: ProgressTx,
}

/// Runs the client replay of `plan` against `url` and returns one report per connection.
pub(crate) async fn run(plan: &ReplayPlan, url: &Url, ctx: &RunCtx) -> Vec<ConnectionReport> {
    let first_at = plan.first_at_us.unwrap_or(0);
    let mut senders = Vec::with_capacity(plan.connections.len());
    let mut actors = Vec::with_capacity(plan.connections.len());
    let mut sent_params = Vec::with_capacity(plan.connections.len());
    for conn in &plan.connections {
        let (endpoint, shown, notes) = endpoint(url, conn, &ctx.options.params, &ctx.replay_id);
        sent_params.push(shown);
        let (tx, rx) = mpsc::channel(CMD_CAPACITY);
        let actor = Actor::new(conn, endpoint, notes, ctx);
        actors.push(tokio::spawn(actor.run(rx)));
        senders.push(tx);
    }

    let clock = ctx.control.clock();
    let outer = ctx.options.timeout * 2 + Duration::from_secs(1);
    match ctx.options.order {
        ReplayOrder::PerConnection => {
            let drivers = plan.connections.iter().zip(&senders).map(|(conn, tx)| {
                let mut clock = clock.clone();
                let steps: Vec<(usize, i64)> = conn
                    .actions
                    .iter()
                    .enumerate()
                    .map(|(i, a)| (i, a.at_us))
                    .collect();
                async move {
                    for (i, at) in steps {
                        if !step(&mut clock, tx, i, at - first_at, outer, ctx).await {
                            break;
                        }
                    }
                }
            });
            futures_util::future::join_all(drivers).await;
        }
        ReplayOrder::Recorded => {
            let mut order: Vec<(i64, usize, usize, i64)> = plan
                .connections
                .iter()
                .enumerate()
                .flat_map(|(c, conn)| {
                    conn.actions
                        .iter()
                        .enumerate()
                        .map(move |(i, a)| (a.seq, c, i, a.at_us))
                })
                .collect();
            order.sort();
            let mut clock = clock.clone();
            for (_, c, i, at) in order {
                if !step(&mut clock, &senders[c], i, at - first_at, outer, ctx).await {
                    break;
                }
            }
        }
    }

    // Close everything together: pushes caused by the last actions are flushed to each socket
    // before the server's close frame.
    for tx in &senders {
        let _ = tx.send(Cmd::Finish).await;
    }
    drop(senders);
    let mut reports = Vec::with_capacity(actors.len());
    for ((conn, actor), params) in plan.connections.iter().zip(actors).zip(sent_params) {
        let outcome = match tokio::time::timeout(outer + ctx.options.timeout, actor).await {
            Ok(Ok(outcome)) => outcome,
            Ok(Err(e)) => ConnOutcome {
                connect_error: Some(format!("the connection's task failed: {e}")),
                ..ConnOutcome::default()
            },
            Err(_) => ConnOutcome {
                connect_error: Some("the connection's task did not finish in time".into()),
                ..ConnOutcome::default()
            },
        };
        reports.push(report(conn, params, outcome, plan.compare_pushes, ctx));
    }
    reports
}

/// Waits for the action's time, hands it to the actor and waits until it is done. Returns
/// false when the replay was stopped.
async fn step(
    clock: &mut Clock,
    tx: &mpsc::Sender<Cmd>,
    action: usize,
    offset_us: i64,
    outer: Duration,
    ctx: &RunCtx,
) -> bool {
    if clock
        .wait_until(ctx.options.scaled(offset_us))
        .await
        .is_err()
    {
        return false;
    }
    let (done, finished) = oneshot::channel();
    if tx.send(Cmd::Do { action, done }).await.is_ok() {
        // The actor bounds each of its own waits; this only guards against a bug there.
        let _ = tokio::time::timeout(outer, finished).await;
    }
    ctx.progress.update(|p| p.sent += 1);
    !clock.stopped()
}

/// The upgrade URL of a replayed connection, the parameters as shown in the report, and notes
/// about parameters that could not be restored.
fn endpoint(
    base: &Url,
    conn: &PlannedConn,
    given: &ParamMap,
    replay_id: &str,
) -> (Url, BTreeMap<String, String>, Vec<String>) {
    let user = conn.user.as_deref();
    let mut params: BTreeMap<String, String> = conn
        .params
        .iter()
        .filter(|(k, _)| k.as_str() != REPLAY_PARAM)
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    for key in given.keys_for(user) {
        if let Some(v) = given.get(user, key) {
            params.insert(key.to_owned(), v.to_owned());
        }
    }
    params
        .entry("role".to_owned())
        .or_insert_with(|| conn.role.clone());
    let mut notes = Vec::new();
    for key in &conn.redacted {
        if params.get(key).is_some_and(|v| is_mask(v)) {
            notes.push(format!(
                "parameter `{key}` was masked in the capture and no value was given \
                 (--param {key}=VALUE or {}:{key}=VALUE): the mask was sent",
                user.unwrap_or("USER")
            ));
        }
    }
    let mut url = base.clone();
    {
        let mut q = url.query_pairs_mut();
        for (k, v) in &params {
            q.append_pair(k, v);
        }
        q.append_pair(REPLAY_PARAM, replay_id);
    }
    let shown = params
        .into_iter()
        .map(|(k, v)| {
            let v = if crate::server::introspect::is_secret_key(&k) && !is_mask(&v) {
                "********".to_owned()
            } else {
                v
            };
            (k, v)
        })
        .collect();
    (url, shown, notes)
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

struct Actor {
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
}

impl Actor {
    fn new(conn: &PlannedConn, url: Url, notes: Vec<String>, ctx: &RunCtx) -> Actor {
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
        }
    }

    async fn run(mut self, mut cmds: mpsc::Receiver<Cmd>) -> ConnOutcome {
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

    /// Opens the socket and reads the `env`, within the timeout.
    async fn connect(&self) -> Result<Socket, String> {
        let timeout = self.ctx.options.timeout;
        let at = &self.url[..url::Position::AfterPath];
        let attempt = async {
            let (mut ws, _) = tokio_tungstenite::connect_async(self.url.as_str())
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

/// Builds the report of one connection: replies in action order, then aligned pushes.
fn report(
    conn: &PlannedConn,
    params: BTreeMap<String, String>,
    mut out: ConnOutcome,
    compare_pushes: bool,
    ctx: &RunCtx,
) -> ConnectionReport {
    let ignore = &ctx.ignore;
    let mut messages = Vec::new();
    let stopped = ctx.control.is_stopped();
    for (idx, action) in conn.actions.iter().enumerate() {
        let expects = action.kind.expects_reply();
        let outcome = out.outcomes.get(idx).cloned().flatten();
        if !expects {
            // Connects, unsubscribes and closes have no reply: they only appear when they did
            // not happen (a refused connect is a difference: the recording's was accepted).
            let (status, note) = match (&action.kind, outcome) {
                (_, Some(Outcome::Done | Outcome::Reply(_) | Outcome::NoReply(_))) => continue,
                (ActionKind::Connect, Some(Outcome::NotSent(why))) => (Status::Missing, why),
                (_, Some(Outcome::NotSent(why))) => (Status::Skipped, why),
                (_, None) => (Status::Skipped, not_reached(stopped)),
            };
            messages.push(MessageReport {
                stream: Stream::Reply,
                index: messages.len(),
                name: action.kind.label(),
                status,
                action_seq: Some(action.seq),
                recorded_seq: None,
                recorded: None,
                replayed: None,
                diffs: Vec::new(),
                note: Some(note),
            });
            continue;
        }
        let recorded = action.expected.as_ref().map(|e| e.frame.clone());
        let mut m = MessageReport {
            stream: Stream::Reply,
            index: messages.len(),
            name: action.kind.label(),
            status: Status::Same,
            action_seq: Some(action.seq),
            recorded_seq: action.expected.as_ref().map(|e| e.seq),
            recorded: recorded.clone(),
            replayed: None,
            diffs: Vec::new(),
            note: None,
        };
        match outcome {
            Some(Outcome::Reply(frame)) => {
                match &recorded {
                    Some(r) => {
                        m.diffs = ignore.diff(r, &frame);
                        m.status = if m.diffs.is_empty() {
                            Status::Same
                        } else {
                            Status::Differs
                        };
                    }
                    None => {
                        m.status = Status::Extra;
                        m.note = Some("the capture holds no reply to this action".into());
                    }
                }
                m.replayed = Some(frame);
            }
            Some(Outcome::NoReply(why)) => {
                m.status = if recorded.is_some() {
                    Status::Missing
                } else {
                    Status::Same
                };
                let late = out.late.remove(&idx);
                m.note = Some(match (&late, recorded.is_some()) {
                    (Some(_), _) => format!("{why}; a reply came later (shown as replayed)"),
                    (None, true) => why,
                    (None, false) => format!("{why}; the capture has no reply either"),
                });
                m.replayed = late;
            }
            Some(Outcome::NotSent(why)) => {
                m.status = Status::Missing;
                m.note = Some(why);
            }
            Some(Outcome::Done) => continue,
            None => {
                m.status = Status::Skipped;
                m.note = Some(not_reached(stopped));
            }
        }
        messages.push(m);
    }

    let skip_event = |f: &Value| {
        ["e", "c"]
            .iter()
            .filter_map(|k| f.get(*k).and_then(Value::as_str))
            .any(|name| ctx.options.ignore_events.iter().any(|e| e == name))
    };
    let compare = compare_pushes && ctx.options.compare_pushes && !stopped;
    if stopped {
        out.notes
            .push("the replay was stopped: received pushes were not compared".into());
    }
    if compare {
        let mut index = 0;
        let mut expected = Vec::new();
        let mut expected_rows = Vec::new();
        for p in &conn.pushes {
            if skip_event(&p.frame) {
                continue;
            }
            if !p.reproducible() {
                messages.push(MessageReport {
                    stream: Stream::Push,
                    index,
                    name: p.name.clone(),
                    status: Status::Skipped,
                    action_seq: None,
                    recorded_seq: Some(p.seq),
                    recorded: Some(p.frame.clone()),
                    replayed: None,
                    diffs: Vec::new(),
                    note: Some(format!(
                        "pushed by the server on its own (origin {}), not by a recorded client: \
                         client replay does not re-create it (push replay does)",
                        p.origin.as_str()
                    )),
                });
                index += 1;
                continue;
            }
            expected.push(p.frame.clone());
            expected_rows.push(p);
        }
        let received: Vec<Value> = std::mem::take(&mut out.received)
            .into_iter()
            .filter(|f| !skip_event(f))
            .collect();
        for a in align(&expected, &received, ignore) {
            let (status, rec, rep, row, diffs) = match a {
                Aligned::Pair(l, r) => {
                    let diffs = ignore.diff(&expected[l], &received[r]);
                    let status = if diffs.is_empty() {
                        Status::Same
                    } else {
                        Status::Differs
                    };
                    (status, Some(l), Some(r), Some(expected_rows[l]), diffs)
                }
                Aligned::Left(l) => (
                    Status::Missing,
                    Some(l),
                    None,
                    Some(expected_rows[l]),
                    vec![],
                ),
                Aligned::Right(r) => (Status::Extra, None, Some(r), None, vec![]),
            };
            let name = row
                .map(|p| p.name.clone())
                .or_else(|| rep.map(|r| push_name(&received[r])))
                .unwrap_or_default();
            messages.push(MessageReport {
                stream: Stream::Push,
                index,
                name,
                status,
                action_seq: None,
                recorded_seq: row.map(|p| p.seq),
                recorded: rec.map(|l| expected[l].clone()),
                replayed: rep.map(|r| received[r].clone()),
                diffs,
                note: None,
            });
            index += 1;
        }
        if out.dropped > 0 {
            out.notes.push(format!(
                "{} more pushes arrived than could be kept; they are not in this report",
                out.dropped
            ));
        }
    }

    let mut notes = conn.notes.clone();
    notes.extend(out.notes);
    ConnectionReport {
        session_id: conn.session_id,
        conn: conn.conn.clone(),
        role: conn.role.clone(),
        user: conn.user.clone(),
        params,
        notes,
        error: out.connect_error,
        recorded_server_close: conn.server_close.clone(),
        replayed_server_close: out.server_close,
        pushes_compared: compare,
        messages,
    }
}

fn not_reached(stopped: bool) -> String {
    if stopped {
        "the replay was stopped before this action".into()
    } else {
        "not reached".into()
    }
}

fn push_name(frame: &Value) -> String {
    ["e", "c", "m", "code", "t"]
        .iter()
        .find_map(|k| frame.get(*k).and_then(Value::as_str))
        .unwrap_or_default()
        .to_owned()
}
