//! Shared helpers for the contract tests: load text as `app.json` and get either the contract
//! or the one-line error, so each test reads as "this text gives this message".

// Each test file uses a different subset of these helpers.
#![allow(dead_code)]

use switchboard_wire::contract::{CompiledContract, Contract};

/// The origin name every test uses, so expected messages start with `app.json:`.
pub const ORIGIN: &str = "app.json";

/// Joins `lines` with newlines, so line N of the file is `lines[N - 1]`.
pub fn text(lines: &[&str]) -> String {
    lines.join("\n")
}

/// Loads the lines as a contract file and returns the error message, failing the test if the
/// contract loads.
pub fn load_error(lines: &[&str]) -> String {
    match Contract::from_json_str(&text(lines), ORIGIN) {
        Ok(contract) => panic!("expected an error, loaded {contract:?}"),
        Err(error) => error.to_string(),
    }
}

/// Loads the lines as a contract file, failing the test with the message if it does not load.
pub fn load(lines: &[&str]) -> Contract {
    load_str(&text(lines))
}

pub fn load_str(text: &str) -> Contract {
    match Contract::from_json_str(text, ORIGIN) {
        Ok(contract) => contract,
        Err(error) => panic!("contract should load: {error}"),
    }
}

/// Compiles a contract, failing the test with the message if it does not compile.
pub fn compiled(contract: Contract) -> CompiledContract {
    match contract.compile() {
        Ok(compiled) => compiled,
        Err(error) => panic!("contract should compile: {error}"),
    }
}

/// The chat contract fixture shared by several tests.
pub fn chat_text() -> String {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/contract/builder_chat.json"
    );
    match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) => panic!("cannot read {path}: {error}"),
    }
}

pub fn chat() -> CompiledContract {
    compiled(load_str(&chat_text()))
}
