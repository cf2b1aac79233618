//! Records synthetic traffic into a capture file until killed, printing every ~100 ms how many
//! events it observed and how many rows are committed. Handy for trying the durability claim by
//! hand (`kill -9` it, then `capture stats`) or for feeding the console a live file:
//!
//! ```text
//! cargo run --example capture_writer -- /tmp/live.db [events-per-second]
//! ```
//!
//! The loop is shared with the SIGKILL test (tests/capture_support/writer.rs).

#[path = "../tests/capture/support/mod.rs"]
mod support;

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: capture_writer FILE [EVENTS_PER_SECOND]");
        std::process::exit(2);
    };
    let rate = args.next().and_then(|s| s.parse().ok()).unwrap_or(20_000);
    support::writer::record_forever(std::path::Path::new(&path), rate);
}
