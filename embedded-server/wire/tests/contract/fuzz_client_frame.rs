//! Property test standing in for the `client_frame` fuzz target on stable: arbitrary bytes and
//! mutations of the committed corpus never panic the client frame parser, and every refusal
//! says why. `PROPTEST_CASES` sets how many inputs (256 by default; see docs/fuzzing.md).

use proptest::prelude::*;
use switchboard_testkit::mutations::{bytes_from, corpus};
use switchboard_wire::fuzz;

#[test]
fn the_corpus_is_valid_frames() {
    for seed in corpus("client_frame") {
        let text = String::from_utf8_lossy(&seed).into_owned();
        assert_eq!(fuzz::client_frame(&seed), Ok(()), "{text}");
    }
}

#[test]
fn deep_nesting_is_refused_not_overflowed() {
    let deep = format!(
        r#"{{"t":"req","i":1,"m":"x","d":{}{}}}"#,
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let err = fuzz::client_frame(deep.as_bytes()).unwrap_err();
    assert!(err.contains("recursion limit"), "{err}");
}

proptest! {
    #[test]
    fn any_bytes_are_parsed_or_refused_with_a_reason(
        data in bytes_from(corpus("client_frame"), 512)
    ) {
        let _ = fuzz::client_frame(&data);
    }
}
