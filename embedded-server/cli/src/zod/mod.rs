//! A contract as a super-line TypeScript module: `defineContract({...})` with zod 4 schemas.
//!
//! A front end that imports the module gets typed calls from super-line's client against a
//! Switchboard server running the same contract. `scripts/contract-from-ts.mjs` goes the other
//! way (zod writes JSON Schema), and the two are inverse on every contract this module accepts:
//! each schema keyword becomes the zod construct that zod writes back as that keyword.
//!
//! - `mod.rs`: the module layout (roles, shared messages, defs) and the error type;
//! - `schema.rs`: one JSON Schema to one zod expression, refusing what zod cannot say.
//!
//! See `docs/typescript.md`.

mod schema;

use std::collections::BTreeMap;
use std::fmt;

use serde_json::Value;
use switchboard_server::contract::{Contract, EventSpec, KeyPath, RequestSpec};

use schema::{def_ident, root_schema, ModuleState};

/// A part of a schema that zod cannot say with the same meaning, and where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unexpressible {
    /// Key path from the contract's root, as contract errors write it.
    pub path: KeyPath,
    pub what: String,
}

impl fmt::Display for Unexpressible {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.what)
    }
}

/// Why no module was written: every part that cannot be expressed, in contract order.
#[derive(Debug, thiserror::Error)]
#[error("the contract cannot be written as zod schemas without changing what it accepts:\n{}", list(.0))]
pub struct ZodExportError(pub Vec<Unexpressible>);

fn list(items: &[Unexpressible]) -> String {
    items
        .iter()
        .map(|u| format!("  {u}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Writes `contract` as a super-line contract module (TypeScript, ESM). `source` names where the
/// contract came from, for the header comment.
pub fn super_line_module(contract: &Contract, source: &str) -> Result<String, ZodExportError> {
    let mut state = ModuleState::default();
    let mut body = String::new();
    body.push_str("export const contract = defineContract({\n");
    if !contract.shared.server_to_client.is_empty() {
        body.push_str("  shared: {\n");
        let path = KeyPath::of(&["shared", "serverToClient"]);
        messages(
            &mut state,
            &mut body,
            &contract.shared.server_to_client,
            &path,
        );
        body.push_str("  },\n");
    }
    body.push_str("  roles: {\n");
    for (role, spec) in &contract.roles {
        body.push_str(&format!("    {}: {{\n", js_key(role)));
        let role_path = KeyPath::of(&["roles", role.as_str()]);
        if !spec.client_to_server.is_empty() {
            requests(
                &mut state,
                &mut body,
                &spec.client_to_server,
                &role_path.key("clientToServer"),
            );
        }
        if !spec.server_to_client.is_empty() {
            let mut inner = String::new();
            messages(
                &mut state,
                &mut inner,
                &spec.server_to_client,
                &role_path.key("serverToClient"),
            );
            body.push_str(&indent(&inner, 2));
        }
        body.push_str("    },\n");
    }
    body.push_str("  },\n});\n\nexport default contract;\n");

    let mut idents: BTreeMap<String, &str> = BTreeMap::new();
    for name in &state.def_order {
        if let Some(other) = idents.insert(def_ident(name), name) {
            state.errors.push(Unexpressible {
                path: KeyPath::root(),
                what: format!("defs {other:?} and {name:?} would share one constant name"),
            });
        }
    }
    if !state.errors.is_empty() {
        return Err(ZodExportError(state.errors));
    }
    let mut out = String::new();
    out.push_str(&format!(
        "// A super-line contract with zod schemas, from {source}.\n\
         // Written by `switchboard-server contract export --format super-line-ts`; regenerate it\n\
         // rather than edit it (scripts/contract-from-ts.mjs converts a module back to JSON).\n\
         import {{ defineContract }} from \"@super-line/core\";\n\
         import {{ z }} from \"zod\";\n\n"
    ));
    for name in &state.def_order {
        let (_, expr) = &state.defs[name];
        out.push_str(&format!("const {} = {expr};\n", def_ident(name)));
    }
    if !state.def_order.is_empty() {
        out.push('\n');
    }
    out.push_str(&body);
    Ok(out)
}

/// `serverToClient: { name: { payload, subscribe?, description? } }`, at depth 2.
fn messages(
    state: &mut ModuleState,
    out: &mut String,
    specs: &BTreeMap<String, EventSpec>,
    path: &KeyPath,
) {
    out.push_str("    serverToClient: {\n");
    for (name, spec) in specs {
        let here = path.key(name);
        out.push_str(&format!("      {}: {{\n", js_key(name)));
        description(out, spec.description.as_deref());
        if spec.subscribe {
            out.push_str("        subscribe: true,\n");
        }
        let payload = root_schema(state, &spec.payload, &here.key("payload"), 4);
        out.push_str(&format!("        payload: {payload},\n"));
        out.push_str("      },\n");
    }
    out.push_str("    },\n");
}

/// `clientToServer: { name: { input, output, description? } }`, inside a role (depth 3).
fn requests(
    state: &mut ModuleState,
    out: &mut String,
    specs: &BTreeMap<String, RequestSpec>,
    path: &KeyPath,
) {
    out.push_str("      clientToServer: {\n");
    for (name, spec) in specs {
        let here = path.key(name);
        out.push_str(&format!("        {}: {{\n", js_key(name)));
        let mut d = String::new();
        description(&mut d, spec.description.as_deref());
        out.push_str(&indent(&d, 2));
        let input = root_schema(state, &spec.input, &here.key("input"), 5);
        let output = root_schema(state, &spec.output, &here.key("output"), 5);
        out.push_str(&format!("          input: {input},\n"));
        out.push_str(&format!("          output: {output},\n"));
        out.push_str("        },\n");
    }
    out.push_str("      },\n");
}

fn description(out: &mut String, text: Option<&str>) {
    if let Some(text) = text {
        out.push_str(&format!(
            "        description: {},\n",
            Value::String(text.to_owned())
        ));
    }
}

/// A property key as TypeScript accepts it: always a JSON string literal, which is valid and
/// needs no identifier rules.
fn js_key(name: &str) -> String {
    Value::String(name.to_owned()).to_string()
}

fn indent(text: &str, spaces: usize) -> String {
    let pad = " ".repeat(spaces);
    text.lines()
        .map(|l| {
            if l.is_empty() {
                "\n".to_owned()
            } else {
                format!("{pad}{l}\n")
            }
        })
        .collect()
}
