//! Property tests standing in for the `inspector_command` and `node_message` fuzz targets on
//! stable: arbitrary bytes and mutations of the committed corpus never panic the decoders of
//! either side of the inspector protocol, and every refusal says why. `PROPTEST_CASES` sets
//! how many inputs (256 by default; see docs/fuzzing.md).

use proptest::prelude::*;
use switchboard_inspector::fuzz;
use switchboard_testkit::mutations::{bytes_from, corpus};

#[test]
fn the_corpus_is_valid_messages() {
    for seed in corpus("inspector_command") {
        let text = String::from_utf8_lossy(&seed).into_owned();
        assert_eq!(fuzz::command_frame(&seed), Ok(()), "{text}");
    }
    for seed in corpus("node_message") {
        let text = String::from_utf8_lossy(&seed).into_owned();
        assert_eq!(fuzz::node_message(&seed), Ok(()), "{text}");
    }
}

proptest! {
    #[test]
    fn any_command_frame_is_read_or_refused_with_a_reason(
        data in bytes_from(corpus("inspector_command"), 512)
    ) {
        let _ = fuzz::command_frame(&data);
    }

    #[test]
    fn any_node_message_is_read_or_refused_with_a_reason(
        data in bytes_from(corpus("node_message"), 512)
    ) {
        let _ = fuzz::node_message(&data);
    }
}
