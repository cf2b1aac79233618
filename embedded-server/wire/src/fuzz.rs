//! Entry points for the fuzz targets (`fuzz/` at the repository's root, cargo-fuzz) and the
//! property tests (`tests/contract/fuzz_*.rs`): each hands untrusted bytes to one parser and
//! says what it made of them. Sharing them keeps the two from drifting apart: a crash a
//! fuzzer finds is replayed by the property tests' code path, and the other way round.
//!
//! They return `Err(message)` for input the parser refuses, and panic only when the parser
//! breaks a promise (it panics itself, or refuses without saying why).

use crate::contract::Contract;
use crate::parse_client_frame;

/// A client's text frame, as the server's reader parses it. Bytes that are not UTF-8 never
/// reach the parser (the socket closes with 1007), so they are refused here the same way.
pub fn client_frame(data: &[u8]) -> Result<(), String> {
    let text = std::str::from_utf8(data).map_err(|e| format!("not UTF-8: {e}"))?;
    match parse_client_frame(text) {
        Ok(_) => Ok(()),
        Err(e) => Err(explained(e.message)),
    }
}

/// A contract file, loaded and compiled as `switchboard-server --contract` does.
pub fn contract_file(data: &[u8]) -> Result<(), String> {
    let text = std::str::from_utf8(data).map_err(|e| format!("not UTF-8: {e}"))?;
    let contract =
        Contract::from_json_str(text, "fuzz.json").map_err(|e| explained(e.to_string()))?;
    contract.compile().map_err(|e| explained(e.to_string()))?;
    Ok(())
}

/// An error message, checked to say something.
pub fn explained(message: String) -> String {
    assert!(
        !message.trim().is_empty(),
        "a refusal must say why (got an empty message)"
    );
    message
}
