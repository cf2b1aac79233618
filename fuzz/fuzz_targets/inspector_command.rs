//! A console's command frame, as a node's inspector session reads it.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = switchboard_inspector::fuzz::command_frame(data);
});
