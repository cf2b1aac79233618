//! Payloads, inputs and outputs are checked against their schemas; problems come back as wire
//! issues with a path into the value and a short message. Samples always pass.

use crate::support;

use serde_json::{json, Value};
use switchboard_wire::Issue;

fn issues(result: Result<(), Vec<Issue>>) -> Vec<(Value, String)> {
    match result {
        Ok(()) => Vec::new(),
        Err(issues) => issues
            .into_iter()
            .map(|issue| (Value::Array(issue.path), issue.message))
            .collect(),
    }
}

#[test]
fn a_missing_required_property_is_named_in_the_path() {
    let chat = support::chat();
    let Some(message) = chat.shared_event("message") else {
        panic!("message is declared")
    };
    assert_eq!(
        issues(message.validate(&json!({"room": "a", "from": "bo"}))),
        vec![(json!(["text"]), "required property is missing".to_owned())]
    );
    assert_eq!(
        issues(message.validate(&json!({"room": "a", "text": "hi", "from": "bo"}))),
        vec![]
    );
}

#[test]
fn every_problem_is_listed_with_keys_and_indexes() {
    let chat = support::chat();
    let Some(roster) = chat.event_for_role("user", "roster") else {
        panic!("roster is declared")
    };
    let mut found =
        issues(roster.validate(&json!({"users": [{"name": "a"}, {"name": 7, "away": false}]})));
    found.sort_by_key(|issue| issue.0.to_string());
    assert_eq!(
        found,
        vec![
            (
                json!(["users", 1, "away"]),
                "expected null or string, got boolean".to_owned()
            ),
            (
                json!(["users", 1, "name"]),
                "expected string, got integer".to_owned()
            ),
        ]
    );
}

#[test]
fn requests_check_input_and_output_separately() {
    let chat = support::chat();
    let Some(join) = chat.request("user", "join") else {
        panic!("join is declared")
    };
    assert_eq!(
        issues(join.validate_input(&json!({"room": "lobby"}))),
        vec![]
    );
    assert_eq!(
        issues(join.validate_input(&json!({"ok": true}))),
        vec![(json!(["room"]), "required property is missing".to_owned())]
    );
    assert_eq!(
        issues(join.validate_output(&json!({"ok": "yes"}))),
        vec![(json!(["ok"]), "expected boolean, got string".to_owned())]
    );
}

#[test]
fn samples_pass_their_own_schemas() {
    let chat = support::chat();
    let Some(join) = chat.request("user", "join") else {
        panic!("join is declared")
    };
    assert_eq!(join.sample_output(), json!({"ok": true}));
    assert_eq!(join.sample_input(), json!({"room": "string"}));
    let Some(message) = chat.shared_event("message") else {
        panic!("message is declared")
    };
    assert_eq!(
        message.sample(),
        json!({"room": "string", "text": "string", "from": "string"})
    );
    let Some(roster) = chat.event_for_role("user", "roster") else {
        panic!("roster is declared")
    };
    assert_eq!(issues(roster.validate(&roster.sample())), vec![]);
    let Some(say) = chat.request("agent", "message") else {
        panic!("agent message is declared")
    };
    assert_eq!(say.sample_output(), Value::Null);
}
