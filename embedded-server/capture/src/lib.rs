//! Traffic capture and replay: the console's memory.
//!
//! Where it sits: above `switchboard-server`, which it uses only through its public API (the
//! [`Tap`](crate::tap::Tap) it installs, and a [`Server`](switchboard_server::Server) handle for
//! push replay). An application opts into recording by adding this crate; it is the only
//! Switchboard crate that compiles SQLite.
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
//! - `pairing`: on that thread, a reply's request (`request`, `latency_us`) and a row's cause.
//! - `checkpoint`: the `switchboard-checkpoint` thread that copies the WAL into the database.
//! - `reclaim`: the `switchboard-free` thread that frees committed batches.
//! - [`retention`]: pruning by size and age.
//! - [`schema`]: embedded migrations (`migrations/*.sql`) and connection settings.
//! - [`row`]: [`Row`], the stored form of one event, and [`SessionInfo`].
//! - [`filter`]: [`Filter`], [`Cursor`], [`Page`]; time parsing for the CLI.
//! - [`query`]: [`CaptureReader`]: pages, single rows, counts, rates, sessions, stats.
//! - [`messages`]: the rows a per-message summary counts ([`MessageRow`]), streamed in one pass.
//! - [`received`]: what a connection received (pushes stored once), derived from its recorded
//!   membership for filters naming connections; whether a row was sent or received.
//! - [`redact`]: masking secrets in exports.
//! - [`mod@export`]: JSONL, CSV, HAR and SQLite exports.
//! - [`mod@import`]: bringing JSONL and SQLite exports into a capture file.
//! - [`replay`]: a capture run again, as clients against a server or as pushes through a server
//!   handle, with a report of what differs.
//! - [`error`]: the one error type, [`CaptureError`].
//! - `fuzz` (hidden): the import formats' entry points for the fuzz targets and property tests.
//!
//! The file format, the durability guarantee, retention and redaction are described in
//! `docs/capture.md`.

mod checkpoint;
pub mod error;
pub mod export;
pub mod filter;
#[doc(hidden)]
pub mod fuzz;
pub mod import;
pub mod messages;
mod pairing;
pub mod query;
pub mod received;
mod reclaim;
pub mod recorder;
pub mod redact;
pub mod retention;
pub mod row;
pub mod schema;
mod writer;

pub mod replay;

// The server's observation seam and shared vocabulary, under the paths this crate has always
// used for them.
use switchboard_server::{secrets, tap, wire};

pub use error::CaptureError;
pub use export::{export, ExportFormat, ExportHeader, ExportOptions};
pub use filter::{format_time, parse_time, Cursor, Filter, Page};
pub use import::{import, ImportSummary};
pub use messages::MessageRow;
pub use query::{CaptureReader, CaptureStats, KindCount, RateBucket};
pub use recorder::{Recorder, RecorderConfig, RecorderStats};
pub use redact::{Redaction, RedactionSummary};
pub use retention::Retention;
pub use row::{Row, SessionInfo};
