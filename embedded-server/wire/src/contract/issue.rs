//! Turning jsonschema's errors into wire [`Issue`]s: a path a client can follow and a short
//! message a person can read.
//!
//! jsonschema's own messages quote the whole offending value, which can be a large payload; the
//! client already has the value and the path, so the messages here say only what is wrong.

use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::paths::LocationSegment;
use jsonschema::ValidationError;
use serde_json::Value;

use crate::Issue;

/// The issues for one validation error. Usually one; an object with several unexpected
/// properties gives one issue per property so each path points at a property to delete.
pub(crate) fn issues_of(error: ValidationError<'_>) -> Vec<Issue> {
    let path: Vec<Value> = error
        .instance_path()
        .iter()
        .map(|segment| match segment {
            LocationSegment::Property(key) => Value::String(key.into_owned()),
            LocationSegment::Index(index) => Value::from(index),
        })
        .collect();
    let with = |extra: &str| {
        let mut path = path.clone();
        path.push(Value::String(extra.to_owned()));
        path
    };
    let one = |message: String| {
        vec![Issue {
            path: path.clone(),
            message,
        }]
    };
    match error.kind() {
        ValidationErrorKind::Required { property } => vec![Issue {
            path: with(property.as_str().unwrap_or_default()),
            message: "required property is missing".to_owned(),
        }],
        ValidationErrorKind::AdditionalProperties { unexpected }
        | ValidationErrorKind::UnevaluatedProperties { unexpected } => unexpected
            .iter()
            .map(|key| Issue {
                path: with(key),
                message: "property is not allowed".to_owned(),
            })
            .collect(),
        ValidationErrorKind::Type { kind } => one(format!(
            "expected {}, got {}",
            expected_types(kind),
            type_of(error.instance())
        )),
        ValidationErrorKind::Enum { options } => one(format!("must be one of {}", list(options))),
        ValidationErrorKind::Constant { expected_value } => {
            one(format!("must be {expected_value}"))
        }
        ValidationErrorKind::Minimum { limit } => one(format!("must be at least {limit}")),
        ValidationErrorKind::Maximum { limit } => one(format!("must be at most {limit}")),
        ValidationErrorKind::ExclusiveMinimum { limit } => {
            one(format!("must be greater than {limit}"))
        }
        ValidationErrorKind::ExclusiveMaximum { limit } => {
            one(format!("must be less than {limit}"))
        }
        ValidationErrorKind::MultipleOf { multiple_of } => {
            one(format!("must be a multiple of {multiple_of}"))
        }
        ValidationErrorKind::MinLength { limit } => one(format!(
            "must be at least {limit} {}",
            plural(*limit, "character")
        )),
        ValidationErrorKind::MaxLength { limit } => one(format!(
            "must be at most {limit} {}",
            plural(*limit, "character")
        )),
        ValidationErrorKind::MinItems { limit } => one(format!(
            "must have at least {limit} {}",
            plural(*limit, "item")
        )),
        ValidationErrorKind::MaxItems { limit } => one(format!(
            "must have at most {limit} {}",
            plural(*limit, "item")
        )),
        ValidationErrorKind::MinProperties { limit } => one(format!(
            "must have at least {limit} {}",
            plural(*limit, "property")
        )),
        ValidationErrorKind::MaxProperties { limit } => one(format!(
            "must have at most {limit} {}",
            plural(*limit, "property")
        )),
        ValidationErrorKind::Pattern { pattern } => one(format!("must match {pattern:?}")),
        ValidationErrorKind::Format { format } => one(format!("must be a valid {format}")),
        ValidationErrorKind::UniqueItems => one("items must be unique".to_owned()),
        ValidationErrorKind::AnyOf { .. } | ValidationErrorKind::OneOfNotValid { .. } => {
            one("does not match any of the allowed shapes".to_owned())
        }
        ValidationErrorKind::OneOfMultipleValid { .. } => {
            one("matches more than one of the allowed shapes".to_owned())
        }
        // With `additionalProperties: false` and no `properties`, jsonschema reports a false
        // schema at the object without naming the key.
        ValidationErrorKind::FalseSchema
            if error
                .schema_path()
                .as_str()
                .ends_with("/additionalProperties") =>
        {
            one("no properties are allowed here".to_owned())
        }
        ValidationErrorKind::FalseSchema => one("no value is allowed here".to_owned()),
        // The rest are rare; jsonschema's wording, with the value masked, is clear enough.
        _ => one(error.masked().to_string()),
    }
}

fn expected_types(kind: &TypeKind) -> String {
    match kind {
        TypeKind::Single(single) => single.to_string(),
        TypeKind::Multiple(set) => {
            let names: Vec<String> = set.iter().map(|t| t.to_string()).collect();
            names.join(" or ")
        }
    }
}

fn type_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_f64() => "number",
        Value::Number(_) => "integer",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn list(options: &Value) -> String {
    match options {
        Value::Array(items) => items
            .iter()
            .map(Value::to_string)
            .collect::<Vec<_>>()
            .join(", "),
        other => other.to_string(),
    }
}

fn plural(count: u64, word: &str) -> String {
    match (count, word) {
        (1, _) => word.to_owned(),
        (_, "property") => "properties".to_owned(),
        _ => format!("{word}s"),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::contract::schema::CompiledSchema;

    fn issues(schema: Value, value: Value) -> Vec<(Value, String)> {
        let Ok(compiled) = CompiledSchema::compile(schema) else {
            panic!("schema should compile")
        };
        match compiled.validate(&value) {
            Ok(()) => Vec::new(),
            Err(issues) => issues
                .into_iter()
                .map(|i| (Value::Array(i.path), i.message))
                .collect(),
        }
    }

    #[test]
    fn missing_required_property_is_named_in_the_path() {
        let schema = json!({"type": "object", "required": ["room", "text"],
            "properties": {"room": {"type": "string"}, "text": {"type": "string"}}});
        assert_eq!(
            issues(schema, json!({"room": "a"})),
            vec![(json!(["text"]), "required property is missing".to_owned())]
        );
    }

    #[test]
    fn nested_paths_use_keys_and_indexes() {
        let schema = json!({"type": "object", "properties": {"items": {"type": "array",
            "items": {"type": "object", "properties": {"n": {"type": "integer"}}}}}});
        assert_eq!(
            issues(schema, json!({"items": [{"n": 1}, {"n": "two"}]})),
            vec![(
                json!(["items", 1, "n"]),
                "expected integer, got string".to_owned()
            )]
        );
    }

    #[test]
    fn each_unexpected_property_is_its_own_issue() {
        let schema = json!({"type": "object", "properties": {"x": {}},
            "additionalProperties": false});
        assert_eq!(
            issues(schema, json!({"a": 1, "b": 2})),
            vec![
                (json!(["a"]), "property is not allowed".to_owned()),
                (json!(["b"]), "property is not allowed".to_owned()),
            ]
        );
    }

    #[test]
    fn messages_are_short_and_do_not_quote_the_value() {
        let cases = [
            (
                json!({"type": ["string", "null"]}),
                json!(3),
                "expected null or string, got integer",
            ),
            (
                json!({"enum": ["a", "b"]}),
                json!("c"),
                r#"must be one of "a", "b""#,
            ),
            (json!({"const": 1}), json!(2), "must be 1"),
            (json!({"minimum": 3}), json!(1), "must be at least 3"),
            (
                json!({"exclusiveMaximum": 3}),
                json!(3),
                "must be less than 3",
            ),
            (
                json!({"multipleOf": 4}),
                json!(6),
                "must be a multiple of 4",
            ),
            (
                json!({"minLength": 2}),
                json!("a"),
                "must be at least 2 characters",
            ),
            (
                json!({"maxItems": 1}),
                json!([1, 2]),
                "must have at most 1 item",
            ),
            (
                json!({"minProperties": 2}),
                json!({}),
                "must have at least 2 properties",
            ),
            (json!({"pattern": "^a"}), json!("b"), r#"must match "^a""#),
            (
                json!({"format": "email"}),
                json!("nope"),
                "must be a valid email",
            ),
            (
                json!({"uniqueItems": true}),
                json!([1, 1]),
                "items must be unique",
            ),
            (
                json!({"anyOf": [{"type": "string"}, {"type": "null"}]}),
                json!(1),
                "does not match any of the allowed shapes",
            ),
            (
                json!({"oneOf": [{"minimum": 0}, {"maximum": 5}]}),
                json!(3),
                "matches more than one of the allowed shapes",
            ),
            (json!(false), json!(1), "no value is allowed here"),
            (
                json!({"additionalProperties": false}),
                json!({"a": 1}),
                "no properties are allowed here",
            ),
        ];
        for (schema, value, message) in cases {
            assert_eq!(
                issues(schema.clone(), value),
                vec![(json!([]), message.to_owned())],
                "for {schema}"
            );
        }
    }
}
