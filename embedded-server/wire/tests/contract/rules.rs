//! The semantic rules (names, clashes, schemas, topics, roles). From a file, each error points at
//! the line and column of the offending key; from `compile` on a plain value, at its key path.

use crate::support;

use serde_json::json;
use support::{load, load_error};
use switchboard_wire::contract::{Contract, EventSpec, RoleSpec};

#[test]
fn a_role_event_reusing_a_shared_name_is_refused_at_the_role_key() {
    assert_eq!(
        load_error(&[
            r#"{"#,
            r#"  "shared": {"serverToClient": {"#,
            r#"    "message": {"payload": {"type": "object"}}"#,
            r#"  }},"#,
            r#"  "roles": {"#,
            r#"    "user": {"serverToClient": {"#,
            r#"      "message": {"payload": {"type": "object"}, "subscribe": true}"#,
            r#"    }}"#,
            r#"  }"#,
            r#"}"#,
        ]),
        r#"app.json:7:7: roles.user.serverToClient.message: "message" is already declared in shared.serverToClient"#
    );
}

#[test]
fn a_request_may_share_a_name_with_an_event() {
    let contract = load(&[
        r#"{"shared": {"serverToClient": {"message": {"payload": {"type": "object"}}}},"#,
        r#" "roles": {"user": {"#,
        r#"   "clientToServer": {"message": {"input": {}, "output": {}}},"#,
        r#"   "serverToClient": {"ping": {"payload": {}}}"#,
        r#" }}}"#,
    ]);
    assert!(contract.roles["user"]
        .client_to_server
        .contains_key("message"));
}

#[test]
fn names_must_be_non_empty_and_free_of_whitespace_and_control_characters() {
    assert_eq!(
        load_error(&[
            r#"{"roles": {"user": {"clientToServer": {"#,
            r#"  "": {"input": {}, "output": {}}}}}}"#,
        ]),
        r#"app.json:2:3: roles.user.clientToServer[""]: name must not be empty"#
    );
    assert_eq!(
        load_error(&[
            r#"{"roles": {"user": {"serverToClient": {"#,
            r#"  "new message": {"payload": {}}}}}}"#,
        ]),
        r#"app.json:2:3: roles.user.serverToClient["new message"]: name "new message" must not contain whitespace or control characters"#
    );
    assert_eq!(
        load_error(&[
            r#"{"shared": {"serverToClient": {"#,
            r#"   "tab\tbed": {"payload": {}}}},"#,
            r#" "roles": {"user": {}}}"#,
        ]),
        r#"app.json:2:4: shared.serverToClient["tab\tbed"]: name "tab\tbed" must not contain whitespace or control characters"#
    );
    assert_eq!(
        load_error(&[r#"{"roles": {"#, r#"  "user": {},"#, r#"  "": {}}}"#,]),
        r#"app.json:3:3: roles[""]: name must not be empty"#
    );
    assert_eq!(
        load_error(&[r#"{"roles": {"bell\u0007": {}}}"#]),
        r#"app.json:1:12: roles["bell\u0007"]: name "bell\u{7}" must not contain whitespace or control characters"#
    );
}

#[test]
fn schemas_that_do_not_compile_point_inside_the_schema() {
    assert_eq!(
        load_error(&[
            r#"{"roles": {"user": {"serverToClient": {"msg": {"payload": {"#,
            r#"  "type": "object","#,
            r#"  "properties": {"#,
            r#"    "n": {"type": "integr"}"#,
            r#"  }"#,
            r#"}}}}}}"#,
        ]),
        r#"app.json:4:11: roles.user.serverToClient.msg.payload.properties.n.type: schema does not compile: "integr" is not valid under any of the schemas listed in the 'anyOf' keyword"#
    );
    assert_eq!(
        load_error(&[
            r#"{"roles": {"user": {"clientToServer": {"join": {"#,
            r##"  "input": {"$ref": "#/$defs/Missing"},"##,
            r#"  "output": {}"#,
            r#"}}}}}"#,
        ]),
        r#"app.json:2:3: roles.user.clientToServer.join.input: schema does not compile: Pointer '/$defs/Missing' does not exist"#
    );
    assert_eq!(
        load_error(&[
            r#"{"roles": {"user": {"clientToServer": {"join": {"#,
            r#"  "input": {},"#,
            r#"  "output": {"required": ["a", "a"]}"#,
            r#"}}}}}"#,
        ]),
        r#"app.json:3:14: roles.user.clientToServer.join.output.required: schema does not compile: ["a","a"] has non-unique elements"#
    );
}

#[test]
fn remote_refs_are_refused_at_load_time_not_fetched() {
    assert_eq!(
        load_error(&[
            r#"{"roles": {"user": {"serverToClient": {"#,
            r#"  "e": {"payload": {"$ref": "https://example.com/s.json"}}}}}}"#,
        ]),
        "app.json:2:9: roles.user.serverToClient.e.payload: schema does not compile: \
         Resource 'https://example.com/s.json' is not present in a registry and retrieving it \
         failed: `resolve-http` feature or a custom resolver is required to resolve external \
         schemas via HTTP"
    );
}

#[test]
fn topics_need_object_payloads() {
    assert_eq!(
        load_error(&[
            r#"{"shared": {"serverToClient": {"#,
            r#"  "ticks": {"subscribe": true, "payload": {"type": "integer"}}}},"#,
            r#" "roles": {"user": {}}}"#,
        ]),
        r#"app.json:2:32: shared.serverToClient.ticks.payload: a topic payload must be an object schema ("type": "object")"#
    );
    assert_eq!(
        load_error(&[
            r#"{"roles": {"user": {"serverToClient": {"#,
            r#"  "ticks": {"subscribe": true, "payload": true}}}}}"#,
        ]),
        r#"app.json:2:32: roles.user.serverToClient.ticks.payload: a topic payload must be an object schema ("type": "object")"#
    );
    // The same payload is fine for a plain event.
    load(&[
        r#"{"roles": {"user": {"serverToClient": {"#,
        r#"  "ticks": {"payload": {"type": "integer"}}}}}}"#,
    ]);
}

#[test]
fn a_contract_needs_a_role() {
    assert_eq!(
        load_error(&[
            r#"{"#,
            r#"  "shared": {"serverToClient": {"message": {"payload": {}}}},"#,
            r#"  "roles": {}"#,
            r#"}"#,
        ]),
        "app.json:3:3: roles: a contract needs at least one role"
    );
}

#[test]
fn with_several_problems_the_first_in_the_file_is_reported() {
    assert_eq!(
        load_error(&[
            r#"{"roles": {"#,
            r#"  "zed": {"serverToClient": {"a b": {"payload": {}}}},"#,
            r#"  "alpha": {"serverToClient": {"c d": {"payload": {}}}}"#,
            r#"}}"#,
        ]),
        r#"app.json:2:30: roles.zed.serverToClient["a b"]: name "a b" must not contain whitespace or control characters"#
    );
}

#[test]
fn compile_reports_key_paths_without_positions() {
    let mut contract = Contract::default();
    let error = contract.clone().compile().err().map(|e| e.to_string());
    assert_eq!(
        error.as_deref(),
        Some("roles: a contract needs at least one role")
    );

    let mut role = RoleSpec::default();
    role.server_to_client.insert(
        "feed".to_owned(),
        EventSpec {
            payload: json!({"type": "array"}),
            subscribe: true,
            description: None,
        },
    );
    contract.roles.insert("viewer".to_owned(), role);
    let error = contract.compile().err().map(|e| e.to_string());
    assert_eq!(
        error.as_deref(),
        Some(
            r#"roles.viewer.serverToClient.feed.payload: a topic payload must be an object schema ("type": "object")"#
        )
    );
}

#[test]
fn errors_expose_position_and_path_for_tools() {
    let error = match Contract::from_json_str("{\n\"roles\": {}}", "x.json") {
        Ok(contract) => panic!("loaded {contract:?}"),
        Err(error) => error,
    };
    let at = error.at();
    assert_eq!(
        at.and_then(|a| a.pos.as_ref()).map(|p| (p.line, p.column)),
        Some((2, 1))
    );
    assert_eq!(at.map(|a| a.path.to_string()), Some("roles".to_owned()));
}
