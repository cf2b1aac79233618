//! A sink that gives up on a peer that stops reading: a write (or flush) that waits longer
//! than the limit fails with a timeout instead of waiting for as long as the peer stays
//! connected.
//!
//! Why a wrapper and not `tokio::time::timeout` around each batch: a broadcast to a room makes
//! one batch per member when the rate is low, and arming a timer per batch (a clock read, a
//! timer entry, a larger future) costs about a tenth more per delivery. Here the timer exists
//! only while the socket is not ready: the ready path is one branch.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_util::{Future, Sink};
use tokio::time::{Instant, Sleep};
use tokio_tungstenite::tungstenite::{Error as WsError, Message};

pub(crate) struct DeadlineSink<S> {
    inner: S,
    limit: Duration,
    /// Made the first time the socket is not ready, then reused.
    sleep: Option<Pin<Box<Sleep>>>,
    /// Whether `sleep` is counting down for the current wait.
    armed: bool,
    timed_out: bool,
}

impl<S> DeadlineSink<S> {
    pub fn new(inner: S, limit: Duration) -> Self {
        DeadlineSink {
            inner,
            limit,
            sleep: None,
            armed: false,
            timed_out: false,
        }
    }

    /// Whether the last failure was the deadline (the peer stopped reading) rather than the
    /// socket breaking.
    pub fn timed_out(&self) -> bool {
        self.timed_out
    }

    pub fn limit(&self) -> Duration {
        self.limit
    }

    /// The socket is not ready: start the countdown if it is not running, and fail once it
    /// runs out. Kept out of line: the ready path must stay a branch.
    #[cold]
    #[inline(never)]
    fn wait(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), WsError>> {
        let limit = self.limit;
        let sleep = self
            .sleep
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(limit)));
        if !self.armed {
            sleep.as_mut().reset(Instant::now() + limit);
            self.armed = true;
        }
        if sleep.as_mut().poll(cx).is_ready() {
            self.armed = false;
            self.timed_out = true;
            let e = std::io::Error::new(std::io::ErrorKind::TimedOut, "write timed out");
            return Poll::Ready(Err(WsError::Io(e)));
        }
        Poll::Pending
    }
}

impl<S: Sink<Message, Error = WsError> + Unpin> Sink<Message> for DeadlineSink<S> {
    type Error = WsError;

    #[inline]
    fn poll_ready(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), WsError>> {
        match Pin::new(&mut self.inner).poll_ready(cx) {
            Poll::Pending => self.wait(cx),
            ready => {
                self.armed = false;
                ready
            }
        }
    }

    #[inline]
    fn start_send(mut self: Pin<&mut Self>, item: Message) -> Result<(), WsError> {
        Pin::new(&mut self.inner).start_send(item)
    }

    #[inline]
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), WsError>> {
        match Pin::new(&mut self.inner).poll_flush(cx) {
            Poll::Pending => self.wait(cx),
            ready => {
                self.armed = false;
                ready
            }
        }
    }

    fn poll_close(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), WsError>> {
        match Pin::new(&mut self.inner).poll_close(cx) {
            Poll::Pending => self.wait(cx),
            ready => {
                self.armed = false;
                ready
            }
        }
    }
}
