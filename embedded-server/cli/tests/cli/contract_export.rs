//! `contract export --format super-line-ts`: each JSON Schema feature becomes the zod construct
//! that accepts the same values, and what zod cannot say is refused with its key path.
//! (tests/superline-ts/run.mjs type-checks the output with tsc and converts it back.)

use clap::Parser;
use serde_json::{json, Value};
use switchboard_cli::contract_cmd::ContractCommand;
use switchboard_cli::zod::{super_line_module, ZodExportError};
use switchboard_server::contract::Contract;

/// A contract whose one shared event has `payload`.
fn with_payload(payload: Value) -> Contract {
    serde_json::from_value(json!({
        "shared": { "serverToClient": { "ev": { "payload": payload } } },
        "roles": { "user": {} }
    }))
    .expect("contract")
}

/// The zod expression written for `payload`.
fn zod(payload: Value) -> String {
    let module = super_line_module(&with_payload(payload), "test").expect("expressible");
    let line = module
        .lines()
        .skip_while(|l| !l.contains("\"ev\""))
        .find(|l| l.trim_start().starts_with("payload:"))
        .expect("payload line");
    let start = module.find(line).expect("line in module");
    // The expression runs to the entry's closing line.
    let rest = &module[start + line.len() - line.trim_start().len() + "payload: ".len()..];
    rest[..rest.find(",\n      },").expect("end of entry")]
        .lines()
        .map(str::trim)
        .collect::<Vec<_>>()
        .join(" ")
}

fn refused(payload: Value) -> Vec<String> {
    match super_line_module(&with_payload(payload), "test") {
        Ok(module) => panic!("expected a refusal, got:\n{module}"),
        Err(ZodExportError(list)) => list.iter().map(ToString::to_string).collect(),
    }
}

#[test]
fn objects_keep_required_optional_and_additional_properties() {
    let open = zod(
        json!({"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "boolean"}}, "required": ["a"]}),
    );
    assert_eq!(
        open,
        r#"z.looseObject({ "a": z.string(), "b": z.boolean().optional(), })"#
    );
    let closed = zod(
        json!({"type": "object", "properties": {"a": {"type": "null"}}, "additionalProperties": false}),
    );
    assert_eq!(closed, r#"z.strictObject({ "a": z.null().optional(), })"#);
    let map = zod(json!({"type": "object", "additionalProperties": {"type": "integer"}}));
    assert_eq!(map, "z.object({}).catchall(z.int())");
}

#[test]
fn arrays_keep_items_and_counts() {
    assert_eq!(
        zod(json!({"type": "array", "items": {"type": "string"}, "minItems": 1, "maxItems": 3})),
        "z.array(z.string()).min(1).max(3)"
    );
    assert_eq!(zod(json!({"type": "array"})), "z.array(z.unknown())");
}

#[test]
fn enums_and_constants_are_literals() {
    assert_eq!(
        zod(json!({"type": "string", "enum": ["a", "b"]})),
        r#"z.enum(["a","b"])"#
    );
    assert_eq!(
        zod(json!({"enum": [1, "x", null]})),
        r#"z.literal([1,"x",null])"#
    );
    assert_eq!(zod(json!({"const": 3})), "z.literal(3)");
    assert_eq!(zod(json!({"const": null})), "z.null()");
}

#[test]
fn unions_and_nullable() {
    assert_eq!(
        zod(json!({"anyOf": [{"type": "string"}, {"type": "number"}]})),
        "z.union([z.string(), z.number()])"
    );
    assert_eq!(
        zod(json!({"oneOf": [{"type": "string"}, {"type": "integer"}]})),
        "z.xor([z.string(), z.int()])"
    );
    assert_eq!(
        zod(json!({"anyOf": [{"type": "string"}, {"type": "null"}]})),
        "z.string().nullable()"
    );
    assert_eq!(
        zod(json!({"type": ["integer", "null"]})),
        "z.int().nullable()"
    );
}

#[test]
fn strings_keep_lengths_patterns_and_formats() {
    assert_eq!(
        zod(json!({"type": "string", "minLength": 2, "maxLength": 9, "pattern": "^a/b$"})),
        r#"z.string().min(2).max(9).regex(new RegExp("^a/b$"))"#
    );
    assert_eq!(
        zod(json!({"type": "string", "format": "email"})),
        "z.email()"
    );
    assert_eq!(
        zod(json!({"type": "string", "format": "date-time", "minLength": 20})),
        "z.iso.datetime({ offset: true }).min(20)"
    );
    assert_eq!(zod(json!({"type": "string", "format": "uri"})), "z.url()");
    // A format the server ignores stays an annotation on both sides.
    assert_eq!(
        zod(json!({"type": "string", "format": "color"})),
        r#"z.string().meta({"format":"color"})"#
    );
}

#[test]
fn numbers_keep_ranges_and_steps() {
    assert_eq!(
        zod(json!({"type": "number", "minimum": 0, "exclusiveMaximum": 1.5, "multipleOf": 0.5})),
        "z.number().min(0).lt(1.5).multipleOf(0.5)"
    );
    assert_eq!(
        zod(json!({"type": "integer", "exclusiveMinimum": -1, "maximum": 10, "format": "uint32"})),
        r#"z.int().max(10).gt(-1).meta({"format":"uint32"})"#
    );
}

#[test]
fn annotations_travel_as_meta() {
    assert_eq!(
        zod(json!({"type": "boolean", "description": "on?", "default": true})),
        r#"z.boolean().meta({"default":true,"description":"on?"})"#
    );
    assert_eq!(zod(json!({})), "z.unknown()");
    assert_eq!(zod(json!(true)), "z.unknown()");
    assert_eq!(zod(json!(false)), "z.never()");
}

#[test]
fn defs_become_constants_with_their_id() {
    let contract = with_payload(json!({
        "type": "object",
        "properties": {"owner": {"$ref": "#/$defs/Member"}},
        "required": ["owner"],
        "$defs": {"Member": {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]}}
    }));
    let module = super_line_module(&contract, "test").expect("module");
    assert!(module.contains("const def_Member = z.looseObject({\n  \"name\": z.string(),\n}).meta({ id: \"Member\" });"), "{module}");
    assert!(module.contains("\"owner\": def_Member,"), "{module}");
}

#[test]
fn what_zod_cannot_say_is_refused_with_its_key_path() {
    let errors = refused(json!({
        "type": "object",
        "properties": {
            "a": {"type": "string", "format": "time"},
            "b": {"type": "array", "uniqueItems": true},
            "c": {"type": "object", "minProperties": 1},
            "d": {"allOf": [{"type": "string"}]},
            "e": {"minLength": 1},
            "f": {"type": "number", "exclusiveMinimum": true},
            "g": {"const": {"x": 1}},
            "h": {"type": "array", "prefixItems": [{"type": "string"}]},
            "i": {"type": ["string", "integer"]},
            "j": {"$ref": "#/$defs/Node"},
            "k": {"type": "string", "format": "email", "pattern": "@x$"}
        },
        "required": ["a", "zz"],
        "$defs": {"Node": {"type": "object", "properties": {"next": {"$ref": "#/$defs/Node"}}}}
    }));
    let at = "shared.serverToClient.ev.payload";
    let expected = [
        format!("{at}.properties.a.format: format \"time\" is checked by the server but zod has no check for it"),
        format!("{at}.properties.b.uniqueItems: unique items cannot be expressed (zod arrays have no such check)"),
        format!("{at}.properties.c.minProperties: keyword minProperties on an object cannot be expressed"),
        format!("{at}.properties.d.allOf: keyword allOf without a \"type\" cannot be expressed"),
        format!("{at}.properties.e.minLength: keyword minLength without a \"type\" cannot be expressed"),
        format!("{at}.properties.f.exclusiveMinimum: a boolean exclusive bound (draft 4) cannot be expressed; use a number"),
        format!("{at}.properties.g.const: an object or array constant cannot be expressed (zod literals are primitives)"),
        format!("{at}.properties.h.prefixItems: tuples (prefixItems) cannot be expressed"),
        format!("{at}.properties.i.type: a list of types other than [T, \"null\"] cannot be expressed (use anyOf)"),
        format!("{at}.$defs.Node.properties.next.$ref: recursive reference to \"Node\" cannot be expressed"),
        format!("{at}.properties.k.pattern: a pattern together with format \"email\" cannot be expressed"),
        format!("{at}.required[1]: required property \"zz\" has no schema in \"properties\""),
    ];
    for e in &expected {
        assert!(errors.contains(e), "missing {e:?} in {errors:#?}");
    }
    assert_eq!(errors.len(), expected.len(), "{errors:#?}");
}

#[test]
fn the_subcommand_writes_the_demo_module_and_refuses_without_writing() {
    #[derive(Parser)]
    struct Cli {
        #[command(subcommand)]
        contract: ContractCommand,
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("contract.ts");
    let cli = Cli::try_parse_from([
        "x",
        "export",
        "--format",
        "super-line-ts",
        "--out",
        out.to_str().expect("utf-8"),
    ])
    .expect("parse");
    cli.contract.run_to(&mut Vec::new()).expect("export");
    let module = std::fs::read_to_string(&out).expect("written");
    assert!(module.contains("import { defineContract } from \"@super-line/core\";"));
    assert!(module.contains("\"dm\": {"), "{module}");

    let bad = dir.path().join("bad.json");
    std::fs::write(
        &bad,
        r#"{"roles": {"u": {"serverToClient": {"e": {"payload": {"type": "string", "format": "iri"}}}}}}"#,
    )
    .expect("write");
    let target = dir.path().join("bad.ts");
    let cli = Cli::try_parse_from([
        "x",
        "export",
        "--format",
        "super-line-ts",
        "--contract",
        bad.to_str().expect("utf-8"),
        "--out",
        target.to_str().expect("utf-8"),
    ])
    .expect("parse");
    let err = cli
        .contract
        .run_to(&mut Vec::new())
        .expect_err("refused")
        .to_string();
    assert!(
        err.contains("roles.u.serverToClient.e.payload.format: format \"iri\""),
        "{err}"
    );
    assert!(
        !target.exists(),
        "nothing is written when the contract is refused"
    );
}
