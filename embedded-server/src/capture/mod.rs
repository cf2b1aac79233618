//! Traffic capture: the console's memory.
//!
//! Every message the server sends or receives and every membership change reaches the
//! [`Recorder`] through the [`Tap`](crate::tap::Tap) interface, is queued without blocking, and
//! is written into a SQLite file by one background thread in batches. The file is then queried
//! ([`CaptureReader`]), exported (JSONL, CSV, HAR, SQLite snapshot, with redaction) and imported
//! elsewhere. Nothing here depends on Tauri: the console calls this library.
//!
//! Layout (one concern per file):
//! - [`recorder`]: [`Recorder`], its config and counters; the hot-path side.
//! - `writer`: the `switchboard-recorder` thread that owns the connection and commits batches.
//! - `checkpoint`: the `switchboard-checkpoint` thread that copies the WAL into the database.
//! - `reclaim`: the `switchboard-free` thread that frees committed batches.
//! - [`retention`]: pruning by size and age.
//! - [`schema`]: embedded migrations (`migrations/*.sql`) and connection settings.
//! - [`row`]: [`Row`], the stored form of one event, and [`SessionInfo`].
//! - [`filter`]: [`Filter`], [`Cursor`], [`Page`]; time parsing for the CLI.
//! - [`query`]: [`CaptureReader`]: pages, single rows, counts, rates, sessions, stats.
//! - [`redact`]: masking secrets in exports.
//! - [`mod@export`]: JSONL, CSV, HAR and SQLite exports.
//! - [`mod@import`]: bringing JSONL and SQLite exports into a capture file.
//! - [`cli`]: the `capture export | import | stats` subcommand.
//! - [`error`]: the one error type, [`CaptureError`].
//!
//! The file format, the durability guarantee, retention and redaction are described in
//! `docs/capture.md`.

mod checkpoint;
pub mod cli;
pub mod error;
pub mod export;
pub mod filter;
pub mod import;
pub mod query;
mod reclaim;
pub mod recorder;
pub mod redact;
pub mod retention;
pub mod row;
pub mod schema;
mod writer;

pub use cli::CaptureCommand;
pub use error::CaptureError;
pub use export::{export, ExportFormat, ExportHeader, ExportOptions};
pub use filter::{format_time, parse_time, Cursor, Filter, Page};
pub use import::{import, ImportSummary};
pub use query::{CaptureReader, CaptureStats, KindCount, RateBucket};
pub use recorder::{Recorder, RecorderConfig, RecorderStats};
pub use redact::{Redaction, RedactionSummary};
pub use retention::Retention;
pub use row::{Row, SessionInfo};
