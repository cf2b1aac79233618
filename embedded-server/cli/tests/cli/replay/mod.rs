//! `switchboard-server replay`: scenarios recorded with the replay tests' own helpers (shared
//! with `switchboard-capture`'s tests, not copied).

#[path = "../../../../capture/tests/capture/replay/scenarios.rs"]
mod scenarios;
#[path = "../../../../capture/tests/capture/replay/support.rs"]
mod support;

mod check;
mod replay_key;
