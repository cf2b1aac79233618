//! The recorder as the console holds it: installed as a tap for the whole run, closed cleanly at
//! shutdown (which marks the capture session ended).
//!
//! The server keeps its taps for its whole life, so the tap it holds is this slot, not the
//! recorder itself: closing takes the recorder out of the slot and later events are ignored.

use std::path::{Path, PathBuf};
use std::sync::RwLock;

use switchboard_capture::{CaptureError, Recorder, RecorderStats};
use switchboard_server::tap::{Tap, TapEvent};

use crate::types::RecorderStatus;

pub struct RecorderSlot {
    path: PathBuf,
    /// Read-locked per event (never contended but for the one close).
    recorder: RwLock<Option<Recorder>>,
}

impl RecorderSlot {
    pub fn new(recorder: Recorder) -> RecorderSlot {
        RecorderSlot {
            path: recorder.path().to_path_buf(),
            recorder: RwLock::new(Some(recorder)),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn stats(&self) -> Option<RecorderStats> {
        let guard = self.recorder.read().unwrap_or_else(|p| p.into_inner());
        guard.as_ref().map(Recorder::stats)
    }

    pub fn status(&self) -> RecorderStatus {
        let path = Some(self.path.display().to_string());
        match self.stats() {
            Some(s) => RecorderStatus {
                active: true,
                path,
                rows_written: s.rows_written,
                dropped: s.dropped,
                dropped_over_bytes: s.dropped_over_bytes,
                write_errors: s.write_errors,
                rows_lost: s.rows_lost,
                queue_depth: s.queue_depth,
                backlog_bytes: s.backlog_bytes,
                file_bytes: s.file_bytes,
                last_error: s.last_error,
            },
            None => RecorderStatus {
                path,
                ..RecorderStatus::default()
            },
        }
    }

    /// Commit what is queued, end the session, stop the writer thread. Blocking: call it from
    /// a blocking context.
    pub fn close(&self) -> Result<Option<RecorderStats>, CaptureError> {
        let taken = {
            let mut guard = self.recorder.write().unwrap_or_else(|p| p.into_inner());
            guard.take()
        };
        taken.map(Recorder::close).transpose()
    }
}

impl Tap for RecorderSlot {
    fn observe(&self, event: &TapEvent) {
        let guard = self.recorder.read().unwrap_or_else(|p| p.into_inner());
        if let Some(recorder) = guard.as_ref() {
            recorder.observe(event);
        }
    }
}
