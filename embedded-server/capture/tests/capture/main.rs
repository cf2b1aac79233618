//! Capture tests over real SQLite files: one module per behaviour, one binary so the suite
//! links once. `replay/` holds the replay tests (recorded demo sessions over real sockets).

mod support;

mod backpressure;
mod export;
mod failures;
mod fuzz_import;
mod import;
mod loss_window;
mod message_rows;
mod migration;
mod per_conn;
mod query;
mod recent_page;
mod redaction;
mod replay;
mod retention;
mod rows;
mod sigkill;
