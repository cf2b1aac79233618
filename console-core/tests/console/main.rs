//! The console backend over real sockets, a real capture file and real demo clients: one module
//! per behaviour, one binary so the suite links once.

mod support;
// The real redis-server helper of the cluster tests, shared rather than copied.
#[path = "../../../embedded-server/redis/tests/cluster/redis_server.rs"]
mod redis_server;

mod api_auth;
mod api_connection_peer;
mod api_connections;
mod api_connections_sort;
mod api_contract;
mod api_contract_capture;
mod api_contract_traffic;
mod api_export;
mod api_graph;
mod api_hardening_counters;
mod api_host;
mod api_limits;
mod api_overview;
mod api_push;
mod api_push_receivers;
mod api_replay;
mod api_rooms;
mod api_traffic;
mod api_traffic_pairs;
mod api_try;
mod attach;
mod attach_cluster;
mod attach_faults;
mod attach_local;
mod live_stream;
mod parity;
mod parity_panels;
mod proxy;
mod proxy_burst;
mod proxy_close;
mod proxy_fidelity;
mod proxy_replay;
mod push_history;
mod replay_isolated;
mod ts_types;
