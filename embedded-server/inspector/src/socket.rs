//! A session over a console's WebSocket: one task reads frames into the session's inbound
//! channel, one writes the session's messages out.
//!
//! The two halves wait on different things and never on each other: the reader waits for the
//! session to take a command, the writer for the socket to take bytes, the session for the
//! writer's outbox. A console that stops reading therefore blocks only its own writer; its
//! session stops forwarding, its queue fills, and the tap drops (counted) instead of waiting.

use std::sync::{Arc, Mutex};

use axum::extract::ws::{CloseFrame, Message, WebSocket};
use futures_util::{SinkExt, StreamExt};
use switchboard_server::wire::util::lock;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite;

use crate::event::write_batch;
use crate::fragments::Fragments;
use crate::session::{self, Inbound, Outbound, SessionSetup};

/// Commands read from the socket but not yet taken by the session. Small: a console that sends
/// faster than the session carries commands out is simply read more slowly.
const INBOUND: usize = 16;

/// Close codes this side sends.
mod code {
    pub const NORMAL: u16 = 1000;
    pub const GOING_AWAY: u16 = 1001;
    pub const TOO_BIG: u16 = 1009;
}

/// Serve one attached console until either side ends the session.
pub(crate) async fn serve(socket: WebSocket, setup: SessionSetup) {
    let (mut sink, mut stream) = socket.split();
    let (in_tx, in_rx) = mpsc::channel::<Inbound>(INBOUND);
    let (out_tx, mut out_rx) = mpsc::channel::<Outbound>(setup.limits.sane().outbox);
    // Why the socket closes, when the reader learns it first (the first reason wins).
    let close_why: Arc<Mutex<Option<(u16, &'static str)>>> = Arc::default();

    let server = setup.server.clone();
    let stop = setup.stop.clone();
    tokio::spawn(session::run(setup, in_rx, out_tx));

    let reader_why = close_why.clone();
    let reader = async move {
        while let Some(frame) = stream.next().await {
            let item = match frame {
                Ok(Message::Text(text)) => Inbound::Text(text.as_str().to_owned()),
                Ok(Message::Binary(_)) => Inbound::Binary,
                Ok(Message::Close(_)) => break,
                // Control frames: tungstenite answers pings itself.
                Ok(_) => continue,
                Err(e) => {
                    if is_too_big(e) {
                        lock(&reader_why).get_or_insert((
                            code::TOO_BIG,
                            "frame over the inspector's transport limit",
                        ));
                    }
                    break;
                }
            };
            if in_tx.send(item).await.is_err() {
                break;
            }
        }
        // Dropping `in_tx` tells the session the console is gone.
    };

    let writer = async move {
        // The size of the last message written, so a batch is encoded without growing its
        // buffer step by step (each frame needs its own buffer: the socket keeps it until sent).
        let mut size_hint = 256;
        // Who recent events were about, written once per connection (`fragments.rs`).
        let mut known = Fragments::default();
        while let Some(msg) = out_rx.recv().await {
            let encoded = match &msg {
                Outbound::Message(m) => {
                    let mut buf = Vec::with_capacity(size_hint);
                    serde_json::to_writer(&mut buf, m)
                        .map_err(|e| e.to_string())
                        .and_then(|()| String::from_utf8(buf).map_err(|e| e.to_string()))
                }
                Outbound::Events(events) => {
                    let mut text = String::with_capacity(size_hint);
                    write_batch(&mut text, events, &mut known);
                    Ok(text)
                }
            };
            // The events are freed here, the last reference to most of them.
            drop(msg);
            let text = match encoded {
                Ok(text) => {
                    size_hint = text.len().clamp(256, 1024 * 1024);
                    text
                }
                Err(e) => {
                    // Protocol types are plain data; if one ever fails, say so and go on.
                    tracing::warn!("an inspector message could not be encoded: {e}");
                    continue;
                }
            };
            // Feed what is ready and flush once the outbox is empty: one write per batch, or
            // for several messages when the console reads slower than the node sends.
            if sink.feed(Message::Text(text.into())).await.is_err() {
                return;
            }
            if out_rx.is_empty() && sink.flush().await.is_err() {
                return;
            }
        }
        let (code, reason) = lock(&close_why).unwrap_or(if server.is_shutting_down() {
            (code::GOING_AWAY, "server shutting down")
        } else if stop.is_cancelled() {
            (code::GOING_AWAY, "inspector shutting down")
        } else {
            (code::NORMAL, "session ended")
        });
        let _ = sink
            .send(Message::Close(Some(CloseFrame {
                code,
                reason: reason.into(),
            })))
            .await;
    };

    // The reader runs on its own task: in one `select!` with the writer it was polled every
    // time the writer woke, and each poll of the WebSocket reader costs a read attempt that
    // zeroes its read buffer (the largest part of the socket's cost per batch, by callgrind).
    // Aborted however this function ends (also when its own task is dropped), so the reader
    // never outlives the session holding half of the socket.
    let mut reader = AbortOnDrop(tokio::spawn(reader));
    tokio::pin!(writer);
    tokio::select! {
        _ = &mut writer => {}
        _ = &mut reader.0 => {
            // The console left: the session ends when it sees the closed channel, then the
            // writer closes the socket. Bounded, in case the socket is stuck mid-write.
            let _ = tokio::time::timeout(std::time::Duration::from_secs(5), writer).await;
        }
    }
}

struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

fn is_too_big(e: axum::Error) -> bool {
    e.into_inner()
        .downcast::<tungstenite::Error>()
        .is_ok_and(|e| matches!(*e, tungstenite::Error::Capacity(_)))
}
