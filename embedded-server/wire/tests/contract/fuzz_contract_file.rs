//! Property test standing in for the `contract_file` fuzz target on stable: arbitrary bytes
//! and mutations of the committed corpus (the demo's contract among them) never panic the
//! contract loader, and every refusal says why. `PROPTEST_CASES` sets how many inputs (256 by
//! default; see docs/fuzzing.md).

use proptest::prelude::*;
use switchboard_testkit::mutations::{bytes_from, corpus};
use switchboard_wire::fuzz;

#[test]
fn the_corpus_is_valid_contracts() {
    for seed in corpus("contract_file") {
        assert_eq!(fuzz::contract_file(&seed), Ok(()));
    }
}

#[test]
fn deep_nesting_is_refused_not_overflowed() {
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let err = fuzz::contract_file(deep.as_bytes()).unwrap_err();
    assert!(err.contains("nesting"), "{err}");
}

proptest! {
    #[test]
    fn any_bytes_are_loaded_or_refused_with_a_reason(
        data in bytes_from(corpus("contract_file"), 1024)
    ) {
        let _ = fuzz::contract_file(&data);
    }
}
