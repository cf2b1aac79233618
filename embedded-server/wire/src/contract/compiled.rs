//! The compiled contract: every rule checked, every schema compiled, every name in a hash map.
//!
//! The server consults this on every frame, so lookups are plain `HashMap` gets and validation
//! is a compiled validator; nothing here allocates unless a payload is invalid. It is immutable
//! once built (hence `Send + Sync` without locks): share it behind an `Arc`.

use std::collections::HashMap;

use serde_json::Value;

use super::error::{At, ContractError, KeyPath};
use super::model::{Contract, EventSpec};
use super::schema::CompiledSchema;
use crate::Issue;

/// A contract ready to serve.
#[derive(Debug)]
pub struct CompiledContract {
    spec: Contract,
    shared_events: HashMap<String, CompiledMessage>,
    shared_topics: HashMap<String, CompiledMessage>,
    roles: HashMap<String, CompiledRole>,
}

#[derive(Debug, Default)]
struct CompiledRole {
    requests: HashMap<String, CompiledRequest>,
    events: HashMap<String, CompiledMessage>,
    topics: HashMap<String, CompiledMessage>,
}

/// A server-to-client message (event or topic) with its compiled payload schema.
#[derive(Debug)]
pub struct CompiledMessage {
    name: String,
    subscribe: bool,
    description: Option<String>,
    payload: CompiledSchema,
}

/// A client-to-server request with its compiled input and output schemas.
#[derive(Debug)]
pub struct CompiledRequest {
    name: String,
    concurrent: bool,
    description: Option<String>,
    input: CompiledSchema,
    output: CompiledSchema,
}

/// What a `sub` frame names, from the point of view of one role.
#[derive(Debug, Clone, Copy)]
pub enum TopicLookup<'c> {
    /// A shared topic (the cluster bus); any role may subscribe.
    Shared(&'c CompiledMessage),
    /// A topic of the subscriber's own role.
    Role(&'c CompiledMessage),
    /// The name exists for this role but as a plain event: events are pushed, never subscribed.
    NotATopic,
    /// Nothing by that name for this role (or no such role).
    Unknown,
}

impl Contract {
    /// Checks every rule and compiles every schema. Returns the first problem found.
    pub fn compile(self) -> Result<CompiledContract, ContractError> {
        compile_collecting(self).map_err(|problems| problems.first)
    }
}

/// Every problem found in a contract; there is always at least one. Boxed in results because
/// errors are rare and the success path should stay small.
pub(crate) struct Problems {
    pub first: ContractError,
    pub rest: Vec<ContractError>,
}

/// Compiles, collecting every problem instead of stopping at the first, so the file loader can
/// report the one that comes first in the file.
pub(crate) fn compile_collecting(spec: Contract) -> Result<CompiledContract, Box<Problems>> {
    let mut errors = Vec::new();
    if spec.roles.is_empty() {
        errors.push(ContractError::NoRoles {
            at: At::path(KeyPath::of(&["roles"])),
        });
    }

    let mut shared_events = HashMap::new();
    let mut shared_topics = HashMap::new();
    let shared_path = KeyPath::of(&["shared", "serverToClient"]);
    for (name, event) in &spec.shared.server_to_client {
        let path = shared_path.key(name);
        check_name(name, &path, &mut errors);
        if let Some(message) = compile_message(name, event, &path, &mut errors) {
            let table = if event.subscribe {
                &mut shared_topics
            } else {
                &mut shared_events
            };
            table.insert(name.clone(), message);
        }
    }

    let mut roles = HashMap::new();
    for (role_name, role) in &spec.roles {
        let role_path = KeyPath::of(&["roles"]).key(role_name);
        check_name(role_name, &role_path, &mut errors);
        let mut compiled = CompiledRole::default();

        for (name, request) in &role.client_to_server {
            let path = role_path.key("clientToServer").key(name);
            check_name(name, &path, &mut errors);
            let input = compile_schema(&request.input, &path.key("input"), &mut errors);
            let output = compile_schema(&request.output, &path.key("output"), &mut errors);
            if let (Some(input), Some(output)) = (input, output) {
                let request = CompiledRequest {
                    name: name.clone(),
                    concurrent: request.concurrent,
                    description: request.description.clone(),
                    input,
                    output,
                };
                compiled.requests.insert(name.clone(), request);
            }
        }

        for (name, event) in &role.server_to_client {
            let path = role_path.key("serverToClient").key(name);
            check_name(name, &path, &mut errors);
            if spec.shared.server_to_client.contains_key(name) {
                errors.push(ContractError::NameClash {
                    at: At::path(path.clone()),
                    name: name.clone(),
                });
            }
            if let Some(message) = compile_message(name, event, &path, &mut errors) {
                let table = if event.subscribe {
                    &mut compiled.topics
                } else {
                    &mut compiled.events
                };
                table.insert(name.clone(), message);
            }
        }
        roles.insert(role_name.clone(), compiled);
    }

    let mut errors = errors.into_iter();
    match errors.next() {
        None => Ok(CompiledContract {
            spec,
            shared_events,
            shared_topics,
            roles,
        }),
        Some(first) => Err(Box::new(Problems {
            first,
            rest: errors.collect(),
        })),
    }
}

/// Names travel in frames and console filters: they must be non-empty and free of whitespace
/// and control characters.
fn check_name(name: &str, path: &KeyPath, errors: &mut Vec<ContractError>) {
    if name.is_empty() {
        errors.push(ContractError::EmptyName {
            at: At::path(path.clone()),
        });
    } else if name.chars().any(|c| c.is_whitespace() || c.is_control()) {
        errors.push(ContractError::BadName {
            at: At::path(path.clone()),
            name: name.to_owned(),
        });
    }
}

fn compile_message(
    name: &str,
    event: &EventSpec,
    path: &KeyPath,
    errors: &mut Vec<ContractError>,
) -> Option<CompiledMessage> {
    let payload_path = path.key("payload");
    if event.subscribe && event.payload.get("type") != Some(&Value::from("object")) {
        errors.push(ContractError::TopicNotObject {
            at: At::path(payload_path.clone()),
        });
    }
    let payload = compile_schema(&event.payload, &payload_path, errors)?;
    Some(CompiledMessage {
        name: name.to_owned(),
        subscribe: event.subscribe,
        description: event.description.clone(),
        payload,
    })
}

/// Compiles one schema. jsonschema checks the schema against its meta-schema, and the error's
/// instance path is then a path inside the schema, which we append so the diagnostic points at
/// the bad keyword rather than at the whole schema.
fn compile_schema(
    schema: &Value,
    path: &KeyPath,
    errors: &mut Vec<ContractError>,
) -> Option<CompiledSchema> {
    match CompiledSchema::compile(schema.clone()) {
        Ok(compiled) => Some(compiled),
        Err(error) => {
            let inner = error
                .instance_path()
                .iter()
                .fold(path.clone(), |path, segment| match segment {
                    jsonschema::paths::LocationSegment::Property(key) => path.key(&key),
                    jsonschema::paths::LocationSegment::Index(index) => path.index(index),
                });
            errors.push(ContractError::InvalidSchema {
                at: At::path(inner),
                message: error.to_string(),
            });
            None
        }
    }
}

impl CompiledContract {
    /// The contract as loaded, for display and for capture files.
    pub fn spec(&self) -> &Contract {
        &self.spec
    }

    pub fn has_role(&self, role: &str) -> bool {
        self.roles.contains_key(role)
    }

    /// Role names in sorted order.
    pub fn roles(&self) -> impl Iterator<Item = &str> {
        self.spec.roles.keys().map(String::as_str)
    }

    /// A request `role` may call.
    pub fn request(&self, role: &str, name: &str) -> Option<&CompiledRequest> {
        self.roles.get(role)?.requests.get(name)
    }

    /// An event (not a topic) a connection of `role` may receive: one of its role's events or a
    /// shared event. Names cannot clash between the two, so the order of lookup is irrelevant.
    pub fn event_for_role(&self, role: &str, name: &str) -> Option<&CompiledMessage> {
        let role = self.roles.get(role)?;
        role.events
            .get(name)
            .or_else(|| self.shared_events.get(name))
    }

    /// A shared event: the only kind a mixed-role room may broadcast.
    pub fn shared_event(&self, name: &str) -> Option<&CompiledMessage> {
        self.shared_events.get(name)
    }

    /// A shared topic: the cluster bus.
    pub fn shared_topic(&self, name: &str) -> Option<&CompiledMessage> {
        self.shared_topics.get(name)
    }

    /// A topic of one role, published to that role's subscribers only.
    pub fn role_topic(&self, role: &str, name: &str) -> Option<&CompiledMessage> {
        self.roles.get(role)?.topics.get(name)
    }

    /// What a `sub` frame from a connection of `role` for `name` refers to.
    pub fn topic_for_role(&self, role: &str, name: &str) -> TopicLookup<'_> {
        let Some(compiled_role) = self.roles.get(role) else {
            return TopicLookup::Unknown;
        };
        if let Some(topic) = self.shared_topics.get(name) {
            TopicLookup::Shared(topic)
        } else if let Some(topic) = compiled_role.topics.get(name) {
            TopicLookup::Role(topic)
        } else if compiled_role.events.contains_key(name) || self.shared_events.contains_key(name) {
            TopicLookup::NotATopic
        } else {
            TopicLookup::Unknown
        }
    }
}

impl CompiledMessage {
    pub fn name(&self) -> &str {
        &self.name
    }

    /// True for a topic, false for an event.
    pub fn is_topic(&self) -> bool {
        self.subscribe
    }

    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }

    /// Checks a payload before it is sent (or, for the bus, when it arrives from another node).
    pub fn validate(&self, payload: &Value) -> Result<(), Vec<Issue>> {
        self.payload.validate(payload)
    }

    /// A valid payload, the starting point of the console's push editor.
    pub fn sample(&self) -> Value {
        self.payload.sample().clone()
    }

    /// The payload schema as written.
    pub fn schema(&self) -> &Value {
        self.payload.schema()
    }

    pub fn payload(&self) -> &CompiledSchema {
        &self.payload
    }
}

impl CompiledRequest {
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }

    /// Whether the contract lets this request run beside the connection's other requests.
    pub fn concurrent(&self) -> bool {
        self.concurrent
    }

    /// Checks what a client sent before a handler sees it.
    pub fn validate_input(&self, input: &Value) -> Result<(), Vec<Issue>> {
        self.input.validate(input)
    }

    /// Checks what a handler answered before it goes on the wire.
    pub fn validate_output(&self, output: &Value) -> Result<(), Vec<Issue>> {
        self.output.validate(output)
    }

    /// A valid answer: what a request without a handler returns, so a contract file alone gives
    /// a working dev server.
    pub fn sample_output(&self) -> Value {
        self.output.sample().clone()
    }

    /// A valid input, the starting point of the console's request editor.
    pub fn sample_input(&self) -> Value {
        self.input.sample().clone()
    }

    pub fn input(&self) -> &CompiledSchema {
        &self.input
    }

    pub fn output(&self) -> &CompiledSchema {
        &self.output
    }
}
