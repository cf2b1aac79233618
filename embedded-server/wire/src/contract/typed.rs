//! Typed declarations for Rust apps: a message is a type, so its name and payload shape are
//! checked by the compiler at every call site, and its schema comes from `schemars`.
//!
//! The marker traits encode the delivery rules: only a [`SharedEvent`] may be broadcast to a
//! mixed-role room (every member provably understands it), and only a [`SharedTopic`] is on the
//! cluster bus. The server's typed API takes these bounds, so misuse does not compile.

use schemars::generate::SchemaSettings;
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

/// A server-to-client push whose recipients the server picks.
pub trait Event: Serialize + DeserializeOwned + JsonSchema + Send + Sync + 'static {
    /// The name on the wire.
    const NAME: &'static str;
    /// Shown by the console; becomes the contract's `description`.
    const DESCRIPTION: Option<&'static str> = None;
}

/// An event every role understands, so it may be broadcast to rooms.
pub trait SharedEvent: Event {}

/// A server-to-client stream clients opt into with a `sub` frame. Payloads must be objects
/// (structs), which the contract checks when it is built.
pub trait Topic: Serialize + DeserializeOwned + JsonSchema + Send + Sync + 'static {
    /// The name on the wire.
    const NAME: &'static str;
    /// Shown by the console; becomes the contract's `description`.
    const DESCRIPTION: Option<&'static str> = None;
}

/// A topic every role may subscribe to; it doubles as the cluster-wide bus.
pub trait SharedTopic: Topic {}

/// A client-to-server call and its answer. The request itself carries no data (it is a name
/// and two types), so it is usually a unit struct or an uninhabited enum.
pub trait Request: Send + Sync + 'static {
    /// The name on the wire.
    const NAME: &'static str;
    /// Shown by the console; becomes the contract's `description`.
    const DESCRIPTION: Option<&'static str> = None;
    /// What the client sends.
    type Input: Serialize + DeserializeOwned + JsonSchema + Send + 'static;
    /// What the server answers.
    type Output: Serialize + DeserializeOwned + JsonSchema + Send + 'static;
}

/// The JSON Schema of `T`, normalised so a builder contract equals the same contract written as
/// a file.
///
/// The draft is pinned to 2020-12 (schemars' default "is liable to change", and a silent change
/// would alter validation). `$schema` and the root `title` are dropped: `$schema` repeats the
/// default dialect and `title` is the Rust type name, an implementation detail a hand-written
/// file would not have. `$defs` is kept because the root's `$ref`s point into it.
pub fn schema_of<T: JsonSchema + ?Sized>() -> Value {
    let schema = SchemaSettings::draft2020_12()
        .into_generator()
        .into_root_schema_for::<T>();
    normalise(schema.to_value())
}

/// Drops the root keywords that make generated schemas differ from hand-written ones.
pub(crate) fn normalise(mut schema: Value) -> Value {
    if let Value::Object(map) = &mut schema {
        map.remove("$schema");
        map.remove("title");
    }
    schema
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use serde_json::json;

    use super::*;

    #[derive(Serialize, Deserialize, JsonSchema)]
    struct Point {
        x: i32,
    }

    #[test]
    fn generated_schemas_lose_dialect_and_title() {
        assert_eq!(
            schema_of::<Point>(),
            json!({"type": "object", "properties": {"x": {"type": "integer", "format": "int32"}},
                "required": ["x"]})
        );
    }
}
