//! The `switchboard-server` command line.
//!
//! Where it sits: the top of the server's layers. This crate alone owns the command-line
//! parser (clap), `anyhow`, the progress bars (indicatif) and the log subscriber; it wires the
//! server library to the crates an application opts into (Redis, capture, the inspector, the
//! demo), so none of those reach an application that embeds only the server.
//!
//! - `main.rs`: the binary: `serve` (the default subcommand) and dispatch;
//! - [`capture_cmd`]: `capture export | import | stats`;
//! - [`replay_cmd`]: the `replay` subcommand;
//! - [`contract_cmd`]: `contract export`, with [`zod`], the contract as a super-line
//!   TypeScript module (docs/typescript.md).

pub mod capture_cmd;
pub mod contract_cmd;
pub mod replay_cmd;
pub mod zod;
