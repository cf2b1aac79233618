//! Sample values generated from JSON Schemas.
//!
//! With samples a contract file alone is a working dev server (a request without a handler
//! answers its sample output) and the console's editors start from a payload that already
//! passes validation. The generator is deterministic: the same schema always gives the same
//! sample, so captures and screenshots are stable.
//!
//! Strategy: resolve `$ref`, honour `const`/`enum`/`default`/`examples`, merge `allOf`, try
//! `anyOf`/`oneOf` branches in order until one validates, then build a value for the type from
//! its constraints. Because hints (`default`, `examples`) and optional properties can themselves
//! break a schema, [`sample_for`] retries without them and returns the first candidate that the
//! real validator accepts.

mod merge;
mod number;
mod string;

use serde_json::{json, Map, Value};

use self::merge::merge_into;
use super::schema::build_validator;

/// How deep refs and nesting may go before the generator gives up on a branch (recursive
/// schemas would otherwise never end).
const MAX_DEPTH: usize = 24;
/// Optional properties are included only this close to the root: enough to show the shape in an
/// editor without making samples of recursive types explode.
const OPTIONAL_DEPTH: usize = 6;
/// Upper bound on generated `minItems`/`minProperties` fill, whatever the schema asks.
const MAX_FILL: usize = 64;

/// A value that satisfies `schema`, as far as the generator can manage.
///
/// Every keyword the contract format documents is handled; for schemas no value can satisfy (or
/// that need `not`, `if`/`then`, lookaround patterns...) the result is the closest attempt.
pub fn sample_for(schema: &Value) -> Value {
    let validator = build_validator(schema).ok();
    let modes = [
        Sampler::new(schema, true, true),
        Sampler::new(schema, false, true),
        Sampler::new(schema, false, false),
    ];
    let mut first = None;
    for sampler in modes {
        let candidate = sampler.value(schema, 0);
        match &validator {
            Some(validator) if !validator.is_valid(&candidate) => {
                first.get_or_insert(candidate);
            }
            _ => return candidate,
        }
    }
    first.unwrap_or(Value::Null)
}

struct Sampler<'r> {
    root: &'r Value,
    /// Use `default` and `examples` when present (they read better than generated values).
    hints: bool,
    /// Include optional properties and optional prefix items.
    optional: bool,
}

impl<'r> Sampler<'r> {
    fn new(root: &'r Value, hints: bool, optional: bool) -> Self {
        Self {
            root,
            hints,
            optional,
        }
    }

    fn value(&self, schema: &Value, depth: usize) -> Value {
        let map = match schema {
            Value::Object(map) => map,
            Value::Bool(false) => return Value::Null,
            // `true` (and anything that is not a schema) accepts every value.
            _ => return json!({}),
        };
        if depth > MAX_DEPTH {
            return Value::Null;
        }
        if let Some(Value::String(reference)) = map.get("$ref") {
            if let Some(target) = self.resolve(reference) {
                let mut merged = as_map(target);
                let mut siblings = map.clone();
                siblings.remove("$ref");
                merge_into(&mut merged, &Value::Object(siblings));
                return self.value(&Value::Object(merged), depth + 1);
            }
        }
        if let Some(constant) = map.get("const") {
            return constant.clone();
        }
        if let Some(Value::Array(options)) = map.get("enum") {
            if let Some(option) = options.first() {
                return option.clone();
            }
        }
        if self.hints {
            if let Some(default) = map.get("default") {
                return default.clone();
            }
            if let Some(Value::Array(examples)) = map.get("examples") {
                if let Some(example) = examples.first() {
                    return example.clone();
                }
            }
        }
        if let Some(Value::Array(parts)) = map.get("allOf") {
            let mut merged = map.clone();
            merged.remove("allOf");
            for part in parts {
                merge_into(&mut merged, &self.resolved(part, depth));
            }
            return self.value(&Value::Object(merged), depth + 1);
        }
        for keyword in ["anyOf", "oneOf"] {
            if let Some(Value::Array(branches)) = map.get(keyword) {
                return self.first_valid_branch(map, keyword, branches, depth);
            }
        }
        match pick_type(map) {
            Some("object") => self.object(map, depth),
            Some("array") => self.array(map, depth),
            Some("string") => string::sample(map),
            Some("integer") => number::sample(map, true),
            Some("number") => number::sample(map, false),
            Some("boolean") => Value::Bool(true),
            Some("null") => Value::Null,
            _ => json!({}),
        }
    }

    /// Follows a local `$ref` (`#`, `#/$defs/X`, `#/definitions/X`, any JSON pointer).
    fn resolve(&self, reference: &str) -> Option<&'r Value> {
        let pointer = reference.strip_prefix('#')?;
        if pointer.is_empty() {
            return Some(self.root);
        }
        self.root.pointer(pointer)
    }

    /// A subschema with its top-level `$ref` followed, for merging.
    fn resolved(&self, schema: &Value, depth: usize) -> Value {
        let mut current = schema.clone();
        for _ in depth..MAX_DEPTH {
            let target = match &current {
                Value::Object(map) => match map.get("$ref") {
                    Some(Value::String(reference)) => self.resolve(reference),
                    _ => None,
                },
                _ => None,
            };
            let Some(target) = target else { break };
            let mut merged = as_map(target);
            if let Value::Object(map) = &current {
                let mut siblings = map.clone();
                siblings.remove("$ref");
                merge_into(&mut merged, &Value::Object(siblings));
            }
            current = Value::Object(merged);
        }
        current
    }

    /// Tries each branch (merged with the keywords around it) and keeps the first candidate the
    /// whole schema accepts. `oneOf` needs this: a value matching two branches is invalid.
    fn first_valid_branch(
        &self,
        map: &Map<String, Value>,
        keyword: &str,
        branches: &[Value],
        depth: usize,
    ) -> Value {
        let checker = build_validator(&self.in_root_context(map)).ok();
        let mut base = map.clone();
        base.remove(keyword);
        let mut first = None;
        for branch in branches {
            let mut merged = base.clone();
            merge_into(&mut merged, &self.resolved(branch, depth));
            let candidate = self.value(&Value::Object(merged), depth + 1);
            match &checker {
                Some(checker) if !checker.is_valid(&candidate) => {
                    first.get_or_insert(candidate);
                }
                _ => return candidate,
            }
        }
        first.unwrap_or(Value::Null)
    }

    /// A subschema made standalone: the root's definitions and dialect are copied in so its
    /// local refs still resolve when it is compiled on its own.
    fn in_root_context(&self, map: &Map<String, Value>) -> Value {
        let mut standalone = map.clone();
        if let Value::Object(root) = self.root {
            for key in ["$defs", "definitions", "$schema"] {
                if let (Some(value), false) = (root.get(key), standalone.contains_key(key)) {
                    standalone.insert(key.to_owned(), value.clone());
                }
            }
        }
        Value::Object(standalone)
    }

    fn object(&self, map: &Map<String, Value>, depth: usize) -> Value {
        let properties = map.get("properties").and_then(Value::as_object);
        let max = size(map, "maxProperties").unwrap_or(usize::MAX);
        let mut out = Map::new();

        let mut wanted: Vec<String> = strings(map.get("required"));
        if self.optional && depth < OPTIONAL_DEPTH {
            if let Some(properties) = properties {
                wanted.extend(properties.keys().cloned());
            }
        }
        for name in wanted {
            if out.contains_key(&name) {
                continue;
            }
            let required = strings(map.get("required")).contains(&name);
            if !required && out.len() >= max {
                continue;
            }
            let schema = self.property_schema(map, &name);
            out.insert(name.clone(), self.value(&schema, depth + 1));
            // A present property may pull in others (`dependentRequired`).
            if let Some(Value::Object(dependent)) = map.get("dependentRequired") {
                for extra in strings(dependent.get(&name)) {
                    if !out.contains_key(&extra) {
                        let schema = self.property_schema(map, &extra);
                        out.insert(extra, self.value(&schema, depth + 1));
                    }
                }
            }
        }

        let min = size(map, "minProperties").unwrap_or(0).min(MAX_FILL);
        let mut n = 1;
        while out.len() < min && map.get("additionalProperties") != Some(&Value::Bool(false)) {
            let key = format!("key{n}");
            n += 1;
            if !out.contains_key(&key) {
                let schema = self.property_schema(map, &key);
                out.insert(key, self.value(&schema, depth + 1));
            }
        }
        Value::Object(out)
    }

    /// The schema a property must satisfy: declared, else `additionalProperties`, else anything.
    fn property_schema(&self, map: &Map<String, Value>, name: &str) -> Value {
        if let Some(schema) = map
            .get("properties")
            .and_then(Value::as_object)
            .and_then(|properties| properties.get(name))
        {
            return schema.clone();
        }
        match map.get("additionalProperties") {
            Some(schema @ Value::Object(_)) => schema.clone(),
            _ => Value::Bool(true),
        }
    }

    fn array(&self, map: &Map<String, Value>, depth: usize) -> Value {
        // 2020-12 uses prefixItems + items; older drafts use an items array + additionalItems.
        let (prefix, rest) = match (map.get("prefixItems"), map.get("items")) {
            (Some(Value::Array(prefix)), rest) => (prefix.as_slice(), rest),
            (_, Some(Value::Array(prefix))) => (prefix.as_slice(), map.get("additionalItems")),
            (_, rest) => (&[][..], rest),
        };
        let max = size(map, "maxItems").unwrap_or(usize::MAX);
        let min = size(map, "minItems").unwrap_or(0).min(MAX_FILL);
        // Prefix items beyond `minItems` are optional: shown by default, dropped in the
        // minimal mode.
        let prefix_len = if self.optional { max } else { min };
        let any = json!({});
        // The schema each generated item must satisfy, kept for de-duplication below.
        let mut items: Vec<(Value, &Value)> = prefix
            .iter()
            .take(prefix_len)
            .map(|schema| (self.value(schema, depth + 1), schema))
            .collect();
        if let Some(contains) = map.get("contains") {
            let wanted = size(map, "minContains").unwrap_or(1).min(MAX_FILL);
            for _ in 0..wanted {
                if items.len() < max {
                    items.push((self.value(contains, depth + 1), contains));
                }
            }
        }
        while items.len() < min {
            match rest {
                Some(Value::Bool(false)) => break,
                Some(schema) => items.push((self.value(schema, depth + 1), schema)),
                None => items.push((json!({}), &any)),
            }
        }
        if map.get("uniqueItems") == Some(&Value::Bool(true)) {
            for i in 1..items.len() {
                let taken: Vec<&Value> = items[..i].iter().map(|(value, _)| value).collect();
                if taken.contains(&&items[i].0) {
                    let replacement = self.distinct(items[i].1, &items[i].0, &taken, i, depth);
                    items[i].0 = replacement;
                }
            }
        }
        Value::Array(items.into_iter().map(|(value, _)| value).collect())
    }

    /// Another value for an item that repeats an earlier one under `uniqueItems`. Tries what
    /// the item's schema offers (other `enum` options, other `anyOf`/`oneOf` branches), then a
    /// nudge (the other boolean, a numeric suffix on a string, an offset on a number), keeping
    /// the first candidate that is both unused and valid.
    fn distinct(
        &self,
        schema: &Value,
        value: &Value,
        taken: &[&Value],
        index: usize,
        depth: usize,
    ) -> Value {
        let schema = self.resolved(schema, depth);
        let mut candidates: Vec<Value> = Vec::new();
        if let Some(Value::Array(options)) = schema.get("enum") {
            candidates.extend(options.iter().cloned());
        }
        for keyword in ["anyOf", "oneOf"] {
            if let (Some(Value::Array(branches)), Value::Object(map)) =
                (schema.get(keyword), &schema)
            {
                let mut base = map.clone();
                base.remove(keyword);
                for branch in branches {
                    let mut merged = base.clone();
                    merge_into(&mut merged, &self.resolved(branch, depth));
                    candidates.push(self.value(&Value::Object(merged), depth + 1));
                }
            }
        }
        candidates.push(match value {
            Value::Bool(b) => Value::Bool(!b),
            Value::String(s) => Value::String(format!("{s}{index}")),
            Value::Number(n) => match n.as_i64() {
                Some(k) => Value::from(k.saturating_add(i64::try_from(index).unwrap_or(0))),
                None => Value::from(n.as_f64().unwrap_or(0.0) + index as f64),
            },
            other => other.clone(),
        });
        let checker = match &schema {
            Value::Object(map) => build_validator(&self.in_root_context(map)).ok(),
            _ => None,
        };
        let usable = |candidate: &Value| {
            !taken.contains(&candidate) && checker.as_ref().is_none_or(|c| c.is_valid(candidate))
        };
        candidates
            .iter()
            .find(|candidate| usable(candidate))
            .or(candidates.last())
            .cloned()
            .unwrap_or_else(|| value.clone())
    }
}

/// The type to generate: the declared one (the first non-null one of a list, so nullable fields
/// get a real value), else inferred from the keywords present.
fn pick_type(map: &Map<String, Value>) -> Option<&str> {
    match map.get("type") {
        Some(Value::String(single)) => return Some(single),
        Some(Value::Array(types)) => {
            let names: Vec<&str> = types.iter().filter_map(Value::as_str).collect();
            return names
                .iter()
                .find(|t| **t != "null")
                .or(names.first())
                .copied();
        }
        _ => {}
    }
    let has = |keys: &[&str]| keys.iter().any(|k| map.contains_key(*k));
    if has(&[
        "properties",
        "required",
        "additionalProperties",
        "patternProperties",
        "minProperties",
        "maxProperties",
    ]) {
        Some("object")
    } else if has(&["items", "prefixItems", "minItems", "maxItems", "contains"]) {
        Some("array")
    } else if has(&["minLength", "maxLength", "pattern", "format"]) {
        Some("string")
    } else if has(&[
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
    ]) {
        Some("number")
    } else {
        None
    }
}

fn as_map(schema: &Value) -> Map<String, Value> {
    match schema {
        Value::Object(map) => map.clone(),
        _ => Map::new(),
    }
}

fn strings(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    }
}

fn size(map: &Map<String, Value>, key: &str) -> Option<usize> {
    map.get(key)
        .and_then(Value::as_u64)
        .map(|n| usize::try_from(n).unwrap_or(usize::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nullable_fields_get_a_real_value() {
        assert_eq!(
            sample_for(&json!({"type": ["null", "string"]})),
            json!("string")
        );
    }

    #[test]
    fn all_of_merges_object_parts() {
        let schema = json!({"allOf": [
            {"type": "object", "properties": {"a": {"type": "integer", "minimum": 3}}, "required": ["a"]},
            {"properties": {"b": {"const": "x"}}, "required": ["b"]}
        ]});
        assert_eq!(sample_for(&schema), json!({"a": 3, "b": "x"}));
    }

    #[test]
    fn one_of_skips_branches_that_would_match_twice() {
        let schema = json!({"oneOf": [{"type": "string", "maxLength": 3}, {"type": "string"}]});
        assert_eq!(sample_for(&schema), json!("string"));
    }

    #[test]
    fn bad_defaults_are_dropped_for_generated_values() {
        let schema = json!({"type": "integer", "minimum": 5, "default": 1});
        assert_eq!(sample_for(&schema), json!(5));
    }

    #[test]
    fn recursive_schemas_terminate() {
        let schema = json!({"$defs": {"node": {"type": "object",
            "properties": {"next": {"anyOf": [{"$ref": "#/$defs/node"}, {"type": "null"}]}}}},
            "$ref": "#/$defs/node"});
        let sample = sample_for(&schema);
        assert!(
            build_validator(&schema).is_ok_and(|v| v.is_valid(&sample)),
            "{sample}"
        );
    }
}
