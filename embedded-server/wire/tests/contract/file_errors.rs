//! A contract file that is not valid JSON, or not the contract shape, is refused with a message
//! naming the file, line, column and key path. Line N of each fixture is `lines[N - 1]`.

use crate::support;

use support::load_error;
use switchboard_wire::contract::Contract;

#[test]
fn unknown_key_in_a_request_lists_the_allowed_keys() {
    assert_eq!(
        load_error(&[
            r#"{"#,
            r#"  "roles": {"#,
            r#"    "user": {"#,
            r#"      "clientToServer": {"#,
            r#"        "join": {"#,
            r#"          "inptu": {},"#,
            r#"          "output": {}"#,
            r#"        }"#,
            r#"      }"#,
            r#"    }"#,
            r#"  }"#,
            r#"}"#,
        ]),
        r#"app.json:6:11: roles.user.clientToServer.join: unknown key "inptu" (expected one of: input, output, concurrent, description)"#
    );
}

#[test]
fn unknown_keys_are_refused_at_every_level() {
    assert_eq!(
        load_error(&[r#"{"roles": {}, "role": {}}"#]),
        r#"app.json:1:15: unknown key "role" (expected one of: shared, roles)"#
    );
    assert_eq!(
        load_error(&[
            r#"{"shared": {"serverToclient": {}},"#,
            r#" "roles": {"user": {}}}"#,
        ]),
        r#"app.json:1:13: shared: unknown key "serverToclient" (expected one of: serverToClient)"#
    );
    assert_eq!(
        load_error(&[r#"{"roles": {"user": {"#, r#"  "clientToSever": {}}}}"#,]),
        r#"app.json:2:3: roles.user: unknown key "clientToSever" (expected one of: clientToServer, serverToClient)"#
    );
    assert_eq!(
        load_error(&[
            r#"{"roles": {"user": {"serverToClient": {"#,
            r#"  "tick": {"payload": {"type": "object"}, "subscribed": true}}}}}"#,
        ]),
        r#"app.json:2:43: roles.user.serverToClient.tick: unknown key "subscribed" (expected one of: payload, subscribe, description)"#
    );
}

#[test]
fn duplicate_keys_are_refused_with_the_first_line() {
    assert_eq!(
        load_error(&[
            r#"{"roles": {"user": {"clientToServer": {"#,
            r#"  "join": {"input": {}, "output": {}},"#,
            r#"  "join": {"input": {}, "output": {}}"#,
            r#"}}}}"#,
        ]),
        r#"app.json:3:3: roles.user.clientToServer: duplicate key "join" (first defined at line 2)"#
    );
    assert_eq!(
        load_error(&[r#"{"roles": {"user": {}},"#, r#" "roles": {"admin": {}}}"#,]),
        r#"app.json:2:2: duplicate key "roles" (first defined at line 1)"#
    );
}

#[test]
fn duplicate_keys_inside_schemas_are_refused_too() {
    assert_eq!(
        load_error(&[
            r#"{"roles": {"user": {"serverToClient": {"msg": {"payload": {"#,
            r#"  "type": "object","#,
            r#"  "properties": {"#,
            r#"    "text": {"type": "string"},"#,
            r#"    "text": {"type": "integer"}"#,
            r#"  }"#,
            r#"}}}}}}"#,
        ]),
        r#"app.json:5:5: roles.user.serverToClient.msg.payload.properties: duplicate key "text" (first defined at line 4)"#
    );
}

#[test]
fn missing_keys_point_at_the_object_that_lacks_them() {
    assert_eq!(
        load_error(&[r#"{"shared": {}}"#]),
        r#"app.json:1:1: missing key "roles""#
    );
    assert_eq!(
        load_error(&[
            r#"{"roles": {"user": {"serverToClient": {"#,
            r#"  "tick": {"subscribe": true}}}}}"#,
        ]),
        r#"app.json:2:11: roles.user.serverToClient.tick: missing key "payload""#
    );
    assert_eq!(
        load_error(&[
            r#"{"roles": {"user": {"clientToServer": {"#,
            r#"  "join": {"input": {}}}}}}"#,
        ]),
        r#"app.json:2:11: roles.user.clientToServer.join: missing key "output""#
    );
}

#[test]
fn wrong_types_name_what_was_expected_and_found() {
    let cases: [(&[&str], &str); 8] = [
        (&["[]"], "app.json:1:1: expected an object, found an array"),
        (
            &[r#"{"roles": []}"#],
            "app.json:1:11: roles: expected an object, found an array",
        ),
        (
            &[r#"{"roles": {"user": "admin"}}"#],
            "app.json:1:20: roles.user: expected an object, found a string",
        ),
        (
            &[r#"{"roles": {"user": {"clientToServer": null}}}"#],
            "app.json:1:39: roles.user.clientToServer: expected an object, found null",
        ),
        (
            &[
                r#"{"roles": {"user": {"serverToClient": {"#,
                r#"  "tick": {"payload": {"type": "object"}, "subscribe": "yes"}}}}}"#,
            ],
            r#"app.json:2:56: roles.user.serverToClient.tick.subscribe: expected a boolean, found a string"#,
        ),
        (
            &[
                r#"{"roles": {"user": {"serverToClient": {"#,
                r#"  "tick": {"payload": {}, "description": 3}}}}}"#,
            ],
            r#"app.json:2:42: roles.user.serverToClient.tick.description: expected a string, found a number"#,
        ),
        (
            &[
                r#"{"roles": {"user": {"serverToClient": {"#,
                r#"  "tick": {"payload": "string"}}}}}"#,
            ],
            r#"app.json:2:23: roles.user.serverToClient.tick.payload: expected a JSON Schema (an object or a boolean), found a string"#,
        ),
        (
            &[
                r#"{"roles": {"user": {"clientToServer": {"#,
                r#"  "join": {"input": {}, "output": [{}]}}}}}"#,
            ],
            r#"app.json:2:35: roles.user.clientToServer.join.output: expected a JSON Schema (an object or a boolean), found an array"#,
        ),
    ];
    for (lines, expected) in cases {
        assert_eq!(load_error(lines), expected);
    }
}

#[test]
fn syntax_errors_give_position_and_enclosing_key() {
    assert_eq!(
        load_error(&[
            r#"{"roles": {"user": {"#,
            r#"  "clientToServer": {}"#,
            r#"  "serverToClient": {}"#,
            r#"}}}"#,
        ]),
        r#"app.json:3:3: roles.user: invalid JSON: expected ',' or '}' after an object member, found '"'"#
    );
    assert_eq!(
        load_error(&[r#"{"roles": {"user": {},}}"#]),
        "app.json:1:23: roles: invalid JSON: trailing comma before '}'"
    );
    assert_eq!(
        load_error(&[""]),
        "app.json:1:1: invalid JSON: expected a value, found the end of the file"
    );
    assert_eq!(
        load_error(&[r#"{"roles": {"user": {}}} // done"#]),
        "app.json:1:25: invalid JSON: unexpected characters after the end of the document"
    );
}

#[test]
fn columns_count_characters_not_bytes() {
    assert_eq!(
        load_error(&[r#"{"roles": {"utilisé": {"étrange": {}}}}"#]),
        r#"app.json:1:24: roles.utilisé: unknown key "étrange" (expected one of: clientToServer, serverToClient)"#
    );
}

#[test]
fn unreadable_files_name_the_path() {
    let path = std::env::temp_dir().join("switchboard-no-such-contract.json");
    let error = match Contract::from_file(&path) {
        Ok(contract) => panic!("loaded {contract:?}"),
        Err(error) => error.to_string(),
    };
    assert!(
        error.starts_with(&format!("{}: cannot read the contract: ", path.display())),
        "{error}"
    );
}

#[test]
fn from_file_uses_the_path_as_the_origin() {
    let path =
        std::env::temp_dir().join(format!("switchboard-contract-{}.json", std::process::id()));
    if let Err(error) = std::fs::write(&path, "{\n  \"roles\": {}\n}\n") {
        panic!("cannot write {}: {error}", path.display());
    }
    let result = Contract::from_file(&path);
    let _ = std::fs::remove_file(&path);
    assert_eq!(
        result.map_err(|e| e.to_string()).err(),
        Some(format!(
            "{}:2:3: roles: a contract needs at least one role",
            path.display()
        ))
    );
}
