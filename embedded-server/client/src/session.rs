//! One open socket: correlating replies, dispatching pushes, answering the server.
//!
//! Everything that belongs to a single connection lives in [`Session`] and dies with it: the
//! in-flight requests (failed with `Disconnected` when the socket drops) and the running
//! server-to-client request handlers (cancelled: their answer could only go to a socket that no
//! longer exists, and a reused `i` on the next connection would be wrong).

use std::collections::HashMap;
use std::convert::Infallible;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Duration;

use futures_util::future::BoxFuture;
use futures_util::stream::FuturesUnordered;
use futures_util::{FutureExt, SinkExt, StreamExt};
use serde_json::Value;
use tokio_tungstenite::tungstenite::{self, Message};

use super::connect::Socket;
use super::driver::{Command, Driver, Reply};
use super::{ClientError, ConnectionError};
use switchboard_wire::{encode_client, parse_server_frame, ErrorCode, ServerFrame};

/// How often requests whose callers gave up are forgotten.
const SWEEP_EVERY: Duration = Duration::from_secs(1);
/// How long either side's close handshake may take before the socket is simply dropped.
const CLOSE_GRACE: Duration = Duration::from_secs(2);

/// Why a session ended.
pub(crate) enum SessionEnd {
    /// Close requested or every handle dropped: no reconnect.
    Stop,
    /// The socket failed or the server closed it; the text says how.
    Dropped(String),
}

type Flow<T = ()> = Result<T, SessionEnd>;

enum Pending {
    Request(Reply<Value>),
    Subscribe {
        topic: String,
        /// Callers waiting for the ack; empty for a re-subscribe after reconnect.
        waiters: Vec<Reply<()>>,
        /// An `unsub` went out after this `sub`, so the ack must not make the topic remembered.
        cancelled: bool,
    },
}

pub(crate) struct Session {
    socket: Socket,
    pending: HashMap<u64, Pending>,
    /// Topic -> id of its `sub` awaiting an ack, so concurrent subscribes share one frame.
    subs_in_flight: HashMap<String, u64>,
    /// Running server-to-client request handlers, each resolving to the frame that answers it.
    calls: FuturesUnordered<BoxFuture<'static, String>>,
}

impl Session {
    async fn send(&mut self, frame: String) -> Flow {
        self.socket
            .send(Message::text(frame))
            .await
            .map_err(|e| SessionEnd::Dropped(format!("write failed: {e}")))
    }

    /// Forget requests whose callers timed out, so a server that never answers cannot grow the
    /// map without bound.
    fn sweep(&mut self) {
        self.pending.retain(|_, p| match p {
            Pending::Request(reply) => !reply.is_closed(),
            Pending::Subscribe { .. } => true,
        });
    }

    fn fail_all(&mut self, error: &ClientError) {
        self.subs_in_flight.clear();
        for (_, pending) in self.pending.drain() {
            match pending {
                Pending::Request(reply) => {
                    let _ = reply.send(Err(error.clone()));
                }
                Pending::Subscribe { waiters, .. } => {
                    for w in waiters {
                        let _ = w.send(Err(error.clone()));
                    }
                }
            }
        }
    }

    /// Send a close frame (no status code, like the super-line client) and wait briefly for the
    /// server's reply so the close handshake completes cleanly.
    async fn close(&mut self) {
        let _ = tokio::time::timeout(CLOSE_GRACE, async {
            if self.socket.close(None).await.is_ok() {
                while let Some(Ok(_)) = self.socket.next().await {}
            }
        })
        .await;
    }
}

impl Driver {
    /// Serve one open socket until it drops or the client stops.
    pub(crate) async fn session(&mut self, socket: Socket, first: String) -> SessionEnd {
        let mut s = Session {
            socket,
            pending: HashMap::new(),
            subs_in_flight: HashMap::new(),
            calls: FuturesUnordered::new(),
        };
        let end = match self.serve(&mut s, first).await {
            Ok(never) => match never {},
            Err(end) => end,
        };
        match end {
            SessionEnd::Stop => {
                s.fail_all(&ClientError::Closed);
                s.close().await;
            }
            SessionEnd::Dropped(_) => s.fail_all(&ClientError::Disconnected),
        }
        end
    }

    async fn serve(&mut self, s: &mut Session, first: String) -> Flow<Infallible> {
        // The first frame is the env: apply it before anyone is told we are connected, so
        // `env()` is current as soon as `wait_connected()` returns.
        self.on_text(s, &first).await?;
        // Restore subscriptions before sending queued calls, so a queued request that triggers
        // a publish finds the subscription already in place.
        for topic in self.topics.clone() {
            self.send_sub(s, topic, None).await?;
        }
        while let Some(command) = self.queue.pop_front() {
            self.online(s, Some(command)).await?;
        }
        self.shared.connected();

        let mut sweep = tokio::time::interval(SWEEP_EVERY);
        sweep.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                message = s.socket.next() => self.on_message(s, message).await?,
                command = self.commands.recv() => self.online(s, command).await?,
                Some(frame) = s.calls.next(), if !s.calls.is_empty() => s.send(frame).await?,
                _ = sweep.tick() => s.sweep(),
            }
        }
    }

    async fn on_message(
        &mut self,
        s: &mut Session,
        message: Option<Result<Message, tungstenite::Error>>,
    ) -> Flow {
        match message {
            Some(Ok(Message::Text(text))) => self.on_text(s, text.as_str()).await,
            Some(Ok(Message::Binary(_))) => {
                tracing::warn!("client ignored a binary frame: the wire is text only");
                Ok(())
            }
            Some(Ok(Message::Close(frame))) => {
                // tungstenite has queued our half of the close handshake; flushing sends it, so
                // the server sees a clean close rather than a reset.
                let _ = tokio::time::timeout(CLOSE_GRACE, s.socket.flush()).await;
                Err(SessionEnd::Dropped(match frame {
                    Some(f) => format!("server closed the connection ({} {})", f.code, f.reason),
                    None => "server closed the connection".to_owned(),
                }))
            }
            // WebSocket-level ping/pong: tungstenite answers pings itself.
            Some(Ok(_)) => Ok(()),
            Some(Err(e)) => Err(SessionEnd::Dropped(format!("read failed: {e}"))),
            None => Err(SessionEnd::Dropped("connection ended".to_owned())),
        }
    }

    async fn on_text(&mut self, s: &mut Session, text: &str) -> Flow {
        let frame = match parse_server_frame(text) {
            Ok(frame) => frame,
            Err(e) => {
                // One bad frame is the server's bug, not a reason to drop the connection.
                tracing::warn!("client ignored a frame it could not parse: {e}");
                return Ok(());
            }
        };
        match frame {
            ServerFrame::Env { d } => self.shared.set_env(d),
            ServerFrame::Res { i, d } => self.on_reply(s, i, Ok(d)).await?,
            ServerFrame::Err {
                i: Some(i),
                code,
                m,
                d,
            } => {
                self.on_reply(s, i, Err(ClientError::remote(code, m, d)))
                    .await?
            }
            ServerFrame::Err {
                i: None,
                code,
                m,
                d,
            } => {
                tracing::warn!(%code, "server reported a connection error: {m}");
                self.shared.registry.emit_error(ConnectionError::Remote {
                    code,
                    message: m,
                    data: d,
                });
            }
            ServerFrame::Evt { e, d } => self.shared.registry.emit_event(&e, d),
            ServerFrame::Pub { c, d, .. } => self.shared.registry.emit_topic(&c, d),
            ServerFrame::Sreq { i, m, d } => self.on_server_request(s, i, m, d).await?,
            ServerFrame::Ping => s.send(encode_client::pong()).await?,
            // Only the server pings; a `pong` from it carries nothing to act on.
            ServerFrame::Pong => {}
        }
        Ok(())
    }

    async fn on_reply(
        &mut self,
        s: &mut Session,
        i: u64,
        result: Result<Value, ClientError>,
    ) -> Flow {
        match s.pending.remove(&i) {
            None => tracing::debug!(i, "client got a reply nobody is waiting for (timed out?)"),
            Some(Pending::Request(reply)) => {
                let _ = reply.send(result);
            }
            Some(Pending::Subscribe {
                topic,
                waiters,
                cancelled,
            }) => {
                if s.subs_in_flight.get(&topic) == Some(&i) {
                    s.subs_in_flight.remove(&topic);
                }
                match result {
                    Ok(_) => {
                        let live: Vec<_> = waiters.into_iter().filter(|w| !w.is_closed()).collect();
                        let restoring = self.topics.contains(&topic);
                        if !cancelled && live.is_empty() && !restoring {
                            // Everyone who asked gave up; do not leave the server subscribed.
                            s.send(encode_client::unsub(&topic)).await?;
                        } else {
                            if !cancelled {
                                self.topics.insert(topic);
                            }
                            for w in live {
                                let _ = w.send(Ok(()));
                            }
                        }
                    }
                    Err(error) => {
                        if self.topics.remove(&topic) {
                            if let ClientError::Remote { code, message, .. } = &error {
                                tracing::warn!(%topic, %code, "server refused to restore a subscription: {message}");
                                self.shared
                                    .registry
                                    .emit_error(ConnectionError::Resubscribe {
                                        topic: topic.clone(),
                                        code: code.clone(),
                                        message: message.clone(),
                                    });
                            }
                        }
                        for w in waiters {
                            let _ = w.send(Err(error.clone()));
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// Serve a command while connected.
    async fn online(&mut self, s: &mut Session, command: Option<Command>) -> Flow {
        match command {
            None | Some(Command::Close) => Err(SessionEnd::Stop),
            Some(Command::Request { name, input, reply }) => {
                if reply.is_closed() {
                    return Ok(());
                }
                let id = self.next_id();
                s.pending.insert(id, Pending::Request(reply));
                s.send(encode_client::req(id, &name, &input)).await
            }
            Some(Command::Subscribe { topic, reply }) => {
                if reply.is_closed() {
                    return Ok(());
                }
                if self.topics.contains(&topic) && !s.subs_in_flight.contains_key(&topic) {
                    // Already acknowledged on this connection.
                    let _ = reply.send(Ok(()));
                    return Ok(());
                }
                self.send_sub(s, topic, Some(reply)).await
            }
            Some(Command::Unsubscribe { topic }) => {
                let remembered = self.topics.remove(&topic);
                let in_flight = match s.subs_in_flight.remove(&topic) {
                    Some(id) => {
                        if let Some(Pending::Subscribe { cancelled, .. }) = s.pending.get_mut(&id) {
                            *cancelled = true;
                        }
                        true
                    }
                    None => false,
                };
                if remembered || in_flight {
                    s.send(encode_client::unsub(&topic)).await
                } else {
                    Ok(())
                }
            }
        }
    }

    /// Send `sub` for `topic`, or join the one already awaiting its ack.
    async fn send_sub(
        &mut self,
        s: &mut Session,
        topic: String,
        waiter: Option<Reply<()>>,
    ) -> Flow {
        if let Some(id) = s.subs_in_flight.get(&topic) {
            if let Some(Pending::Subscribe { waiters, .. }) = s.pending.get_mut(id) {
                waiters.extend(waiter);
                return Ok(());
            }
        }
        let id = self.next_id();
        let frame = encode_client::sub(id, &topic);
        s.subs_in_flight.insert(topic.clone(), id);
        s.pending.insert(
            id,
            Pending::Subscribe {
                topic,
                waiters: waiter.into_iter().collect(),
                cancelled: false,
            },
        );
        s.send(frame).await
    }

    /// Answer an `sreq`: unknown names at once with `NOT_FOUND`, others by running the handler
    /// alongside the socket loop. A panicking handler is answered `INTERNAL`.
    async fn on_server_request(&mut self, s: &mut Session, i: u64, m: String, d: Value) -> Flow {
        let Some(handler) = self.shared.registry.request_handler(&m) else {
            let message = format!("Unknown message: {m}");
            return s
                .send(encode_client::serr(
                    i,
                    &ErrorCode::NOT_FOUND,
                    &message,
                    None,
                ))
                .await;
        };
        let Ok(call) = catch_unwind(AssertUnwindSafe(|| handler(d))) else {
            tracing::error!(method = %m, "client request handler panicked");
            return s.send(panicked(i)).await;
        };
        s.calls.push(Box::pin(async move {
            match AssertUnwindSafe(call).catch_unwind().await {
                Ok(Ok(value)) => encode_client::sres(i, &value),
                Ok(Err((code, message))) => encode_client::serr(i, &code, &message, None),
                Err(_) => {
                    tracing::error!(method = %m, "client request handler panicked");
                    panicked(i)
                }
            }
        }));
        Ok(())
    }
}

fn panicked(i: u64) -> String {
    encode_client::serr(i, &ErrorCode::INTERNAL, "request handler panicked", None)
}
