//! Loading a contract from a JSON file, with diagnostics that point at the offending key.
//!
//! The text is parsed by [`spanned`](super::spanned) (which keeps positions and refuses
//! duplicate keys), then walked into the [`Contract`] model here, refusing unknown keys and wrong
//! types. Finally the same semantic checks as [`Contract::compile`] run, and their key paths are
//! mapped back to file positions, so a clashing name is reported at the line that declares it.
//!
//! The accepted shape is exactly the serde form of the model; a test keeps the two in step.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use super::compiled::{compile_collecting, Problems};
use super::error::{At, ContractError, KeyPath, PathSegment, SourcePos};
use super::model::{Contract, EventSpec, RequestSpec, RoleSpec, SharedSpec};
use super::spanned::{self, Member, Node, ParseError, PathStep, Pos, Spanned};

impl Contract {
    /// Reads, parses and validates a contract file. Errors name the file as given.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Contract, ContractError> {
        let path = path.as_ref();
        let origin = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| ContractError::Read {
            origin: origin.clone(),
            source,
        })?;
        Contract::from_json_str(&text, &origin)
    }

    /// Parses and validates contract text. `origin_name` is what error messages call the text
    /// (usually a file name).
    ///
    /// Validation compiles every schema; the compiled form is dropped here because callers hold
    /// the plain [`Contract`] (to show or store it) and compile it when they serve it.
    pub fn from_json_str(text: &str, origin_name: &str) -> Result<Contract, ContractError> {
        let root = spanned::parse(text).map_err(|e| parse_error(e, origin_name))?;
        let contract = Loader {
            origin: origin_name,
        }
        .contract(&root)?;
        match compile_collecting(contract.clone()) {
            Ok(_) => Ok(contract),
            Err(problems) => Err(earliest_located(*problems, &root, origin_name)),
        }
    }
}

/// Among several semantic errors, reports the one that comes first in the file, so fixing
/// errors top to bottom works as it does with a compiler.
fn earliest_located(problems: Problems, root: &Spanned, origin: &str) -> ContractError {
    let Problems { first, rest } = problems;
    let locate_one = |mut error: ContractError| {
        let pos = match error.at_mut() {
            Some(at) => {
                let pos = locate(root, &at.path);
                at.pos = Some(source_pos(origin, pos));
                pos
            }
            None => root.pos,
        };
        ((pos.line, pos.column), error)
    };
    let mut earliest = locate_one(first);
    for error in rest {
        let candidate = locate_one(error);
        // Strictly earlier only: among errors at one place, the first check to fire wins.
        if candidate.0 < earliest.0 {
            earliest = candidate;
        }
    }
    earliest.1
}

/// Finds the position of the deepest key along `path` that exists in the document: a key's own
/// position for object steps, the element's position for array steps.
fn locate(root: &Spanned, path: &KeyPath) -> Pos {
    let mut node = root;
    let mut pos = root.pos;
    for segment in path.segments() {
        let next = match (segment, &node.node) {
            (PathSegment::Key(key), Node::Object(members)) => members
                .iter()
                .find(|m| &m.key == key)
                .map(|m| (m.key_pos, &m.value)),
            (PathSegment::Index(index), Node::Array(items)) => {
                items.get(*index).map(|item| (item.pos, item))
            }
            _ => None,
        };
        match next {
            Some((found, child)) => {
                pos = found;
                node = child;
            }
            None => break,
        }
    }
    pos
}

fn source_pos(origin: &str, pos: Pos) -> SourcePos {
    SourcePos {
        origin: origin.to_owned(),
        line: pos.line,
        column: pos.column,
    }
}

fn key_path(steps: &[PathStep]) -> KeyPath {
    steps.iter().fold(KeyPath::root(), |path, step| match step {
        PathStep::Key(key) => path.key(key),
        PathStep::Index(index) => path.index(*index),
    })
}

fn parse_error(error: ParseError, origin: &str) -> ContractError {
    match error {
        ParseError::Syntax { pos, path, message } => ContractError::Syntax {
            at: At {
                pos: Some(source_pos(origin, pos)),
                path: key_path(&path),
            },
            message,
        },
        ParseError::DuplicateKey {
            pos,
            path,
            key,
            first,
        } => ContractError::DuplicateKey {
            at: At {
                pos: Some(source_pos(origin, pos)),
                path: key_path(&path),
            },
            key,
            first_line: first.line,
        },
    }
}

/// Walks the spanned tree into the model. Each method receives the node and its key path.
struct Loader<'o> {
    origin: &'o str,
}

/// The members of one object, checked against the keys the format allows there.
struct Fields<'n> {
    members: &'n [Member],
    object_pos: Pos,
}

impl<'n> Fields<'n> {
    fn get(&self, key: &str) -> Option<&'n Member> {
        self.members.iter().find(|m| m.key == key)
    }
}

impl Loader<'_> {
    fn at(&self, pos: Pos, path: &KeyPath) -> At {
        At {
            pos: Some(source_pos(self.origin, pos)),
            path: path.clone(),
        }
    }

    fn wrong_type(&self, node: &Spanned, path: &KeyPath, expected: &'static str) -> ContractError {
        ContractError::WrongType {
            at: self.at(node.pos, path),
            expected,
            found: node.type_name(),
        }
    }

    /// Checks that `node` is an object whose keys are all in `allowed`.
    fn fields<'n>(
        &self,
        node: &'n Spanned,
        path: &KeyPath,
        allowed: &[&'static str],
    ) -> Result<Fields<'n>, ContractError> {
        let Node::Object(members) = &node.node else {
            return Err(self.wrong_type(node, path, "an object"));
        };
        if let Some(unknown) = members.iter().find(|m| !allowed.contains(&m.key.as_str())) {
            return Err(ContractError::UnknownKey {
                at: self.at(unknown.key_pos, path),
                key: unknown.key.clone(),
                expected: allowed.to_vec(),
            });
        }
        Ok(Fields {
            members,
            object_pos: node.pos,
        })
    }

    fn required<'n>(
        &self,
        fields: &Fields<'n>,
        path: &KeyPath,
        key: &'static str,
    ) -> Result<&'n Member, ContractError> {
        fields.get(key).ok_or_else(|| ContractError::MissingKey {
            at: self.at(fields.object_pos, path),
            key,
        })
    }

    fn contract(&self, node: &Spanned) -> Result<Contract, ContractError> {
        let path = KeyPath::root();
        let fields = self.fields(node, &path, &["shared", "roles"])?;
        let shared = match fields.get("shared") {
            Some(member) => self.shared(&member.value, &path.key("shared"))?,
            None => SharedSpec::default(),
        };
        let roles_member = self.required(&fields, &path, "roles")?;
        let roles = self.map(&roles_member.value, &path.key("roles"), |value, path| {
            self.role(value, path)
        })?;
        Ok(Contract { shared, roles })
    }

    fn shared(&self, node: &Spanned, path: &KeyPath) -> Result<SharedSpec, ContractError> {
        let fields = self.fields(node, path, &["serverToClient"])?;
        let server_to_client = match fields.get("serverToClient") {
            Some(member) => self.events(&member.value, &path.key("serverToClient"))?,
            None => BTreeMap::new(),
        };
        Ok(SharedSpec { server_to_client })
    }

    fn role(&self, node: &Spanned, path: &KeyPath) -> Result<RoleSpec, ContractError> {
        let fields = self.fields(node, path, &["clientToServer", "serverToClient"])?;
        let client_to_server = match fields.get("clientToServer") {
            Some(member) => {
                let path = path.key("clientToServer");
                self.map(&member.value, &path, |value, path| {
                    self.request(value, path)
                })?
            }
            None => BTreeMap::new(),
        };
        let server_to_client = match fields.get("serverToClient") {
            Some(member) => self.events(&member.value, &path.key("serverToClient"))?,
            None => BTreeMap::new(),
        };
        Ok(RoleSpec {
            client_to_server,
            server_to_client,
        })
    }

    fn events(
        &self,
        node: &Spanned,
        path: &KeyPath,
    ) -> Result<BTreeMap<String, EventSpec>, ContractError> {
        self.map(node, path, |value, path| self.event(value, path))
    }

    /// A name-to-spec object. Keys are free (they are names), so only the type is checked here;
    /// name rules are semantic and live with the other compile checks.
    fn map<T>(
        &self,
        node: &Spanned,
        path: &KeyPath,
        item: impl Fn(&Spanned, &KeyPath) -> Result<T, ContractError>,
    ) -> Result<BTreeMap<String, T>, ContractError> {
        let Node::Object(members) = &node.node else {
            return Err(self.wrong_type(node, path, "an object"));
        };
        members
            .iter()
            .map(|m| Ok((m.key.clone(), item(&m.value, &path.key(&m.key))?)))
            .collect()
    }

    fn event(&self, node: &Spanned, path: &KeyPath) -> Result<EventSpec, ContractError> {
        let fields = self.fields(node, path, &["payload", "subscribe", "description"])?;
        let payload = self.required(&fields, path, "payload")?;
        let subscribe = self.flag(&fields, path, "subscribe")?;
        Ok(EventSpec {
            payload: self.schema(&payload.value, &path.key("payload"))?,
            subscribe,
            description: self.description(&fields, path)?,
        })
    }

    fn request(&self, node: &Spanned, path: &KeyPath) -> Result<RequestSpec, ContractError> {
        let fields = self.fields(
            node,
            path,
            &["input", "output", "concurrent", "description"],
        )?;
        let input = self.required(&fields, path, "input")?;
        let output = self.required(&fields, path, "output")?;
        Ok(RequestSpec {
            input: self.schema(&input.value, &path.key("input"))?,
            output: self.schema(&output.value, &path.key("output"))?,
            concurrent: self.flag(&fields, path, "concurrent")?,
            description: self.description(&fields, path)?,
        })
    }

    /// An optional boolean key, `false` when absent.
    fn flag(&self, fields: &Fields<'_>, path: &KeyPath, key: &str) -> Result<bool, ContractError> {
        match fields.get(key) {
            None => Ok(false),
            Some(member) => match member.value.node {
                Node::Bool(b) => Ok(b),
                _ => Err(self.wrong_type(&member.value, &path.key(key), "a boolean")),
            },
        }
    }

    /// A JSON Schema is an object or a boolean; anything else is refused here with a clearer
    /// message than the meta-schema would give.
    fn schema(&self, node: &Spanned, path: &KeyPath) -> Result<Value, ContractError> {
        match node.node {
            Node::Object(_) | Node::Bool(_) => Ok(node.to_value()),
            _ => Err(self.wrong_type(node, path, "a JSON Schema (an object or a boolean)")),
        }
    }

    /// `description` is a string; `null` means absent, as it does for serde's `Option`.
    fn description(
        &self,
        fields: &Fields<'_>,
        path: &KeyPath,
    ) -> Result<Option<String>, ContractError> {
        match fields.get("description") {
            None => Ok(None),
            Some(member) => match &member.value.node {
                Node::Null => Ok(None),
                Node::String(text) => Ok(Some(text.clone())),
                _ => Err(self.wrong_type(&member.value, &path.key("description"), "a string")),
            },
        }
    }
}
