//! A request may be declared `"concurrent": true`: read as a boolean, `false` when absent,
//! written only when true, and visible on the compiled request.

use crate::support;

use serde_json::json;
use support::{load, load_error};

const WITH_FLAG: [&str; 3] = [
    r#"{"roles": {"user": {"clientToServer": {"#,
    r#"  "search": {"input": {}, "output": {}, "concurrent": true}, "join": {"input": {}, "output": {}, "concurrent": false}"#,
    r#"}}}}"#,
];

#[test]
fn the_flag_is_read_and_compiled() {
    let compiled = support::compiled(load(&WITH_FLAG));
    let search = compiled.request("user", "search").expect("declared");
    let join = compiled.request("user", "join").expect("declared");
    assert!(search.concurrent());
    assert!(!join.concurrent());
}

#[test]
fn the_flag_is_written_only_when_true_and_reads_back() {
    let contract = load(&WITH_FLAG);
    let written = serde_json::to_value(&contract).expect("serializes");
    assert_eq!(
        written["roles"]["user"]["clientToServer"],
        json!({
            "join": {"input": {}, "output": {}},
            "search": {"input": {}, "output": {}, "concurrent": true},
        })
    );
    assert_eq!(support::load_str(&written.to_string()), contract);
}

#[test]
fn a_flag_that_is_not_a_boolean_is_refused_where_it_is() {
    assert_eq!(
        load_error(&[
            r#"{"roles": {"user": {"clientToServer": {"#,
            r#"  "search": {"input": {}, "output": {}, "concurrent": "yes"}"#,
            r#"}}}}"#,
        ]),
        r#"app.json:2:55: roles.user.clientToServer.search.concurrent: expected a boolean, found a string"#
    );
}
