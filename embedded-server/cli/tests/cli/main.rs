//! Tests of the `switchboard-server` binary and its subcommands: one module per behaviour, one
//! binary so the suite links once. The helpers of the server, capture and cluster suites are
//! included from their crates (`#[path]`), not copied.

#[path = "../../../capture/tests/capture/support/mod.rs"]
mod capture_support;
#[path = "../../../redis/tests/cluster/harness.rs"]
mod harness;
#[path = "../../../redis/tests/cluster/redis_server.rs"]
mod redis_server;
mod spawn;
#[path = "../../../server/tests/server/support.rs"]
mod support;

mod capture;
mod cluster_node;
mod contract_export;
mod inspect;
mod inspect_advertise;
mod replay;
mod serve;
mod signals;
