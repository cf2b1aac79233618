//! Contract tests: loading, rules, lookups, validation, samples, typed declarations. One
//! module per behaviour, one binary so the suite links once.

mod support;

mod builder;
mod concurrent_requests;
mod docs;
mod file_errors;
mod fuzz_client_frame;
mod fuzz_contract_file;
mod lookup;
mod rules;
mod samples;
mod serde_form;
mod validation;
