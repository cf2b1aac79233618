//! An import into a destination file of these bytes: a refused destination stays as it was.
#![no_main]

use libfuzzer_sys::fuzz_target;

/// A valid one-session export, the same source the property test uses.
const SOURCE: &[u8] = include_bytes!("../corpus/import_jsonl/small.jsonl");

fuzz_target!(|data: &[u8]| {
    let _ = switchboard_capture::fuzz::import_destination(data, SOURCE);
});
