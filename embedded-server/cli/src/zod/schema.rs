//! One JSON Schema to one zod 4 expression.
//!
//! The translation is exact or it is refused: every keyword either maps to a zod construct that
//! accepts the same values (and that zod writes back as the same keyword with
//! `z.toJSONSchema`), or it is reported as an [`Unexpressible`] with its key path. A keyword is
//! never dropped, because a front end typed by a looser schema would accept what the server
//! refuses.

use std::collections::BTreeMap;

use serde_json::{Map, Value};
use switchboard_server::contract::KeyPath;

use super::Unexpressible;

/// Annotation keywords: they change no validation, so they travel in `.meta({...})`, which zod
/// writes back into the JSON Schema unchanged.
const ANNOTATIONS: &[&str] = &[
    "title",
    "description",
    "examples",
    "default",
    "deprecated",
    "readOnly",
    "writeOnly",
    "$comment",
];

/// Formats with a zod check of their own, and the constructor that checks them.
const ZOD_FORMATS: &[(&str, &str)] = &[
    ("email", "z.email()"),
    ("uuid", "z.uuid()"),
    ("uri", "z.url()"),
    ("date-time", "z.iso.datetime({ offset: true })"),
    ("date", "z.iso.date()"),
    ("ipv4", "z.ipv4()"),
    ("ipv6", "z.ipv6()"),
    ("hostname", "z.hostname()"),
    ("duration", "z.iso.duration()"),
];

/// Formats the server checks (`docs/contract-format.md`: `format` is checked) but zod has no
/// equivalent check for. Translating them to a plain string would loosen the schema.
const SERVER_ONLY_FORMATS: &[&str] = &[
    "time",
    "idn-email",
    "idn-hostname",
    "iri",
    "iri-reference",
    "json-pointer",
    "relative-json-pointer",
    "regex",
    "uri-reference",
    "uri-template",
];

/// The draft zod writes; a schema naming another draft may mean other things by the same words.
const DRAFT_2020_12: &str = "https://json-schema.org/draft/2020-12/schema";

/// The `$defs` a schema declares at its root, turned into named constants of the module.
pub(super) struct Defs<'a> {
    /// Def name to its schema, from the root of the schema being translated.
    source: BTreeMap<String, (&'a Value, KeyPath)>,
    /// Defs being translated (to refuse recursion, which zod cannot write back as `$ref`).
    visiting: Vec<String>,
}

/// Collects translations for one module: the shared def constants and every refusal.
#[derive(Default)]
pub(super) struct ModuleState {
    /// Def name to (its schema, the TypeScript expression). A name used by two schemas with
    /// different contents cannot be one zod id, so that is refused.
    pub(super) defs: BTreeMap<String, (Value, String)>,
    /// Def names in the order their constants must be declared (dependencies first).
    pub(super) def_order: Vec<String>,
    pub(super) errors: Vec<Unexpressible>,
}

impl ModuleState {
    fn refuse(&mut self, path: &KeyPath, what: impl Into<String>) {
        self.errors.push(Unexpressible {
            path: path.clone(),
            what: what.into(),
        });
    }
}

/// Translates a root schema (one payload, input or output) at `path`; `depth` is the nesting
/// level the expression is written at (for indentation only).
pub(super) fn root_schema(
    state: &mut ModuleState,
    schema: &Value,
    path: &KeyPath,
    depth: usize,
) -> String {
    let mut defs = Defs {
        source: BTreeMap::new(),
        visiting: Vec::new(),
    };
    if let Value::Object(map) = schema {
        if let Some(draft) = map.get("$schema") {
            if draft.as_str().map(|d| d.trim_end_matches('#')) != Some(DRAFT_2020_12) {
                state.refuse(
                    &path.key("$schema"),
                    "only draft 2020-12 schemas can be translated (zod writes 2020-12)",
                );
            }
        }
        for key in ["$defs", "definitions"] {
            match map.get(key) {
                None => {}
                Some(Value::Object(entries)) => {
                    for (name, def) in entries {
                        defs.source
                            .insert(name.clone(), (def, path.key(key).key(name)));
                    }
                }
                Some(_) => state.refuse(&path.key(key), "expected an object of schemas"),
            }
        }
    }
    schema_expr(state, &mut defs, schema, path, depth, true)
}

fn schema_expr(
    state: &mut ModuleState,
    defs: &mut Defs,
    schema: &Value,
    path: &KeyPath,
    depth: usize,
    root: bool,
) -> String {
    let map = match schema {
        Value::Bool(true) => return "z.unknown()".into(),
        Value::Bool(false) => return "z.never()".into(),
        Value::Object(map) => map,
        _ => {
            state.refuse(path, "a schema must be an object or a boolean");
            return "z.never()".into();
        }
    };
    let mut rest: Map<String, Value> = Map::new();
    let mut meta: Map<String, Value> = Map::new();
    for (key, value) in map {
        if ANNOTATIONS.contains(&key.as_str()) {
            meta.insert(key.clone(), value.clone());
        } else if root && matches!(key.as_str(), "$schema" | "$defs" | "definitions") {
            // Handled by `root_schema`.
        } else if matches!(key.as_str(), "$defs" | "definitions" | "$schema") {
            state.refuse(
                &path.key(key),
                format!("{key} is only understood at the root of a schema"),
            );
        } else {
            rest.insert(key.clone(), value.clone());
        }
    }
    let base = body(state, defs, &rest, path, depth);
    with_meta(base, &meta)
}

fn with_meta(base: String, meta: &Map<String, Value>) -> String {
    if meta.is_empty() {
        base
    } else {
        format!("{base}.meta({})", Value::Object(meta.clone()))
    }
}

/// The validating part of a schema (annotations already taken out).
fn body(
    state: &mut ModuleState,
    defs: &mut Defs,
    map: &Map<String, Value>,
    path: &KeyPath,
    depth: usize,
) -> String {
    if let Some(reference) = map.get("$ref") {
        only_keys(state, map, &["$ref"], path, "beside $ref");
        return def_ref(state, defs, reference, &path.key("$ref"));
    }
    if let Some(value) = map.get("const") {
        check_type_agrees(state, map, std::slice::from_ref(value), path);
        only_keys(state, map, &["const", "type"], path, "beside const");
        return literal(state, value, &path.key("const"));
    }
    if let Some(values) = map.get("enum") {
        only_keys(state, map, &["enum", "type"], path, "beside enum");
        return enumeration(state, map, values, path);
    }
    for (keyword, zod) in [("anyOf", "z.union"), ("oneOf", "z.xor")] {
        if let Some(branches) = map.get(keyword) {
            only_keys(state, map, &[keyword], path, &format!("beside {keyword}"));
            return union(state, defs, keyword, zod, branches, path, depth);
        }
    }
    match map.get("type") {
        None => {
            for key in map.keys() {
                state.refuse(
                    &path.key(key),
                    format!("keyword {key} without a \"type\" cannot be expressed"),
                );
            }
            "z.unknown()".into()
        }
        Some(Value::String(t)) => typed(state, defs, t, map, path, depth),
        Some(Value::Array(types)) => {
            let names: Vec<&str> = types.iter().filter_map(Value::as_str).collect();
            let non_null: Vec<&str> = names.iter().copied().filter(|t| *t != "null").collect();
            if names.len() == types.len() && names.len() == 2 && non_null.len() == 1 {
                format!(
                    "{}.nullable()",
                    typed(state, defs, non_null[0], map, path, depth)
                )
            } else {
                state.refuse(
                    &path.key("type"),
                    "a list of types other than [T, \"null\"] cannot be expressed (use anyOf)",
                );
                "z.never()".into()
            }
        }
        Some(_) => {
            state.refuse(&path.key("type"), "expected a string or a list of strings");
            "z.never()".into()
        }
    }
}

fn only_keys(
    state: &mut ModuleState,
    map: &Map<String, Value>,
    allowed: &[&str],
    path: &KeyPath,
    where_: &str,
) {
    for key in map.keys() {
        if !allowed.contains(&key.as_str()) {
            state.refuse(
                &path.key(key),
                format!("keyword {key} {where_} cannot be expressed"),
            );
        }
    }
}

fn check_type_agrees(
    state: &mut ModuleState,
    map: &Map<String, Value>,
    values: &[Value],
    path: &KeyPath,
) {
    let Some(t) = map.get("type") else { return };
    let types: Vec<&str> = match t {
        Value::String(s) => vec![s.as_str()],
        Value::Array(list) => list.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    let fits = |v: &Value| {
        types.iter().any(|t| match (*t, v) {
            ("string", Value::String(_))
            | ("boolean", Value::Bool(_))
            | ("null", Value::Null)
            | ("number", Value::Number(_)) => true,
            ("integer", Value::Number(n)) => n.is_i64() || n.is_u64(),
            _ => false,
        })
    };
    // zod writes the type of its literals itself; a "type" that removes some of the listed
    // values would need a second check zod cannot write.
    if !values.iter().all(fits) {
        state.refuse(
            &path.key("type"),
            "a type that excludes some of the listed values cannot be expressed",
        );
    }
}

fn literal(state: &mut ModuleState, value: &Value, path: &KeyPath) -> String {
    match value {
        Value::Null => "z.null()".into(),
        Value::String(_) | Value::Number(_) | Value::Bool(_) => format!("z.literal({value})"),
        _ => {
            state.refuse(
                path,
                "an object or array constant cannot be expressed (zod literals are primitives)",
            );
            "z.never()".into()
        }
    }
}

fn enumeration(
    state: &mut ModuleState,
    map: &Map<String, Value>,
    values: &Value,
    path: &KeyPath,
) -> String {
    let Value::Array(values) = values else {
        state.refuse(&path.key("enum"), "expected an array");
        return "z.never()".into();
    };
    if values.is_empty() {
        state.refuse(
            &path.key("enum"),
            "an empty enum accepts nothing; use false",
        );
        return "z.never()".into();
    }
    check_type_agrees(state, map, values, path);
    if values.iter().all(Value::is_string) {
        return format!("z.enum({})", Value::Array(values.clone()));
    }
    for (i, v) in values.iter().enumerate() {
        if v.is_object() || v.is_array() {
            state.refuse(
                &path.key("enum").index(i),
                "an object or array enum value cannot be expressed (zod literals are primitives)",
            );
        }
    }
    format!("z.literal({})", Value::Array(values.clone()))
}

fn union(
    state: &mut ModuleState,
    defs: &mut Defs,
    keyword: &str,
    zod: &str,
    branches: &Value,
    path: &KeyPath,
    depth: usize,
) -> String {
    let Some(list) = branches.as_array().filter(|l| !l.is_empty()) else {
        state.refuse(&path.key(keyword), "expected a non-empty array of schemas");
        return "z.never()".into();
    };
    let here = path.key(keyword);
    // `anyOf: [X, {"type": "null"}]` is what zod's `.nullable()` writes; keep that form.
    if keyword == "anyOf" && list.len() == 2 && list[1] == serde_json::json!({"type": "null"}) {
        let inner = schema_expr(state, defs, &list[0], &here.index(0), depth, false);
        return format!("{inner}.nullable()");
    }
    let parts: Vec<String> = list
        .iter()
        .enumerate()
        .map(|(i, b)| schema_expr(state, defs, b, &here.index(i), depth + 1, false))
        .collect();
    format!("{zod}([{}])", parts.join(", "))
}

fn typed(
    state: &mut ModuleState,
    defs: &mut Defs,
    t: &str,
    map: &Map<String, Value>,
    path: &KeyPath,
    depth: usize,
) -> String {
    match t {
        "string" => string(state, map, path),
        "integer" => number(state, "z.int()", map, path),
        "number" => number(state, "z.number()", map, path),
        "boolean" => {
            only_keys(state, map, &["type"], path, "on a boolean");
            "z.boolean()".into()
        }
        "null" => {
            only_keys(state, map, &["type"], path, "on null");
            "z.null()".into()
        }
        "array" => array(state, defs, map, path, depth),
        "object" => object(state, defs, map, path, depth),
        other => {
            state.refuse(&path.key("type"), format!("unknown type {other:?}"));
            "z.never()".into()
        }
    }
}

fn string(state: &mut ModuleState, map: &Map<String, Value>, path: &KeyPath) -> String {
    only_keys(
        state,
        map,
        &["type", "minLength", "maxLength", "pattern", "format"],
        path,
        "on a string",
    );
    let mut base = "z.string()".to_owned();
    let mut meta = Map::new();
    if let Some(format) = map.get("format") {
        let name = format.as_str().unwrap_or_default();
        if let Some((_, ctor)) = ZOD_FORMATS.iter().find(|(f, _)| *f == name) {
            base = (*ctor).to_owned();
            if map.contains_key("pattern") {
                // zod writes its own pattern for a checked format; a second one would not
                // come back as the contract's.
                state.refuse(
                    &path.key("pattern"),
                    format!("a pattern together with format {name:?} cannot be expressed"),
                );
            }
        } else if SERVER_ONLY_FORMATS.contains(&name) {
            state.refuse(
                &path.key("format"),
                format!("format {name:?} is checked by the server but zod has no check for it"),
            );
        } else if format.is_string() {
            // The server ignores formats it does not know (docs/contract-format.md), and so
            // does zod: record it as an annotation.
            meta.insert("format".into(), format.clone());
        } else {
            state.refuse(&path.key("format"), "expected a string");
        }
    }
    for (key, method) in [("minLength", "min"), ("maxLength", "max")] {
        if let Some(v) = map.get(key) {
            match v.as_u64() {
                Some(n) => base.push_str(&format!(".{method}({n})")),
                None => state.refuse(&path.key(key), "expected a non-negative integer"),
            }
        }
    }
    if let Some(p) = map.get("pattern") {
        match p.as_str() {
            Some(_) => base.push_str(&format!(".regex(new RegExp({p}))")),
            None => state.refuse(&path.key("pattern"), "expected a string"),
        }
    }
    with_meta(base, &meta)
}

fn number(state: &mut ModuleState, ctor: &str, map: &Map<String, Value>, path: &KeyPath) -> String {
    only_keys(
        state,
        map,
        &[
            "type",
            "minimum",
            "maximum",
            "exclusiveMinimum",
            "exclusiveMaximum",
            "multipleOf",
            "format",
        ],
        path,
        "on a number",
    );
    let mut base = ctor.to_owned();
    let mut meta = Map::new();
    // Formats check strings only, so on a number (schemars writes `uint32` and the like) one is
    // an annotation on both sides.
    if let Some(format) = map.get("format") {
        meta.insert("format".into(), format.clone());
    }
    for (key, method) in [
        ("minimum", "min"),
        ("maximum", "max"),
        ("exclusiveMinimum", "gt"),
        ("exclusiveMaximum", "lt"),
        ("multipleOf", "multipleOf"),
    ] {
        match map.get(key) {
            None => {}
            Some(Value::Number(n)) => base.push_str(&format!(".{method}({n})")),
            Some(Value::Bool(_)) => state.refuse(
                &path.key(key),
                "a boolean exclusive bound (draft 4) cannot be expressed; use a number",
            ),
            Some(_) => state.refuse(&path.key(key), "expected a number"),
        }
    }
    with_meta(base, &meta)
}

fn array(
    state: &mut ModuleState,
    defs: &mut Defs,
    map: &Map<String, Value>,
    path: &KeyPath,
    depth: usize,
) -> String {
    only_keys(
        state,
        map,
        &[
            "type",
            "items",
            "prefixItems",
            "minItems",
            "maxItems",
            "uniqueItems",
        ],
        path,
        "on an array",
    );
    if let Some(unique) = map.get("uniqueItems") {
        if unique != &Value::Bool(false) {
            state.refuse(
                &path.key("uniqueItems"),
                "unique items cannot be expressed (zod arrays have no such check)",
            );
        }
    }
    if map.contains_key("prefixItems") {
        // zod's tuple refuses missing and extra items but writes neither `minItems` nor
        // `items: false` back, so no tuple comes back as the contract's schema.
        state.refuse(
            &path.key("prefixItems"),
            "tuples (prefixItems) cannot be expressed",
        );
        return "z.never()".into();
    }
    let items = match map.get("items") {
        Some(items) => schema_expr(state, defs, items, &path.key("items"), depth + 1, false),
        None => "z.unknown()".into(),
    };
    let mut base = format!("z.array({items})");
    for (key, method) in [("minItems", "min"), ("maxItems", "max")] {
        if let Some(v) = map.get(key) {
            match v.as_u64() {
                Some(n) => base.push_str(&format!(".{method}({n})")),
                None => state.refuse(&path.key(key), "expected a non-negative integer"),
            }
        }
    }
    base
}

fn object(
    state: &mut ModuleState,
    defs: &mut Defs,
    map: &Map<String, Value>,
    path: &KeyPath,
    depth: usize,
) -> String {
    only_keys(
        state,
        map,
        &["type", "properties", "required", "additionalProperties"],
        path,
        "on an object",
    );
    let empty = Map::new();
    let properties = match map.get("properties") {
        None => &empty,
        Some(Value::Object(p)) => p,
        Some(_) => {
            state.refuse(&path.key("properties"), "expected an object of schemas");
            &empty
        }
    };
    let mut required: Vec<&str> = Vec::new();
    match map.get("required") {
        None => {}
        Some(Value::Array(list)) => {
            for (i, name) in list.iter().enumerate() {
                match name.as_str() {
                    Some(n) if properties.contains_key(n) => required.push(n),
                    Some(n) => state.refuse(
                        &path.key("required").index(i),
                        format!("required property {n:?} has no schema in \"properties\""),
                    ),
                    None => state.refuse(&path.key("required").index(i), "expected a string"),
                }
            }
        }
        Some(_) => state.refuse(&path.key("required"), "expected an array of names"),
    }
    let indent = "  ".repeat(depth);
    let mut fields = String::new();
    for (name, schema) in properties {
        let mut expr = schema_expr(
            state,
            defs,
            schema,
            &path.key("properties").key(name),
            depth + 1,
            false,
        );
        if !required.contains(&name.as_str()) {
            expr.push_str(".optional()");
        }
        fields.push_str(&format!(
            "{indent}  {}: {expr},\n",
            Value::String(name.clone())
        ));
    }
    let shape = if fields.is_empty() {
        "{}".to_owned()
    } else {
        format!("{{\n{fields}{indent}}}")
    };
    match map.get("additionalProperties") {
        None | Some(Value::Bool(true)) => format!("z.looseObject({shape})"),
        Some(Value::Bool(false)) => format!("z.strictObject({shape})"),
        Some(extra) => {
            let extra = schema_expr(
                state,
                defs,
                extra,
                &path.key("additionalProperties"),
                depth + 1,
                false,
            );
            format!("z.object({shape}).catchall({extra})")
        }
    }
}

/// A `$ref` to a def of the same schema: the def becomes a module constant carrying its name as
/// zod's `id`, which `z.toJSONSchema` writes back as `$defs/<name>` and `$ref`.
fn def_ref(state: &mut ModuleState, defs: &mut Defs, reference: &Value, path: &KeyPath) -> String {
    let name = reference.as_str().and_then(|r| {
        r.strip_prefix("#/$defs/")
            .or_else(|| r.strip_prefix("#/definitions/"))
    });
    let Some(name) = name.filter(|n| !n.contains('/') && !n.contains('~')) else {
        state.refuse(
            path,
            "only references to a def of the same schema (#/$defs/Name) can be expressed",
        );
        return "z.never()".into();
    };
    let Some((schema, def_path)) = defs.source.get(name).cloned() else {
        state.refuse(
            path,
            format!("no def named {name:?} at the root of this schema"),
        );
        return "z.never()".into();
    };
    if defs.visiting.iter().any(|v| v == name) {
        state.refuse(
            path,
            format!("recursive reference to {name:?} cannot be expressed"),
        );
        return "z.never()".into();
    }
    let ident = def_ident(name);
    if let Some((known, _)) = state.defs.get(name) {
        if known != schema {
            state.refuse(
                path,
                format!("two schemas define {name:?} differently; one zod id cannot name both"),
            );
        }
        return ident;
    }
    defs.visiting.push(name.to_owned());
    let expr = schema_expr(state, defs, schema, &def_path, 0, false);
    defs.visiting.pop();
    state.defs.insert(
        name.to_owned(),
        (
            schema.clone(),
            format!("{expr}.meta({{ id: {} }})", Value::String(name.into())),
        ),
    );
    state.def_order.push(name.to_owned());
    ident
}

/// The constant naming a def: `def_` and the name with anything that is not an identifier
/// character replaced (the module writer refuses two names that clean to the same constant).
pub(super) fn def_ident(name: &str) -> String {
    let clean: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("def_{clean}")
}
