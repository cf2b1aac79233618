//! Property test standing in for the `cluster_envelope` fuzz target on stable: arbitrary bytes
//! and mutations of the committed corpus (one message of each kind) never panic the cluster
//! envelope decoder, and every refusal says why. `PROPTEST_CASES` sets how many inputs (256 by
//! default; see docs/fuzzing.md).

use proptest::prelude::*;
use switchboard_server::fuzz;
use switchboard_testkit::mutations::{bytes_from, corpus};

#[test]
fn the_corpus_is_valid_envelopes() {
    for seed in corpus("cluster_envelope") {
        let text = String::from_utf8_lossy(&seed).into_owned();
        assert_eq!(fuzz::cluster_envelope(&seed), Ok(()), "{text}");
    }
}

proptest! {
    #[test]
    fn any_bytes_are_decoded_or_refused_with_a_reason(
        data in bytes_from(corpus("cluster_envelope"), 512)
    ) {
        let _ = fuzz::cluster_envelope(&data);
    }
}
