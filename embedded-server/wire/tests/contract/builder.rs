//! The Rust builder produces exactly the contract the equivalent file gives, and is validated
//! the same way.

use crate::support;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;
use switchboard_wire::contract::{Contract, Event, Request, SharedEvent, SharedTopic, Topic};

#[derive(Serialize, Deserialize, JsonSchema)]
struct Message {
    room: String,
    text: String,
    from: String,
}
impl Event for Message {
    const NAME: &'static str = "message";
}
impl SharedEvent for Message {}

#[derive(Serialize, Deserialize, JsonSchema)]
struct Announce {
    msg: String,
}
impl Topic for Announce {
    const NAME: &'static str = "announce";
    const DESCRIPTION: Option<&'static str> =
        Some("Operator announcements, delivered cluster-wide.");
}
impl SharedTopic for Announce {}

struct Join;
#[derive(Serialize, Deserialize, JsonSchema)]
struct JoinInput {
    room: String,
}
#[derive(Serialize, Deserialize, JsonSchema)]
struct JoinOutput {
    ok: bool,
}
impl Request for Join {
    const NAME: &'static str = "join";
    const DESCRIPTION: Option<&'static str> = Some("Enter a room.");
    type Input = JoinInput;
    type Output = JoinOutput;
}

#[derive(Serialize, Deserialize, JsonSchema)]
struct Member {
    name: String,
    away: Option<String>,
}
#[derive(Serialize, Deserialize, JsonSchema)]
struct Roster {
    users: Vec<Member>,
}
impl Event for Roster {
    const NAME: &'static str = "roster";
}

#[derive(Serialize, Deserialize, JsonSchema)]
struct Typing {
    room: String,
    who: String,
}
impl Topic for Typing {
    const NAME: &'static str = "typing";
}

struct Say;
#[derive(Serialize, Deserialize, JsonSchema)]
struct SayInput {
    room: String,
    text: String,
}
impl Request for Say {
    const NAME: &'static str = "message";
    type Input = SayInput;
    type Output = ();
}

fn chat_builder() -> switchboard_wire::contract::ContractBuilder {
    Contract::builder()
        .shared_event::<Message>()
        .shared_topic::<Announce>()
        .role("user", |r| {
            r.request::<Join>().event::<Roster>().topic::<Typing>()
        })
        .role("agent", |r| r.request::<Say>())
}

#[test]
fn typed_builder_equals_the_json_file() {
    let built = match chat_builder().build() {
        Ok(contract) => contract,
        Err(error) => panic!("builder contract should build: {error}"),
    };
    let loaded = support::load_str(&support::chat_text());
    assert_eq!(built, loaded);
}

#[test]
fn schema_builder_equals_the_json_file_and_drops_dialect_and_title() {
    let string = json!({"type": "string"});
    let object = |props: serde_json::Value, required: serde_json::Value| {
        json!({"$schema": "https://json-schema.org/draft/2020-12/schema", "title": "Generated",
            "type": "object", "properties": props, "required": required})
    };
    let built = Contract::builder()
        .shared_event_schema(
            "message",
            object(
                json!({"room": string, "text": string, "from": string}),
                json!(["room", "text", "from"]),
            ),
        )
        .shared_topic_schema("announce", object(json!({"msg": string}), json!(["msg"])))
        .role("user", |r| {
            r.request_schema(
                "join",
                object(json!({"room": string}), json!(["room"])),
                object(json!({"ok": {"type": "boolean"}}), json!(["ok"])),
            )
        })
        .build();
    let expected = support::load(&[
        r#"{"shared": {"serverToClient": {"#,
        r#"  "message": {"payload": {"type": "object", "required": ["room", "text", "from"],"#,
        r#"    "properties": {"room": {"type": "string"}, "text": {"type": "string"},"#,
        r#"                   "from": {"type": "string"}}}},"#,
        r#"  "announce": {"subscribe": true, "payload": {"type": "object", "required": ["msg"],"#,
        r#"    "properties": {"msg": {"type": "string"}}}}}},"#,
        r#" "roles": {"user": {"clientToServer": {"join": {"#,
        r#"  "input": {"type": "object", "properties": {"room": {"type": "string"}}, "required": ["room"]},"#,
        r#"  "output": {"type": "object", "properties": {"ok": {"type": "boolean"}}, "required": ["ok"]}"#,
        r#"}}}}}"#,
    ]);
    assert_eq!(built.ok(), Some(expected));
}

#[test]
fn builder_compiles_straight_to_the_served_form() {
    let compiled = match chat_builder().compile() {
        Ok(compiled) => compiled,
        Err(error) => panic!("should compile: {error}"),
    };
    assert!(compiled.shared_topic("announce").is_some());
    assert!(compiled.request("user", "join").is_some());
}

fn build_error(builder: switchboard_wire::contract::ContractBuilder) -> String {
    match builder.build() {
        Ok(contract) => panic!("expected an error, built {contract:?}"),
        Err(error) => error.to_string(),
    }
}

#[test]
fn declaring_a_name_twice_is_an_error_not_a_silent_replacement() {
    assert_eq!(
        build_error(chat_builder().shared_event::<Message>()),
        "shared.serverToClient.message: declared twice"
    );
    assert_eq!(
        build_error(chat_builder().role("user", |r| r)),
        "roles.user: declared twice"
    );
    assert_eq!(
        build_error(Contract::builder().role("user", |r| r.request::<Join>().request::<Join>())),
        "roles.user.clientToServer.join: declared twice"
    );
    assert_eq!(
        build_error(Contract::builder().role("user", |r| {
            r.topic::<Typing>()
                .event_schema("typing", json!({"type": "object"}))
        })),
        "roles.user.serverToClient.typing: declared twice"
    );
}

#[test]
fn builder_contracts_pass_the_same_rules_as_files() {
    assert_eq!(
        build_error(Contract::builder()),
        "roles: a contract needs at least one role"
    );
    assert_eq!(
        build_error(chat_builder().role("bot", |r| r.event::<Message>())),
        r#"roles.bot.serverToClient.message: "message" is already declared in shared.serverToClient"#
    );
    assert_eq!(
        build_error(Contract::builder().role("user", |r| {
            r.topic_schema("ticks", json!({"type": "integer"}))
        })),
        r#"roles.user.serverToClient.ticks.payload: a topic payload must be an object schema ("type": "object")"#
    );
    assert_eq!(
        build_error(Contract::builder().role("user", |r| r.event_schema(
            "bad",
            json!({"type": "object", "properties": {"n": {"minimum": "zero"}}})
        ))),
        r#"roles.user.serverToClient.bad.payload.properties.n.minimum: schema does not compile: "zero" is not of type "number""#
    );
    assert_eq!(
        build_error(Contract::builder().role("two words", |r| r)),
        r#"roles["two words"]: name "two words" must not contain whitespace or control characters"#
    );
}
