//! The server a console replay runs against by default: started for the replay from the
//! embedded server's contract, handlers and hooks (`Server::isolated`), listening on a private
//! loopback port, recording into the console's capture file as a session of its own (node
//! `replay-isolated`, every row with origin `replay`), and shut down when the replay ends. Real
//! clients are connected to the embedded server, never to this one, so a replay cannot deliver
//! anything to them (it once delivered duplicates and reported `delivered: 1 → 2` thousands of
//! times).

use std::sync::Arc;
use std::time::Duration;

use switchboard_capture::{Recorder, RecorderConfig};
use switchboard_server::{RunningServer, Server};

use super::error::ApiError;
use crate::recording::RecorderSlot;
use crate::state::AppState;

/// Its node id, in the capture and in the report.
pub const NODE_ID: &str = "replay-isolated";

/// How long its shutdown may take once the replay ended.
const SHUTDOWN: Duration = Duration::from_secs(5);

pub struct Isolated {
    pub running: RunningServer,
    recorder: Option<Arc<RecorderSlot>>,
}

impl Isolated {
    /// Starts it on `127.0.0.1:0`, recording when the console records.
    pub async fn start(st: &AppState) -> Result<Isolated, ApiError> {
        let server: Server = st.server.isolated(NODE_ID);
        let recorder = match st.capture_path() {
            Some(path) => {
                let mut cfg = RecorderConfig::new(path);
                cfg.node_id = NODE_ID.into();
                cfg.tool_version = format!("switchboard-console {}", env!("CARGO_PKG_VERSION"));
                cfg.contract = serde_json::to_value(server.contract().spec()).unwrap_or_default();
                let slot = Arc::new(RecorderSlot::new(Recorder::open(cfg).map_err(|e| {
                    ApiError::bad_request(format!("the isolated replay server cannot record: {e}"))
                })?));
                server.add_tap(slot.clone());
                Some(slot)
            }
            None => None,
        };
        let running = server.start("127.0.0.1:0").await.map_err(|e| {
            ApiError::bad_request(format!("the isolated replay server did not start: {e}"))
        })?;
        Ok(Isolated { running, recorder })
    }

    /// Shuts it down and closes its capture session.
    pub async fn stop(self) {
        if tokio::time::timeout(SHUTDOWN, self.running.shutdown())
            .await
            .is_err()
        {
            tracing::warn!("the isolated replay server did not shut down within {SHUTDOWN:?}");
        }
        if let Some(slot) = self.recorder {
            let closed = tokio::task::spawn_blocking(move || slot.close()).await;
            if let Ok(Err(e)) = closed {
                tracing::warn!("closing the isolated replay server's capture session: {e}");
            }
        }
    }
}
