//! The history of pushes fired by hand: the newest [`PUSH_HISTORY`] in memory, and, when the
//! console records, a JSON-lines file beside the capture file, so the list survives a restart
//! of the console (failed pushes too, which the capture never sees).
//!
//! The file is opened once and appended one line per push (a small write under the history's
//! lock, like the in-memory insert). At start the last lines are read back and, when the file
//! holds more than twice what is kept, it is rewritten with only those. A line that does not
//! parse is skipped (and counted in a warning); a write that fails is logged and the push itself
//! is not affected.

use std::collections::VecDeque;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use crate::types::PushRecord;

/// Manual pushes kept for the history list.
pub const PUSH_HISTORY: usize = 200;

#[derive(Default)]
pub struct PushLog {
    next_id: u32,
    records: VecDeque<PushRecord>,
    /// Where the history is kept, and the file open for appending (`None` when it could not
    /// be opened: the history then lives in memory, and the failure was logged).
    file: Option<(PathBuf, Option<File>)>,
}

/// Where the history of the console recording into `capture` is kept.
pub fn history_path(capture: &Path) -> PathBuf {
    let mut name = capture.file_name().unwrap_or_default().to_os_string();
    name.push(".pushes.jsonl");
    capture.with_file_name(name)
}

impl PushLog {
    /// A history kept in `file` (read back now), or in memory only.
    pub fn open(file: Option<PathBuf>) -> PushLog {
        let mut log = PushLog::default();
        let Some(path) = file else { return log };
        let mut lines = 0usize;
        let mut bad = 0usize;
        if let Ok(f) = File::open(&path) {
            for line in BufReader::new(f).lines() {
                let Ok(line) = line else { break };
                if line.trim().is_empty() {
                    continue;
                }
                lines += 1;
                match serde_json::from_str::<PushRecord>(&line) {
                    Ok(r) => {
                        log.next_id = log.next_id.max(r.id);
                        log.keep(r);
                    }
                    Err(_) => bad += 1,
                }
            }
        }
        if bad > 0 {
            tracing::warn!(
                "{}: {bad} unreadable push history lines skipped",
                path.display()
            );
        }
        if lines > 2 * PUSH_HISTORY {
            log.compact(&path);
        }
        let appender = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .and_then(|mut f| {
                // A line torn by a crash would swallow the next record: start on a fresh line.
                if !ends_with_newline(&path)? {
                    writeln!(f)?;
                }
                Ok(f)
            });
        if let Err(e) = &appender {
            tracing::warn!("{}: push history not kept: {e}", path.display());
        }
        log.file = Some((path, appender.ok()));
        log
    }

    pub fn next_id(&mut self) -> u32 {
        self.next_id += 1;
        self.next_id
    }

    pub fn add(&mut self, record: PushRecord) {
        if let Some((path, Some(file))) = &mut self.file {
            let line = serde_json::to_string(&record).map_err(std::io::Error::from);
            if let Err(e) = line.and_then(|l| writeln!(file, "{l}")) {
                tracing::warn!("{}: push history not saved: {e}", path.display());
            }
        }
        self.keep(record);
    }

    /// Newest first.
    pub fn list(&self) -> Vec<PushRecord> {
        self.records.iter().cloned().collect()
    }

    fn keep(&mut self, record: PushRecord) {
        if self.records.len() == PUSH_HISTORY {
            self.records.pop_back();
        }
        self.records.push_front(record);
    }

    /// Rewrites `path` with the kept records only (through a temporary file and a rename).
    fn compact(&self, path: &Path) {
        let tmp = path.with_extension("jsonl.tmp");
        let write = || -> std::io::Result<()> {
            let mut f = File::create(&tmp)?;
            for r in self.records.iter().rev() {
                writeln!(f, "{}", serde_json::to_string(r)?)?;
            }
            f.sync_all()?;
            std::fs::rename(&tmp, path)
        };
        if let Err(e) = write() {
            tracing::warn!("{}: push history not compacted: {e}", path.display());
        }
    }
}

/// Whether `path` is empty or ends with a newline.
fn ends_with_newline(path: &Path) -> std::io::Result<bool> {
    let mut f = File::open(path)?;
    if f.metadata()?.len() == 0 {
        return Ok(true);
    }
    f.seek(SeekFrom::End(-1))?;
    let mut last = [0u8; 1];
    f.read_exact(&mut last)?;
    Ok(last[0] == b'\n')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{PushRequest, PushTarget};

    fn record(id: u32) -> PushRecord {
        PushRecord {
            nodes: None,
            id,
            at_us: i64::from(id),
            request: PushRequest {
                target: PushTarget::Everyone,
                name: "alert".into(),
                payload: serde_json::json!({ "n": id }),
            },
            delivered: Some(1),
            error: None,
            receivers: Vec::new(),
        }
    }

    #[test]
    fn the_history_is_read_back_newest_first_and_ids_go_on() {
        let dir = tempfile::tempdir().unwrap();
        let path = history_path(&dir.path().join("capture.db"));
        assert!(path.ends_with("capture.db.pushes.jsonl"));
        let mut log = PushLog::open(Some(path.clone()));
        for _ in 0..3 {
            let id = log.next_id();
            log.add(record(id));
        }
        // A torn last line (a crash mid-write) is skipped, not fatal.
        OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(b"{\"id\":")
            .unwrap();
        let mut again = PushLog::open(Some(path.clone()));
        let ids: Vec<u32> = again.list().iter().map(|r| r.id).collect();
        assert_eq!(ids, [3, 2, 1]);
        let id = again.next_id();
        assert_eq!(id, 4);
        // The push after the torn line is not swallowed by it.
        again.add(record(id));
        drop(again);
        let ids: Vec<u32> = PushLog::open(Some(path))
            .list()
            .iter()
            .map(|r| r.id)
            .collect();
        assert_eq!(ids, [4, 3, 2, 1]);
    }

    #[test]
    fn a_long_file_is_compacted_to_what_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.jsonl");
        let mut log = PushLog::open(Some(path.clone()));
        for _ in 0..(2 * PUSH_HISTORY + 5) {
            let id = log.next_id();
            log.add(record(id));
        }
        let again = PushLog::open(Some(path.clone()));
        assert_eq!(again.list().len(), PUSH_HISTORY);
        assert_eq!(again.list()[0].id, (2 * PUSH_HISTORY + 5) as u32);
        let lines = std::fs::read_to_string(&path).unwrap().lines().count();
        assert_eq!(lines, PUSH_HISTORY, "rewritten with the kept records only");
    }

    #[test]
    fn without_a_file_it_lives_in_memory() {
        let mut log = PushLog::open(None);
        let id = log.next_id();
        log.add(record(id));
        assert_eq!(log.list().len(), 1);
    }
}
