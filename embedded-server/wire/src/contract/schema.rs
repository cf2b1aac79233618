//! One JSON Schema, compiled once and checked on the hot path.

use jsonschema::Validator;
use serde_json::Value;

use super::issue::issues_of;
use super::sample::sample_for;
use crate::Issue;

/// A compiled JSON Schema with its source and a sample value that satisfies it.
///
/// Formats (`date-time`, `email`, `uuid`, ...) are asserted, not just annotated: a contract that
/// says `"format": "email"` means it, and the samples are generated to pass. Unknown formats
/// (such as schemars' `uint32`) are ignored, as the specification asks.
#[derive(Debug)]
pub struct CompiledSchema {
    source: Value,
    validator: Validator,
    sample: Value,
}

/// The one place validators are configured, so samples, contracts and tests agree on them.
pub(crate) fn build_validator(
    schema: &Value,
) -> Result<Validator, jsonschema::ValidationError<'static>> {
    jsonschema::options()
        .should_validate_formats(true)
        .build(schema)
}

impl CompiledSchema {
    /// Compiles `schema`; the error is jsonschema's, whose instance path points inside the
    /// schema (it was validated against the meta-schema).
    pub(crate) fn compile(schema: Value) -> Result<Self, jsonschema::ValidationError<'static>> {
        let validator = build_validator(&schema)?;
        let sample = sample_for(&schema);
        Ok(Self {
            source: schema,
            validator,
            sample,
        })
    }

    /// The schema as written in the contract.
    pub fn schema(&self) -> &Value {
        &self.source
    }

    /// A value that satisfies the schema (best effort for exotic schemas; see
    /// [`sample_for`](super::sample_for)).
    pub fn sample(&self) -> &Value {
        &self.sample
    }

    /// True when `value` satisfies the schema; cheaper than [`validate`](Self::validate) because
    /// it stops at the first failure and builds no messages.
    pub fn is_valid(&self, value: &Value) -> bool {
        self.validator.is_valid(value)
    }

    /// Checks `value`, listing every problem with its path. Valid values, the common case, take
    /// the fast `is_valid` route and allocate nothing.
    pub fn validate(&self, value: &Value) -> Result<(), Vec<Issue>> {
        if self.validator.is_valid(value) {
            return Ok(());
        }
        let issues: Vec<Issue> = self
            .validator
            .iter_errors(value)
            .flat_map(issues_of)
            .collect();
        if issues.is_empty() {
            // is_valid and iter_errors disagreeing would be a jsonschema bug; still refuse.
            return Err(vec![Issue {
                path: Vec::new(),
                message: "does not match the schema".to_owned(),
            }]);
        }
        Err(issues)
    }
}
