//! The file format is exactly the serde form of the model: what the strict loader accepts,
//! serde reads the same way, and what serde writes, the loader reads back unchanged (that is how
//! capture files store the contract).

use crate::support;

use serde_json::json;
use switchboard_wire::contract::Contract;

#[test]
fn the_strict_loader_and_serde_agree() {
    let text = support::chat_text();
    let strict = support::load_str(&text);
    let serde: Result<Contract, _> = serde_json::from_str(&text);
    assert_eq!(serde.ok(), Some(strict));
}

#[test]
fn output_round_trips_through_the_loader() {
    let contract = support::load_str(&support::chat_text());
    let written = match serde_json::to_string_pretty(&contract) {
        Ok(text) => text,
        Err(error) => panic!("contract should serialize: {error}"),
    };
    assert_eq!(support::load_str(&written), contract);
}

#[test]
fn defaults_are_optional_in_input_and_omitted_in_output() {
    let contract = support::load(&[
        r#"{"roles": {"user": {"serverToClient": {"#,
        r#"  "ping": {"payload": {}, "subscribe": false, "description": null}"#,
        r#"}}}}"#,
    ]);
    assert_eq!(
        serde_json::to_value(&contract).ok(),
        Some(json!({"roles": {"user": {"serverToClient": {"ping": {"payload": {}}}}}}))
    );
    let minimal = support::load(&[r#"{"roles": {"user": {}}}"#]);
    assert_eq!(
        serde_json::to_value(&minimal).ok(),
        Some(json!({"roles": {"user": {}}}))
    );
}

#[test]
fn serde_rejects_unknown_keys_like_the_loader() {
    let result: Result<Contract, _> = serde_json::from_str(r#"{"roles": {}, "extra": 1}"#);
    assert!(result.is_err());
}
