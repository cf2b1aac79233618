//! The example in `docs/contract-format.md` is a real, loadable contract, so the documentation
//! cannot drift from the format.

use crate::support;

use serde_json::json;

/// The first ```json block of the format document.
fn documented_example() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/contract-format.md");
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) => panic!("cannot read {path}: {error}"),
    };
    let Some(start) = text.find("```json\n") else {
        panic!("no json block in {path}")
    };
    let body = &text[start + "```json\n".len()..];
    let Some(end) = body.find("```") else {
        panic!("unterminated json block in {path}")
    };
    body[..end].to_owned()
}

#[test]
fn the_documented_example_loads_and_compiles() {
    let contract = support::load_str(&documented_example());
    let compiled = support::compiled(contract);
    assert_eq!(compiled.roles().collect::<Vec<_>>(), ["agent", "user"]);
    assert!(compiled.shared_topic("announce").is_some());
    assert!(compiled.role_topic("user", "typing").is_some());
    let Some(roster) = compiled.event_for_role("user", "roster") else {
        panic!("roster is declared")
    };
    let member = json!({"users": [{"name": "ada", "since": "2024-05-01T10:00:00Z"}]});
    assert_eq!(roster.validate(&member), Ok(()));
    assert!(roster
        .validate(&json!({"users": [{"name": "ada", "since": "yesterday"}]}))
        .is_err());
}
