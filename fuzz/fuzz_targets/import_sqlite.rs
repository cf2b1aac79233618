//! A SQLite import source: all of it or nothing.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = switchboard_capture::fuzz::import_sqlite(data);
});
