//! A client's text frame (the server's reader): parsed or refused with a reason.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = switchboard_wire::fuzz::client_frame(data);
});
