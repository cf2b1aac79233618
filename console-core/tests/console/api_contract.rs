//! The contract view: shared and per-role messages by direction, each with a valid sample.

use crate::support;

use serde_json::Value;
use switchboard_demo as demo;

#[tokio::test]
async fn the_contract_lists_every_message_with_a_schema_valid_sample() {
    let h = support::start().await;
    let view: Value = h.get("/api/contract").await;
    let shared: Vec<(&str, &str)> = view["shared"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["name"].as_str().unwrap(), m["kind"].as_str().unwrap()))
        .collect();
    assert!(shared.contains(&("message", "event")));
    assert!(shared.contains(&("announce", "topic")));

    let contract = demo::contract().unwrap();
    let user = view["roles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["role"] == "user")
        .unwrap();
    let say = user["requests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "say")
        .unwrap();
    assert_eq!(say["direction"], "client_to_server");
    assert!(say["output"].is_object());
    assert!(contract
        .request("user", "say")
        .unwrap()
        .validate_input(&say["sample"])
        .is_ok());
    let ticker = user["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "ticker")
        .unwrap();
    assert_eq!(ticker["kind"], "topic");
    assert!(contract
        .role_topic("user", "ticker")
        .unwrap()
        .validate(&ticker["sample"])
        .is_ok());
    assert!(view["spec"]["roles"]["agent"].is_object());
}
