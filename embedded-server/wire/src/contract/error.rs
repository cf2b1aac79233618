//! Why a contract was refused, and where.
//!
//! Every error renders as one line, `file:line:column: key.path: what is wrong`, like a
//! compiler diagnostic, so editors and terminals can jump to it. Contracts built in Rust have no
//! file, so their errors start at the key path.

use std::fmt;

/// One step of a key path: an object key or an array index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathSegment {
    Key(String),
    Index(usize),
}

/// Where in the contract's structure something is, from the root: `roles.user.clientToServer`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct KeyPath(Vec<PathSegment>);

impl KeyPath {
    /// The root of the document.
    pub fn root() -> Self {
        Self(Vec::new())
    }

    /// Builds a path from plain keys.
    pub fn of<S: AsRef<str>>(keys: &[S]) -> Self {
        Self(
            keys.iter()
                .map(|key| PathSegment::Key(key.as_ref().to_owned()))
                .collect(),
        )
    }

    /// This path with one more key.
    pub fn key(&self, key: &str) -> Self {
        let mut segments = self.0.clone();
        segments.push(PathSegment::Key(key.to_owned()));
        Self(segments)
    }

    /// This path with one more array index.
    pub fn index(&self, index: usize) -> Self {
        let mut segments = self.0.clone();
        segments.push(PathSegment::Index(index));
        Self(segments)
    }

    pub fn segments(&self) -> &[PathSegment] {
        &self.0
    }

    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for KeyPath {
    /// Plain keys are joined with dots; a key that would make the path ambiguous (empty, or
    /// holding a dot, a bracket, a quote, whitespace or a control character) is written as a
    /// quoted JSON string in brackets, and indexes as `[n]`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, segment) in self.0.iter().enumerate() {
            match segment {
                PathSegment::Index(index) => write!(f, "[{index}]")?,
                PathSegment::Key(key) if is_plain_key(key) => {
                    if i > 0 {
                        f.write_str(".")?;
                    }
                    f.write_str(key)?;
                }
                PathSegment::Key(key) => {
                    let quoted = serde_json::Value::String(key.clone());
                    write!(f, "[{quoted}]")?;
                }
            }
        }
        Ok(())
    }
}

fn is_plain_key(key: &str) -> bool {
    !key.is_empty()
        && !key.chars().any(|c| {
            c.is_whitespace() || c.is_control() || matches!(c, '.' | '[' | ']' | '"' | '\\')
        })
}

/// A position in a contract file. Lines and columns start at 1; columns count characters, not
/// bytes, which is what editors show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourcePos {
    /// The file name as the caller gave it (or the origin name given to `from_json_str`).
    pub origin: String,
    pub line: u32,
    pub column: u32,
}

/// The "where" of an error: a file position when the contract came from text, and the key path.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct At {
    pub pos: Option<SourcePos>,
    pub path: KeyPath,
}

impl At {
    /// A place known only by its key path (contracts built in Rust, or before positions are
    /// filled in from the source text).
    pub fn path(path: KeyPath) -> Self {
        Self { pos: None, path }
    }
}

impl fmt::Display for At {
    /// Renders the prefix of the one-line message, including its trailing `": "`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(pos) = &self.pos {
            write!(f, "{}:{}:{}: ", pos.origin, pos.line, pos.column)?;
        }
        if !self.path.is_root() {
            write!(f, "{}: ", self.path)?;
        }
        Ok(())
    }
}

/// Why a contract could not be loaded, built or compiled.
#[derive(Debug, thiserror::Error)]
pub enum ContractError {
    /// The file could not be read at all.
    #[error("{origin}: cannot read the contract: {source}")]
    Read {
        origin: String,
        #[source]
        source: std::io::Error,
    },
    /// The text is not JSON.
    #[error("{at}invalid JSON: {message}")]
    Syntax { at: At, message: String },
    /// An object holds the same key twice. JSON parsers usually keep the last one silently,
    /// which hides typos and bad merges, so the contract refuses it.
    #[error("{at}duplicate key {key:?} (first defined at line {first_line})")]
    DuplicateKey {
        at: At,
        key: String,
        first_line: u32,
    },
    /// A key the format does not define (usually a typo).
    #[error("{at}unknown key {key:?} (expected one of: {})", expected.join(", "))]
    UnknownKey {
        at: At,
        key: String,
        expected: Vec<&'static str>,
    },
    /// A key the format requires is absent.
    #[error("{at}missing key {key:?}")]
    MissingKey { at: At, key: &'static str },
    /// A value has the wrong JSON type.
    #[error("{at}expected {expected}, found {found}")]
    WrongType {
        at: At,
        expected: &'static str,
        found: &'static str,
    },
    /// The same name declared twice through the Rust builder.
    #[error("{at}declared twice")]
    DeclaredTwice { at: At },
    /// A role, event, topic or request name that is empty.
    #[error("{at}name must not be empty")]
    EmptyName { at: At },
    /// A name holding whitespace or control characters: it could not be typed in a frame or a
    /// console filter without surprises.
    #[error("{at}name {name:?} must not contain whitespace or control characters")]
    BadName { at: At, name: String },
    /// A role event or topic reusing a shared name: a connection of that role would receive
    /// two different messages under one name.
    #[error("{at}{name:?} is already declared in shared.serverToClient")]
    NameClash { at: At, name: String },
    /// A payload, input or output that is not a valid JSON Schema.
    #[error("{at}schema does not compile: {message}")]
    InvalidSchema { at: At, message: String },
    /// A topic whose payload is not an object: topic payloads are merged with delivery
    /// metadata by clients, so they must be objects.
    #[error("{at}a topic payload must be an object schema (\"type\": \"object\")")]
    TopicNotObject { at: At },
    /// Nobody could connect to a contract without roles.
    #[error("{at}a contract needs at least one role")]
    NoRoles { at: At },
}

impl ContractError {
    /// Where the error is, for errors tied to a place in the contract (all but `Read`).
    pub fn at(&self) -> Option<&At> {
        match self {
            ContractError::Read { .. } => None,
            ContractError::Syntax { at, .. }
            | ContractError::DuplicateKey { at, .. }
            | ContractError::UnknownKey { at, .. }
            | ContractError::MissingKey { at, .. }
            | ContractError::WrongType { at, .. }
            | ContractError::DeclaredTwice { at }
            | ContractError::EmptyName { at }
            | ContractError::BadName { at, .. }
            | ContractError::NameClash { at, .. }
            | ContractError::InvalidSchema { at, .. }
            | ContractError::TopicNotObject { at }
            | ContractError::NoRoles { at } => Some(at),
        }
    }

    /// Mutable access to the place, used to fill in file positions after a semantic check.
    pub(crate) fn at_mut(&mut self) -> Option<&mut At> {
        match self {
            ContractError::Read { .. } => None,
            ContractError::Syntax { at, .. }
            | ContractError::DuplicateKey { at, .. }
            | ContractError::UnknownKey { at, .. }
            | ContractError::MissingKey { at, .. }
            | ContractError::WrongType { at, .. }
            | ContractError::DeclaredTwice { at }
            | ContractError::EmptyName { at }
            | ContractError::BadName { at, .. }
            | ContractError::NameClash { at, .. }
            | ContractError::InvalidSchema { at, .. }
            | ContractError::TopicNotObject { at }
            | ContractError::NoRoles { at } => Some(at),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_keys_join_with_dots_and_odd_keys_are_quoted() {
        let path = KeyPath::of(&["roles", "user"]).key("").key("a.b").index(2);
        assert_eq!(path.to_string(), r#"roles.user[""]["a.b"][2]"#);
    }

    #[test]
    fn prefix_holds_position_then_path() {
        let at = At {
            pos: Some(SourcePos {
                origin: "app.json".into(),
                line: 3,
                column: 7,
            }),
            path: KeyPath::of(&["roles"]),
        };
        let error = ContractError::NoRoles { at };
        assert_eq!(
            error.to_string(),
            "app.json:3:7: roles: a contract needs at least one role"
        );
    }
}
