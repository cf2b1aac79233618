//! The loop of a process that records until it is killed: used by the SIGKILL test (as a child
//! process) and by `examples/capture_writer.rs`.

use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

use switchboard_server::tap::Tap;

/// Records synthetic events (each carrying its index in `d.i`) at about `per_second`, and
/// every ~100 ms prints `observed=N written=W` (W: rows committed so far). Never returns.
pub fn record_forever(path: &Path, per_second: u64) -> ! {
    let rec = match switchboard_capture::Recorder::open(super::config(path)) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("cannot record: {e}");
            std::process::exit(2);
        }
    };
    let per_tick = (per_second / 100).max(1);
    let start = Instant::now();
    let mut next_print = start;
    let mut n = 0u64;
    loop {
        for _ in 0..per_tick {
            rec.observe(&super::synthetic(n));
            n += 1;
        }
        std::thread::sleep(Duration::from_millis(10));
        if Instant::now() >= next_print {
            let st = rec.stats();
            println!(
                "observed={n} written={} dropped={}",
                st.rows_written, st.dropped
            );
            let _ = std::io::stdout().flush();
            next_print += Duration::from_millis(100);
        }
    }
}
