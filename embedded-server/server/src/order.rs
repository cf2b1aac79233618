//! The order of one connection's requests.
//!
//! A client that sends `join` then `say` expects `say` to see the room it joined, whatever
//! `join`'s handler waits for (a database, another node). So a connection's requests are
//! handled one after the other, in the order they arrived, unless a request was declared
//! concurrent (`ServerBuilder::concurrent`).
//!
//! The common case costs nothing more than before: when nothing of the connection is waiting,
//! a request's handler is polled once in place on the reader task, and most handlers finish
//! there. Only a handler that has to wait starts a task of its own, the connection's
//! *worker*; requests that arrive while it waits are queued (bounded) and the worker runs them
//! in turn once it is done, then ends. The reader never waits for a handler: it keeps reading,
//! so the answer to a server-to-client request that a handler awaits still gets through.
//!
//! A concurrent request does not queue: it runs at once beside whatever is waiting (polled in
//! place, then on its own task). Those in flight are bounded too.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use futures_util::future::BoxFuture;

use super::conn::Conn;
use super::shared::Shared;
use crate::wire::util::lock;

/// A request ready to be handled: validated, its handler not yet called (calling it is part
/// of the first poll, so a queued handler does not start before its turn).
pub(crate) type Job = BoxFuture<'static, ()>;

/// Why a request was refused before it ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Full {
    pub limit: usize,
}

#[derive(Default)]
struct Queue {
    /// A worker task is handling this connection's ordered requests.
    busy: bool,
    /// Ordered requests waiting for the worker, oldest first.
    waiting: VecDeque<Job>,
}

/// One connection's request order: lives in its [`Conn`].
#[derive(Default)]
pub(crate) struct RequestOrder {
    queue: Arc<Mutex<Queue>>,
    /// Concurrent requests still running.
    concurrent: Arc<AtomicUsize>,
}

/// Poll `fut` once with a waker that does nothing: whoever finishes it later polls it again.
fn poll_once(fut: &mut Job) -> Poll<()> {
    let waker = futures_util::task::noop_waker();
    let mut cx = Context::from_waker(&waker);
    fut.as_mut().poll(&mut cx)
}

impl RequestOrder {
    /// Handle `job` after every ordered request that arrived before it. `limit` bounds the
    /// requests waiting behind a handler that is still running.
    pub fn ordered(
        &self,
        shared: &Shared,
        conn: &Conn,
        mut job: Job,
        limit: usize,
    ) -> Result<(), Full> {
        {
            let mut queue = lock(&self.queue);
            if queue.busy {
                if queue.waiting.len() >= limit {
                    return Err(Full { limit });
                }
                queue.waiting.push_back(job);
                return Ok(());
            }
        }
        // Nothing is waiting: only this reader could make the queue busy, so it stays idle
        // while the job is polled here.
        if poll_once(&mut job).is_ready() {
            return Ok(());
        }
        lock(&self.queue).busy = true;
        let queue = self.queue.clone();
        let conn = conn.clone();
        shared.tracker().spawn(async move {
            job.await;
            work(&queue, &conn).await;
        });
        Ok(())
    }

    /// Handle `job` now, beside anything still running. `limit` bounds the concurrent
    /// requests of this connection that are still running.
    pub fn concurrent(&self, shared: &Shared, job: Job, limit: usize) -> Result<(), Full> {
        if self.concurrent.load(Ordering::Acquire) >= limit {
            return Err(Full { limit });
        }
        self.concurrent.fetch_add(1, Ordering::AcqRel);
        let mut job: Job = Box::pin(Counted {
            job,
            count: self.concurrent.clone(),
        });
        if poll_once(&mut job).is_pending() {
            shared.tracker().spawn(job);
        }
        Ok(())
    }
}

/// The worker: runs queued requests in turn until none is left. Requests still queued when
/// the connection closes are dropped: nobody is left to read their answers.
async fn work(queue: &Mutex<Queue>, conn: &Conn) {
    loop {
        let next = {
            let mut queue = lock(queue);
            if !conn.is_open() {
                let dropped = std::mem::take(&mut queue.waiting);
                queue.busy = false;
                drop(queue);
                drop(dropped);
                return;
            }
            match queue.waiting.pop_front() {
                Some(job) => job,
                None => {
                    queue.busy = false;
                    return;
                }
            }
        };
        next.await;
    }
}

/// A concurrent request, counted while it runs (the count drops with the future, however it
/// ends).
struct Counted {
    job: Job,
    count: Arc<AtomicUsize>,
}

impl Future for Counted {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.job.as_mut().poll(cx)
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.count.fetch_sub(1, Ordering::AcqRel);
    }
}
