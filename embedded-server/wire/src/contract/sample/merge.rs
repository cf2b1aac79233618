//! Merging subschemas for `allOf` (and for a `$ref` or a branch with keywords beside it): the
//! sample must satisfy every part at once, so the parts are folded into one schema first.

use serde_json::{json, Map, Value};

/// Merges the keywords of `other` into `into`, as `allOf` requires both to hold: properties and
/// requirements are united, bounds tightened, types intersected. For any other keyword present on
/// both sides the existing one wins (best effort; the final validation catches the rest).
pub(super) fn merge_into(into: &mut Map<String, Value>, other: &Value) {
    let Value::Object(other) = other else { return };
    for (key, value) in other {
        let Some(existing) = into.get_mut(key) else {
            into.insert(key.clone(), value.clone());
            continue;
        };
        match key.as_str() {
            "properties" | "patternProperties" | "$defs" | "definitions" => {
                if let (Value::Object(existing), Value::Object(added)) = (existing, value) {
                    for (name, schema) in added {
                        match existing.get_mut(name) {
                            None => {
                                existing.insert(name.clone(), schema.clone());
                            }
                            Some(previous) => {
                                *previous = json!({ "allOf": [previous.clone(), schema.clone()] });
                            }
                        }
                    }
                }
            }
            "required" => {
                if let (Value::Array(existing), Value::Array(added)) = (existing, value) {
                    for name in added {
                        if !existing.contains(name) {
                            existing.push(name.clone());
                        }
                    }
                }
            }
            "type" => {
                if let Some(common) = intersect_types(existing, value) {
                    *existing = common;
                }
            }
            "minimum" | "exclusiveMinimum" | "minLength" | "minItems" | "minProperties"
            | "minContains" => tighten(existing, value, f64::max),
            "maximum" | "exclusiveMaximum" | "maxLength" | "maxItems" | "maxProperties"
            | "maxContains" => tighten(existing, value, f64::min),
            _ => {}
        }
    }
}

fn tighten(existing: &mut Value, added: &Value, pick: fn(f64, f64) -> f64) {
    if let (Some(a), Some(b)) = (existing.as_f64(), added.as_f64()) {
        if pick(a, b) == b {
            *existing = added.clone();
        }
    }
}

/// The types both sides allow (`integer` counts as a `number`), or `None` when they share none.
fn intersect_types(a: &Value, b: &Value) -> Option<Value> {
    let list = |v: &Value| -> Vec<String> {
        match v {
            Value::String(s) => vec![s.clone()],
            Value::Array(items) => items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect(),
            _ => Vec::new(),
        }
    };
    let (a, b) = (list(a), list(b));
    let allows = |set: &[String], t: &str| {
        set.iter().any(|s| s == t) || (t == "integer" && set.iter().any(|s| s == "number"))
    };
    let common: Vec<Value> = a
        .iter()
        .chain(b.iter())
        .filter(|t| allows(&a, t) && allows(&b, t))
        .fold(Vec::new(), |mut acc: Vec<String>, t| {
            if !acc.contains(t) {
                acc.push(t.clone());
            }
            acc
        })
        .into_iter()
        .map(Value::String)
        .collect();
    match common.len() {
        0 => None,
        1 => common.into_iter().next(),
        _ => Some(Value::Array(common)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_intersect_with_integer_inside_number() {
        assert_eq!(
            intersect_types(&json!(["number", "string"]), &json!("integer")),
            Some(json!("integer"))
        );
        assert_eq!(intersect_types(&json!("string"), &json!("null")), None);
    }
}
