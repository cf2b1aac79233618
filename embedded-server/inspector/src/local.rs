//! A session in the same process as the server, over channels instead of a socket.
//!
//! The console runs a server of its own (the embedded demo, or an application in-process) and
//! attaches to remote nodes; with this, both are the same [`InspectorClient`] over the same
//! session code, so the console has one code path for every node. Messages are handed over
//! as values (never encoded to JSON), and no token is needed: whoever holds the [`Server`]
//! handle can drive it anyway.

use switchboard_server::Server;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::client::{ClientOptions, InspectorClient};
use crate::config::SessionLimits;
use crate::error::ClientError;
use crate::fanout::Fanout;
use crate::inspector::Inspector;
use crate::link::Link;
use crate::session::{self, SessionSetup};

/// Commands waiting for the session (as on a socket).
const INBOUND: usize = 16;

impl Inspector {
    /// Attach to `server` in-process, with the default [`SessionLimits`].
    pub async fn local_session(server: &Server) -> Result<InspectorClient, ClientError> {
        Inspector::local_session_with(server, SessionLimits::default(), ClientOptions::default())
            .await
    }

    /// Attach to `server` in-process. The session ends when the client (and every
    /// [`Commander`](crate::Commander) cloned from it) is dropped, or when the server shuts
    /// down.
    pub async fn local_session_with(
        server: &Server,
        limits: SessionLimits,
        options: ClientOptions,
    ) -> Result<InspectorClient, ClientError> {
        let limits = limits.sane();
        let (in_tx, in_rx) = mpsc::channel(INBOUND);
        let (out_tx, out_rx) = mpsc::channel(limits.outbox);
        let setup = SessionSetup {
            server: server.clone(),
            limits,
            read_only: false,
            fanout: Fanout::new(server),
            stop: CancellationToken::new(),
        };
        tokio::spawn(session::run(setup, in_rx, out_tx));
        InspectorClient::attach(
            Link::Local {
                rx: out_rx,
                tx: in_tx,
            },
            options,
        )
        .await
    }
}
