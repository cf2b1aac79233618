//! Cross-node tests: every scenario runs on the in-process hub and on a real redis-server
//! started by the test (`adapter` tests the Redis transport on its own). One module per
//! behaviour, one binary so the suite links once.

mod harness;
mod redis_server;
#[path = "../../../server/tests/server/support.rs"]
mod support;

mod adapter;
mod bus;
mod confirmed;
mod delivery;
mod examples;
mod failures;
mod interest;
mod leave_notice;
mod presence;
mod rooms;
