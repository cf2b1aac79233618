//! Replay tests: real sockets, real SQLite captures, one module per behaviour.
//!
//! - `zero_diff`: a recorded demo session replays against a fresh demo with no difference.
//! - `deterministic`: by default (causal order) a multi-client session and a 40-client
//!   simulation replay with zero differences, every time, at speed 0 and 1.
//! - `client_frames`: env, the err answering a bad frame, the subscription ack, pings and
//!   pongs are recorded, and the HAR carries them in order.
//! - `groups`: differences grouped by JSON path (or missing/extra name) with counts.
//! - `changed_handler`: against a demo whose `say` changed, exactly the expected differences.
//! - `push_replay`: recorded server pushes reach real clients of another server.
//! - `bad_input`: unknown kinds, orphan replies, unknown requests are reported, not fatal.
//! - `control`: pause, resume and stop.
//! - `selection`: replaying one connection or a few selected rows.
//! - `plan`: what each connection is expected to receive, rebuilt from membership rows.
//! - `pairing`: answers carry their request and latency, handler effects their cause.
//! - `origin`: only the replayer (it holds the server's replay key) is recorded as `replay`.
//! - `moves`: a push received at another position is reported once as moved, not as a
//!   difference, unless the order is strict.
//! - `by_hand`: pushes received through a membership the console made by hand are skipped
//!   with the reason, not missing.
//! - `open_at_end`: leave notices caused by the replay closing connections the selection left
//!   open are skipped with the reason, not differences.
//! - `server_made_membership`: subscriptions the application made are not replayed as the
//!   client's own.

pub(crate) mod scenarios;
pub(crate) mod support;

mod bad_input;
mod by_hand;
mod changed_handler;
mod client_frames;
mod console_origin;
mod control;
mod deterministic;
mod groups;
mod moves;
mod open_at_end;
mod origin;
mod pairing;
mod plan;
mod push_replay;
mod selection;
mod server_made_membership;
mod zero_diff;
