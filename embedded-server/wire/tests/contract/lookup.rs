//! The compiled contract answers the server's questions: which roles exist, what a role may
//! call, receive and subscribe to.

use crate::support;

use switchboard_wire::contract::{CompiledContract, TopicLookup};

#[test]
fn compiled_contracts_can_be_shared_across_tasks() {
    fn shareable<T: Send + Sync + 'static>() {}
    shareable::<CompiledContract>();
}

#[test]
fn roles_are_listed_in_order_and_checked_by_name() {
    let chat = support::chat();
    assert_eq!(chat.roles().collect::<Vec<_>>(), ["agent", "user"]);
    assert!(chat.has_role("user"));
    assert!(!chat.has_role("admin"));
}

#[test]
fn requests_belong_to_their_role() {
    let chat = support::chat();
    assert_eq!(chat.request("user", "join").map(|r| r.name()), Some("join"));
    assert_eq!(
        chat.request("user", "join").and_then(|r| r.description()),
        Some("Enter a room.")
    );
    assert!(chat.request("agent", "join").is_none());
    assert!(chat.request("nobody", "join").is_none());
    // A request named like a shared event is still a request of its role only.
    assert!(chat.request("agent", "message").is_some());
    assert!(chat.request("user", "message").is_none());
}

#[test]
fn a_role_receives_its_own_events_and_the_shared_ones() {
    let chat = support::chat();
    assert_eq!(
        chat.event_for_role("user", "roster").map(|m| m.name()),
        Some("roster")
    );
    assert_eq!(
        chat.event_for_role("user", "message").map(|m| m.name()),
        Some("message")
    );
    assert_eq!(
        chat.event_for_role("agent", "message").map(|m| m.name()),
        Some("message")
    );
    assert!(
        chat.event_for_role("agent", "roster").is_none(),
        "role events stay in their role"
    );
    assert!(
        chat.event_for_role("user", "typing").is_none(),
        "topics are not events"
    );
    assert!(
        chat.event_for_role("user", "announce").is_none(),
        "topics are not events"
    );
    assert!(chat.event_for_role("nobody", "message").is_none());
}

#[test]
fn shared_events_and_topics_are_kept_apart() {
    let chat = support::chat();
    assert!(chat.shared_event("message").is_some());
    assert!(chat.shared_event("announce").is_none());
    assert!(chat.shared_topic("announce").is_some_and(|t| t.is_topic()));
    assert!(chat.shared_topic("message").is_none());
    assert!(
        chat.shared_event("roster").is_none(),
        "role events are not shared"
    );
    assert_eq!(
        chat.shared_topic("announce").and_then(|t| t.description()),
        Some("Operator announcements, delivered cluster-wide.")
    );
}

#[test]
fn role_topics_belong_to_their_role() {
    let chat = support::chat();
    assert!(chat.role_topic("user", "typing").is_some());
    assert!(chat.role_topic("agent", "typing").is_none());
    assert!(
        chat.role_topic("user", "roster").is_none(),
        "events are not topics"
    );
    assert!(
        chat.role_topic("user", "announce").is_none(),
        "shared topics are not role topics"
    );
}

#[test]
fn a_sub_frame_resolves_to_shared_role_not_a_topic_or_unknown() {
    let chat = support::chat();
    let name = |lookup: TopicLookup<'_>| match lookup {
        TopicLookup::Shared(topic) => format!("shared {}", topic.name()),
        TopicLookup::Role(topic) => format!("role {}", topic.name()),
        TopicLookup::NotATopic => "not a topic".to_owned(),
        TopicLookup::Unknown => "unknown".to_owned(),
    };
    assert_eq!(
        name(chat.topic_for_role("user", "announce")),
        "shared announce"
    );
    assert_eq!(
        name(chat.topic_for_role("agent", "announce")),
        "shared announce"
    );
    assert_eq!(name(chat.topic_for_role("user", "typing")), "role typing");
    assert_eq!(name(chat.topic_for_role("agent", "typing")), "unknown");
    assert_eq!(name(chat.topic_for_role("user", "roster")), "not a topic");
    assert_eq!(name(chat.topic_for_role("user", "message")), "not a topic");
    assert_eq!(
        name(chat.topic_for_role("agent", "join")),
        "unknown",
        "requests are not topics"
    );
    assert_eq!(name(chat.topic_for_role("nobody", "announce")), "unknown");
}

#[test]
fn the_loaded_contract_is_kept_for_display() {
    let chat = support::chat();
    assert_eq!(chat.spec(), &support::load_str(&support::chat_text()));
    assert_eq!(
        chat.shared_event("message").map(|m| m.schema()),
        chat.spec()
            .shared
            .server_to_client
            .get("message")
            .map(|e| &e.payload)
    );
}
