//! A contract file: loaded and compiled, or refused with a reason.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = switchboard_wire::fuzz::contract_file(data);
});
