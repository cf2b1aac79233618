//! Samples validate against their schemas: a hand-written corpus covering each supported
//! keyword, then a few hundred random schemas from a seeded generator (property-style: the
//! property is "the sample is valid", checked with jsonschema itself, formats asserted).

use serde_json::{json, Map, Value};
use switchboard_wire::contract::sample_for;

/// Fails the test with the schema, the sample and jsonschema's complaints.
fn assert_sample_valid(schema: &Value) {
    let validator = match jsonschema::options()
        .should_validate_formats(true)
        .build(schema)
    {
        Ok(validator) => validator,
        Err(error) => panic!("test schema does not compile: {error}\n{schema:#}"),
    };
    let sample = sample_for(schema);
    let problems: Vec<String> = validator
        .iter_errors(&sample)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        problems.is_empty(),
        "sample {sample} is invalid: {problems:?}\nschema: {schema:#}"
    );
}

#[test]
fn every_documented_keyword_gets_a_valid_sample() {
    let corpus = [
        // objects
        json!({"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "integer"}},
            "required": ["a"], "additionalProperties": false}),
        json!({"type": "object", "minProperties": 2, "additionalProperties": {"type": "boolean"}}),
        json!({"type": "object", "properties": {"a": {}, "b": {}, "c": {}}, "maxProperties": 1,
            "required": ["b"]}),
        json!({"type": "object", "properties": {"card": {"type": "string"}, "cvc": {"type": "string"}},
            "dependentRequired": {"card": ["cvc"]}}),
        // strings
        json!({"type": "string"}),
        json!({"type": "string", "enum": ["red", "green"]}),
        json!({"type": "string", "const": "fixed"}),
        json!({"type": "string", "minLength": 10}),
        json!({"type": "string", "maxLength": 2}),
        json!({"type": "string", "minLength": 3, "maxLength": 3}),
        json!({"type": "string", "format": "date-time"}),
        json!({"type": "string", "format": "date"}),
        json!({"type": "string", "format": "time"}),
        json!({"type": "string", "format": "uuid"}),
        json!({"type": "string", "format": "email"}),
        json!({"type": "string", "format": "uri"}),
        json!({"type": "string", "format": "uri-reference"}),
        json!({"type": "string", "format": "hostname"}),
        json!({"type": "string", "format": "ipv4"}),
        json!({"type": "string", "format": "ipv6"}),
        json!({"type": "string", "format": "duration"}),
        json!({"type": "string", "format": "json-pointer"}),
        json!({"type": "string", "format": "regex"}),
        json!({"type": "string", "format": "not-a-known-format", "minLength": 2}),
        json!({"type": "string", "pattern": "^[a-z]{3,5}-[0-9]+$"}),
        json!({"type": "string", "pattern": "^(?:GET|POST) /[a-z]*$", "minLength": 12}),
        json!({"type": "string", "pattern": "id_", "minLength": 8}),
        json!({"type": "string", "pattern": r"^\+?[0-9 ]{7,}$"}),
        // numbers
        json!({"type": "integer"}),
        json!({"type": "integer", "minimum": 5, "maximum": 9}),
        json!({"type": "integer", "exclusiveMinimum": 5}),
        json!({"type": "integer", "maximum": -5, "exclusiveMaximum": -7}),
        json!({"type": "integer", "minimum": 10, "multipleOf": 7}),
        json!({"type": "integer", "minimum": -20, "maximum": -10, "multipleOf": 3}),
        json!({"type": "integer", "multipleOf": 0.5, "minimum": 1}),
        json!({"type": "number", "minimum": 0.5}),
        json!({"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1}),
        json!({"type": "number", "minimum": 0.25, "multipleOf": 0.1}),
        json!({"type": "number", "exclusiveMinimum": 19.25, "exclusiveMaximum": 22.55, "multipleOf": 0.1}),
        json!({"type": "number", "minimum": 19.95, "multipleOf": 0.01}),
        json!({"type": "number", "minimum": 1.1, "maximum": 1.9, "multipleOf": 0.25}),
        json!({"type": "number", "maximum": -3.5}),
        // other types
        json!({"type": "boolean"}),
        json!({"type": "null"}),
        json!({"type": ["integer", "null"], "minimum": 3}),
        json!({"type": ["null", "string"]}),
        json!({"enum": [1, "two", null]}),
        json!({"const": {"nested": [1, 2]}}),
        json!({"type": "integer", "default": 42}),
        json!({"type": "string", "examples": ["example"]}),
        json!({"type": "string", "minLength": 5, "default": "no"}),
        // arrays
        json!({"type": "array"}),
        json!({"type": "array", "items": {"type": "integer", "minimum": 1}, "minItems": 3}),
        json!({"type": "array", "prefixItems": [{"type": "string"}, {"type": "boolean"}],
            "items": false}),
        json!({"type": "array", "prefixItems": [{"const": "a"}], "items": {"type": "integer"},
            "minItems": 3}),
        json!({"type": "array", "items": {"type": "string"}, "minItems": 3, "uniqueItems": true}),
        json!({"type": "array", "contains": {"const": 7}}),
        json!({"type": "array", "maxItems": 1, "prefixItems": [{}, {}]}),
        // combinators
        json!({"anyOf": [{"type": "string", "minLength": 2}, {"type": "null"}]}),
        json!({"anyOf": [{"type": "integer", "minimum": 10, "maximum": 5}, {"type": "boolean"}]}),
        json!({"oneOf": [{"type": "string", "maxLength": 3}, {"type": "string"}]}),
        json!({"oneOf": [{"type": "object", "properties": {"kind": {"const": "a"}}, "required": ["kind"]},
            {"type": "object", "properties": {"kind": {"const": "b"}}, "required": ["kind"]}]}),
        json!({"type": "object", "properties": {"x": {"type": "integer"}},
            "anyOf": [{"required": ["x"]}, {"required": ["y"]}]}),
        json!({"allOf": [{"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]},
            {"properties": {"b": {"type": "integer", "minimum": 2}}, "required": ["b"]},
            {"properties": {"a": {"minLength": 4}}}]}),
        json!({"allOf": [{"type": "integer", "minimum": 3}, {"maximum": 4}, {"multipleOf": 2}]}),
        // refs
        json!({"$ref": "#/$defs/point", "$defs": {"point": {"type": "object",
            "properties": {"x": {"type": "number"}, "y": {"type": "number"}}, "required": ["x", "y"]}}}),
        json!({"type": "object", "properties": {"when": {"$ref": "#/$defs/stamp"}}, "required": ["when"],
            "$defs": {"stamp": {"type": "string", "format": "date-time"}}}),
        json!({"$schema": "http://json-schema.org/draft-07/schema#",
            "definitions": {"id": {"type": "string", "format": "uuid"}},
            "type": "object", "properties": {"id": {"$ref": "#/definitions/id"},
            "pair": {"type": "array", "items": [{"type": "integer"}, {"type": "string"}],
                "additionalItems": false, "minItems": 2}},
            "required": ["id", "pair"]}),
        json!({"$defs": {"tree": {"type": "object", "properties": {"value": {"type": "integer"},
            "children": {"type": "array", "items": {"$ref": "#/$defs/tree"}}},
            "required": ["value", "children"]}}, "$ref": "#/$defs/tree"}),
        json!({"$defs": {"list": {"type": "object", "properties": {"next":
            {"anyOf": [{"$ref": "#/$defs/list"}, {"type": "null"}]}}, "required": ["next"]}},
            "$ref": "#/$defs/list"}),
        // schemars-style output
        json!({"type": "object", "properties": {"count": {"type": "integer", "format": "uint32",
            "minimum": 0}, "tag": {"anyOf": [{"$ref": "#/$defs/Tag"}, {"type": "null"}]}},
            "required": ["count"], "$defs": {"Tag": {"type": "string", "enum": ["a", "b"]}}}),
        json!(true),
        json!({}),
    ];
    for schema in &corpus {
        assert_sample_valid(schema);
    }
}

/// xorshift64*: tiny, seeded, and the same on every machine, so a failing case is reproducible.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn int(&mut self, low: i64, high: i64) -> i64 {
        low + i64::try_from(self.below(u64::try_from(high - low + 1).unwrap_or(1))).unwrap_or(0)
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[usize::try_from(self.below(items.len() as u64)).unwrap_or(0)]
    }
}

/// Builds random satisfiable schemas; `$ref` targets are collected into the root's `$defs`.
struct Gen {
    rng: Rng,
    defs: Map<String, Value>,
}

impl Gen {
    fn root(seed: u64) -> Value {
        let mut generator = Gen {
            rng: Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1),
            defs: Map::new(),
        };
        // Half the roots are objects, the shape of most payloads.
        let mut schema = if seed.is_multiple_of(2) {
            generator.object(0)
        } else {
            generator.schema(0)
        };
        if !generator.defs.is_empty() {
            if let Value::Object(map) = &mut schema {
                map.insert("$defs".into(), Value::Object(generator.defs));
            }
        }
        schema
    }

    fn schema(&mut self, depth: u32) -> Value {
        let kinds = if depth >= 3 { 7 } else { 14 };
        let mut schema = match self.rng.below(kinds) {
            0 => self.string(),
            1 => self.integer(),
            2 => self.number(),
            3 => json!({"type": "boolean"}),
            4 => json!({"type": "null"}),
            5 => json!({"enum": [self.rng.int(-5, 5), "x", null]}),
            6 => json!({"const": format!("c{}", self.rng.below(100))}),
            7 => self.object(depth),
            8 => self.array(depth),
            9 => {
                let branches: Vec<Value> = (0..self.rng.int(1, 3))
                    .map(|_| self.schema(depth + 1))
                    .collect();
                json!({"anyOf": branches})
            }
            10 => {
                // Branches of distinct types, so a value can match exactly one.
                let mut types = vec!["string", "integer", "boolean", "null", "object", "array"];
                let count = self.rng.int(2, 3);
                let branches: Vec<Value> = (0..count)
                    .map(|_| {
                        let index =
                            usize::try_from(self.rng.below(types.len() as u64)).unwrap_or(0);
                        json!({"type": types.remove(index)})
                    })
                    .collect();
                json!({"oneOf": branches})
            }
            11 => {
                let a = self.rng.int(0, 1000);
                json!({"allOf": [
                    {"type": "object", "properties": {format!("p{a}"): self.schema(depth + 1)},
                        "required": [format!("p{a}")]},
                    {"properties": {format!("q{a}"): self.schema(depth + 1)}, "required": [format!("q{a}")]}
                ]})
            }
            12 => {
                let inner = *self
                    .rng
                    .pick(&["string", "integer", "boolean", "array", "object"]);
                json!({"type": [inner, "null"]})
            }
            _ => {
                // Reserve the name first: the target may declare defs of its own.
                let name = format!("d{}", self.defs.len());
                self.defs.insert(name.clone(), Value::Bool(true));
                let target = self.schema(depth + 1);
                self.defs.insert(name.clone(), target);
                json!({"$ref": format!("#/$defs/{name}")})
            }
        };
        if self.rng.chance(10) {
            if let Value::Object(map) = &mut schema {
                // Often the wrong type for the schema: samples must not trust `default` blindly.
                map.insert("default".into(), json!("a default"));
            }
        }
        schema
    }

    fn string(&mut self) -> Value {
        let mut map = Map::new();
        map.insert("type".into(), json!("string"));
        match self.rng.below(4) {
            0 => {
                let format = *self.rng.pick(&[
                    "date-time",
                    "date",
                    "uuid",
                    "email",
                    "uri",
                    "ipv4",
                    "hostname",
                ]);
                map.insert("format".into(), json!(format));
            }
            1 => {
                let pattern = *self.rng.pick(&[
                    "^[a-z]+$",
                    r"^\d{2,4}$",
                    "^(yes|no)$",
                    "^[A-Z][a-z]*_[0-9]?$",
                    "ab+c",
                ]);
                map.insert("pattern".into(), json!(pattern));
            }
            2 => {
                let min = self.rng.int(0, 12);
                map.insert("minLength".into(), json!(min));
                if self.rng.chance(50) {
                    map.insert("maxLength".into(), json!(min + self.rng.int(0, 4)));
                }
            }
            _ => {}
        }
        Value::Object(map)
    }

    fn integer(&mut self) -> Value {
        let mut map = Map::new();
        map.insert("type".into(), json!("integer"));
        let multiple = self.rng.int(1, 7);
        if self.rng.chance(40) {
            map.insert("multipleOf".into(), json!(multiple));
        }
        let low = self.rng.int(-50, 50);
        if self.rng.chance(50) {
            let key = if self.rng.chance(50) {
                "minimum"
            } else {
                "exclusiveMinimum"
            };
            map.insert(key.into(), json!(low));
        }
        if self.rng.chance(50) {
            let key = if self.rng.chance(50) {
                "maximum"
            } else {
                "exclusiveMaximum"
            };
            map.insert(key.into(), json!(low + 2 * multiple + self.rng.int(1, 20)));
        }
        Value::Object(map)
    }

    fn number(&mut self) -> Value {
        let mut map = Map::new();
        map.insert("type".into(), json!("number"));
        let multiple = *self.rng.pick(&[0.5, 0.25, 0.1, 1.5]);
        if self.rng.chance(40) {
            map.insert("multipleOf".into(), json!(multiple));
        }
        let low = self.rng.int(0, 400) as f64 / 8.0;
        if self.rng.chance(50) {
            let key = if self.rng.chance(50) {
                "minimum"
            } else {
                "exclusiveMinimum"
            };
            map.insert(key.into(), json!(low));
        }
        if self.rng.chance(50) {
            let key = if self.rng.chance(50) {
                "maximum"
            } else {
                "exclusiveMaximum"
            };
            map.insert(
                key.into(),
                json!(low + 3.0 * multiple + self.rng.int(0, 10) as f64),
            );
        }
        Value::Object(map)
    }

    fn object(&mut self, depth: u32) -> Value {
        let count = self.rng.int(0, 4);
        let mut properties = Map::new();
        let mut required = Vec::new();
        for i in 0..count {
            let name = format!("f{i}");
            properties.insert(name.clone(), self.schema(depth + 1));
            if self.rng.chance(60) {
                required.push(json!(name));
            }
        }
        let mut map = Map::new();
        map.insert("type".into(), json!("object"));
        map.insert("properties".into(), Value::Object(properties));
        map.insert("required".into(), Value::Array(required));
        if self.rng.chance(30) {
            map.insert("additionalProperties".into(), json!(false));
        } else if self.rng.chance(30) {
            map.insert("minProperties".into(), json!(count + 1));
        }
        Value::Object(map)
    }

    fn array(&mut self, depth: u32) -> Value {
        let mut map = Map::new();
        map.insert("type".into(), json!("array"));
        let with_prefix = self.rng.chance(30);
        if with_prefix {
            let prefix: Vec<Value> = (0..self.rng.int(1, 2))
                .map(|_| self.schema(depth + 1))
                .collect();
            map.insert("prefixItems".into(), Value::Array(prefix));
        }
        // Unique items only over strings: random prefix items could be forced equal (two
        // required nulls), and no sample satisfies that.
        if !with_prefix && self.rng.chance(25) {
            map.insert("items".into(), json!({"type": "string"}));
            map.insert("uniqueItems".into(), json!(true));
        } else {
            map.insert("items".into(), self.schema(depth + 1));
        }
        let min = self.rng.int(0, 3);
        map.insert("minItems".into(), json!(min));
        if self.rng.chance(40) {
            map.insert("maxItems".into(), json!(min + self.rng.int(0, 2)));
        }
        Value::Object(map)
    }
}

#[test]
fn random_schemas_get_valid_samples() {
    for seed in 0..600 {
        let schema = Gen::root(seed);
        assert_sample_valid(&schema);
    }
}

#[test]
fn samples_are_deterministic() {
    for seed in 0..20 {
        let schema = Gen::root(seed);
        assert_eq!(sample_for(&schema), sample_for(&schema));
    }
}
