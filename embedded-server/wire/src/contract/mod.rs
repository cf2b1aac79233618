//! The contract: which requests, events and topics exist, per role, and the JSON Schema of each.
//!
//! A contract comes from a JSON file ([`Contract::from_file`], format in
//! `docs/contract-format.md`) or from Rust types ([`Contract::builder`] with the [`typed`]
//! traits); both give the same [`Contract`] value and pass the same checks. Compiling it
//! ([`Contract::compile`]) yields a [`CompiledContract`], the immutable, lock-free form the
//! server consults on every frame.
//!
//! Files:
//! - `model.rs`: the serializable contract, as loaded and as stored in captures.
//! - `spanned.rs` and `file.rs`: strict JSON parsing with positions, and the file loader.
//! - `error.rs`: [`ContractError`], one-line diagnostics with file, line, column and key path.
//! - `compiled.rs`: the semantic rules and the compiled lookup tables.
//! - `schema.rs` and `issue.rs`: one compiled schema, and its errors as wire [`Issue`]s.
//! - `sample.rs`: schema-valid sample values; `sample/` holds the `allOf` merge, numbers and
//!   strings (formats, patterns).
//! - `typed.rs` and `builder.rs`: the Rust-side declarations.
//!
//! [`Issue`]: crate::Issue

mod builder;
mod compiled;
mod error;
mod file;
mod issue;
mod model;
mod sample;
mod schema;
mod spanned;
pub mod typed;

pub use builder::{ContractBuilder, RoleBuilder};
pub use compiled::{CompiledContract, CompiledMessage, CompiledRequest, TopicLookup};
pub use error::{At, ContractError, KeyPath, PathSegment, SourcePos};
pub use model::{Contract, EventSpec, RequestSpec, RoleSpec, SharedSpec};
pub use sample::sample_for;
pub use schema::CompiledSchema;
pub use typed::{schema_of, Event, Request, SharedEvent, SharedTopic, Topic};
