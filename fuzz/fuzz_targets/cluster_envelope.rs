//! A message from another node: decoded or refused with a reason.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = switchboard_server::fuzz::cluster_envelope(data);
});
