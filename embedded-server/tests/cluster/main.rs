//! Cross-node tests: every scenario runs on the in-process hub and on a real redis-server
//! started by the test. One module per behaviour.

mod harness;
#[path = "../support/redis_server.rs"]
mod redis_server;
#[path = "../server/support.rs"]
mod support;

mod bus;
mod delivery;
mod failures;
mod interest;
mod presence;
mod rooms;
