//! Building a contract in Rust, from types ([`typed`](super::typed)) or from schema values.
//!
//! The builder produces the same [`Contract`] a file would and validates it with the same
//! checks, so an app can start in Rust and export its contract as a file (or the reverse)
//! without any difference in behaviour.

use std::collections::btree_map::Entry;
use std::collections::BTreeMap;

use serde_json::Value;

use super::compiled::CompiledContract;
use super::error::{At, ContractError, KeyPath};
use super::model::{Contract, EventSpec, RequestSpec, RoleSpec};
use super::typed::{normalise, schema_of, Event, Request, SharedEvent, SharedTopic, Topic};

impl Contract {
    /// Starts an empty contract.
    pub fn builder() -> ContractBuilder {
        ContractBuilder::default()
    }
}

/// Collects declarations; [`build`](Self::build) validates them.
///
/// Declaring a name twice is an error reported by `build` (rather than the second declaration
/// silently replacing the first, which a map would do), mirroring the duplicate-key rule of files.
#[derive(Debug, Default)]
#[must_use = "a builder does nothing until `build` or `compile` is called"]
pub struct ContractBuilder {
    contract: Contract,
    twice: Vec<KeyPath>,
}

/// The declarations of one role, filled in by the closure given to [`ContractBuilder::role`].
#[derive(Debug)]
#[must_use = "return the builder from the role closure"]
pub struct RoleBuilder {
    path: KeyPath,
    spec: RoleSpec,
    twice: Vec<KeyPath>,
}

impl ContractBuilder {
    /// Declares a shared event (room-broadcastable) from its type.
    pub fn shared_event<E: SharedEvent>(self) -> Self {
        self.shared(E::NAME, event_spec(schema_of::<E>(), false, E::DESCRIPTION))
    }

    /// Declares a shared topic (the cluster bus) from its type.
    pub fn shared_topic<T: SharedTopic>(self) -> Self {
        self.shared(T::NAME, event_spec(schema_of::<T>(), true, T::DESCRIPTION))
    }

    /// Declares a shared event from a schema value (for contracts assembled at run time).
    pub fn shared_event_schema(self, name: impl Into<String>, payload: Value) -> Self {
        self.shared(name, event_spec(normalise(payload), false, None))
    }

    /// Declares a shared topic from a schema value.
    pub fn shared_topic_schema(self, name: impl Into<String>, payload: Value) -> Self {
        self.shared(name, event_spec(normalise(payload), true, None))
    }

    fn shared(mut self, name: impl Into<String>, spec: EventSpec) -> Self {
        let path = KeyPath::of(&["shared", "serverToClient"]);
        insert_once(
            &mut self.contract.shared.server_to_client,
            &path,
            name.into(),
            spec,
            &mut self.twice,
        );
        self
    }

    /// Declares a role; `declare` adds its requests, events and topics.
    pub fn role(
        mut self,
        name: impl Into<String>,
        declare: impl FnOnce(RoleBuilder) -> RoleBuilder,
    ) -> Self {
        let name = name.into();
        let path = KeyPath::of(&["roles"]).key(&name);
        if self.contract.roles.contains_key(&name) {
            self.twice.push(path);
            return self;
        }
        let built = declare(RoleBuilder {
            path,
            spec: RoleSpec::default(),
            twice: Vec::new(),
        });
        self.twice.extend(built.twice);
        self.contract.roles.insert(name, built.spec);
        self
    }

    /// Validates and returns the contract (for display, export, or compiling later).
    pub fn build(self) -> Result<Contract, ContractError> {
        let contract = self.checked()?;
        contract.clone().compile()?;
        Ok(contract)
    }

    /// Validates and compiles in one step, when the app serves the contract right away.
    pub fn compile(self) -> Result<CompiledContract, ContractError> {
        self.checked()?.compile()
    }

    fn checked(self) -> Result<Contract, ContractError> {
        match self.twice.into_iter().next() {
            Some(path) => Err(ContractError::DeclaredTwice { at: At::path(path) }),
            None => Ok(self.contract),
        }
    }
}

impl RoleBuilder {
    /// Declares a request this role may call, from its type.
    pub fn request<R: Request>(self) -> Self {
        let spec = RequestSpec {
            input: schema_of::<R::Input>(),
            output: schema_of::<R::Output>(),
            concurrent: false,
            description: R::DESCRIPTION.map(str::to_owned),
        };
        self.insert_request(R::NAME.to_owned(), spec)
    }

    /// Declares an event only this role receives, from its type.
    pub fn event<E: Event>(self) -> Self {
        self.insert_message(E::NAME, event_spec(schema_of::<E>(), false, E::DESCRIPTION))
    }

    /// Declares a topic only this role may subscribe to, from its type.
    pub fn topic<T: Topic>(self) -> Self {
        self.insert_message(T::NAME, event_spec(schema_of::<T>(), true, T::DESCRIPTION))
    }

    /// Declares a request from schema values.
    pub fn request_schema(self, name: impl Into<String>, input: Value, output: Value) -> Self {
        let spec = RequestSpec {
            input: normalise(input),
            output: normalise(output),
            concurrent: false,
            description: None,
        };
        self.insert_request(name.into(), spec)
    }

    /// Declares a role event from a schema value.
    pub fn event_schema(self, name: impl Into<String>, payload: Value) -> Self {
        self.insert_message(name, event_spec(normalise(payload), false, None))
    }

    /// Declares a role topic from a schema value.
    pub fn topic_schema(self, name: impl Into<String>, payload: Value) -> Self {
        self.insert_message(name, event_spec(normalise(payload), true, None))
    }

    fn insert_request(mut self, name: String, spec: RequestSpec) -> Self {
        let path = self.path.key("clientToServer");
        insert_once(
            &mut self.spec.client_to_server,
            &path,
            name,
            spec,
            &mut self.twice,
        );
        self
    }

    fn insert_message(mut self, name: impl Into<String>, spec: EventSpec) -> Self {
        let path = self.path.key("serverToClient");
        insert_once(
            &mut self.spec.server_to_client,
            &path,
            name.into(),
            spec,
            &mut self.twice,
        );
        self
    }
}

fn event_spec(payload: Value, subscribe: bool, description: Option<&str>) -> EventSpec {
    EventSpec {
        payload,
        subscribe,
        description: description.map(str::to_owned),
    }
}

/// Inserts unless the name is taken, in which case the first declaration stays and the second is
/// recorded as an error.
fn insert_once<T>(
    map: &mut BTreeMap<String, T>,
    path: &KeyPath,
    name: String,
    spec: T,
    twice: &mut Vec<KeyPath>,
) {
    match map.entry(name) {
        Entry::Occupied(taken) => twice.push(path.key(taken.key())),
        Entry::Vacant(free) => {
            free.insert(spec);
        }
    }
}
