//! The writer task: one per connection, the only owner of the socket's sending half.
//!
//! It waits for one frame, then takes everything else already queued, feeds it all to the
//! socket and flushes once. Under load that turns many small writes into one system call,
//! which is what lets a broadcast reach thousands of sockets quickly.

use futures_util::stream::SplitSink;
use futures_util::SinkExt;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::protocol::frame::CloseFrame;
use tokio_tungstenite::tungstenite::Message;

use super::close::CloseReason;
use super::conn::Conn;
use super::upgrade::Socket;
use crate::wire::util::truncate_utf8;
use crate::wire::Frame;

/// Frames fed before a flush is forced, so one busy connection still flushes regularly.
const MAX_BATCH: usize = 512;

pub(crate) async fn write_loop(
    conn: Conn,
    mut sink: SplitSink<Socket, Message>,
    mut rx: mpsc::Receiver<Frame>,
) {
    let closing = conn.closing().clone();
    // One cancellation future for the connection's life, polled only when the queue is empty:
    // polling the token takes a lock, and a broadcast wakes every member's writer.
    let cancelled = closing.cancelled();
    tokio::pin!(cancelled);
    loop {
        // A closing connection stops here even while frames keep arriving (an atomic load).
        if !conn.is_open() {
            break;
        }
        let first = tokio::select! {
            biased;
            next = rx.recv() => match next {
                Some(frame) => frame,
                None => break,
            },
            _ = &mut cancelled => break,
        };
        if sink.feed(Message::Text(first)).await.is_err() {
            conn.begin_close(CloseReason::lost("write failed"));
            return;
        }
        let mut fed = 1;
        while fed < MAX_BATCH {
            match rx.try_recv() {
                Ok(frame) => {
                    if sink.feed(Message::Text(frame)).await.is_err() {
                        return;
                    }
                    fed += 1;
                }
                Err(_) => break,
            }
        }
        if sink.flush().await.is_err() {
            return;
        }
    }
    // Closing: write what is still queued (unless the reader is the problem), then the close
    // frame carrying the code and reason.
    let reason = conn.close_reason();
    if let Some(reason) = &reason {
        if reason.by.drains() {
            while let Ok(frame) = rx.try_recv() {
                if sink.feed(Message::Text(frame)).await.is_err() {
                    return;
                }
            }
        }
        if reason.by.sends_close_frame() {
            let frame = CloseFrame {
                code: reason.code.into(),
                reason: truncate_utf8(&reason.reason, 123).into(),
            };
            let _ = sink.send(Message::Close(Some(frame))).await;
        }
    }
    let _ = sink.flush().await;
    let _ = sink.close().await;
}
