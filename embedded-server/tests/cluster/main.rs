//! Cross-node tests: every scenario runs on the in-process hub and on a real redis-server
//! started by the test. One module per behaviour.

mod harness;
#[path = "../server/support.rs"]
#[allow(dead_code)]
mod support;

mod bus;
mod delivery;
mod interest;
mod presence;
mod rooms;
