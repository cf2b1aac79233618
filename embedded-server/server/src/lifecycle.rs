//! Serving and stopping.

use std::net::SocketAddr;
use std::time::Duration;

use axum::serve::ListenerExt;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use super::error::ServeError;
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
        let app = self
            .router()
            .into_make_service_with_connect_info::<SocketAddr>();
        let stop = self.shared.shutdown().clone();
        // TCP_NODELAY: the writer task already coalesces whatever is queued into one write, so
        // Nagle's algorithm has nothing left to merge; it would only hold a lone frame back
        // until the previous one is acknowledged, which the client may delay by up to 40 ms.
        let listener = listener.tap_io(|tcp| {
            if let Err(e) = tcp.set_nodelay(true) {
                tracing::debug!("could not set TCP_NODELAY on an accepted socket: {e}");
            }
        });
        axum::serve(listener, app)
            .with_graceful_shutdown(async move { stop.cancelled().await })
            .await?;
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
