//! What every API handler shares. Locks here are std mutexes around small in-memory lists,
//! held for a push or a copy and never across `.await`.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use switchboard_server::wire::util::lock;

use switchboard_capture::CaptureReader;
use switchboard_server::Server;
use tokio_util::sync::CancellationToken;

use crate::api::error::ApiError;
use crate::auth::Token;
use crate::host::Host;
use crate::live::hub::LiveHub;
use crate::nodes::NodeSource;
use crate::push_log::{history_path, PushLog};
use crate::recording::RecorderSlot;
use crate::types::HostInfo;

/// Finished downloads kept for `GET /api/exports/{id}`.
pub const EXPORTS_KEPT: usize = 8;

pub struct AppState {
    /// The embedded server, for what only a server of the console's own can do: replay against
    /// it or an isolated copy of it, and give "Try it" its replay key. In attach and proxy
    /// modes it is an idle server that never listens. Panels read nodes through `source`.
    pub server: Server,
    /// Where node state is read and commands go, whichever source it is (every panel's one
    /// code path: [`crate::nodes::NodeView`]).
    pub source: NodeSource,
    pub token: Token,
    pub host: Arc<dyn Host>,
    pub info: HostInfo,
    pub recorder: Option<Arc<RecorderSlot>>,
    pub hub: Arc<LiveHub>,
    pub pushes: Mutex<PushLog>,
    pub exports: ExportStore,
    /// The current or last replay.
    pub replay: Mutex<Option<crate::api::replay::ReplayRun>>,
    /// The console's own test connections ("Try it").
    pub tries: Mutex<crate::api::tryit::TryConns>,
    /// Cancelled at shutdown: long-lived handlers (live sockets) end on it.
    pub stop: CancellationToken,
}

impl AppState {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        server: Server,
        source: NodeSource,
        token: Token,
        host: Arc<dyn Host>,
        info: HostInfo,
        recorder: Option<Arc<RecorderSlot>>,
        hub: Arc<LiveHub>,
        exports: ExportStore,
        stop: CancellationToken,
    ) -> AppState {
        // The history of hand-fired pushes lives beside the capture file, when there is one.
        let pushes = PushLog::open(recorder.as_ref().map(|r| history_path(r.path())));
        AppState {
            server,
            source,
            token,
            host,
            info,
            recorder,
            hub,
            pushes: Mutex::new(pushes),
            exports,
            replay: Mutex::new(None),
            tries: Mutex::new(Default::default()),
            stop,
        }
    }

    pub fn capture_path(&self) -> Option<PathBuf> {
        self.recorder.as_ref().map(|r| r.path().to_path_buf())
    }

    /// A fresh read-only reader of the capture file (cheap; one per request, in a blocking
    /// task, because SQLite calls block).
    pub fn reader(&self) -> Result<CaptureReader, ApiError> {
        let path = self
            .capture_path()
            .ok_or_else(|| ApiError::unavailable("this console runs without a capture file"))?;
        CaptureReader::open(&path).map_err(ApiError::from)
    }
}

/// Export files waiting to be downloaded, in a temporary folder removed at shutdown.
pub struct ExportStore {
    pub dir: tempfile::TempDir,
    pub files: Mutex<VecDeque<StoredExport>>,
}

#[derive(Debug, Clone)]
pub struct StoredExport {
    pub id: String,
    pub path: PathBuf,
    pub file_name: String,
    pub content_type: &'static str,
}

impl ExportStore {
    pub fn new(dir: tempfile::TempDir) -> ExportStore {
        ExportStore {
            dir,
            files: Mutex::new(VecDeque::new()),
        }
    }

    /// Keep a finished export; the oldest beyond [`EXPORTS_KEPT`] is deleted.
    pub fn keep(&self, export: StoredExport) {
        let evicted = {
            let mut files = lock(&self.files);
            files.push_back(export);
            if files.len() > EXPORTS_KEPT {
                files.pop_front()
            } else {
                None
            }
        };
        if let Some(old) = evicted {
            let _ = std::fs::remove_file(old.path);
        }
    }

    pub fn get(&self, id: &str) -> Option<StoredExport> {
        let files = lock(&self.files);
        files.iter().find(|f| f.id == id).cloned()
    }
}
