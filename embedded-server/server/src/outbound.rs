//! The writer task: one per connection, the only owner of the socket's sending half.
//!
//! It waits for one frame, then takes everything else already queued, feeds it all to the
//! socket and flushes once. Under load that turns many small writes into one system call,
//! which is what lets a broadcast reach thousands of sockets quickly.
//!
//! Every write is bounded by `config.write_timeout` (see `write_deadline`): a peer that stops
//! reading fills its TCP buffers, and without a deadline the writer would wait in `feed` or
//! `flush` for as long as the peer stays connected, holding the socket and everything queued
//! for it after the connection was closed as a slow consumer.

use std::time::Duration;

use futures_util::stream::SplitSink;
use futures_util::SinkExt;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::protocol::frame::CloseFrame;
use tokio_tungstenite::tungstenite::Message;

use super::close::{close_code, CloseReason, ClosedBy};
use super::conn::Conn;
use super::upgrade::Socket;
use super::write_deadline::DeadlineSink;
use crate::wire::util::truncate_utf8;
use crate::wire::Frame;

/// Frames fed before a flush is forced, so one busy connection still flushes regularly.
const MAX_BATCH: usize = 512;

type Sink = DeadlineSink<SplitSink<Socket, Message>>;

pub(crate) async fn write_loop(
    conn: Conn,
    sink: SplitSink<Socket, Message>,
    mut rx: mpsc::Receiver<Frame>,
) {
    let write_timeout = conn
        .server()
        .map_or(Duration::from_secs(10), |s| s.config().write_timeout);
    let mut sink = DeadlineSink::new(sink, write_timeout);
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
        // Bytes taken off the queue, given back once written (or failed).
        let mut bytes = first.len();
        if sink.feed(Message::Text(first)).await.is_err() {
            conn.written(bytes);
            return failed(&conn, sink, rx);
        }
        let mut fed = 1;
        while fed < MAX_BATCH {
            match rx.try_recv() {
                Ok(frame) => {
                    bytes += frame.len();
                    if sink.feed(Message::Text(frame)).await.is_err() {
                        conn.written(bytes);
                        return failed(&conn, sink, rx);
                    }
                    fed += 1;
                }
                Err(_) => break,
            }
        }
        let flushed = sink.flush().await;
        conn.written(bytes);
        if flushed.is_err() {
            return failed(&conn, sink, rx);
        }
    }
    // Closing: write what is still queued (unless the reader is the problem), then the close
    // frame carrying the code and reason; each write still under the deadline.
    say_goodbye(&conn, &mut sink, &mut rx).await;
    release(&conn, rx);
    // Dropping the sink (here) and the reader's stream releases the socket.
}

/// The socket failed or the peer stopped reading: close the connection (the first reason
/// wins) and let the socket go without a goodbye, since nothing more can be written.
fn failed(conn: &Conn, sink: Sink, rx: mpsc::Receiver<Frame>) {
    if sink.timed_out() {
        conn.begin_close(CloseReason::new(
            ClosedBy::SlowConsumer,
            close_code::SLOW_CONSUMER,
            format!(
                "slow consumer: the socket took nothing for {} ms",
                sink.limit().as_millis()
            ),
        ));
    } else {
        conn.begin_close(CloseReason::lost("write failed"));
    }
    release(conn, rx);
}

async fn say_goodbye(conn: &Conn, sink: &mut Sink, rx: &mut mpsc::Receiver<Frame>) {
    if let Some(reason) = conn.close_reason() {
        if reason.by.drains() {
            while let Ok(frame) = rx.try_recv() {
                conn.written(frame.len());
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
            if sink.send(Message::Close(Some(frame))).await.is_err() {
                return;
            }
        }
    }
    let _ = sink.flush().await;
    let _ = sink.close().await;
}

/// Give back the accounting of frames never written: the queue is closed first, so a delivery
/// racing with this finds it closed and takes its own bytes back.
fn release(conn: &Conn, mut rx: mpsc::Receiver<Frame>) {
    rx.close();
    let mut dropped = 0;
    while let Ok(frame) = rx.try_recv() {
        dropped += frame.len();
    }
    conn.written(dropped);
}
