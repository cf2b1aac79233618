//! A node's message, as an attached console reads it.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = switchboard_inspector::fuzz::node_message(data);
});
