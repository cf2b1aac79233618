//! Serving and stopping.
//!
//! The accept loop is the server's own rather than `axum::serve`'s, for two bounds axum does
//! not offer: how long a client may take to send its upgrade request's headers
//! (`config.upgrade_timeout`, enforced by hyper) and how many connections may be in that phase
//! at once (`config.max_pending_upgrades`, see `handshakes`). Without them, half-open requests
//! are held forever and can use up every descriptor of the process.

use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio_util::task::TaskTracker;
use tower_service::Service;

use super::error::ServeError;
use super::handshakes::{Handshakes, Pending};
use super::shared::Shared;
use super::Server;

/// A server started on a socket: its address, and a way to stop it.
pub struct RunningServer {
    pub server: Server,
    pub addr: SocketAddr,
    task: JoinHandle<Result<(), ServeError>>,
}

impl RunningServer {
    /// `ws://ADDR/`
    pub fn url(&self) -> String {
        format!("ws://{}/", self.addr)
    }

    /// Graceful shutdown: stop accepting, let in-flight requests answer, close every socket
    /// with 1001, wait for the connection tasks.
    pub async fn shutdown(self) -> Result<(), ServeError> {
        self.server.shutdown().await;
        match self.task.await {
            Ok(r) => r,
            Err(e) => Err(ServeError::Io(std::io::Error::other(e.to_string()))),
        }
    }
}

impl Server {
    /// Bind `addr` (use port 0 for a free one) and serve in the background.
    pub async fn start(&self, addr: &str) -> Result<RunningServer, ServeError> {
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| ServeError::Bind {
                addr: addr.to_owned(),
                source,
            })?;
        let local = listener.local_addr()?;
        let server = self.clone();
        let task = tokio::spawn(async move { server.serve(listener).await });
        Ok(RunningServer {
            server: self.clone(),
            addr: local,
            task,
        })
    }

    /// Serve on `listener` until [`Server::shutdown`] is called.
    pub async fn serve(&self, listener: TcpListener) -> Result<(), ServeError> {
        self.ensure_background();
        let router = self.router();
        let stop = self.shared.shutdown().clone();
        // Connections still in their HTTP phase; upgraded ones belong to `conn_tasks`.
        let handshakes = TaskTracker::new();
        loop {
            let accepted = tokio::select! {
                _ = stop.cancelled() => break,
                accepted = listener.accept() => accepted,
            };
            let (tcp, remote) = match accepted {
                Ok(a) => a,
                Err(e) => {
                    accept_failed(e).await;
                    continue;
                }
            };
            // TCP_NODELAY: the writer task already coalesces whatever is queued into one
            // write, so Nagle's algorithm has nothing left to merge; it would only hold a lone
            // frame back until the previous one is acknowledged, which the client may delay by
            // up to 40 ms.
            if let Err(e) = tcp.set_nodelay(true) {
                tracing::debug!("could not set TCP_NODELAY on an accepted socket: {e}");
            }
            let pending = Handshakes::enter(&self.shared);
            handshakes.spawn(serve_http(
                self.shared.clone(),
                router.clone(),
                tcp,
                remote,
                pending,
            ));
        }
        drop(listener);
        handshakes.close();
        let limit = self.shared.config().upgrade_timeout;
        let _ = tokio::time::timeout(limit, handshakes.wait()).await;
        self.wait_closed().await;
        Ok(())
    }

    /// Begin graceful shutdown and wait until every connection has closed.
    pub async fn shutdown(&self) {
        self.shared.shutdown().cancel();
        self.shared.tracker().close();
        self.wait_closed().await;
    }

    async fn wait_closed(&self) {
        self.shared.conn_tasks().close();
        let limit = self.shared.config().shutdown_grace + Duration::from_secs(5);
        let _ = tokio::time::timeout(limit, self.shared.conn_tasks().wait()).await;
    }
}

/// An accept that failed. Errors about one connection (reset before it was accepted) are
/// skipped; others, such as running out of descriptors, would fail again at once, so the
/// loop pauses briefly instead of spinning.
async fn accept_failed(e: std::io::Error) {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(
        e.kind(),
        ConnectionAborted | ConnectionRefused | ConnectionReset
    ) {
        return;
    }
    tracing::warn!("accept failed: {e}");
    tokio::time::sleep(Duration::from_millis(100)).await;
}

/// One TCP connection's HTTP phase: hyper reads the request (within `upgrade_timeout`) and
/// the router answers it; an upgrade hands the socket to the connection's own tasks, which
/// ends this one. The connection leaves early when evicted by a newer one or at shutdown.
async fn serve_http(
    shared: Arc<Shared>,
    router: Router,
    tcp: TcpStream,
    remote: SocketAddr,
    pending: Pending,
) {
    let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
        req.extensions_mut().insert(ConnectInfo(remote));
        let mut router = router.clone();
        router.call(req.map(Body::new))
    });
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(shared.config().upgrade_timeout);
    let conn = builder
        .serve_connection(TokioIo::new(tcp), service)
        .with_upgrades();
    tokio::pin!(conn);
    let stop = shared.shutdown().clone();
    tokio::select! {
        served = conn.as_mut() => {
            if let Err(e) = served {
                if e.is_timeout() {
                    shared.counters().upgrade_timeouts.fetch_add(1, Ordering::Relaxed);
                }
                tracing::debug!("HTTP connection from {remote} ended: {e}");
            }
        }
        // Dropping the connection closes the socket.
        _ = pending.evicted.cancelled() => {
            tracing::debug!("upgrade from {remote} evicted: too many upgrades in progress");
        }
        _ = stop.cancelled() => {
            conn.as_mut().graceful_shutdown();
            let _ = conn.await;
        }
    }
}
